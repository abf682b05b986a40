"""WebSocket routes (ASGI only): ``@app.websocket(rule)`` and the ``websocket`` object.

::

    from hipflask import Flask, websocket

    @app.websocket("/ws/<name>")
    async def echo(name):
        while True:
            message = await websocket.receive()      # str or bytes
            await websocket.send(f"{name}: {message}")

A handler is an ``async def`` registered on the app or a blueprint; its rule is an
ordinary URL rule marked ``websocket=True`` (converters work, ``url_for`` builds an
absolute ``ws://``/``wss://`` URL). While it runs, a request context for the handshake is
pushed, so ``session`` (read-only: there is no response to carry a cookie), ``g``,
``current_app``, ``url_for`` and ``request`` (the handshake request) work. Before the
handler, the ``url_value_preprocessor`` and ``before_websocket`` functions run (app first,
then blueprints; a non-None return value or an HTTP error rejects the connection); after
it, the ``after_websocket`` functions; then the usual teardown.

The connection is accepted implicitly by the first ``send``/``receive`` (or explicitly
with ``await websocket.accept(subprotocol=...)``). ``receive()`` raises
:class:`WebSocketDisconnect` when the peer closes; a handler may let it propagate. A
handler that returns closes with 1000; one that raises is logged and closes with 1011 (403
before accept). A WebSocket to a path with no WebSocket rule is rejected before accept
(the server answers 403); the same rule reached over plain HTTP or WSGI answers 400.

Limits, from ``app.config``:

``WEBSOCKET_MAX_MESSAGE_SIZE`` (default 1 MiB)
    A received message larger than this closes the connection with 1009 (message too
    big) and raises :class:`WebSocketDisconnect` in the handler. The server's own frame
    limit (uvicorn ``--ws-max-size``, 16 MiB) applies before it.
``WEBSOCKET_IDLE_TIMEOUT`` (default None: no limit)
    Seconds ``receive()`` may wait for a message; on expiry the connection closes with
    1001 and the handler gets :class:`WebSocketDisconnect`. Off by default because
    servers already ping peers and drop dead ones (uvicorn ``--ws-ping-interval``,
    hypercorn, granian), and because long-idle connections are legitimate for chat and
    notification sockets; set it when idle clients must be shed.
"""

from __future__ import annotations

import asyncio
import json as _json
import threading
import typing as t

from ..exceptions import HTTPException
from ..globals import _cv_app, _cv_request, _cv_websocket, current_app
from ..signals import got_request_exception
from .bridge import _cv_loop
from .scope import scope_to_environ

if t.TYPE_CHECKING:
    from ..ctx import RequestContext
    from ..datastructures import EnvironHeaders, MultiDict
    from ..wrappers import Request
    from .app import ASGIApp, Receive, Scope, Send

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_DEFAULT_MAX_SIZE = 1024 * 1024


