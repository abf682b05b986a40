"""Small helpers the toolkit shares (Werkzeug's ``_internal``): :class:`lazy_property` and
:func:`has_level_handler`.

``lazy_property`` computes an attribute on first access, then serves it from the instance.

Used for the request's parsed parts. It behaves like ``functools.cached_property`` minus the
per-instance lock that Python 3.11's version takes on every first access (a measurable cost
when a request reads several lazy attributes). Two threads racing on one new instance may
both compute the value; the last one wins, which is harmless for pure computations.
"""

from __future__ import annotations

import logging
import typing as t

T = t.TypeVar("T")


class lazy_property(t.Generic[T]):
    """A non-data descriptor: after the first access, the value sits in the instance's
    ``__dict__`` and attribute lookup finds it there without calling anything."""

    def __init__(self, func: t.Callable[[t.Any], T]) -> None:
        self.func = func
        self.attrname = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.attrname = name

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy_property[T]: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | lazy_property[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.attrname] = self.func(obj)
        return value


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether *logger* or a parent (while propagating) has a handler for its level.

    Both the app logger and the development server's logger add their own stderr handler
    only when this is false, so an application's logging configuration always wins.
    """
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False
