"""Mixins that make a container read-only or report its mutations.

Read-only containers (``ImmutableMultiDict``, ``ImmutableDict``, ...) answer every mutating
method with a ``TypeError`` naming the class, so a developer who tries to change
``request.form`` learns at once which object refused and why.
"""

from __future__ import annotations

import typing as t


def _immutable_error(obj: object) -> t.NoReturn:
    raise TypeError(f"{type(obj).__name__!r} objects are immutable; make a copy() to change it")


class ImmutableListMixin:
    """Makes a ``list`` subclass read-only and hashable."""

    _hash_cache: int | None = None

    def __hash__(self) -> int:
        if self._hash_cache is not None:
            return self._hash_cache
        rv = self._hash_cache = hash(tuple(t.cast(list[t.Any], self)))
        return rv

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        return type(self), (list(t.cast(list[t.Any], self)),)

    def __delitem__(self, key: t.Any) -> None:
        _immutable_error(self)

    def __iadd__(self, other: t.Any) -> t.Any:
        _immutable_error(self)

    def __imul__(self, other: t.Any) -> t.Any:
        _immutable_error(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        _immutable_error(self)

    def append(self, item: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def remove(self, item: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def extend(self, iterable: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def insert(self, pos: t.Any, value: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def pop(self, index: t.Any = -1) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def reverse(self) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def sort(self, key: t.Any = None, reverse: bool = False) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def clear(self) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)


class ImmutableDictMixin:
    """Makes a ``dict`` subclass read-only and hashable."""

    _hash_cache: int | None = None

    @classmethod
    def fromkeys(cls, keys: t.Any, value: t.Any = None) -> t.Any:
        """A new instance mapping every key of *keys* to *value*."""
        return cls(dict.fromkeys(keys, value))  # type: ignore[call-arg]

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        return type(self), (dict(t.cast(dict[t.Any, t.Any], self)),)

    def _iter_hashitems(self) -> t.Iterable[t.Any]:
        return t.cast(dict[t.Any, t.Any], self).items()

    def __hash__(self) -> int:
        if self._hash_cache is not None:
            return self._hash_cache
        rv = self._hash_cache = hash(frozenset(self._iter_hashitems()))
        return rv

    def setdefault(self, key: t.Any, default: t.Any = None) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def update(self, arg: t.Any = None, /, **kwargs: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def __ior__(self, other: t.Any) -> t.Any:
        _immutable_error(self)

    def pop(self, key: t.Any, default: t.Any = None) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def popitem(self) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        _immutable_error(self)

    def __delitem__(self, key: t.Any) -> None:
        _immutable_error(self)

    def clear(self) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)


class ImmutableMultiDictMixin(ImmutableDictMixin):
    """Makes a ``MultiDict`` subclass read-only and hashable."""

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        return type(self), (list(self.items(multi=True)),)  # type: ignore[attr-defined]

    def _iter_hashitems(self) -> t.Iterable[t.Any]:
        return self.items(multi=True)  # type: ignore[attr-defined, no-any-return]

    def add(self, key: t.Any, value: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def popitemlist(self) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def poplist(self, key: t.Any) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def setlist(self, key: t.Any, new_list: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def setlistdefault(self, key: t.Any, default_list: t.Any = None) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)


class ImmutableHeadersMixin:
    """Makes a ``Headers`` subclass read-only."""

    __slots__ = ()

    def __delitem__(self, key: t.Any) -> None:
        _immutable_error(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        _immutable_error(self)

    def set(self, key: t.Any, value: t.Any, /, **kwargs: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def setlist(self, key: t.Any, values: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def add(self, key: t.Any, value: t.Any, /, **kwargs: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def add_header(self, key: t.Any, value: t.Any, /, **kwargs: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def remove(self, key: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def extend(self, arg: t.Any = None, /, **kwargs: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def update(self, arg: t.Any = None, /, **kwargs: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def __ior__(self, other: t.Any) -> t.Any:
        _immutable_error(self)

    def insert(self, pos: t.Any, value: t.Any) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def pop(self, key: t.Any = None, default: t.Any = None) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def popitem(self) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def setdefault(self, key: t.Any, default: t.Any) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def setlistdefault(self, key: t.Any, default: t.Any) -> t.Any:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)

    def clear(self) -> None:
        """Refused: the object is read-only (raises ``TypeError``)."""
        _immutable_error(self)


class UpdateDictMixin:
    """Calls ``self.on_update(self)`` after every mutation of a ``dict`` subclass.

    Sessions and cache-control objects use it to learn that they must be written back.
    """

    on_update: t.Callable[[t.Any], None] | None = None

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def setdefault(self, key: t.Any, default: t.Any = None) -> t.Any:
        """As ``dict.setdefault``, then calls ``on_update`` if anything changed."""
        modified = key not in self  # type: ignore[operator]
        rv = super().setdefault(key, default)  # type: ignore[misc]
        if modified:
            self._changed()
        return rv

    def pop(self, key: t.Any, *default: t.Any) -> t.Any:
        """As ``dict.pop``, then calls ``on_update`` if anything changed."""
        modified = key in self  # type: ignore[operator]
        rv = super().pop(key, *default)  # type: ignore[misc]
        if modified:
            self._changed()
        return rv

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        super().__setitem__(key, value)  # type: ignore[misc]
        self._changed()

    def __delitem__(self, key: t.Any) -> None:
        super().__delitem__(key)  # type: ignore[misc]
        self._changed()

    def clear(self) -> None:
        """As ``dict.clear``, then calls ``on_update`` if anything changed."""
        super().clear()  # type: ignore[misc]
        self._changed()

    def popitem(self) -> t.Any:
        """As ``dict.popitem``, then calls ``on_update`` if anything changed."""
        rv = super().popitem()  # type: ignore[misc]
        self._changed()
        return rv

    def update(self, arg: t.Any = None, /, **kwargs: t.Any) -> None:
        """As ``dict.update``, then calls ``on_update`` if anything changed."""
        if arg is None:
            super().update(**kwargs)  # type: ignore[misc]
        else:
            super().update(arg, **kwargs)  # type: ignore[misc]
        self._changed()

    def __ior__(self, other: t.Any) -> t.Any:
        self.update(other)
        return self
