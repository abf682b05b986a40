"""The per-request shortcuts of the ASGI path give what the general path gives.

Header names are mapped to environ keys through a cache, the usual response (one bytes
chunk) is sent without the WSGI capture, and encoded header values are cached only for
headers whose values repeat; each test serves the same request more than once so that the
cached and the uncached path are both exercised.
"""

from __future__ import annotations

import asyncio
import json
import typing as t

from hipflask import Flask, make_response, request
from hipflask.asgi import http as asgi_http
from hipflask.asgi import scope as asgi_scope


def _app() -> Flask:
    app = Flask(__name__)

    @app.route("/headers")
    async def headers() -> dict[str, t.Any]:
        return {
            "agent": request.headers.get("User-Agent"),
            "forwarded": request.headers.get("X-Forwarded-For"),
            "cookie": request.headers.get("Cookie"),
            "type": request.content_type,
        }

    @app.route("/cookie/<int:n>")
    async def cookie(n: int) -> t.Any:
        response = make_response("ok")
        response.set_cookie("n", str(n))
        return response

    @app.route("/head")
    async def head() -> str:
        return "body"

    return app


def _serve(
    app: Flask, path: str, headers: list[tuple[bytes, bytes]], method: str = "GET"
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    sent: list[dict[str, t.Any]] = []

    received: list[bool] = []

    async def receive() -> dict[str, t.Any]:
        if received:  # after the body, a real server blocks until the client leaves
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"x"), *headers],
        "scheme": "http",
        "server": ("x", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
    }
    asyncio.run(app.asgi_app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], sent[0]["headers"], body


def test_cached_header_keys_keep_dropping_underscore_names_and_joining_repeats() -> None:
    app = _app()
    headers = [
        (b"user-agent", b"a"),
        (b"x_forwarded_for", b"6.6.6.6"),
        (b"cookie", b"a=1"),
        (b"cookie", b"b=2"),
        (b"content-type", b"text/plain"),
    ]
    first = _serve(app, "/headers", headers)
    second = _serve(app, "/headers", headers)
    assert first == second
    assert json.loads(first[2]) == {
        "agent": "a",
        "forwarded": None,
        "cookie": "a=1; b=2",
        "type": "text/plain",
    }
    assert asgi_scope._HEADER_KEYS[b"x_forwarded_for"] is None


def test_header_key_cache_is_bounded() -> None:
    for i in range(asgi_scope._HEADER_KEYS_MAX + 50):
        environ = asgi_scope.scope_to_environ(
            {"path": "/", "headers": [(f"x-h{i}".encode(), b"v")]}, None
        )
        assert environ[f"HTTP_X_H{i}"] == "v"
    assert len(asgi_scope._HEADER_KEYS) <= asgi_scope._HEADER_KEYS_MAX


def test_response_headers_are_lower_case_bytes_and_cookie_values_are_not_cached() -> None:
    app = _app()
    for n in (1, 2):
        status, headers, body = _serve(app, f"/cookie/{n}", [])
        assert status == 200 and body == b"ok"
        assert all(name == name.lower() for name, _ in headers)
        cookies = [value for name, value in headers if name == b"set-cookie"]
        assert cookies == [f"n={n}; Path=/".encode()]
    assert not any(value.startswith("n=") for value in asgi_http._VALUES)
    assert len(asgi_http._VALUES) <= asgi_http._CACHE_MAX


def test_head_of_a_simple_response_has_its_length_and_no_body() -> None:
    app = _app()
    status, headers, body = _serve(app, "/head", [], method="HEAD")
    assert status == 200 and body == b""
    assert (b"content-length", b"4") in headers
    assert _serve(app, "/head", [])[2] == b"body"
