"""A test client for ``app.asgi_app``: pure asyncio, no server, no sockets.

:class:`ASGITestClient` is the app's test client (same arguments: ``get``, ``post``,
``json=``, ``data=``, files, cookies, ``follow_redirects``, ``session_transaction``), but
each request is turned into an ASGI ``http`` scope and sent through ``app.asgi_app``, so
it exercises the ASGI request path: body spooling, the loop/pool split, streaming. The
body is delivered in 64 KiB ``http.request`` messages, as a server would.

The synchronous methods run the app on a private event loop in a daemon thread (so a
WebSocket session can stay open between calls). :meth:`ASGITestClient.request_async` runs
the app on the *caller's* loop instead, for tests that need many requests in flight at
once. ``with client:`` runs the lifespan protocol (``before_serving`` on enter,
``after_serving`` on exit); a failing startup raises ``RuntimeError``.

:meth:`ASGITestClient.websocket_connect` opens a WebSocket session::

    with client.websocket_connect("/ws/ada") as ws:
        ws.send("hi")
        assert ws.receive() == "ada: hi"
"""

from __future__ import annotations

import asyncio
import queue
import threading
import typing as t
from urllib.parse import urlsplit

from ..datastructures import Headers
from ..testing import EnvironBuilder, FlaskClient
from ..wsgi import get_current_url
from .websocket import WebSocketDisconnect

if t.TYPE_CHECKING:
    from ..test import TestResponse

_CHUNK = 64 * 1024


def environ_to_scope(environ: dict[str, t.Any], kind: str = "http") -> dict[str, t.Any]:
    """The ASGI scope a server would build for the request *environ* describes."""
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").lower()
        else:
            continue
        headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    path = environ.get("PATH_INFO", "").encode("latin-1")
    root = environ.get("SCRIPT_NAME", "").encode("latin-1").decode()
    scheme = environ.get("wsgi.url_scheme", "http")
    scope: dict[str, t.Any] = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2] or "1.1",
        "path": root + path.decode(errors="surrogateescape"),
        "raw_path": environ.get("SCRIPT_NAME", "").encode("latin-1") + path,
        "root_path": root,
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 50000),
    }
    if kind == "http":
        scope["method"] = environ.get("REQUEST_METHOD", "GET")
        scope["scheme"] = scheme
    else:
        scope["scheme"] = "wss" if scheme in ("https", "wss") else "ws"
        scope["subprotocols"] = []
        scope["extensions"] = {"websocket.http.response": {}}
    return scope


class _Result(t.NamedTuple):
    status: int
    headers: list[tuple[bytes, bytes]]
    chunks: list[bytes]


async def call_http(
    asgi: t.Any, scope: dict[str, t.Any], body: bytes, disconnect_after: int | None = None
) -> _Result:
    """Run one HTTP request through *asgi*; with *disconnect_after*, the client leaves
    once that many body chunks arrived."""
    pending = [body[i : i + _CHUNK] for i in range(0, len(body), _CHUNK)] or [b""]
    gone = asyncio.Event()
    start: dict[str, t.Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, t.Any]:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, t.Any]) -> None:
        if gone.is_set():
            raise OSError("the client disconnected")
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            if message.get("body"):
                chunks.append(message["body"])
            if not message.get("more_body", False) or (
                disconnect_after is not None and len(chunks) >= disconnect_after
            ):
                gone.set()

    await asgi(scope, receive, send)
    if not start:
        raise AssertionError("The ASGI app returned without starting a response.")
    return _Result(start["status"], list(start.get("headers") or ()), chunks)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase.upper()}"
    except ValueError:
        return f"{status} UNKNOWN"


