"""Dictionaries and lists for request data: ``MultiDict`` and friends.

Query strings and forms may repeat a key (``?tag=a&tag=b``), so ``request.args`` and
``request.form`` are ``MultiDict``: a ``dict`` of key -> list of values whose ``[]`` and
``get`` answer the first value (what most views want) while ``getlist`` answers all of them.
A missing key raises ``BadRequestKeyError``, a ``KeyError`` that the app turns into 400.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from copy import deepcopy

from ..exceptions import BadRequestKeyError
from ..header_values import quote_header_value
from .mixins import (
    ImmutableDictMixin,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    UpdateDictMixin,
)

K = t.TypeVar("K")
V = t.TypeVar("V")
T = t.TypeVar("T")

_missing: t.Any = object()
# MultiDict stores lists behind a dict[K, V] interface; calling dict's methods through an
# untyped alias keeps the type checker out of that (deliberate) mismatch.
_dict: t.Any = dict


def _key_error(key: t.Any) -> Exception:
    # Imported on the error path only: hipflask.exceptions imports hipflask.http, which
    # imports this package, so a module-level import would be circular.
    return BadRequestKeyError(key)


MultiInput = t.Union[
    "MultiDict[t.Any, t.Any]",
    cabc.Mapping[t.Any, t.Any],
    cabc.Iterable[tuple[t.Any, t.Any]],
]


def iter_multi_items(mapping: t.Any) -> cabc.Iterator[tuple[t.Any, t.Any]]:
    """Yield every ``(key, value)`` pair of a MultiDict, a dict or an iterable of pairs.

    In a plain dict a list, tuple or set value stands for several values of one key.
    """
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, cabc.Mapping):
        for key, value in mapping.items():
            if isinstance(value, (list, tuple, set)):
                for v in value:
                    yield key, v
            else:
                yield key, value
    else:
        yield from mapping


class ImmutableList(ImmutableListMixin, list[V]):  # type: ignore[misc]
    """A ``list`` that refuses changes (``TypeError``) and can be hashed."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"


class TypeConversionDict(dict[K, V]):
    """A ``dict`` whose ``get`` can convert the value: ``d.get("page", 1, type=int)``.

    A conversion that fails with ``ValueError`` or ``TypeError`` returns *default*, so
    ``?page=abc`` yields the default instead of an error.
    """

    def get(
        self, key: K, default: t.Any = None, type: cabc.Callable[[t.Any], t.Any] | None = None
    ) -> t.Any:
        """The value for *key* (converted by *type* if given), else *default*."""
        try:
            rv = self[key]
        except KeyError:
            return default
        if type is None:
            return rv
        try:
            return type(rv)
        except (ValueError, TypeError):
            return default


class ImmutableTypeConversionDict(ImmutableDictMixin, TypeConversionDict[K, V]):  # type: ignore[misc]
    """A read-only :class:`TypeConversionDict`; ``copy()`` gives a mutable one."""

    def copy(self) -> TypeConversionDict[K, V]:
        """A mutable copy."""
        return TypeConversionDict(self)

    def __copy__(self) -> ImmutableTypeConversionDict[K, V]:
        return self


