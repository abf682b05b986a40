"""The inline ASGI cycle (an async view, an app without hooks) answers as the general one.

``asgi.http._inline_cycle`` writes out the native cycle's steps in one coroutine when the
app has no hook, signal or teardown to run. Each case here is served twice: once on the
inline path, once with a no-op ``request_started`` receiver connected, which sends the
same request through ``_native_cycle``; the answers (status, headers, body) must match.
"""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from hipflask import (
    Flask,
    abort,
    after_this_request,
    current_app,
    g,
    request,
    request_started,
    session,
    url_for,
)
from hipflask.asgi import http as asgi_http
from hipflask.asgi import scope as asgi_scope
from hipflask.globals import _cv_app, _cv_request


def _app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "inline-test"

    @app.route("/text")
    async def text() -> str:
        g.seen = current_app.name
        return f"hello {g.seen}"

    @app.route("/json/<int:n>")
    async def as_json(n: int) -> dict[str, t.Any]:
        return {"n": n, "url": url_for("as_json", n=n + 1, _external=True)}

    @app.route("/tuple")
    async def as_tuple() -> t.Any:
        return "made", 201, {"X-Kind": "tuple"}

    @app.route("/abort")
    async def aborts() -> str:
        abort(404)

    @app.route("/boom")
    async def boom() -> str:
        raise RuntimeError("broken view")

    @app.route("/later")
    async def later() -> str:
        @after_this_request
        def tag(response: t.Any) -> t.Any:
            response.headers["X-After"] = "yes"
            return response

        return "later"

    @app.route("/count")
    async def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.errorhandler(404)
    async def missing(e: t.Any) -> t.Any:
        return f"missing {request.path}", 404

    @app.errorhandler(500)
    def broken(e: t.Any) -> t.Any:
        return f"broken: {e.original_exception}", 500

    return app


def _serve(
    app: Flask, path: str, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    sent: list[dict[str, t.Any]] = []

    async def receive() -> dict[str, t.Any]:
        await asyncio.Event().wait()  # a GET without a body never needs to receive
        raise AssertionError("unreachable")

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"example.test"), *(headers or [])],
        "scheme": "http",
        "server": ("example.test", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
    }

    async def run() -> None:
        await app.asgi_app(scope, receive, send)
        # Nothing of the request is left bound in the caller's context.
        assert _cv_request.get(None) is None
        assert _cv_app.get(None) is None

    asyncio.run(run())
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], sent[0]["headers"], body


def _both(
    monkeypatch: pytest.MonkeyPatch, path: str, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[t.Any, t.Any]:
    """The answer on the inline path, then on the general path (asserting which ran)."""
    general: list[str] = []
    real = asgi_http._native_cycle

    async def spy(*args: t.Any) -> None:
        general.append(path)
        await real(*args)

    monkeypatch.setattr(asgi_http, "_native_cycle", spy)
    app = _app()
    inline = _serve(app, path, headers)
    assert general == []

    def listener(sender: t.Any, **extra: t.Any) -> None:
        pass

    with request_started.connected_to(listener, app):
        other = _serve(app, path, headers)
    assert general == [path]
    return inline, other


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/text", 200, b"hello test_asgi_inline"),
        ("/json/4", 200, b'{"n":4,"url":"http://example.test/json/5"}\n'),
        ("/tuple", 201, b"made"),
        ("/abort", 404, b"missing /abort"),
        ("/boom", 500, b"broken: broken view"),
        ("/later", 200, b"later"),
    ],
)
def test_inline_answers_as_the_general_path(
    monkeypatch: pytest.MonkeyPatch, path: str, status: int, body: bytes
) -> None:
    inline, other = _both(monkeypatch, path)
    assert inline == other
    assert (inline[0], inline[2]) == (status, body)
    if path == "/tuple":
        assert (b"x-kind", b"tuple") in inline[1]
    if path == "/later":
        assert (b"x-after", b"yes") in inline[1]


def test_inline_saves_and_reads_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    inline, other = _both(monkeypatch, "/count")
    assert inline == other
    assert inline[2] == b"1"
    cookie = dict(inline[1])[b"set-cookie"].split(b";", 1)[0]
    again, again_general = _both(monkeypatch, "/count", [(b"cookie", cookie)])
    assert again[2] == again_general[2] == b"2"


def test_a_hook_added_later_moves_requests_to_the_general_path() -> None:
    app = _app()
    assert asgi_http._hookless(app)
    calls: list[str] = []

    @app.url_value_preprocessor
    def note(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        calls.append(str(endpoint))

    assert not asgi_http._hookless(app)
    assert _serve(app, "/text")[2] == b"hello test_asgi_inline"
    assert calls == ["text"]


def test_environ_template_is_copied_not_shared() -> None:
    template = dict(asgi_scope._ENVIRON_TEMPLATE)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/p",
        "query_string": b"a=1",
        "headers": [(b"content-length", b"3"), (b"x-a", b"1"), (b"x-a", b"2")],
        "server": None,
        "client": ("10.0.0.1", 5),
        "http_version": "2",
    }
    environ = asgi_scope.scope_to_environ(scope, None)
    assert template == asgi_scope._ENVIRON_TEMPLATE
    assert environ["SERVER_NAME"] == "localhost"
    assert environ["SERVER_PORT"] == "80"
    assert environ["SERVER_PROTOCOL"] == "HTTP/2"
    assert environ["QUERY_STRING"] == "a=1"
    assert environ["HTTP_X_A"] == "1,2"
    assert environ["CONTENT_LENGTH"] == "3"
    assert environ["wsgi.input"].read() == b""
    bare = asgi_scope.scope_to_environ(
        {"type": "http", "path": "/", "headers": [], "http_version": "1.1"}, None
    )
    assert "HTTP_X_A" not in bare and "REMOTE_ADDR" not in bare
    assert bare["QUERY_STRING"] == "" and bare["REQUEST_METHOD"] == "GET"