class ASGITestClient(FlaskClient):
    """The app's test client, speaking ASGI to ``app.asgi_app`` (``app.asgi_test_client()``)."""

    #: Seconds a synchronous call waits for the app before failing the test.
    timeout: float = 30

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lifespan: _Lifespan | None = None

    # -- the private loop ----------------------------------------------------------------------

    def _run(self, coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="asgi-test-client", daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coro, loop).result(self.timeout)

    def close(self) -> None:
        """Stop the private event loop (the client makes a new one if used again)."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)

    # -- HTTP ----------------------------------------------------------------------------------

    def run_wsgi_app(
        self, environ: dict[str, t.Any], buffered: bool = False
    ) -> tuple[t.Iterable[bytes], t.Any, Headers]:
        """Send the request *environ* describes through the ASGI app (cookies as usual)."""
        self._add_cookies_to_wsgi(environ)
        body = environ["wsgi.input"].read()
        result = self._run(call_http(self.application.asgi_app, environ_to_scope(environ), body))
        headers = self._headers(result)
        url = urlsplit(get_current_url(environ))
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, headers.getlist("Set-Cookie")
        )
        return result.chunks, _reason(result.status), headers

    @staticmethod
    def _headers(result: _Result) -> Headers:
        return Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in result.headers])

    async def request_async(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """Send a request on the running loop (arguments as :class:`EnvironBuilder`).

        For concurrency tests: ``await asyncio.gather(*(client.request_async("/") ...))``.
        Cookies are sent but not stored.
        """
        environ, body = self._build(args, kwargs)
        result = await call_http(self.application.asgi_app, environ_to_scope(environ), body)
        return self._response(result, environ)

    def open_and_disconnect(
        self, *args: t.Any, after_chunks: int = 1, **kwargs: t.Any
    ) -> list[bytes]:
        """Request a streamed response and disconnect after *after_chunks* body chunks;
        returns the chunks received."""
        environ, body = self._build(args, kwargs)
        result = self._run(
            call_http(self.application.asgi_app, environ_to_scope(environ), body, after_chunks)
        )
        chunks: list[bytes] = result.chunks
        return chunks

    def _build(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> tuple[dict[str, t.Any], bytes]:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base") or {})
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            environ = builder.get_environ()
            body = environ["wsgi.input"].read()
        finally:
            builder.close()
        if self._cookies is not None:
            self._add_cookies_to_wsgi(environ)
        return environ, body

    def _response(self, result: _Result, environ: dict[str, t.Any]) -> TestResponse:
        request = self.application.request_class(environ, populate_request=False)
        return self.response_wrapper(
            result.chunks, _reason(result.status), self._headers(result), request=request
        )

    # -- lifespan ------------------------------------------------------------------------------

    def __enter__(self) -> ASGITestClient:
        if self._lifespan is not None:
            raise RuntimeError("Cannot nest client invocations.")
        lifespan = _Lifespan(self.application.asgi_app)
        self._run(lifespan.start())
        self._lifespan = lifespan
        return self

    def __exit__(self, *exc: object) -> None:
        lifespan, self._lifespan = self._lifespan, None
        if lifespan is not None:
            self._run(lifespan.stop())

    # -- WebSocket -----------------------------------------------------------------------------

    def websocket_connect(
        self, path: str, subprotocols: t.Sequence[str] = (), **kwargs: t.Any
    ) -> WebSocketTestSession:
        """Open a WebSocket to *path* (EnvironBuilder arguments such as ``headers`` and
        ``query_string`` work). Raises :class:`WebSocketRejected` if the app refuses it."""
        environ, _ = self._build((path,), kwargs)
        scope = environ_to_scope(environ, "websocket")
        scope["subprotocols"] = list(subprotocols)
        session = WebSocketTestSession(self, scope)
        self._run(session._start())
        return session


class _Lifespan:
    def __init__(self, asgi: t.Any) -> None:
        self.asgi = asgi
        self.inbox: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self.task = asyncio.get_running_loop().create_task(
            self.asgi(scope, self.inbox.get, self.outbox.put)
        )
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"Lifespan startup failed: {message.get('message', '')}")

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        message = await self.outbox.get()
        if self.task is not None:
            await self.task
        if message["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(f"Lifespan shutdown failed: {message.get('message', '')}")


class WebSocketRejected(Exception):
    """The app refused the WebSocket handshake; ``status`` is the HTTP status (403 for a
    plain close) and ``body`` the response body."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


