"""``ProxyMiddleware``: forward requests under path prefixes to other HTTP servers.

Meant for development (e.g. a frontend dev server behind the app); a production setup puts
a real proxy in front instead.
"""

from __future__ import annotations

import http.client
import ssl
import typing as t
from urllib.parse import quote, urlsplit

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]

# Per-connection headers (RFC 9110 7.6.1) are not forwarded in either direction.
_HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    )
)


class ProxyMiddleware:
    """Send requests whose path starts with a prefix in *targets* to another server.

    ``ProxyMiddleware(app, {"/static/": {"target": "http://127.0.0.1:5001/"}})``. Each
    target's options: ``target`` (the URL to forward to), ``remove_prefix`` (drop the
    matched prefix from the forwarded path, default False), ``host`` (the ``Host`` header:
    ``"<auto>"``, the default, uses the target's, None keeps the client's), ``headers``
    (extra request headers) and ``ssl_context`` (for an https target). Other requests go to
    *app*. An unreachable target answers 502.
    """

    def __init__(
        self,
        app: WSGIApplication,
        targets: t.Mapping[str, dict[str, t.Any]],
        chunk_size: int = 2 << 13,
        timeout: int = 10,
    ) -> None:
        self.app = app
        self.targets = {
            f"/{prefix.strip('/')}/": {
                "remove_prefix": False,
                "host": "<auto>",
                "headers": {},
                "ssl_context": None,
                **options,
            }
            for prefix, options in targets.items()
        }
        self.chunk_size = chunk_size
        self.timeout = timeout

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for prefix, options in self.targets.items():
            if path.startswith(prefix):
                return self._forward(environ, start_response, prefix, options)
        return self.app(environ, start_response)

    def _forward(
        self,
        environ: WSGIEnvironment,
        start_response: t.Callable[..., t.Any],
        prefix: str,
        options: dict[str, t.Any],
    ) -> t.Iterator[bytes]:
        target = urlsplit(options["target"])
        path = environ.get("PATH_INFO", "")
        if options["remove_prefix"]:
            path = "/" + path[len(prefix) :]
        path = f"{target.path.rstrip('/')}{path}" if target.path else path
        query = environ.get("QUERY_STRING", "")
        url = quote(path.encode("latin-1"), safe="/:@&=+$,;%~!*'()") + (
            f"?{query}" if query else ""
        )

        headers: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                name = key[5:].replace("_", "-").title()
                if name.lower() not in _HOP_BY_HOP:
                    headers[name] = value
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").title()] = environ[key]
        host_option = options["host"]
        if host_option == "<auto>":
            headers["Host"] = target.netloc
        elif host_option is not None:
            headers["Host"] = host_option
        headers.update(options["headers"])

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else None
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            context = options["ssl_context"] or ssl.create_default_context()
            connection = http.client.HTTPSConnection(
                target.hostname or "", target.port, timeout=self.timeout, context=context
            )
        else:
            connection = http.client.HTTPConnection(
                target.hostname or "", target.port, timeout=self.timeout
            )
        try:
            connection.request(environ["REQUEST_METHOD"], url, body=body, headers=headers)
            response = connection.getresponse()
        except OSError:
            connection.close()
            start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")])
            yield b"Bad Gateway: the proxied server could not be reached."
            return
        try:
            start_response(
                f"{response.status} {response.reason}",
                [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP],
            )
            while chunk := response.read(self.chunk_size):
                yield chunk
        finally:
            connection.close()


__all__ = ["ProxyMiddleware"]
