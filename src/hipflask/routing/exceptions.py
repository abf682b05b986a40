"""Routing errors: redirects to the canonical URL and URL-building failures."""

from __future__ import annotations

import difflib
import typing as t

from ..exceptions import HTTPException
from ..utils import redirect

if t.TYPE_CHECKING:
    from ..response import Response
    from .map import MapAdapter


class RoutingException(Exception):
    """Base class of the exceptions the router raises to change the request's course."""


class RequestRedirect(HTTPException, RoutingException):
    """308: the URL is not canonical (missing trailing slash, merged slashes, defaults).

    ``new_url`` is the absolute canonical URL; the method and body are kept by clients
    because the code is 308.
    """

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        self.new_url = new_url

    def get_response(
        self, environ: dict[str, t.Any] | None = None, scope: dict[str, t.Any] | None = None
    ) -> Response:
        return redirect(self.new_url, self.code)


class BuildError(RoutingException, LookupError):
    """``url_for`` could not build a URL; the message names the endpoint and the values.

    It says whether the endpoint does not exist (with close matches), which values are
    missing, or which method or default values got in the way.
    """

    def __init__(
        self,
        endpoint: str,
        values: t.Mapping[str, t.Any],
        method: str | None,
        adapter: MapAdapter | None = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.endpoint = endpoint
        self.values = values
        self.method = method
        self.adapter = adapter

    def _explain(self) -> str:
        if self.adapter is None:
            return ""
        url_map = self.adapter.map
        rules = url_map._rules_by_endpoint.get(self.endpoint)
        if not rules:
            close = difflib.get_close_matches(str(self.endpoint), list(url_map._rules_by_endpoint))
            hint = f" Did you mean '{close[0]}' instead?" if close else ""
            return f" No URL rule has this endpoint.{hint}"
        best = min(rules, key=lambda r: len(r.arguments - set(self.values) - set(r.defaults or ())))
        missing = sorted(best.arguments - set(self.values) - set(best.defaults or ()))
        if missing:
            return f" Missing value(s) for {', '.join(repr(m) for m in missing)} in rule '{best.rule}'."
        if self.method and best.methods and self.method not in best.methods:
            return f" Rule '{best.rule}' does not accept {self.method}; it accepts {', '.join(sorted(best.methods))}."
        wrong = [
            k for k, v in (best.defaults or {}).items() if k in self.values and self.values[k] != v
        ]
        if wrong:
            return f" Rule '{best.rule}' needs its default value(s) for {', '.join(repr(k) for k in wrong)}."
        return f" A converter of rule '{best.rule}' refused the given value(s)."

    def __str__(self) -> str:
        given = f" with values {sorted(self.values)!r}" if self.values else ""
        method = f" and method {self.method!r}" if self.method else ""
        return (
            f"Could not build url for endpoint {self.endpoint!r}{given}{method}.{self._explain()}"
        )


class WebsocketMismatch(HTTPException):
    """400: the rule is for WebSocket requests only, or for HTTP only."""

    code = 400
    description = "This URL is for a different protocol (WebSocket vs HTTP)."
