"""The helper functions views call: ``url_for``, ``redirect``, ``abort``, ``make_response``...

They work on the current app (``current_app``) so views do not need a reference to it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from datetime import datetime
from functools import update_wrapper

from .exceptions import abort as _abort
from .flashing import flash, get_flashed_messages
from .globals import _cv_app, _cv_request, current_app, request_ctx
from .sending import _MaxAge, wsgi_send_file, wsgi_send_from_directory
from .utils import redirect as _redirect

if t.TYPE_CHECKING:
    from .wrappers import Response


def _dropin_active() -> bool:
    """Whether the drop-in mode is on. Nothing is imported to find out: the mode's module
    is loaded by ``import hipflask.as_flask``, so if it is not loaded the mode is off."""
    dropin = sys.modules.get("hipflask.dropin")
    return dropin is not None and bool(dropin.is_active())


def environ_setting(suffix: str) -> str | None:
    """The ``HIPFLASK_<suffix>`` environment variable; in drop-in mode, when it is unset,
    Flask's ``FLASK_<suffix>`` (so an unmodified Flask project's settings still apply)."""
    value = os.environ.get(f"HIPFLASK_{suffix}")
    if value is None and _dropin_active():
        value = os.environ.get(f"FLASK_{suffix}")
    return value


def get_debug_flag() -> bool:
    """Whether ``HIPFLASK_DEBUG`` (in drop-in mode also ``FLASK_DEBUG``) asks for debug
    mode: anything but empty, ``0``, ``false`` or ``no``."""
    value = environ_setting("DEBUG")
    return bool(value and value.lower() not in ("0", "false", "no"))


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env``/``.hipflaskenv``: ``HIPFLASK_SKIP_DOTENV`` (in drop-in mode
    also ``FLASK_SKIP_DOTENV``) turns it off."""
    value = environ_setting("SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in ("0", "false", "no")


def get_root_path(import_name: str) -> str:
    """The folder of a module, or of a package's ``__init__``; the cwd if unknown."""
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None) if module is not None else None
    if filename:
        result: str = os.path.dirname(os.path.abspath(filename))
        return result
    try:
        spec = importlib.util.find_spec(import_name)
        if spec is None:
            raise ValueError
    except (ImportError, ValueError):
        return os.getcwd()
    if spec.origin and spec.origin not in ("namespace", "built-in", "frozen"):
        return os.path.dirname(os.path.abspath(spec.origin))
    raise RuntimeError(
        f"No root path can be found for the module {import_name!r} (a namespace package, or"
        " a module from an import hook without file names). Pass root_path= explicitly."
    )


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr]:
    """Keep the request context alive while a streamed response body is generated.

    Wrap a generator (or decorate a generator function) returned from a view so it can use
    ``request`` and ``session`` after the view has returned.
    """
    try:
        gen = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(generator_or_function(*args, **kwargs))  # type: ignore[operator]

        return update_wrapper(decorator, generator_or_function)  # type: ignore[arg-type, return-value]

    def generator() -> t.Iterator[t.AnyStr | None]:
        ctx = _cv_request.get(None)
        if ctx is None:
            raise RuntimeError(
                "'stream_with_context' can only be used when a request context is active,"
                " such as in a view function."
            )
        app_ctx = _cv_app.get()
        with app_ctx, ctx:
            yield None
            try:
                yield from gen
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()

    wrapped = generator()
    next(wrapped)
    return wrapped  # type: ignore[return-value]


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, to change it before returning.

    ``make_response()`` gives an empty response; one argument is converted like a view's
    return value; several are treated as a tuple ``(body, status, headers)``.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """The URL of *endpoint* with *values* (unknown values become the query string).

    ``_external`` gives an absolute URL (the default outside a request), ``_scheme`` its
    scheme, ``_anchor`` a ``#fragment``, ``_method`` picks a rule by method. ``.name`` is
    relative to the current blueprint.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(location: str, code: int = 302, Response: type[t.Any] | None = None) -> t.Any:
    """A redirect response to *location* (``code`` 301, 302, 303, 307 or 308)."""
    if current_app:
        return current_app.redirect(location, code=code)
    return _redirect(location, code=code, Response=Response)


def abort(code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop the request with an HTTP error: ``abort(404)``, or ``abort(response)``."""
    if current_app:
        current_app.aborter(code, *args, **kwargs)
    _abort(code, *args, **kwargs)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """A macro or variable defined in a template, callable from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def _app_kwargs(kwargs: dict[str, t.Any]) -> dict[str, t.Any]:
    """Fill in what Flask takes from the current app and request."""
    req_ctx = _cv_request.get(None)
    if req_ctx is None:
        raise RuntimeError(
            "send_file() and send_from_directory() need a request context: call"
            " them from a view (or use hipflask.utils.send_file with an environ)."
        )
    app = req_ctx.app
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs["environ"] = req_ctx.request.environ
    kwargs["use_x_sendfile"] = app.config["USE_X_SENDFILE"]
    kwargs["response_class"] = app.response_class
    kwargs["_root_path"] = app.root_path
    return kwargs


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: _MaxAge = None,
) -> Response:
    """Respond with a file's contents (Flask's ``send_file``).

    Relative paths are relative to ``app.root_path``. Without *max_age*,
    ``app.get_send_file_max_age`` decides (``SEND_FILE_MAX_AGE_DEFAULT``);
    ``USE_X_SENDFILE`` hands the path to the front server. Never pass a path
    from the client: use :func:`send_from_directory`. Everything else is
    :func:`wsgi_send_file`.
    """
    return wsgi_send_file(  # type: ignore[return-value]
        **_app_kwargs(
            {
                "path_or_file": path_or_file,
                "mimetype": mimetype,
                "as_attachment": as_attachment,
                "download_name": download_name,
                "conditional": conditional,
                "etag": etag,
                "last_modified": last_modified,
                "max_age": max_age,
            }
        )
    )


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: t.Any
) -> Response:
    """Send *path* (may come from the client) from inside *directory* (Flask's).

    *directory* is relative to ``app.root_path`` and must not come from the
    client. Traversal attempts and missing files are a 404. Keyword arguments
    go to :func:`send_file`.
    """
    return wsgi_send_from_directory(directory, path, **_app_kwargs(kwargs))  # type: ignore[return-value]


__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "request_ctx",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
