"""The URL map (all rules of an app) and the adapter that matches and builds for one host."""

from __future__ import annotations

import re
import typing as t
import warnings
from threading import Lock
from urllib.parse import quote, urljoin

from ..exceptions import BadHost, MethodNotAllowed, NotFound
from ..request import wsgi_to_text
from ..urls import url_encode
from ..wsgi import get_host
from .converters import DEFAULT_CONVERTERS, PATH_SAFE, BaseConverter
from .exceptions import BuildError, RequestRedirect, WebsocketMismatch
from .matcher import Matcher, NoMatch, RequestPath
from .rules import Rule

if t.TYPE_CHECKING:
    from ..datastructures import MultiDict

    WSGIEnvironment = dict[str, t.Any]


class Map:
    """All URL rules of an application (Werkzeug's ``Map``).

    The matcher is compiled lazily, on the first match or build after rules change, so adding
    rules at import time costs nothing per request.
    """

    default_converters: t.Mapping[str, type[BaseConverter]] = DEFAULT_CONVERTERS
    lock_class = Lock

    def __init__(
        self,
        rules: t.Iterable[Rule] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: t.Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: t.Callable[[t.Any], t.Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        self._matcher = Matcher(merge_slashes)
        self._rules: list[Rule] = []
        self._rules_by_endpoint: dict[t.Any, list[Rule]] = {}
        self._remap = True
        self._remap_lock = self.lock_class()
        self.default_subdomain = default_subdomain
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_defaults = redirect_defaults
        self.host_matching = host_matching
        self.converters = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key
        for rule in rules or ():
            self.add(rule)

    def is_endpoint_expecting(self, endpoint: t.Any, *arguments: str) -> bool:
        """Whether some rule of *endpoint* takes all of *arguments* (defaults count)."""
        self.update()
        wanted = set(arguments)
        for rule in self._rules_by_endpoint.get(endpoint, ()):
            if wanted.issubset(rule.arguments):
                return True
        return False

    def iter_rules(self, endpoint: t.Any | None = None) -> t.Iterator[Rule]:
        """The rules of *endpoint*, or every rule grouped by endpoint (endpoints in the order
        first seen; within one, in building order), as Werkzeug lists them."""
        self.update()
        if endpoint is not None:
            return iter(self._rules_by_endpoint.get(endpoint, ()))
        return (rule for rules in self._rules_by_endpoint.values() for rule in rules)

    def add(self, rulefactory: Rule) -> None:
        """Add a rule (or everything a rule factory yields) and mark the map for recompiling."""
        for rule in rulefactory.get_rules(self):
            rule.bind(self)
            self._rules.append(rule)
            self._rules_by_endpoint.setdefault(rule.endpoint, []).append(rule)
        self._remap = True

    def update(self) -> None:
        """Recompile the matcher and build order if rules changed since the last call."""
        if not self._remap:
            return
        with self._remap_lock:
            if not self._remap:
                return
            matcher = Matcher(self.merge_slashes)
            for rule in self._rules:
                if not rule.build_only:
                    matcher.add(rule)
            matcher.finish()
            for rules in self._rules_by_endpoint.values():
                rules.sort(key=Rule.build_compare_key)
            for rule in self._rules:
                rule._needs_adapter = rule.redirect_to is not None or (
                    self.redirect_defaults
                    and any(
                        other.provides_defaults_for(rule)
                        for other in self._rules_by_endpoint[rule.endpoint]
                    )
                )
            self._matcher = matcher
            self._remap = False

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: t.Mapping[str, t.Any] | str | None = None,
    ) -> MapAdapter:
        """An adapter for matching and building URLs on *server_name*."""
        server_name = server_name.lower()
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("A Map with host_matching does not take a subdomain.")
        elif subdomain is None:
            subdomain = self.default_subdomain
        if script_name is None:
            script_name = "/"
        if path_info is None:
            path_info = "/"
        try:
            server_name = server_name.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise BadHost() from e
        return MapAdapter(
            self,
            server_name,
            script_name,
            subdomain,
            url_scheme,
            path_info,
            default_method,
            query_args,
        )

    def bind_to_environ(
        self,
        environ: WSGIEnvironment | t.Any,
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """An adapter for the request described by *environ* (or a Request)."""
        env: WSGIEnvironment = getattr(environ, "environ", environ)
        host = get_host(env)
        scheme = env["wsgi.url_scheme"]
        if server_name is None:
            server_name = host
        else:
            server_name = server_name.lower()
            if scheme == "http" and server_name.endswith(":80"):
                server_name = server_name[:-3]
            elif scheme == "https" and server_name.endswith(":443"):
                server_name = server_name[:-4]
        if subdomain is None and not self.host_matching:
            current = host.split(".")
            real = server_name.split(".")
            offset = -len(real)
            if current[offset:] != real:
                warnings.warn(
                    f"Current server name {host!r} doesn't match configured server name"
                    f" {server_name!r}",
                    stacklevel=2,
                )
                subdomain = "<invalid>"
            else:
                subdomain = ".".join(filter(None, current[:offset]))
        return Map.bind(
            self,
            server_name,
            script_name=wsgi_to_text(env.get("SCRIPT_NAME", "")),
            subdomain=subdomain,
            url_scheme=scheme,
            default_method=env["REQUEST_METHOD"],
            path_info=wsgi_to_text(env.get("PATH_INFO", "")),
            query_args=env.get("QUERY_STRING", ""),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.iter_rules())!r})"