class MultiDict(TypeConversionDict[K, V]):
    """A ``dict`` of key -> list of values, as forms and query strings need.

    ``d[key]`` and ``d.get(key)`` give the first value, ``d.getlist(key)`` all of them,
    ``d.add(key, value)`` appends, ``d[key] = value`` replaces. A missing key raises
    :class:`~hipflask.exceptions.BadRequestKeyError` (a ``KeyError`` that becomes a 400).

    Built from a MultiDict, a dict (a list/tuple/set value means several values; an empty
    one means no key), or an iterable of ``(key, value)`` pairs.
    """

    def __init__(self, mapping: MultiInput | None = None) -> None:
        # Hot path (every query string and form): build the key -> list dict in one pass
        # and hand it to dict.__init__ instead of calling add() per pair.
        if mapping is None:
            _dict.__init__(self)
        elif isinstance(mapping, MultiDict):
            _dict.__init__(self, {k: vs[:] for k, vs in _dict.items(mapping)})
        elif isinstance(mapping, (list, tuple)) or not isinstance(mapping, cabc.Mapping):
            # Pairs (the parsers' output) first: the Mapping ABC check is the slow one.
            tmp: dict[t.Any, list[t.Any]] = {}
            get = tmp.get
            for key, value in mapping:
                lst = get(key)
                if lst is None:
                    tmp[key] = [value]
                else:
                    lst.append(value)
            _dict.__init__(self, tmp)
        else:
            tmp = {}
            for key, value in mapping.items():
                if isinstance(value, (list, tuple, set)):
                    if not value:
                        continue
                    tmp[key] = list(value)
                else:
                    tmp[key] = [value]
            _dict.__init__(self, tmp)

    def __getstate__(self) -> t.Any:
        return dict(self.lists())

    def __setstate__(self, value: t.Any) -> None:
        _dict.clear(self)
        _dict.update(self, value)

    def __iter__(self) -> cabc.Iterator[K]:
        # Overriding __iter__ stops dict(md) from taking the internal lists directly.
        result: t.Iterator[K] = _dict.__iter__(self)
        return result

    def __getitem__(self, key: K) -> V:
        """The first value for *key*; a missing key raises ``BadRequestKeyError``."""
        try:
            result: V = _dict.__getitem__(self, key)[0]
            return result
        except (KeyError, IndexError):
            raise _key_error(key) from None

    def __setitem__(self, key: K, value: V) -> None:
        """Replace every value of *key* by *value*."""
        _dict.__setitem__(self, key, [value])

    def get(
        self, key: K, default: t.Any = None, type: cabc.Callable[[t.Any], t.Any] | None = None
    ) -> t.Any:
        """The first value for *key* (converted by *type* if given), else *default*.

        A conversion that raises ``ValueError`` or ``TypeError`` returns *default*.
        """
        # Hot path: one dict lookup, no exception for a missing key.
        lst = _dict.get(self, key)
        if not lst:
            return default
        if type is None:
            return lst[0]
        try:
            return type(lst[0])
        except (ValueError, TypeError):
            return default

    def add(self, key: K, value: V) -> None:
        """Append *value* to the values of *key*."""
        _dict.setdefault(self, key, []).append(value)

    def getlist(self, key: K, type: cabc.Callable[[t.Any], t.Any] | None = None) -> list[t.Any]:
        """Every value of *key* (a new list; ``[]`` if missing).

        With *type*, values whose conversion fails are left out.
        """
        lst = _dict.get(self, key)
        if lst is None:
            return []
        if type is None:
            return list(lst)
        rv = []
        for item in lst:
            try:
                rv.append(type(item))
            except (ValueError, TypeError):
                pass
        return rv

    def setlist(self, key: K, new_list: cabc.Iterable[V]) -> None:
        """Replace the values of *key* by those of *new_list* (copied)."""
        _dict.__setitem__(self, key, list(new_list))

    def setdefault(self, key: K, default: t.Any = None) -> t.Any:
        """The first value of *key*, setting it to *default* first if missing."""
        if key not in self:
            self[key] = default
        return self[key]

    def setlistdefault(self, key: K, default_list: cabc.Iterable[V] | None = None) -> list[V]:
        """The live list of values for *key* (created from *default_list* if missing).

        Appending to the returned list adds values to the dict.
        """
        if key not in self:
            _dict.__setitem__(self, key, list(default_list or ()))
        result: list[V] = _dict.__getitem__(self, key)
        return result

    def items(self, multi: bool = False) -> cabc.Iterator[tuple[K, V]]:  # type: ignore[override]
        """``(key, first value)`` pairs, or every ``(key, value)`` pair with ``multi=True``."""
        if multi:
            for key, values in _dict.items(self):
                for value in values:
                    yield key, value
        else:
            for key, values in _dict.items(self):
                yield key, values[0]

    def lists(self) -> cabc.Iterator[tuple[K, list[V]]]:
        """``(key, list of values)`` pairs (the lists are copies)."""
        for key, values in _dict.items(self):
            yield key, list(values)

    def values(self) -> cabc.Iterator[V]:  # type: ignore[override]
        """The first value of every key."""
        for values in _dict.values(self):
            yield values[0]

    def listvalues(self) -> cabc.Iterable[list[V]]:
        """The list of values of every key (the internal lists)."""
        result: t.Iterable[list[V]] = _dict.values(self)
        return result

    def copy(self) -> t.Any:
        """A shallow copy of the same class (value lists are copied)."""
        return self.__class__(self)

    def deepcopy(self, memo: t.Any = None) -> t.Any:
        """A deep copy of the same class."""
        return self.__class__(deepcopy(self.to_dict(flat=False), memo))

    def to_dict(self, flat: bool = True) -> dict[t.Any, t.Any]:
        """A plain dict: first values, or lists of values with ``flat=False``."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def update(self, mapping: MultiInput) -> None:  # type: ignore[override]
        """Add the values of *mapping* (unlike ``dict.update`` nothing is replaced)."""
        for key, value in iter_multi_items(mapping):
            self.add(key, value)

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

    def pop(self, key: K, default: t.Any = _missing) -> t.Any:
        """Remove *key* and return its first value (or *default*)."""
        try:
            lst = _dict.pop(self, key)
            if not lst:
                raise _key_error(key)
            return lst[0]
        except KeyError:
            if default is not _missing:
                return default
            raise _key_error(key) from None

    def popitem(self) -> tuple[K, V]:
        """Remove an item and return ``(key, first value)``."""
        try:
            key, values = _dict.popitem(self)
        except KeyError as e:
            raise _key_error(e.args[0] if e.args else None) from None
        if not values:
            raise _key_error(key)
        return key, values[0]

    def poplist(self, key: K) -> list[V]:
        """Remove *key* and return all its values (``[]`` if missing)."""
        result: list[V] = _dict.pop(self, key, [])
        return result

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove an item and return ``(key, list of values)``."""
        try:
            result: tuple[K, list[V]] = _dict.popitem(self)
            return result
        except KeyError as e:
            raise _key_error(e.args[0] if e.args else None) from None

    def __copy__(self) -> t.Any:
        return self.copy()

    def __deepcopy__(self, memo: t.Any) -> t.Any:
        return self.deepcopy(memo=memo)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class ImmutableMultiDict(ImmutableMultiDictMixin, MultiDict[K, V]):  # type: ignore[misc]
    """A read-only :class:`MultiDict` (``request.args``, ``request.form``).

    Every mutating method raises ``TypeError`` naming the class; ``copy()`` gives a
    mutable ``MultiDict``.
    """

    def copy(self) -> MultiDict[K, V]:
        """A mutable :class:`MultiDict` copy."""
        return MultiDict(self)

    def __copy__(self) -> ImmutableMultiDict[K, V]:
        return self


