"""WebSocket routes under ASGI, through the ASGI test client."""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from hipflask import Blueprint, Flask, abort, g, session, url_for, websocket
from hipflask.asgi import WebSocketDisconnect
from hipflask.asgi.testing import WebSocketRejected


def make_app(**config: t.Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-key", **config)
    return app


def test_echo_with_converters_args_headers_and_url_for() -> None:
    app = make_app()

    @app.websocket("/ws/<name>/<int:n>")
    async def echo(name: str, n: int) -> None:
        await websocket.send(
            f"{name} {n} {websocket.args.get('q')} {websocket.headers.get('X-Hi')} {websocket.path}"
        )
        await websocket.send(url_for("echo", name="z", n=1))
        while True:
            message = await websocket.receive()
            await websocket.send(message * 2)

    c = app.asgi_test_client()
    with c.websocket_connect("/ws/ada/3", query_string="q=1", headers={"X-Hi": "there"}) as ws:
        assert ws.receive() == "ada 3 1 there /ws/ada/3"
        assert ws.receive() == "ws://localhost/ws/z/1"
        ws.send("ab")
        assert ws.receive() == "abab"
        ws.send(b"\x00\x01")
        assert ws.receive() == b"\x00\x01\x00\x01"


def test_url_for_ws_endpoint_from_http_view_is_absolute() -> None:
    app = make_app()

    @app.websocket("/live")
    async def live() -> None:
        await websocket.close()

    @app.route("/")
    def index() -> str:
        return url_for("live")

    assert app.test_client().get("/").text == "ws://localhost/live"
    assert app.test_client().get("/", base_url="https://x.org").text == "wss://x.org/live"


def test_blueprint_websocket_hooks_and_session() -> None:
    app = make_app()
    bp = Blueprint("chat", __name__, url_prefix="/chat")
    order: list[str] = []

    @app.before_websocket
    def app_before() -> None:
        order.append("app_before")
        g.user = session.get("user", "anon")

    @bp.before_websocket
    async def bp_before() -> None:
        order.append("bp_before")

    @bp.after_websocket
    async def bp_after() -> None:
        order.append("bp_after")

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        order.append("teardown")

    @bp.websocket("/room/<room>")
    async def room(room: str) -> None:
        await websocket.send(f"{g.user}@{room} {url_for('.room', room='b')} {websocket.endpoint}")

    @app.post("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"

    app.register_blueprint(bp)
    c = app.asgi_test_client()
    c.post("/login")
    order.clear()
    with c.websocket_connect("/chat/room/a") as ws:
        assert ws.receive() == "ada@a ws://localhost/chat/room/b chat.room"
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive()
        assert info.value.code == 1000
    assert order == ["app_before", "bp_before", "bp_after", "teardown"]


def test_rejections() -> None:
    app = make_app()

    @app.before_websocket
    def check() -> t.Any:
        if websocket.args.get("token") != "ok":
            abort(401)
        return None

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.send("in")

    c = app.asgi_test_client()
    with pytest.raises(WebSocketRejected) as info:
        c.websocket_connect("/ws")
    assert info.value.status == 401 and b"Unauthorized" in info.value.body
    with c.websocket_connect("/ws?token=ok") as ws:
        assert ws.receive() == "in"
    # Unknown path, or an HTTP route: refused before accept (the server answers 403).
    with pytest.raises(WebSocketRejected) as info:
        c.websocket_connect("/nowhere")
    assert info.value.status == 403


def test_plain_http_and_wsgi_get_400_not_500() -> None:
    app = make_app()

    @app.websocket("/ws")
    async def ws_view() -> None:
        pass

    for client in (app.asgi_test_client(), app.test_client()):
        r = client.get("/ws")
        assert r.status_code == 400
        assert "WebSocket" in r.text


def test_handler_error_closes_1011_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.accept()
        raise RuntimeError("handler broke")

    with app.asgi_test_client().websocket_connect("/ws") as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive()
        assert info.value.code == 1011
    assert "Exception in WebSocket handler 'ws_view' on /ws" in caplog.text
    assert "RuntimeError: handler broke" in caplog.text


def test_message_size_limit_closes_1009() -> None:
    app = make_app(WEBSOCKET_MAX_MESSAGE_SIZE=10)
    seen: list[t.Any] = []

    @app.websocket("/ws")
    async def ws_view() -> None:
        try:
            while True:
                seen.append(await websocket.receive())
        except WebSocketDisconnect as e:
            seen.append(e.code)
            raise

    with app.asgi_test_client().websocket_connect("/ws") as ws:
        ws.send("0123456789")
        ws.send("é" * 6)  # 12 bytes in UTF-8
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive()
        assert info.value.code == 1009
    assert seen == ["0123456789", 1009]


def test_idle_timeout_closes() -> None:
    app = make_app(WEBSOCKET_IDLE_TIMEOUT=0.05)

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.receive()

    with app.asgi_test_client().websocket_connect("/ws") as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive(timeout=5)
        assert info.value.code == 1001


def test_client_disconnect_reaches_handler_and_subprotocol() -> None:
    app = make_app()
    codes: list[int] = []
    done = asyncio.Event

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.accept(subprotocol=websocket.subprotocols[-1])
        try:
            async for message in websocket:
                await websocket.send(message)
        finally:
            codes.append(1)

    c = app.asgi_test_client()
    ws = c.websocket_connect("/ws", subprotocols=["a", "b"])
    assert ws.subprotocol == "b"
    ws.send_json({"x": 1})
    assert ws.receive_json() == {"x": 1}
    ws.close(1001)
    assert codes == [1]
    del done


def test_sync_handler_is_refused_at_registration() -> None:
    app = make_app()
    with pytest.raises(TypeError, match="must be an 'async def'"):

        @app.websocket("/ws")
        def ws_view() -> None:
            pass


def test_websocket_proxy_outside_handler() -> None:
    with pytest.raises(RuntimeError, match="outside of a WebSocket"):
        websocket.path  # noqa: B018
