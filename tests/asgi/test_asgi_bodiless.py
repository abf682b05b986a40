"""A bodiless HTTP/1.x GET/HEAD is served without awaiting ``receive()`` first.

(On granian's ASGI interface that await was about half the cost of a small request; see
benchmarks/RESULTS_E2E.md.) Every other request still receives its body first.
"""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from hipflask import Flask, request


def _app() -> Flask:
    app = Flask(__name__)

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return f"{request.method} {len(request.get_data())}"

    return app


def _serve(method: str, version: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    calls: list[str] = []
    sent: list[dict[str, t.Any]] = []

    async def receive() -> dict[str, t.Any]:
        calls.append("receive")
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"x"), *headers],
        "scheme": "http",
        "server": ("x", 80),
        "client": ("127.0.0.1", 1),
        "http_version": version,
    }
    asyncio.run(_app().asgi_app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert sent[0]["status"] == 200
    return len(calls), body


@pytest.mark.parametrize("version", ["1.1", "1.0"])
def test_bodiless_get_skips_receive(version: str) -> None:
    assert _serve("GET", version, []) == (0, b"GET 0")


@pytest.mark.parametrize(
    ("method", "version", "headers"),
    [
        ("GET", "2", []),  # HTTP/2 may send a body without Content-Length
        ("GET", "1.1", [(b"content-length", b"0")]),
        ("GET", "1.1", [(b"transfer-encoding", b"chunked")]),
        ("POST", "1.1", []),
    ],
)
def test_other_requests_receive_first(
    method: str, version: str, headers: list[tuple[bytes, bytes]]
) -> None:
    calls, body = _serve(method, version, headers)
    assert calls == 1 and body == f"{method} 0".encode()
