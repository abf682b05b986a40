"""HTTP headers: ``Headers`` (responses, test requests) and ``EnvironHeaders`` (requests).

Both are ordered, case-insensitive multi-maps. ``Headers`` keeps its data as a plain list of
``(name, value)`` tuples, the very list handed to WSGI's ``start_response``: building a
response's headers costs one list, and sending them costs nothing more.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

from ..header_values import dump_options_header
from .mixins import ImmutableHeadersMixin
from .structures import MultiDict, _key_error, iter_multi_items

_missing: t.Any = object()


HeadersInput = t.Union[
    "Headers",
    MultiDict[str, t.Any],
    cabc.Mapping[str, t.Any],
    cabc.Iterable[tuple[str, t.Any]],
]


def _check_header(key: str, value: str) -> None:
    # Hot path: isprintable() is one C pass and is False for CR, LF and NUL; only the
    # rare value with a tab or another non-printable character gets the exact checks.
    if value.isprintable() and key.isprintable() and value.isascii() and key.isascii():
        return
    if "\n" in value or "\r" in value or "\0" in value:
        raise ValueError(
            f"Header {key!r}: the value contains a newline or NUL character, which would"
            " allow header injection."
        )
    if "\n" in key or "\r" in key or "\0" in key:
        raise ValueError(
            f"Header name {key!r} contains a newline or NUL character, which would"
            " allow header injection."
        )
    # Location headers may hold an IRI: get_wsgi_headers() converts them to a URI on output.
    if key.lower() in ("location", "content-location") and value.isprintable():
        return
    # PEP 3333: header names and values travel as latin-1.
    try:
        key.encode("latin-1")
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"Header {key!r}: {value!r} has characters outside latin-1, which HTTP headers"
            " cannot carry; encode the value first (for file names, RFC 8187)."
        ) from None


def _str_header_value(key: str, value: t.Any) -> str:
    if value.__class__ is not str:
        value = str(value)
    _check_header(key, value)
    result: str = value
    return result


def _options_header_vkw(value: t.Any, kw: dict[str, t.Any]) -> str:
    return dump_options_header(str(value), {k.replace("_", "-"): v for k, v in kw.items()})


class Headers:
    """An ordered, case-insensitive list of HTTP headers that allows duplicates.

    ``h[name]`` gives the first value (a missing name raises ``BadRequestKeyError``),
    ``h.get(name, default, type=int)``, ``h.getlist(name)``, ``h.add(name, value)`` appends,
    ``h.set(name, value)`` / ``h[name] = value`` replaces. Iterating yields ``(name, value)``
    pairs. Values are converted with ``str()``; a name or value containing CR, LF or NUL
    raises ``ValueError`` naming the header, so user input can never inject a header.
    Werkzeug checks only values for CR/LF; hipflask also checks names and NUL on purpose.

    Data lives in ``self._list`` (a list of ``(str, str)``), which :meth:`to_wsgi_list`
    returns as is; :meth:`from_list` wraps an existing list without copying.
    """

    # Hot path: one Headers per response; slots keep it small and attribute access fast.
    __slots__ = ("_list",)

    def __init__(self, defaults: HeadersInput | None = None) -> None:
        self._list: list[tuple[str, str]] = []
        if defaults is not None:
            self.extend(defaults)

    @classmethod
    def from_list(cls, pairs: list[tuple[str, str]]) -> Headers:
        """Wrap *pairs* (a list of ``(str, str)``) without copying or validating it.

        For trusted, already-checked header lists on the hot path; the list is shared.
        """
        obj = cls.__new__(cls)
        obj._list = pairs
        return obj

    def __getitem__(self, key: t.Any) -> t.Any:
        if isinstance(key, str):
            return self._get_key(key)
        if isinstance(key, int):
            return self._list[key]
        return self.__class__(self._list[key])

    def _get_key(self, key: str) -> str:
        ikey = key.lower()
        for k, v in self._list:
            if k == key or k.lower() == ikey:
                return v
        raise _key_error(key)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine = {(k.lower(), v) for k, v in self._list}
        theirs = {(k.lower(), v) for k, v in other._list}
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]

    def get(
        self, key: str, default: t.Any = None, type: cabc.Callable[[str], t.Any] | None = None
    ) -> t.Any:
        """The first value of *key* (converted by *type*), else *default*.

        A *type* that raises ``ValueError`` gives *default*.
        """
        ikey = key.lower()
        for k, v in self._list:
            if k == key or k.lower() == ikey:
                if type is None:
                    return v
                try:
                    return type(v)
                except ValueError:
                    return default
        return default

    def getlist(self, key: str, type: cabc.Callable[[str], t.Any] | None = None) -> list[t.Any]:
        """Every value of *key*, in order; with *type*, failed conversions are left out."""
        ikey = key.lower()
        if type is None:
            return [v for k, v in self if k.lower() == ikey]
        rv = []
        for k, v in self:
            if k.lower() == ikey:
                try:
                    rv.append(type(v))
                except ValueError:
                    continue
        return rv

    def get_all(self, name: str) -> list[str]:
        """Every value of *name* (``wsgiref.headers`` compatible alias of ``getlist``)."""
        return self.getlist(name)

    def items(self, lower: bool = False) -> cabc.Iterator[tuple[str, str]]:
        """``(name, value)`` pairs; names lower-cased with ``lower=True``."""
        for key, value in self:
            yield (key.lower() if lower else key), value

    def keys(self, lower: bool = False) -> cabc.Iterator[str]:
        """Header names, in order, duplicates included."""
        for key, _ in self.items(lower):
            yield key

    def values(self) -> cabc.Iterator[str]:
        """Header values, in order."""
        for _, value in self.items():
            yield value

    def extend(self, arg: HeadersInput | None = None, /, **kwargs: t.Any) -> None:
        """Add the headers of *arg* (Headers, MultiDict, dict or pairs) and *kwargs*."""
        if arg is not None:
            for key, value in iter_multi_items(arg):
                self.add(key, value)
        for key, value in iter_multi_items(kwargs):
            self.add(key, value)

    def __delitem__(self, key: t.Any) -> None:
        if isinstance(key, str):
            self._del_key(key)
        else:
            del self._list[key]

    def _del_key(self, key: str) -> None:
        ikey = key.lower()
        self._list[:] = [item for item in self._list if item[0].lower() != ikey]

    def remove(self, key: str) -> None:
        """Remove every header named *key* (no error if there is none)."""
        self._del_key(key)

    def pop(self, key: str | int | None = None, default: t.Any = _missing) -> t.Any:
        """Remove and return: the last pair (no key), the pair at an index, or the first
        value of a name (all headers of that name are removed)."""
        if key is None:
            return self._list.pop()
        if isinstance(key, int):
            return self._list.pop(key)
        try:
            rv = self._get_key(key)
        except KeyError:
            if default is not _missing:
                return default
            raise
        self.remove(key)
        return rv

    def popitem(self) -> tuple[str, str]:
        """Remove and return the last ``(name, value)`` pair."""
        return self._list.pop()

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        ikey = key.lower()
        # A plain loop: any() with a generator costs more on this hot path.
        for k, _ in self._list:  # noqa: SIM110
            if k == key or k.lower() == ikey:
                return True
        return False

    def __iter__(self) -> cabc.Iterator[tuple[str, str]]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def add(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Append a header; keyword arguments become ``; name=value`` parameters
        (underscores turned into dashes), e.g. ``add("Content-Disposition", "attachment",
        filename="a.png")``."""
        if kwargs:
            value = _options_header_vkw(value, kwargs)
        if value.__class__ is not str:
            value = str(value)
        if not (value.isascii() and value.isprintable() and key.isascii() and key.isprintable()):
            _check_header(key, value)
        self._list.append((key, value))

    def add_header(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Alias of :meth:`add` (``wsgiref.headers`` compatible)."""
        self.add(key, value, **kwargs)

    def clear(self) -> None:
        """Remove every header."""
        self._list.clear()

    def set(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Replace every header named *key* by one; it takes the place of the first one
        (or is appended). Keyword arguments work as in :meth:`add`."""
        if kwargs:
            value = _options_header_vkw(value, kwargs)
        if value.__class__ is not str:
            value = str(value)
        if not (value.isascii() and value.isprintable() and key.isascii() and key.isprintable()):
            _check_header(key, value)
        lst = self._list
        ikey = key.lower()
        for idx, (old_key, _) in enumerate(lst):
            if old_key.lower() == ikey:
                lst[idx] = (key, value)
                # Drop later duplicates; the common case (no duplicates) copies nothing.
                rest = lst[idx + 1 :]
                if rest:
                    lst[idx + 1 :] = [item for item in rest if item[0].lower() != ikey]
                return
        lst.append((key, value))

    def setlist(self, key: str, values: cabc.Iterable[t.Any]) -> None:
        """Replace the headers named *key* by one header per value (none removes them)."""
        values = list(values)
        if values:
            self.set(key, values[0])
            for value in values[1:]:
                self.add(key, value)
        else:
            self.remove(key)

    def setdefault(self, key: str, default: t.Any) -> str:
        """The first value of *key*, setting it to *default* first if missing."""
        try:
            return self._get_key(key)
        except KeyError:
            pass
        self.set(key, default)
        return self._get_key(key)

    def setlistdefault(self, key: str, default: cabc.Iterable[t.Any]) -> list[str]:
        """The values of *key* (a copy), setting them to *default* first if missing."""
        if key not in self:
            self.setlist(key, default)
        return self.getlist(key)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        if isinstance(key, str):
            self.set(key, value)
        elif isinstance(key, int):
            self._list[key] = value[0], _str_header_value(value[0], value[1])
        else:
            self._list[key] = [(k, _str_header_value(k, v)) for k, v in value]

    def update(self, arg: HeadersInput | None = None, /, **kwargs: t.Any) -> None:
        """Replace headers with those of *arg* and *kwargs* (use :meth:`extend` to add).

        In a dict, a list/tuple/set value sets several headers of that name.
        """
        if arg is not None:
            if isinstance(arg, (Headers, MultiDict)):
                for key in dict.fromkeys(arg.keys()):
                    self.setlist(key, arg.getlist(key))
            elif isinstance(arg, cabc.Mapping):
                for key, value in arg.items():
                    if isinstance(value, (list, tuple, set)):
                        self.setlist(key, value)
                    else:
                        self.set(key, value)
            else:
                for key, value in arg:
                    self.set(key, value)
        for key, value in kwargs.items():
            if isinstance(value, (list, tuple, set)):
                self.setlist(key, value)
            else:
                self.set(key, value)

    def __or__(self, other: t.Any) -> t.Any:
        if not isinstance(other, cabc.Mapping):
            return NotImplemented
        rv = self.copy()
        rv.update(other)
        return rv

    def __ior__(self, other: t.Any) -> t.Any:
        if not isinstance(other, (cabc.Mapping, cabc.Iterable)):
            return NotImplemented
        self.update(other)
        return self

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """The header list for ``start_response``: the internal list itself, not a copy."""
        return self._list

    def copy(self) -> t.Any:
        """An independent copy."""
        return self.__class__.from_list(list(self._list))

    def __copy__(self) -> t.Any:
        return self.copy()

    def __str__(self) -> str:
        """The header block as sent over HTTP, ending with an empty line."""
        lines = [f"{key}: {value}" for key, value in self.to_wsgi_list()]
        lines.append("\r\n")
        return "\r\n".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


_CONTENT_KEYS = frozenset(("CONTENT_TYPE", "CONTENT_LENGTH"))
_SHADOWED_KEYS = frozenset(("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"))


class EnvironHeaders(ImmutableHeadersMixin, Headers):
    """A read-only, case-insensitive view of the request headers in a WSGI environ.

    Nothing is copied: ``h["User-Agent"]`` is one ``environ["HTTP_USER_AGENT"]`` lookup.
    A missing header raises ``BadRequestKeyError``; any change raises ``TypeError``.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, t.Any]) -> None:
        self._list = []
        self.environ = environ

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnvironHeaders):
            return NotImplemented
        return self.environ is other.environ

    __hash__ = None

    def _lookup(self, key: t.Any) -> t.Any:
        # Hot path: name -> environ key with two str methods, then one dict lookup.
        if not isinstance(key, str):
            return None
        ekey = key.upper().replace("-", "_")
        if ekey in _CONTENT_KEYS:
            return self.environ.get(ekey)
        return self.environ.get("HTTP_" + ekey)

    def __getitem__(self, key: t.Any) -> str:
        # Hot path, inlined: request.headers["X"] is common in views.
        if key.__class__ is str:
            ekey = key.upper().replace("-", "_")
            rv = self.environ.get(ekey if ekey in _CONTENT_KEYS else "HTTP_" + ekey)
            if rv is not None:
                result: str = rv
                return result
        raise _key_error(key)

    def _get_key(self, key: str) -> str:
        rv = self._lookup(key)
        if rv is None:
            raise _key_error(key)
        result: str = rv
        return result

    def get(
        self, key: str, default: t.Any = None, type: cabc.Callable[[str], t.Any] | None = None
    ) -> t.Any:
        """The value of *key* (converted by *type*), else *default*."""
        if key.__class__ is not str:
            return default
        # Hot path, inlined: request.headers.get("X") is the most common header read.
        ekey = key.upper().replace("-", "_")
        rv = self.environ.get(ekey if ekey in _CONTENT_KEYS else "HTTP_" + ekey)
        if rv is None:
            return default
        if type is None:
            return rv
        try:
            return type(rv)
        except ValueError:
            return default

    def __contains__(self, key: object) -> bool:
        return self._lookup(key) is not None

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __iter__(self) -> cabc.Iterator[tuple[str, str]]:
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in _SHADOWED_KEYS:
                    yield key[5:].replace("_", "-").title(), value
            elif key in _CONTENT_KEYS and value:
                yield key.replace("_", "-").title(), value

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """The headers as a new list of pairs."""
        return list(self)

    def copy(self) -> t.NoReturn:
        """Not supported: build ``Headers(environ_headers)`` for a mutable copy."""
        raise TypeError(f"cannot create {type(self).__name__!r} copies")

    def __or__(self, other: t.Any) -> t.NoReturn:
        raise TypeError(f"cannot create {type(self).__name__!r} copies")