class CombinedMultiDict(ImmutableMultiDictMixin, MultiDict[K, V]):  # type: ignore[misc]
    """A read-only view over several MultiDicts (``request.values`` = args + form).

    ``[]``/``get`` answer from the first dict that has the key; ``getlist`` joins all.
    """

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        return type(self), (self.dicts,)

    def __init__(self, dicts: cabc.Iterable[MultiDict[K, V]] | None = None) -> None:
        super().__init__()
        self.dicts: list[MultiDict[K, V]] = list(dicts or ())

    @classmethod
    def fromkeys(cls, keys: t.Any, value: t.Any = None) -> t.NoReturn:
        """Not supported: a combined view has no storage of its own."""
        raise TypeError(f"cannot create {cls.__name__!r} instances by fromkeys")

    def __getitem__(self, key: K) -> V:
        for d in self.dicts:
            if key in d:
                return d[key]
        raise _key_error(key)

    def get(
        self, key: K, default: t.Any = None, type: cabc.Callable[[t.Any], t.Any] | None = None
    ) -> t.Any:
        """The first value found for *key* (converted by *type*), else *default*."""
        for d in self.dicts:
            if key in d:
                if type is None:
                    return d[key]
                try:
                    return type(d[key])
                except (ValueError, TypeError):
                    continue
        return default

    def getlist(self, key: K, type: cabc.Callable[[t.Any], t.Any] | None = None) -> list[t.Any]:
        """Every value of *key* from every dict, in order."""
        rv = []
        for d in self.dicts:
            rv.extend(d.getlist(key, type))
        return rv

    def _keys_impl(self) -> set[K]:
        rv: set[K] = set()
        rv.update(*self.dicts)
        return rv

    def keys(self) -> cabc.Iterable[K]:  # type: ignore[override]
        """Every key of every dict, once."""
        return self._keys_impl()

    def __iter__(self) -> cabc.Iterator[K]:
        return iter(self._keys_impl())

    def items(self, multi: bool = False) -> cabc.Iterator[tuple[K, V]]:  # type: ignore[override]
        """``(key, first value)`` pairs, or all pairs with ``multi=True``."""
        found = set()
        for d in self.dicts:
            for key, value in d.items(multi):
                if multi:
                    yield key, value
                elif key not in found:
                    found.add(key)
                    yield key, value

    def values(self) -> cabc.Iterator[V]:  # type: ignore[override]
        """The first value of every key."""
        for _key, value in self.items():
            yield value

    def lists(self) -> cabc.Iterator[tuple[K, list[V]]]:
        """``(key, all values)`` pairs, values joined across dicts."""
        rv: dict[K, list[V]] = {}
        for d in self.dicts:
            for key, values in d.lists():
                rv.setdefault(key, []).extend(values)
        yield from rv.items()

    def listvalues(self) -> cabc.Iterator[list[V]]:
        """The joined list of values of every key."""
        return (x[1] for x in self.lists())

    def copy(self) -> MultiDict[K, V]:
        """A mutable :class:`MultiDict` with every value of every dict."""
        return MultiDict(self.items(multi=True))

    def __len__(self) -> int:
        return len(self._keys_impl())

    def __contains__(self, key: object) -> bool:
        return any(key in d for d in self.dicts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"


class ImmutableDict(ImmutableDictMixin, dict[K, V]):  # type: ignore[misc]
    """A read-only, hashable ``dict``; ``copy()`` gives a plain mutable dict."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def copy(self) -> dict[K, V]:
        """A mutable ``dict`` copy."""
        return dict(self)

    def __copy__(self) -> ImmutableDict[K, V]:
        return self


class CallbackDict(UpdateDictMixin, dict[K, V]):
    """A ``dict`` that calls ``on_update(self)`` after every change.

    Sessions use it to know that they were modified and must be saved.
    """

    def __init__(
        self,
        initial: cabc.Mapping[K, V] | cabc.Iterable[tuple[K, V]] | None = None,
        on_update: cabc.Callable[[t.Any], None] | None = None,
    ) -> None:
        if initial is None:
            super().__init__()
        else:
            super().__init__(initial)
        self.on_update = on_update

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class HeaderSet(cabc.MutableSet[str]):
    """An ordered, case-insensitive set of header tokens (``Vary``, ``Allow``, ...).

    ``on_update(self)`` is called after every change so a response can rewrite its header.
    """

    def __init__(
        self,
        headers: cabc.Iterable[str] | None = None,
        on_update: cabc.Callable[[HeaderSet], None] | None = None,
    ) -> None:
        self._headers = list(headers or ())
        self._set = {x.lower() for x in self._headers}
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def add(self, header: str) -> None:
        """Add *header* unless an equal one (ignoring case) is present."""
        self.update((header,))

    def remove(self, header: str) -> None:
        """Remove *header*; ``KeyError`` if it is absent."""
        key = header.lower()
        if key not in self._set:
            raise KeyError(header)
        self._set.remove(key)
        for idx, item in enumerate(self._headers):
            if item.lower() == key:
                del self._headers[idx]
                break
        self._changed()

    def update(self, iterable: cabc.Iterable[str]) -> None:
        """Add every header of *iterable*."""
        inserted = False
        for header in iterable:
            key = header.lower()
            if key not in self._set:
                self._headers.append(header)
                self._set.add(key)
                inserted = True
        if inserted:
            self._changed()

    def discard(self, header: str) -> None:
        """Remove *header* if present."""
        try:
            self.remove(header)
        except KeyError:
            pass

    def find(self, header: str) -> int:
        """The index of *header*, or -1."""
        header = header.lower()
        for idx, item in enumerate(self._headers):
            if item.lower() == header:
                return idx
        return -1

    def index(self, header: str) -> int:
        """The index of *header*; ``IndexError`` if absent."""
        rv = self.find(header)
        if rv < 0:
            raise IndexError(header)
        return rv

    def clear(self) -> None:
        """Remove every header."""
        self._set.clear()
        self._headers.clear()
        self._changed()

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        """A Python ``set`` of the tokens (lower-cased unless *preserve_casing*)."""
        if preserve_casing:
            return set(self._headers)
        return set(self._set)

    def to_header(self) -> str:
        """The header value: tokens joined by ``", "``, quoted where needed."""
        return ", ".join(map(quote_header_value, self._headers))

    def __getitem__(self, idx: t.SupportsIndex) -> str:
        return self._headers[idx]

    def __delitem__(self, idx: t.SupportsIndex) -> None:
        rv = self._headers.pop(idx)
        self._set.remove(rv.lower())
        self._changed()

    def __setitem__(self, idx: t.SupportsIndex, value: str) -> None:
        old = self._headers[idx]
        self._set.remove(old.lower())
        self._headers[idx] = value
        self._set.add(value.lower())
        self._changed()

    def __contains__(self, header: object) -> bool:
        return isinstance(header, str) and header.lower() in self._set

    def __len__(self) -> int:
        return len(self._set)

    def __iter__(self) -> cabc.Iterator[str]:
        return iter(self._headers)

    def __bool__(self) -> bool:
        return bool(self._set)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._headers!r})"
