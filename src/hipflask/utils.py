"""Small helpers apps import directly (the equivalent of ``werkzeug.utils``).

``secure_filename`` for uploads, ``redirect``, ``import_string``, ``cached_property``,
``get_content_type``; ``safe_join`` comes from :mod:`hipflask.security` and
``send_file``/``send_from_directory`` from :mod:`hipflask.sending` (loaded on first use).
"""

from __future__ import annotations

import os
import pkgutil
import re
import sys
import typing as t
import unicodedata

from markupsafe import escape

from .header_values import get_content_type
from .response import Response as BaseResponse
from .security import _windows_device_files, safe_join
from .sending import wsgi_send_file, wsgi_send_from_directory

if t.TYPE_CHECKING:
    from .response import Response

_T = t.TypeVar("_T")
_missing: t.Any = object()

_filename_ascii_strip_re = re.compile(r"[^A-Za-z0-9_.-]")


class cached_property(property, t.Generic[_T]):
    """A property computed once per instance, then served from the instance.

    Assigning sets the cached value; ``del`` clears it. A class with ``__slots__`` needs a
    ``_cache_<name>`` slot.
    """

    def __init__(
        self, fget: t.Callable[[t.Any], _T], name: str | None = None, doc: str | None = None
    ) -> None:
        super().__init__(fget, doc=doc)
        self.__name__ = name or fget.__name__
        self.slot_name = f"_cache_{self.__name__}"
        self.__module__ = fget.__module__

    def __set__(self, obj: object, value: _T) -> None:
        if hasattr(obj, "__dict__"):
            obj.__dict__[self.__name__] = value
        else:
            setattr(obj, self.slot_name, value)

    def __get__(self, obj: object, type: type | None = None) -> t.Any:
        if obj is None:
            return self
        obj_dict = getattr(obj, "__dict__", None)
        if obj_dict is not None:
            value = obj_dict.get(self.__name__, _missing)
        else:
            value = getattr(obj, self.slot_name, _missing)
        if value is _missing:
            value = self.fget(obj)  # type: ignore[misc]
            if obj_dict is not None:
                obj_dict[self.__name__] = value
            else:
                setattr(obj, self.slot_name, value)
        return value

    def __delete__(self, obj: object) -> None:
        if hasattr(obj, "__dict__"):
            del obj.__dict__[self.__name__]
        else:
            setattr(obj, self.slot_name, _missing)