class WebSocketDisconnect(Exception):
    """The connection is closed (by the peer, or by a size or idle limit); ``code`` is the
    WebSocket close code."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


def add_websocket_rule(scaffold: t.Any, rule: str, options: dict[str, t.Any]) -> t.Callable[[F], F]:
    """The ``websocket(rule, **options)`` decorator of apps and blueprints."""

    def decorator(f: F) -> F:
        from inspect import iscoroutinefunction

        if not iscoroutinefunction(f):
            raise TypeError(
                f"WebSocket handler {getattr(f, '__qualname__', f)!r} for {rule!r} must be"
                " an 'async def' function."
            )
        endpoint = options.pop("endpoint", None)
        scaffold.add_url_rule(
            rule,
            endpoint,
            f,
            methods=["GET"],
            provide_automatic_options=False,
            websocket=True,
            **options,
        )
        return f

    return decorator


class WebSocket:
    """One WebSocket connection (what ``hipflask.websocket`` points to in a handler)."""

    def __init__(
        self,
        request: Request,
        scope: Scope,
        receive: Receive,
        send: Send,
        max_size: int | None,
        idle_timeout: float | None,
    ) -> None:
        self.request = request
        self.scope = scope
        self._receive = receive
        self._send = send
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        #: "connecting", "open" or "closed".
        self.state = "connecting"
        #: The close code once closed (by either side).
        self.close_code: int | None = None

    # -- handshake data -----------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The URL path of the handshake."""
        return self.request.path

    @property
    def args(self) -> MultiDict[str, str]:
        """The query parameters."""
        return self.request.args

    @property
    def headers(self) -> EnvironHeaders:
        """The handshake's request headers."""
        return self.request.headers

    @property
    def cookies(self) -> MultiDict[str, str]:
        """The handshake's cookies."""
        return self.request.cookies

    @property
    def url(self) -> str:
        """The full ``ws://`` or ``wss://`` URL."""
        return self.request.url

    @property
    def host(self) -> str:
        """The host the client connected to."""
        return self.request.host

    @property
    def scheme(self) -> str:
        """``ws`` or ``wss``."""
        return self.request.scheme

    @property
    def view_args(self) -> dict[str, t.Any] | None:
        """The converted URL variables."""
        return self.request.view_args

    @property
    def endpoint(self) -> str | None:
        """The handler's endpoint."""
        return self.request.endpoint

    @property
    def remote_addr(self) -> str | None:
        """The client's address."""
        return self.request.remote_addr

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols") or ())

    # -- messages ----------------------------------------------------------------------------

    async def accept(
        self, subprotocol: str | None = None, headers: t.Iterable[tuple[str, str]] = ()
    ) -> None:
        """Accept the connection (done implicitly by the first send/receive)."""
        if self.state != "connecting":
            if self.state == "closed":
                raise WebSocketDisconnect(self.close_code or 1000)
            return
        message: dict[str, t.Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        header_list = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if header_list:
            message["headers"] = header_list
        self.state = "open"
        await self._send(message)

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for a text frame, ``bytes`` for a binary one.

        Raises :class:`WebSocketDisconnect` once the connection is closed.
        """
        if self.state != "open":
            await self.accept()
        while True:
            if self.idle_timeout is not None:
                try:
                    message = await asyncio.wait_for(self._receive(), self.idle_timeout)
                except asyncio.TimeoutError:
                    await self.close(1001, "idle timeout")
                    raise WebSocketDisconnect(1001, "idle timeout") from None
            else:
                message = await self._receive()
            kind = message["type"]
            if kind == "websocket.receive":
                text = message.get("text")
                data: str | bytes = text if text is not None else message.get("bytes") or b""
                if self.max_size is not None and len(data) > self.max_size // 4:
                    size = (
                        len(data)
                        if isinstance(data, bytes) or data.isascii()
                        else len(data.encode())
                    )
                    if size > self.max_size:
                        await self.close(1009, "message too big")
                        raise WebSocketDisconnect(1009, "message too big")
                return data
            if kind == "websocket.disconnect":
                self.state = "closed"
                self.close_code = int(message.get("code") or 1005)
                raise WebSocketDisconnect(self.close_code, message.get("reason") or "")

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        if self.state != "open":
            await self.accept()
        message: dict[str, t.Any]
        if isinstance(data, str):
            message = {"type": "websocket.send", "text": data}
        elif isinstance(data, (bytes, bytearray, memoryview)):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(f"websocket.send() takes str or bytes, not {type(data).__name__}.")
        try:
            await self._send(message)
        except OSError:
            self.state = "closed"
            raise WebSocketDisconnect(1006) from None

    async def receive_json(self) -> t.Any:
        """The next message parsed as JSON."""
        data = await self.receive()
        return current_app.json.loads(data) if current_app else _json.loads(data)

    async def send_json(self, obj: t.Any) -> None:
        """Send *obj* as a JSON text message."""
        await self.send(current_app.json.dumps(obj) if current_app else _json.dumps(obj))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (before accept this rejects the handshake: HTTP 403)."""
        if self.state == "closed":
            return
        self.state = "closed"
        self.close_code = code
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            pass

    async def _reject(self, response: t.Any) -> None:
        """Refuse the handshake with an HTTP response if the server can send one."""
        if self.state != "connecting":
            await self.close(1008)
            return
        if "websocket.http.response" not in (self.scope.get("extensions") or {}):
            await self.close(1008)
            return
        self.state = "closed"
        self.close_code = 1008
        environ = self.request.environ
        status, headers, body = _http_response(response, environ)
        await self._send(
            {"type": "websocket.http.response.start", "status": status, "headers": headers}
        )
        await self._send({"type": "websocket.http.response.body", "body": body})

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> str | bytes:
        try:
            return await self.receive()
        except WebSocketDisconnect:
            raise StopAsyncIteration from None

    def __repr__(self) -> str:
        return f"<WebSocket {self.path!r} [{self.state}]>"


def _http_response(
    rv: t.Any, environ: dict[str, t.Any]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if isinstance(rv, HTTPException):
        response = rv.get_response(environ)
    else:
        response = current_app.make_response(rv)
    app_iter, status, header_list = response.get_wsgi_response(environ)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in header_list]
    return int(status[:3]), headers, body


async def handle_websocket(asgi: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one WebSocket connection of *scope*."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    app = asgi.app
    environ = scope_to_environ(scope, None, scheme=scope.get("scheme") or "ws")
    if environ["wsgi.url_scheme"] not in ("ws", "wss"):
        environ["wsgi.url_scheme"] = "wss" if environ["wsgi.url_scheme"] == "https" else "ws"
    ctx = app.request_context(environ)
    request = ctx.request
    try:
        adapter = ctx.url_adapter
        if adapter is None:
            raise t.cast(HTTPException, request.routing_exception)
        request.url_rule, request.view_args = adapter.match(return_rule=True, websocket=True)  # type: ignore[assignment]
    except HTTPException:
        # No WebSocket route here (or not canonical): refuse the handshake (HTTP 403).
        await send({"type": "websocket.close", "code": 1000})
        return
    config = app.config
    max_size = config.get("WEBSOCKET_MAX_MESSAGE_SIZE", _DEFAULT_MAX_SIZE)
    ws = WebSocket(request, scope, receive, send, max_size, config.get("WEBSOCKET_IDLE_TIMEOUT"))
    ws_token = _cv_websocket.set(ws)
    loop_token = _cv_loop.set((asyncio.get_running_loop(), threading.get_ident()))
    req_base = _cv_request.set(None)  # type: ignore[arg-type]
    app_base = _cv_app.set(None)  # type: ignore[arg-type]
    error: BaseException | None = None
    try:
        ctx.push()
        try:
            await _run_handler(asgi, ctx, ws)
        except WebSocketDisconnect:
            pass
        except Exception as e:
            error = e
            if got_request_exception.receivers:
                got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=e)
            app.logger.error(
                f"Exception in WebSocket handler {request.endpoint!r} on {request.path}",
                exc_info=(type(e), e, e.__traceback__),
            )
            await ws.close(1011, "internal error")
        finally:
            await _after(asgi, ctx)
            await ws.close(1000)
    finally:
        try:
            if app.teardown_request_funcs or app.teardown_appcontext_funcs:
                await asgi.run_sync(ctx.pop, error)
            else:
                ctx.pop(error)
        finally:
            _cv_app.reset(app_base)
            _cv_request.reset(req_base)
            _cv_loop.reset(loop_token)
            _cv_websocket.reset(ws_token)


async def _run_handler(asgi: ASGIApp, ctx: RequestContext, ws: WebSocket) -> None:
    app = asgi.app
    request = ctx.request
    names = (None, *reversed(request.blueprints))
    try:
        for name in names:
            for url_func in app.url_value_preprocessors.get(name, ()):
                url_func(request.endpoint, request.view_args)
        for name in names:
            for func in app.before_websocket_funcs.get(name, ()):
                rv = await asgi.call(func)
                if rv is not None:
                    await ws._reject(rv)
                    return
    except HTTPException as e:
        await ws._reject(e)
        return
    handler = app.view_functions[t.cast(t.Any, request.url_rule).endpoint]
    rv = await handler(**t.cast("dict[str, t.Any]", request.view_args))
    if rv is not None and ws.state == "connecting":
        await ws._reject(rv)


async def _after(asgi: ASGIApp, ctx: RequestContext) -> None:
    app = asgi.app
    if not app.after_websocket_funcs:
        return
    for name in (*ctx.request.blueprints, None):
        for func in reversed(app.after_websocket_funcs.get(name, ())):
            try:
                await asgi.call(func)
            except Exception:
                app.logger.exception("An after_websocket function failed.")


__all__ = ["WebSocket", "WebSocketDisconnect", "add_websocket_rule"]
