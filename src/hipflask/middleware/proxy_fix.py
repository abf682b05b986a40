"""``ProxyFix``: trust ``X-Forwarded-*`` headers from a known number of proxies."""

from __future__ import annotations

import typing as t

from ..http import parse_list_header

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]

_SCHEMES = frozenset(("http", "https", "ws", "wss"))


class ProxyFix:
    """Rewrite the environ from the ``X-Forwarded-*`` headers set by reverse proxies.

    Each argument is the number of proxies that set that header (0 = ignore it):
    *x_for* -> ``REMOTE_ADDR``, *x_proto* -> ``wsgi.url_scheme``, *x_host* ->
    ``HTTP_HOST``/``SERVER_NAME``/``SERVER_PORT``, *x_port* -> port, *x_prefix* ->
    ``SCRIPT_NAME``. Only the value added by the n-th proxy from the right is used, so a
    client cannot spoof hops by sending the header itself; a header with fewer values
    than configured is ignored. The original values are kept in
    ``environ["hipflask.proxy_fix.orig"]``.

    Only set these to the number of proxies you really run: trusting one more than that
    lets any client choose its address, scheme and host.

    Stricter than Werkzeug on malformed values from the trusted hop: a scheme other than
    http/https/ws/wss, a non-numeric port and a prefix not starting with ``/`` are
    ignored instead of copied into the environ.
    """

    def __init__(
        self,
        app: WSGIApplication,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    def _get_real_value(self, trusted: int, value: str | None) -> str | None:
        """The value the *trusted*-th proxy from the right added, or None if there are
        fewer values than that."""
        if not (trusted and value):
            return None
        values = parse_list_header(value)
        if len(values) >= trusted:
            return values[-trusted]
        return None

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        get = environ.get
        environ["hipflask.proxy_fix.orig"] = {
            "REMOTE_ADDR": get("REMOTE_ADDR"),
            "wsgi.url_scheme": get("wsgi.url_scheme"),
            "HTTP_HOST": get("HTTP_HOST"),
            "SERVER_NAME": get("SERVER_NAME"),
            "SERVER_PORT": get("SERVER_PORT"),
            "SCRIPT_NAME": get("SCRIPT_NAME"),
        }

        x_for = self._get_real_value(self.x_for, get("HTTP_X_FORWARDED_FOR"))
        if x_for:
            environ["REMOTE_ADDR"] = x_for

        x_proto = self._get_real_value(self.x_proto, get("HTTP_X_FORWARDED_PROTO"))
        if x_proto and x_proto.lower() in _SCHEMES:
            environ["wsgi.url_scheme"] = x_proto.lower()

        x_host = self._get_real_value(self.x_host, get("HTTP_X_FORWARDED_HOST"))
        if x_host:
            environ["HTTP_HOST"] = environ["SERVER_NAME"] = x_host
            # A ":" not followed by "]" separates a port (an IPv6 host ends with "]").
            if ":" in x_host and not x_host.endswith("]"):
                environ["SERVER_NAME"], environ["SERVER_PORT"] = x_host.rsplit(":", 1)

        x_port = self._get_real_value(self.x_port, get("HTTP_X_FORWARDED_PORT"))
        if x_port and x_port.isdigit() and x_port.isascii():
            host = environ.get("HTTP_HOST")
            if host:
                if ":" in host and not host.endswith("]"):
                    host = host.rsplit(":", 1)[0]
                environ["HTTP_HOST"] = f"{host}:{x_port}"
            environ["SERVER_PORT"] = x_port

        x_prefix = self._get_real_value(self.x_prefix, get("HTTP_X_FORWARDED_PREFIX"))
        if x_prefix and x_prefix.startswith("/"):
            environ["SCRIPT_NAME"] = x_prefix

        return self.app(environ, start_response)
