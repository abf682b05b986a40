"""The ``Cache-Control`` header as a dict with typed attributes.

``response.cache_control.max_age = 300`` or ``request.cache_control.no_cache``: directive
names use dashes in HTTP and underscores as Python attributes. Values are stored as
``str | None`` (``None`` for a directive without a value); the attributes convert.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

from ..header_values import dump_header
from .mixins import ImmutableDictMixin
from .structures import CallbackDict


def cache_control_property(
    key: str, empty: t.Any, type: type[t.Any] | None, *, doc: str | None = None
) -> t.Any:
    """A property reading/writing directive *key* of a cache-control dict.

    *type* ``bool``: present or not. Otherwise the value converted by *type* (``None`` when
    absent or unconvertible), *empty* when present without a value. Subclasses use it to
    add extension directives.
    """
    if doc is None:
        doc = f"The ``{key}`` directive ({'present or not' if type is bool else 'or None'})."
    return property(
        lambda self: self._get_cache_value(key, empty, type),
        lambda self, value: self._set_cache_value(key, value, type),
        lambda self: self._del_cache_value(key),
        doc=doc,
    )


class _CacheControl(CallbackDict[str, "str | None"]):
    """Directives shared by request and response ``Cache-Control`` headers."""

    no_store: bool = cache_control_property("no-store", None, bool)
    max_age: int | None = cache_control_property("max-age", None, int)
    no_transform: bool = cache_control_property("no-transform", None, bool)
    stale_if_error: int | None = cache_control_property("stale-if-error", None, int)

    def __init__(
        self,
        values: cabc.Mapping[str, t.Any] | cabc.Iterable[tuple[str, t.Any]] | None = (),
        on_update: cabc.Callable[[t.Any], None] | None = None,
    ) -> None:
        super().__init__(values, on_update)
        self.provided = values is not None

    def _get_cache_value(self, key: str, empty: t.Any, type: type[t.Any] | None) -> t.Any:
        if type is bool:
            return key in self
        if key not in self:
            return None
        value = self[key]
        if value is None:
            return empty
        if type is not None:
            try:
                return type(value)
            except ValueError:
                return None
        return value

    def _set_cache_value(self, key: str, value: t.Any, type: type[t.Any] | None) -> None:
        if type is bool:
            if value:
                self[key] = None
            else:
                self.pop(key, None)
        elif value is None or value is False:
            self.pop(key, None)
        elif value is True:
            self[key] = None
        else:
            if type is not None:
                value = type(value)
            self[key] = str(value)

    def _del_cache_value(self, key: str) -> None:
        if key in self:
            del self[key]

    def to_header(self) -> str:
        """The header value, e.g. ``public, max-age=300``."""
        return dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        kv_str = " ".join(f"{k}={v!r}" for k, v in sorted(self.items()))
        return f"<{type(self).__name__} {kv_str}>"

    cache_property = staticmethod(cache_control_property)


class RequestCacheControl(ImmutableDictMixin, _CacheControl):  # type: ignore[misc]
    """The request's ``Cache-Control`` (read-only): ``no_cache``, ``max_age``,
    ``max_stale`` (True when given without a value), ``min_fresh``, ``only_if_cached``."""

    no_cache: bool = cache_control_property("no-cache", None, bool)
    max_stale: int | t.Literal[True] | None = cache_control_property("max-stale", True, int)
    min_fresh: int | None = cache_control_property("min-fresh", None, int)
    only_if_cached: bool = cache_control_property("only-if-cached", None, bool)


class ResponseCacheControl(_CacheControl):
    """The response's ``Cache-Control`` (mutable; changes rewrite the header):
    ``public``, ``private``, ``no_cache``, ``must_revalidate``, ``s_maxage``, ``immutable``..."""

    no_cache: str | t.Literal[True] | None = cache_control_property("no-cache", True, None)
    public: bool = cache_control_property("public", None, bool)
    private: str | t.Literal[True] | None = cache_control_property("private", True, None)
    must_revalidate: bool = cache_control_property("must-revalidate", None, bool)
    proxy_revalidate: bool = cache_control_property("proxy-revalidate", None, bool)
    s_maxage: int | None = cache_control_property("s-maxage", None, int)
    immutable: bool = cache_control_property("immutable", None, bool)
    must_understand: bool = cache_control_property("must-understand", None, bool)
    stale_while_revalidate: int | None = cache_control_property("stale-while-revalidate", None, int)