class _DictAccessorProperty(t.Generic[_T]):
    """Base of :class:`environ_property` and :class:`header_property`."""

    read_only = False

    def __init__(
        self,
        name: str,
        default: _T | None = None,
        load_func: t.Callable[[str], _T] | None = None,
        dump_func: t.Callable[[_T], str] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.load_func = load_func
        self.dump_func = dump_func
        if read_only is not None:
            self.read_only = read_only
        self.__doc__ = doc

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        raise NotImplementedError

    def __get__(self, instance: t.Any, owner: type | None = None) -> t.Any:
        if instance is None:
            return self
        storage = self.lookup(instance)
        if self.name not in storage:
            return self.default
        value = storage[self.name]
        if self.load_func is not None:
            try:
                return self.load_func(value)
            except (ValueError, TypeError):
                return self.default
        return value

    def __set__(self, instance: t.Any, value: _T) -> None:
        if self.read_only:
            raise AttributeError(f"{self.name!r} is a read-only property")
        storage = self.lookup(instance)
        storage[self.name] = self.dump_func(value) if self.dump_func is not None else value

    def __delete__(self, instance: t.Any) -> None:
        if self.read_only:
            raise AttributeError(f"{self.name!r} is a read-only property")
        self.lookup(instance).pop(self.name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class environ_property(_DictAccessorProperty[_T]):
    """An attribute read from ``obj.environ[name]`` (read-only by default), with an
    optional *default* and *load_func* converter."""

    read_only = True

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        """The mapping the value lives in: ``instance.environ``."""
        return t.cast("t.MutableMapping[str, t.Any]", instance.environ)


class header_property(_DictAccessorProperty[_T]):
    """An attribute read from and written to ``obj.headers[name]``."""

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        """The mapping the value lives in: ``instance.headers``."""
        return t.cast("t.MutableMapping[str, t.Any]", instance.headers)


def secure_filename(filename: str) -> str:
    r"""An ASCII-only file name safe to store on disk and to pass to ``os.path.join``.

    >>> secure_filename("My cool movie.mov")
    'My_cool_movie.mov'
    >>> secure_filename("../../../etc/passwd")
    'etc_passwd'
    >>> secure_filename("i contain cool \xfcml\xe4uts.txt")
    'i_contain_cool_umlauts.txt'

    Accents are stripped, path separators and spaces become ``_``, other characters are
    dropped, leading/trailing dots and underscores removed. On Windows a device name
    (``CON``, ``NUL.txt``...) gets a leading ``_``, as Werkzeug does. The result may be
    empty: pick a generated name then.
    """
    filename = unicodedata.normalize("NFKD", filename)
    filename = filename.encode("ascii", "ignore").decode("ascii")
    for sep in os.sep, os.path.altsep:
        if sep:
            filename = filename.replace(sep, " ")
    filename = _filename_ascii_strip_re.sub("", "_".join(filename.split())).strip("._")
    if os.name == "nt" and filename and filename.split(".")[0].upper() in _windows_device_files:
        filename = f"_{filename}"
    return filename


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A response redirecting to *location* with status *code* (301, 302, 303, 305, 307,
    308), with a short HTML body linking to it.

    A *location* containing CR, LF or NUL raises ``ValueError`` (header injection).
    """
    response_class: t.Any = BaseResponse if Response is None else Response
    html_location = escape(location)
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target"
        f' URL: <a href="{html_location}">{html_location}</a>. If not, click the link.\n'
    )
    response: BaseResponse = response_class(body, code, mimetype="text/html")
    response.headers["Location"] = location
    return response


def append_slash_redirect(environ: dict[str, t.Any], code: int = 308) -> Response:
    """Redirect to the current URL with a ``/`` appended (relative to the last segment,
    query string kept)."""
    tail = environ["PATH_INFO"].rpartition("/")[2]
    new_path = f"{tail}/" if tail else "./"
    query_string = environ.get("QUERY_STRING")
    if query_string:
        new_path = f"{new_path}?{query_string}"
    return redirect(new_path, code)


class ImportStringError(ImportError):
    """:func:`import_string` failed; the message lists which parts of the path resolved."""

    import_name: str
    exception: BaseException

    def __init__(self, import_name: str, exception: BaseException) -> None:
        self.import_name = import_name
        self.exception = exception
        msg = import_name
        name = ""
        tracked = []
        for part in import_name.replace(":", ".").split("."):
            name = f"{name}.{part}" if name else part
            imported = import_string(name, silent=True)
            if imported:
                tracked.append((name, getattr(imported, "__file__", None)))
                continue
            track = [f"- {n!r} found in {f!r}." for n, f in tracked]
            track.append(f"- {name!r} not found.")
            track_str = "\n".join(track)
            msg = (
                f"import_string() could not import {import_name!r}.\n\n{track_str}\n\n"
                f"Original exception: {type(exception).__name__}: {exception}"
            )
            break
        super().__init__(msg)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.import_name!r}, {self.exception!r})>"


def import_string(import_name: str, silent: bool = False) -> t.Any:
    """Import an object from a dotted path (``pkg.mod.obj``) or ``pkg.mod:obj``.

    On failure raises :class:`ImportStringError` naming what was found and what was not,
    or returns None with *silent*.
    """
    import_name = import_name.replace(":", ".")
    try:
        try:
            __import__(import_name)
        except ImportError:
            if "." not in import_name:
                raise
        else:
            return sys.modules[import_name]
        module_name, obj_name = import_name.rsplit(".", 1)
        module = __import__(module_name, globals(), locals(), [obj_name])
        try:
            return getattr(module, obj_name)
        except AttributeError as e:
            raise ImportError(e) from None
    except ImportError as e:
        if not silent:
            raise ImportStringError(import_name, e).with_traceback(sys.exc_info()[2]) from None
    return None


def find_modules(
    import_path: str, include_packages: bool = False, recursive: bool = False
) -> t.Iterator[str]:
    """The dotted names of the modules inside package *import_path*."""
    module = import_string(import_path)
    path = getattr(module, "__path__", None)
    if path is None:
        raise ValueError(f"find_modules(): {import_path!r} is not a package")
    basename = f"{module.__name__}."
    for _importer, modname, ispkg in pkgutil.iter_modules(path):
        modname = basename + modname
        if ispkg:
            if include_packages:
                yield modname
            if recursive:
                yield from find_modules(modname, include_packages, True)
        else:
            yield modname


# Werkzeug's names for the environ-level file senders (they take the environ explicitly).
send_file = wsgi_send_file
send_from_directory = wsgi_send_from_directory


__all__ = [
    "ImportStringError",
    "append_slash_redirect",
    "cached_property",
    "environ_property",
    "find_modules",
    "get_content_type",
    "header_property",
    "import_string",
    "redirect",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
]
