"""ASGI lifespan: before_serving / after_serving."""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from hipflask import Blueprint, Flask, current_app, g


def test_startup_and_shutdown_hooks_in_app_context() -> None:
    app = Flask(__name__)
    app.config["DB"] = "sqlite://"
    events: list[str] = []
    bp = Blueprint("bp", __name__)

    @app.before_serving
    async def start_async() -> None:
        await asyncio.sleep(0)
        events.append(f"start async {current_app.config['DB']}")

    @app.before_serving
    def start_sync() -> None:
        g.x = 1  # an app context is pushed
        events.append("start sync")

    @bp.before_app_serving
    def bp_start() -> None:
        events.append("bp start")

    @app.after_serving
    async def stop() -> None:
        events.append("stop")

    @app.route("/")
    def index() -> str:
        return ",".join(events)

    app.register_blueprint(bp)
    c = app.asgi_test_client()
    with c:
        assert c.get("/").text == "start async sqlite://,start sync,bp start"
    assert events[-1] == "stop"


def test_failed_startup_reports_the_error(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)

    @app.before_serving
    def connect() -> None:
        raise ConnectionError("database unreachable")

    client = app.asgi_test_client()
    with pytest.raises(RuntimeError, match="ConnectionError: database unreachable"):
        client.__enter__()
    assert "before_serving function failed" in caplog.text


def test_lifespan_messages_directly() -> None:
    app = Flask(__name__)
    app.before_serving(lambda: None)

    async def run() -> list[dict[str, t.Any]]:
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[dict[str, t.Any]] = []

        async def receive() -> dict[str, t.Any]:
            return inbox.pop(0)

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)

        await app.asgi_app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
        return sent

    assert asyncio.run(run()) == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]


def test_unknown_scope_type_raises() -> None:
    app = Flask(__name__)

    async def noop() -> dict[str, t.Any]:
        return {}

    async def send(message: t.Any) -> None:
        pass

    with pytest.raises(ValueError, match="scope type 'webtransport'"):
        asyncio.run(app.asgi_app({"type": "webtransport"}, noop, send))
