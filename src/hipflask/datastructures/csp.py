"""The ``Content-Security-Policy`` header as a dict with one attribute per directive."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

from ..header_values import dump_csp_header
from .structures import CallbackDict


def csp_property(key: str) -> t.Any:
    """A property reading/writing directive *key* (``None`` removes it)."""
    return property(
        lambda self: self.get(key),
        lambda self, value: self._set_value(key, value),
        lambda self: self.pop(key, None),
        f"The ``{key}`` directive, or None.",
    )


_DIRECTIVES = [
    "base-uri",
    "child-src",
    "connect-src",
    "default-src",
    "font-src",
    "form-action",
    "frame-ancestors",
    "frame-src",
    "img-src",
    "manifest-src",
    "media-src",
    "navigate-to",
    "object-src",
    "prefetch-src",
    "plugin-types",
    "report-to",
    "report-uri",
    "sandbox",
    "script-src",
    "script-src-attr",
    "script-src-elem",
    "style-src",
    "style-src-attr",
    "style-src-elem",
    "worker-src",
]


class ContentSecurityPolicy(CallbackDict[str, str]):
    """Directive -> value; attributes use underscores (``csp.default_src = "'self'"``)."""

    def __init__(
        self,
        values: cabc.Mapping[str, str] | cabc.Iterable[tuple[str, str]] | None = (),
        on_update: cabc.Callable[[t.Any], None] | None = None,
    ) -> None:
        super().__init__(values, on_update)
        self.provided = values is not None

    def _set_value(self, key: str, value: str | None) -> None:
        if value is None:
            self.pop(key, None)
        else:
            self[key] = value

    def to_header(self) -> str:
        """The header value: ``directive value; directive value``."""
        return dump_csp_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        kv_str = " ".join(f"{k}={v!r}" for k, v in sorted(self.items()))
        return f"<{type(self).__name__} {kv_str}>"


for _directive in _DIRECTIVES:
    setattr(ContentSecurityPolicy, _directive.replace("-", "_"), csp_property(_directive))
