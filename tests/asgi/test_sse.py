"""Server-sent events (hipflask.sse) on WSGI and ASGI."""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from hipflask import Flask, request, stream_with_context
from hipflask.sse import Event, format_event, sse_response


def test_wire_format() -> None:
    assert format_event("hi") == "data: hi\n\n"
    assert format_event("a\nb\r\nc\rd") == "data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert format_event(Event(data="x", event="tick", id="7", retry=1500)) == (
        "event: tick\nid: 7\nretry: 1500\ndata: x\n\n"
    )
    assert format_event(Event(comment="keep-alive")) == ": keep-alive\n\n"
    assert format_event(Event(data="")) == "data: \n\n"
    for bad in (Event(event="a\nb"), Event(id="1\n2"), Event(id="a\0"), Event(retry=-1)):
        with pytest.raises(ValueError):
            format_event(bad)


def _app() -> Flask:
    app = Flask(__name__)

    @app.route("/events")
    def events() -> t.Any:
        def gen() -> t.Iterator[t.Any]:
            yield Event(data="line1\nline2", event="greet", id="1")
            yield {"n": int(request.args.get("n", 0))}
            yield "plain"

        return sse_response(stream_with_context(gen()))

    @app.route("/aevents")
    async def aevents() -> t.Any:
        async def gen() -> t.AsyncIterator[t.Any]:
            for i in range(2):
                await asyncio.sleep(0)
                yield Event(data=str(i), id=str(i))

        return sse_response(gen(), headers={"X-Extra": "1"})

    return app


EXPECTED = 'event: greet\nid: 1\ndata: line1\ndata: line2\n\ndata: {"n": 3}\n\ndata: plain\n\n'


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_sync_generator_on_both_interfaces(interface: str) -> None:
    app = _app()
    client = app.test_client() if interface == "wsgi" else app.asgi_test_client()
    r = client.get("/events?n=3")
    assert r.status_code == 200
    assert r.text == EXPECTED
    assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["X-Accel-Buffering"] == "no"
    assert "Content-Length" not in r.headers


def test_async_generator_on_asgi_and_clear_error_on_wsgi() -> None:
    app = _app()
    r = app.asgi_test_client().get("/aevents")
    assert r.text == "id: 0\ndata: 0\n\nid: 1\ndata: 1\n\n"
    assert r.headers["X-Extra"] == "1"
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(TypeError, match="needs the app served over ASGI"):
        app.test_client().get("/aevents")


def test_json_data_from_async_generator_without_app_context() -> None:
    """An async generator under ASGI streams after the app context is gone: dict data is
    still encoded (with the default JSON encoder) instead of failing on the proxy."""
    app = Flask(__name__)

    @app.route("/count")
    async def count() -> t.Any:
        async def gen() -> t.AsyncIterator[t.Any]:
            for n in (1, 0):
                await asyncio.sleep(0)
                yield {"left": n}

        return sse_response(gen())

    response = app.asgi_test_client().get("/count")
    assert response.status_code == 200
    assert response.text == 'data: {"left":1}\n\ndata: {"left":0}\n\n'