class WebSocketTestSession:
    """A client's end of a WebSocket to the app under test."""

    def __init__(self, client: ASGITestClient, scope: dict[str, t.Any]) -> None:
        self._client = client
        self.scope = scope
        self._to_app: asyncio.Queue[dict[str, t.Any]] | None = None
        self._from_app: queue.Queue[dict[str, t.Any]] = queue.Queue()
        self._task: asyncio.Future[None] | None = None
        #: The subprotocol the app accepted, if any.
        self.subprotocol: str | None = None
        #: The close code the app sent (None while open).
        self.close_code: int | None = None

    async def _start(self) -> None:
        self._to_app = asyncio.Queue()
        await self._to_app.put({"type": "websocket.connect"})
        loop = asyncio.get_running_loop()
        accepted = loop.create_future()
        from_app = self._from_app

        async def send(message: t.MutableMapping[str, t.Any]) -> None:
            if not accepted.done():
                accepted.set_result(message)
                return
            from_app.put(dict(message))

        async def run() -> None:
            try:
                to_app = self._to_app
                assert to_app is not None
                await self._client.application.asgi_app(self.scope, to_app.get, send)
            except BaseException as e:
                if not accepted.done():
                    accepted.set_exception(e)
                from_app.put({"type": "_error", "error": e})
                raise
            finally:
                if not accepted.done():
                    accepted.set_result({"type": "websocket.close", "code": 1000})
                from_app.put({"type": "_ended"})

        self._task = loop.create_task(run())
        first = await accepted
        if first["type"] == "websocket.accept":
            self.subprotocol = first.get("subprotocol")
            return
        await self._task
        if first["type"] == "websocket.http.response.start":
            body = b""
            while True:
                message = from_app.get_nowait()
                if message["type"] == "websocket.http.response.body":
                    body += message.get("body", b"")
                    if not message.get("more_body"):
                        break
            raise WebSocketRejected(first["status"], body)
        raise WebSocketRejected(403)

    def send(self, data: str | bytes) -> None:
        """Send a text (str) or binary (bytes) message to the app."""
        key = "text" if isinstance(data, str) else "bytes"
        self._put({"type": "websocket.receive", key: data})

    def send_json(self, obj: t.Any) -> None:
        """Send *obj* as a JSON text message."""
        import json

        self.send(json.dumps(obj))

    def _put(self, message: dict[str, t.Any]) -> None:
        to_app = self._to_app
        assert to_app is not None
        loop = self._client._loop
        assert loop is not None
        asyncio.run_coroutine_threadsafe(to_app.put(message), loop).result(self._client.timeout)

    def receive(self, timeout: float | None = None) -> str | bytes:
        """The app's next message; raises :class:`WebSocketDisconnect` when it closed."""
        if self.close_code is not None:
            raise WebSocketDisconnect(self.close_code)
        try:
            message = self._from_app.get(timeout=timeout or self._client.timeout)
        except queue.Empty:
            raise TimeoutError("The app sent nothing in time.") from None
        kind = message["type"]
        if kind == "websocket.send":
            text = message.get("text")
            return text if text is not None else message.get("bytes") or b""
        if kind == "websocket.close":
            self.close_code = int(message.get("code", 1000))
            raise WebSocketDisconnect(self.close_code, message.get("reason") or "")
        if kind == "_error":
            raise message["error"]
        self.close_code = 1006
        raise WebSocketDisconnect(1006)

    def receive_json(self) -> t.Any:
        """The next message parsed as JSON."""
        import json

        return json.loads(self.receive())

    def close(self, code: int = 1000) -> None:
        """Close from the client side and wait for the handler to finish."""
        if self._task is None:
            return
        task, self._task = self._task, None
        if not task.done():
            self._put({"type": "websocket.disconnect", "code": code})

        async def wait() -> None:
            try:
                await asyncio.wait_for(asyncio.shield(task), self._client.timeout)
            except Exception:
                pass

        self._client._run(wait())

    def __enter__(self) -> WebSocketTestSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "ASGITestClient",
    "WebSocketRejected",
    "WebSocketTestSession",
    "call_http",
    "environ_to_scope",
]