class MapAdapter:
    """Matches and builds URLs for one host, script root and scheme (Werkzeug's adapter)."""

    __slots__ = (
        "default_method",
        "map",
        "path_info",
        "query_args",
        "script_name",
        "server_name",
        "subdomain",
        "url_scheme",
        "websocket",
    )

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str | None,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: t.Mapping[str, t.Any] | str | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        if not script_name.endswith("/"):
            script_name += "/"
        self.script_name = script_name
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args
        self.websocket = url_scheme in {"ws", "wss"}

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: t.Mapping[str, t.Any] | str | None = None,
        websocket: bool | None = None,
    ) -> tuple[t.Any, t.Mapping[str, t.Any]]:
        """``(endpoint or rule, view arguments)`` for the path, or raise.

        Raises :class:`NotFound`, :class:`MethodNotAllowed` (with the allowed methods) or
        :class:`RequestRedirect` to the canonical URL.
        """
        url_map = self.map
        url_map.update()
        if path_info is None:
            path_info = self.path_info
        if query_args is None:
            query_args = self.query_args or {}
        method = (method or self.default_method).upper()
        if websocket is None:
            websocket = self.websocket
        domain = self.server_name
        if not url_map.host_matching and self.subdomain is not None:
            domain = self.subdomain
        path = f"/{path_info.lstrip('/')}" if path_info else ""
        try:
            rule, values = url_map._matcher.match(domain, path, method, websocket)
        except RequestPath as e:
            new_path = quote(e.path_info, safe=PATH_SAFE)
            raise RequestRedirect(self.make_redirect_url(new_path, query_args)) from None
        except NoMatch as e:
            raise e.http_error() from None

        if url_map.redirect_defaults:
            redirect_url = self.get_default_redirect(rule, method, values, query_args)
            if redirect_url is not None:
                raise RequestRedirect(redirect_url)
        if rule.redirect_to is not None:
            if isinstance(rule.redirect_to, str):
                target = rule.redirect_to
                for name, value in values.items():
                    target = target.replace(f"<{name}>", quote(str(value), safe=PATH_SAFE))
                    target = _replace_typed(target, name, str(value))
            else:
                target = rule.redirect_to(self, **values)
            base = f"{self.url_scheme or 'http'}://{self.get_host(domain)}{self.script_name}"
            raise RequestRedirect(urljoin(base, target))
        if return_rule:
            return rule, values
        return rule.endpoint, values

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether the path matches (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            pass
        except (NotFound, MethodNotAllowed, WebsocketMismatch):
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> t.Iterable[str]:
        """The methods the path accepts (what ``Allow`` lists)."""
        try:
            self.match(path_info, method="--")
        except MethodNotAllowed as e:
            return list(e.valid_methods or ())
        except (NotFound, RequestRedirect, WebsocketMismatch):
            pass
        return []

    def get_host(self, domain_part: str | None) -> str:
        """The host for a domain part: the host itself, or subdomain + server name."""
        if self.map.host_matching:
            return domain_part if domain_part is not None else self.server_name
        subdomain = domain_part if domain_part is not None else self.subdomain
        if subdomain:
            return f"{subdomain}.{self.server_name}"
        return self.server_name

    def get_default_redirect(
        self,
        rule: Rule,
        method: str,
        values: t.MutableMapping[str, t.Any],
        query_args: t.Mapping[str, t.Any] | str,
    ) -> str | None:
        """The canonical URL when an earlier rule of the endpoint provides these defaults."""
        for other in self.map._rules_by_endpoint[rule.endpoint]:
            if other is rule:
                break
            if other.provides_defaults_for(rule) and other.suitable_for(values, method):
                values.update(other.defaults or {})
                built = other.build(values)
                if built is None:
                    return None
                domain, path = built
                return self.make_redirect_url(path, query_args, domain_part=domain)
        return None

    def encode_query_args(self, query_args: t.Mapping[str, t.Any] | str) -> str:
        """A query string from a mapping (strings pass through)."""
        if isinstance(query_args, str):
            return query_args
        return url_encode(query_args)

    def make_redirect_url(
        self,
        path_info: str,
        query_args: t.Mapping[str, t.Any] | str | None = None,
        domain_part: str | None = None,
    ) -> str:
        """The absolute URL of *path_info* on this adapter's host, keeping the query."""
        query = self.encode_query_args(query_args) if query_args else ""
        path, sep, built_query = path_info.partition("?")
        if sep:
            query = built_query if not query else f"{built_query}&{query}"
        url = f"{self.url_scheme}://{self.get_host(domain_part)}"
        url += f"{self.script_name.rstrip('/')}/{path.lstrip('/')}"
        return f"{url}?{query}" if query else url

    def build(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any] | MultiDict[str, t.Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """The URL for *endpoint* with *values*; unknown values become the query string.

        Relative to the server unless the rule lives on another (sub)domain or
        *force_external* is set. Raises :class:`BuildError` when no rule fits.
        """
        url_map = self.map
        url_map.update()
        clean = _clean_values(values)
        built = self._partial_build(endpoint, clean, method, append_unknown)
        if built is None:
            raise BuildError(endpoint, clean, method, self)
        domain, path, websocket = built
        host = self.get_host(domain)
        script = self.script_name.rstrip("/")
        if websocket:
            # Browsers need an absolute ws:// or wss:// URL for a WebSocket (as Werkzeug).
            secure = (url_scheme or self.url_scheme) in ("https", "wss")
            return f"{'wss' if secure else 'ws'}://{host}{script}/{path.lstrip('/')}"
        if not force_external and (
            (url_map.host_matching and host == self.server_name)
            or (not url_map.host_matching and domain == self.subdomain)
        ):
            return f"{script}/{path.lstrip('/')}"
        # Rules are for HTTP: any scheme becomes http or https, as Werkzeug does.
        scheme = "https" if (url_scheme or self.url_scheme) in ("https", "wss") else "http"
        return f"{scheme}://{host}{script}/{path.lstrip('/')}"

    def _partial_build(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any],
        method: str | None,
        append_unknown: bool,
    ) -> tuple[str, str, bool] | None:
        if method is None:
            found = self._partial_build(endpoint, values, self.default_method, append_unknown)
            if found is not None:
                return found
        for rule in self.map._rules_by_endpoint.get(endpoint, ()):
            if rule.suitable_for(values, method):
                built = rule.build(values, append_unknown)
                if built is not None:
                    return built[0], built[1], rule.websocket
        return None


def _clean_values(values: t.Any) -> dict[str, t.Any]:
    """Drop None values; a MultiDict key with several values becomes a list."""
    if not values:
        return {}
    if hasattr(values, "getlist") and hasattr(values, "lists"):
        return {k: (v[0] if len(v) == 1 else v) for k, v in values.lists() if len(v) != 0}
    return {k: v for k, v in values.items() if v is not None}


def _replace_typed(target: str, name: str, value: str) -> str:
    """Replace ``<conv:name>`` / ``<conv(args):name>`` placeholders in a redirect target."""
    return re.sub(rf"<[^<>:]+:{re.escape(name)}>", value, target)
