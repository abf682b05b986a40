"""The ASGI HTTP cycle: receive the body, dispatch, send the response, watch for disconnect.

**Why the body is spooled before dispatch.** ``Request`` (and the form parser, JSON, the
views) read the body synchronously, from a file-like ``wsgi.input``. Under ASGI the body
arrives through ``await receive()``, which a sync view in a worker thread cannot call
without blocking on the loop. So the whole body is received first, on the loop: kept in
memory up to ``ASGI_BODY_MEMORY_LIMIT`` (1 MiB), beyond that written to a temporary file.
``MAX_CONTENT_LENGTH`` is enforced while receiving: a declared ``Content-Length`` over it is
refused before anything is read, and a body that grows past it stops being received at
once; either way the request is answered 413 through the app's normal error path (error
handlers and ``after_request`` run; a 404/405 still wins, as under WSGI where an unmatched
request never reads its body). Form limits (``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``)
are then enforced by the existing form parser when the view reads ``request.form``.

**Where code runs.** A request whose view is a coroutine function runs natively on the
event loop: hooks, view and error handlers that are ``async`` are awaited directly (no
thread hop); sync hooks and handlers of such a request run in the app's bounded thread
pool. A request whose view is synchronous runs its *whole* request cycle (context push,
hooks, view, response conversion, session save, teardown) in one pool call, exactly as
under WSGI; that is one thread hop per request and keeps WSGI semantics (signals,
overridden methods, WSGI middleware on ``app.wsgi_app``) for free. The pool call runs in
``contextvars.copy_context()`` of the request's task, and the same context object is used
for every later step of that response (body chunks, ``close()``), so the request context a
``stream_with_context`` generator pushed is popped in the context it was pushed in.
Async hooks met in the worker thread are sent back to the loop
(:mod:`hipflask.asgi.bridge`).

**How disconnect is detected.** Once the body is received, the only message ``receive()``
can still deliver is ``http.disconnect``. While a streamed body is sent, a watcher task
waits for it; each chunk is produced racing that watcher. When the client goes away the
producer is stopped: an async generator is cancelled and ``aclose()``\\ d, a sync generator
is closed after its current chunk (a thread cannot be interrupted), which runs its
``finally`` blocks and, with ``stream_with_context``, the request's teardown. Bodies that
are a plain list (the usual case) are sent in one message with no watcher.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import sys
import tempfile
import threading
import typing as t

from ..ctx import AppContext, RequestContext
from ..exceptions import (
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
)
from ..globals import _cv_app, _cv_request
from ..routing import RoutingException
from ..signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from ..wrappers import Response
from .bridge import _cv_loop
from .scope import scope_to_environ

if t.TYPE_CHECKING:
    from ..app import Flask
    from .app import ASGIApp, Receive, Scope, Send

_END = object()
_EMPTY_BODY_STATUS = frozenset((204, 304))


class _Disconnected(Exception):
    """The client went away while the request body was being received."""


class _TooLargeInput(io.RawIOBase):
    """``wsgi.input`` of a body refused for its size when WSGI middleware wraps the app:
    reading it raises 413 inside the app, where its error handlers see it."""

    def readable(self) -> bool:
        return True

    def readinto(self, b: t.Any) -> int:
        raise RequestEntityTooLarge()


async def read_body(
    receive: Receive, limit: int | None, memory_limit: int
) -> tuple[t.IO[bytes] | None, bool]:
    """Receive the whole request body: ``(stream, too_large)``.

    The stream is a ``BytesIO`` or, past *memory_limit*, a temporary file, positioned at
    0. With *too_large* the stream is None and receiving stopped at the limit. Raises
    :class:`_Disconnected` when the client leaves first.
    """
    message = await receive()
    if message["type"] != "http.request":
        raise _Disconnected()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        # The common case: the whole body (often empty) in one message.
        if limit is not None and len(body) > limit:
            return None, True
        return io.BytesIO(body), False
    chunks = [body]
    size = len(body)
    spool: t.IO[bytes] | None = None
    while True:
        if limit is not None and size > limit:
            if spool is not None:
                spool.close()
            return None, True
        if spool is None and size > memory_limit:
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by handle_http
            for chunk in chunks:
                spool.write(chunk)
            chunks.clear()
        if not message.get("more_body", False):
            break
        message = await receive()
        if message["type"] != "http.request":
            if spool is not None:
                spool.close()
            raise _Disconnected()
        body = message.get("body", b"")
        size += len(body)
        if spool is not None:
            spool.write(body)
        else:
            chunks.append(body)
    if spool is None:
        return io.BytesIO(b"".join(chunks)), False
    spool.seek(0)
    return spool, False


def _framing(environ: dict[str, t.Any], limit: int | None) -> tuple[bool, bool]:
    """``(too_large, no_body)`` from the request's framing headers, read in *environ*.

    *too_large*: a declared ``Content-Length`` over *limit*. *no_body*: an HTTP/1.x request
    without Content-Length or Transfer-Encoding has no body (RFC 9112 section 6.3), so the
    first ``receive()`` can be skipped: on some servers (granian) that await is a large part
    of a small request's cost. HTTP/2 and 3 may send a body without either header, so they
    always receive; so do methods that usually carry a body, in case a server leaves the
    framing headers out of the scope. (A repeated or malformed Content-Length is not
    "too large" here; the body is then received with the limit enforced as it arrives.)
    """
    length = environ.get("CONTENT_LENGTH")
    if length is not None:
        return limit is not None and length.isdigit() and int(length) > limit, False
    return False, (
        environ["REQUEST_METHOD"] in ("GET", "HEAD")
        and environ["SERVER_PROTOCOL"] in ("HTTP/1.1", "HTTP/1.0")
        and "HTTP_TRANSFER_ENCODING" not in environ
    )


async def handle_http(asgi: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one HTTP request of *scope*."""
    app = asgi.app
    config = app.config
    limit: int | None = config["MAX_CONTENT_LENGTH"]
    # The environ first (its input an empty body): its keys give the framing headers.
    environ = scope_to_environ(scope, None)
    too_large, no_body = _framing(environ, limit)
    body: t.IO[bytes] = environ["wsgi.input"]
    if not no_body and not too_large:
        try:
            received, too_large = await read_body(
                receive, limit, int(config.get("ASGI_BODY_MEMORY_LIMIT") or 1024 * 1024)
            )
        except _Disconnected:
            return
        if received is not None:  # (None: refused for its size, the input stays empty)
            body = environ["wsgi.input"] = received
    loop = asyncio.get_running_loop()
    mark = asgi._loop_mark
    if mark is None or mark[0] is not loop or mark[1] != threading.get_ident():
        # One tuple per loop (not per request) for the bridge to find the loop with.
        mark = asgi._loop_mark = (loop, threading.get_ident())
    loop_token = _cv_loop.set(mark)
    try:
        wrapped = app.__dict__.get("wsgi_app")
        ctx = None
        if wrapped is None and asgi.native_ok and asgi.has_async_views():
            # Match here to see whether the view is async (only apps that have async
            # views pay for this; the match is kept, push() does not repeat it).
            # ``native_ok`` means request_context() is Flask's own, so it is not called.
            request = app.request_class(environ)
            ctx = RequestContext(app, environ, request)
            view: t.Any = None
            try:
                app._match_request(ctx)
            except Exception:
                ctx = None  # e.g. a converter needing an app context: the sync path has one
            else:
                if request.routing_exception is None:
                    rule: t.Any = request.url_rule
                    view = app.view_functions.get(rule.endpoint)
                    if view is None or not asgi.is_async(view):
                        ctx = None
        if ctx is not None:
            if (
                view is not None  # None: a routing error, which the general path raises
                and not too_large
                and request.method != "OPTIONS"
                and _hookless(app)
            ):
                await _inline_cycle(asgi, ctx, view, environ, receive, send)
            else:
                await _native_cycle(asgi, ctx, environ, too_large, receive, send)
            return
        if too_large and wrapped is not None:
            environ["wsgi.input"] = _TooLargeInput()
        run = contextvars.copy_context().run
        status, headers, app_iter = await loop.run_in_executor(
            asgi.executor, run, _sync_cycle, asgi, environ, too_large
        )
        await _send_response(asgi, status, headers, app_iter, run, receive, send)
    finally:
        _cv_loop.reset(loop_token)
        body.close()


# -- the synchronous cycle (one pool call) -----------------------------------------------------


def _start_response_capture() -> tuple[list[t.Any], t.Callable[..., t.Any]]:
    captured: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured[:] = (status, headers)
        return _no_write

    return captured, start_response


def _no_write(data: bytes) -> None:
    raise RuntimeError("The WSGI write() callable is not supported under ASGI.")


def _prepare(
    response: Response, environ: dict[str, t.Any]
) -> tuple[int, list[tuple[str, str]], t.Any]:
    """``(status, headers, body)`` of *response*: its WSGI app iterable, or the response
    itself when its body is an async iterator (streamed on the loop)."""
    body = response.response
    header_list = response._single_chunk_headers(environ)
    if header_list is not None:
        # The usual answer: what ``Response.__call__`` would pass to start_response,
        # without the capture closure.
        return response._status_code, header_list, body
    if hasattr(body, "__aiter__") and not isinstance(body, (list, tuple)):
        headers = response.get_wsgi_headers(environ)
        status = response.status_code
        skip = environ["REQUEST_METHOD"] == "HEAD" or status < 200 or status in _EMPTY_BODY_STATUS
        return status, list(headers.to_wsgi_list()), _AsyncBody(response, skip)
    captured, start_response = _start_response_capture()
    app_iter = response(environ, start_response)
    return int(captured[0][:3]), captured[1], app_iter


def _sync_cycle(
    asgi: ASGIApp, environ: dict[str, t.Any], too_large: bool
) -> tuple[int, list[tuple[str, str]], t.Any]:
    """What ``wsgi_app`` does, in a worker thread: push, dispatch, prepare the body, pop."""
    app = asgi.app
    wrapped = app.__dict__.get("wsgi_app")
    if wrapped is not None:
        captured, start_response = _start_response_capture()
        app_iter = wrapped(environ, start_response)
        if not captured:  # a lazy WSGI app calls start_response on its first chunk
            app_iter = _Prefetched(app_iter)
        return int(captured[0][:3]), captured[1], app_iter
    ctx = app.request_context(environ)
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            if too_large and ctx.request.routing_exception is None:
                ctx.request.routing_exception = RequestEntityTooLarge()
            response = app.full_dispatch_request()
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except BaseException:
            error = sys.exc_info()[1]
            raise
        return _prepare(response, environ)
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)


class _AsyncBody:
    """A response whose body is an async iterator, to be streamed on the loop."""

    __slots__ = ("response", "skip")

    def __init__(self, response: Response, skip: bool) -> None:
        self.response = response
        self.skip = skip


class _Prefetched:
    """A WSGI iterable whose first chunk was read to make it call ``start_response``."""

    def __init__(self, app_iter: t.Iterable[bytes]) -> None:
        self._iter = iter(app_iter)
        self._close = getattr(app_iter, "close", None)
        self._first: list[bytes] = [next(self._iter, b"")]

    def __iter__(self) -> _Prefetched:
        return self

    def __next__(self) -> bytes:
        if self._first:
            return self._first.pop()
        return next(self._iter)

    def close(self) -> None:
        if self._close is not None:
            self._close()


# -- the native async cycle (async views) ------------------------------------------------------


async def _native_cycle(
    asgi: ASGIApp,
    ctx: RequestContext,
    environ: dict[str, t.Any],
    too_large: bool,
    receive: Receive,
    send: Send,
) -> None:
    app = asgi.app
    # Start from a clean slate in this task's context and restore it afterwards: the
    # context may be popped in a copy (teardown in the pool), which leaves this one stale.
    req_base = _cv_request.set(None)  # type: ignore[arg-type]
    app_base = _cv_app.set(None)  # type: ignore[arg-type]
    try:
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                if too_large and ctx.request.routing_exception is None:
                    ctx.request.routing_exception = RequestEntityTooLarge()
                response = await _full_dispatch(asgi, ctx)
            except Exception as e:
                error = e
                response = await _handle_exception(asgi, ctx, e)
            except BaseException:
                error = sys.exc_info()[1]
                raise
            status, headers, body = _prepare(response, environ)
        finally:
            if error is not None and app.should_ignore_error(error):
                error = None
            if app.teardown_request_funcs or app.teardown_appcontext_funcs or not asgi.native_ok:
                # Teardown functions may block (or be async): run them off the loop.
                await asgi.run_sync(ctx.pop, error)
            else:
                ctx.pop(error)
        await _send_response(asgi, status, headers, body, None, receive, send)
    finally:
        _cv_app.reset(app_base)
        _cv_request.reset(req_base)


def _hookless(app: Flask) -> bool:
    """Whether a request of *app* has no hook, signal or teardown to run around its view."""
    return not (
        app.before_request_funcs
        or app.url_value_preprocessors
        or app.after_request_funcs
        or app.teardown_request_funcs
        or app.teardown_appcontext_funcs
        or request_started.receivers
        or request_finished.receivers
        or request_tearing_down.receivers
        or appcontext_pushed.receivers
        or appcontext_popped.receivers
        or appcontext_tearing_down.receivers
    )


async def _inline_cycle(
    asgi: ASGIApp,
    ctx: RequestContext,
    view: t.Callable[..., t.Awaitable[t.Any]],
    environ: dict[str, t.Any],
    receive: Receive,
    send: Send,
) -> None:
    """:func:`_native_cycle` for an async view of a :func:`_hookless` app, written out in
    one coroutine: the same steps in the same order, without the calls and coroutine
    frames between them (``Flask._wsgi_app_inline`` is the WSGI twin, and says why).

    The context push and pop are the plain ``ContextVar`` sets and resets they come down to
    when nothing listens; anything unusual on the way out (a view that left a context of
    its own pushed) goes through ``RequestContext.pop``.
    """
    app = asgi.app
    request = ctx.request
    app_ctx = AppContext(app)
    app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
    ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
    error: BaseException | None = None
    answer: tuple[bytes, list[tuple[str, str]]] | None = None  # sent without a Response
    try:
        try:
            app._got_first_request = True
            try:
                rv = await view(**request.view_args)  # type: ignore[arg-type]
            except Exception as e:
                rv = await _handle_user_exception(asgi, ctx, e)
            if (
                request.method != "HEAD"
                and not ctx._after_request_functions
                and ctx._session is None
                and "HTTP_COOKIE" not in environ
            ):
                # Nothing can see the response object: send what it would send.
                answer = app._plain_answer(rv)
            if answer is None:
                response = app.response_class(rv) if type(rv) is str else app.make_response(rv)
                for func in ctx._after_request_functions:  # after_this_request()
                    response = await asgi.call(func, response)
                if ctx._session is not None or "HTTP_COOKIE" in environ:
                    app._save_session(ctx, response)
        except Exception as e:
            error = e
            answer = None
            response = await _handle_exception(asgi, ctx, e)
        except BaseException:
            error = sys.exc_info()[1]
            raise
        if answer is None:
            status, headers, body = _prepare(response, environ)
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        if (
            len(ctx._cv_tokens) == 1
            and len(app_ctx._cv_tokens) == 1
            and _cv_request.get(None) is ctx
            and _cv_app.get(None) is app_ctx
        ):
            # (Plain resets: the tokens were made in this task's own context, the one
            # case where ``ctx._reset``'s fallback is never needed.)
            try:
                request.close()
            finally:
                _cv_request.reset(ctx._cv_tokens.pop()[0])
                environ["werkzeug.request"] = None
                _cv_app.reset(app_ctx._cv_tokens.pop())
        else:
            ctx.pop(error)
    if answer is not None:
        status, headers, body = 200, answer[1], [answer[0]]
    if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
        await send({"type": "http.response.start", "status": status, "headers": _encode(headers)})
        await send({"type": "http.response.body", "body": body[0], "more_body": False})
    else:
        await _send_response(asgi, status, headers, body, None, receive, send)


async def _full_dispatch(asgi: ASGIApp, ctx: RequestContext) -> Response:
    """``full_dispatch_request`` with async hooks and views awaited on the loop."""
    app = asgi.app
    app._got_first_request = True
    request = ctx.request
    try:
        if request_started.receivers:
            request_started.send(app, _async_wrapper=app.ensure_sync)
        rv = None
        if app.before_request_funcs or app.url_value_preprocessors:
            names = (None, *reversed(request.blueprints))
            for name in names:
                for url_func in app.url_value_preprocessors.get(name, ()):
                    url_func(request.endpoint, request.view_args)
            for name in names:
                for before_func in app.before_request_funcs.get(name, ()):
                    rv = await asgi.call(before_func)
                    if rv is not None:
                        break
                if rv is not None:
                    break
        if rv is None:
            if request.routing_exception is not None:
                app.raise_routing_exception(request)
            rule: t.Any = request.url_rule
            if request.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
                rv = app.make_default_options_response()
            else:
                view = app.view_functions[rule.endpoint]
                view_args: t.Any = request.view_args
                if asgi.is_async(view):
                    rv = await view(**view_args)
                else:
                    rv = await asgi.run_sync(view, **view_args)
    except Exception as e:
        rv = await _handle_user_exception(asgi, ctx, e)
    return await _finalize(asgi, ctx, rv)


async def _handle_user_exception(asgi: ASGIApp, ctx: RequestContext, e: Exception) -> t.Any:
    app = asgi.app
    if isinstance(e, BadRequestKeyError) and (app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]):
        e.show_exception = True
    if isinstance(e, HTTPException) and not app.trap_http_exception(e):
        if e.code is None or isinstance(e, RoutingException) or not app.error_handler_spec:
            return e
        handler = app._find_error_handler(e, ctx.request.blueprints)
        return e if handler is None else await asgi.call(handler, e)
    handler = app._find_error_handler(e, ctx.request.blueprints)
    if handler is None:
        raise e
    return await asgi.call(handler, e)


async def _handle_exception(asgi: ASGIApp, ctx: RequestContext, e: Exception) -> Response:
    """``handle_exception``: propagate (testing/debug) or log and answer 500."""
    app = asgi.app
    if got_request_exception.receivers:
        got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=e)
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        propagate = app.testing or app.debug
    if propagate:
        raise e
    app.log_exception((type(e), e, e.__traceback__))
    server_error: t.Any = InternalServerError(original_exception=e)
    handler = app._find_error_handler(server_error, ctx.request.blueprints)
    if handler is not None:
        server_error = await asgi.call(handler, server_error)
    return await _finalize(asgi, ctx, server_error, from_error_handler=True)


async def _finalize(
    asgi: ASGIApp, ctx: RequestContext, rv: t.Any, from_error_handler: bool = False
) -> Response:
    app = asgi.app
    response = app.make_response(rv)
    try:
        for func in ctx._after_request_functions:
            response = await asgi.call(func, response)
        if app.after_request_funcs:
            for name in (*ctx.request.blueprints, None):
                for func in reversed(app.after_request_funcs.get(name, ())):
                    response = await asgi.call(func, response)
        app._save_session(ctx, response)
        if request_finished.receivers:
            request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)
    except Exception:
        if not from_error_handler:
            raise
        app.logger.exception("Request finalizing failed with an error while handling an error")
    return response


# -- sending -----------------------------------------------------------------------------------


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        # The body was read before dispatch, so anything else is stray; yield to the loop
        # so that a receive() which answers without waiting cannot starve the response.
        await asyncio.sleep(0)


async def _send_response(
    asgi: ASGIApp,
    status: int,
    header_list: list[tuple[str, str]],
    body: t.Any,
    run: t.Callable[..., t.Any] | None,
    receive: Receive,
    send: Send,
) -> None:
    """Send the response; *run* is the context the body's sync code runs in (None: a copy
    of the current one, taken only when a body needs it)."""
    await send({"type": "http.response.start", "status": status, "headers": _encode(header_list)})
    if type(body) is list:
        await send(
            {
                "type": "http.response.body",
                "body": body[0] if len(body) == 1 and type(body[0]) is bytes else b"".join(body),
                "more_body": False,
            }
        )
        return
    if type(body) is _AsyncBody:
        await _send_async_body(body, receive, send)
        return
    if run is None:
        run = contextvars.copy_context().run
    await _send_sync_body(asgi, body, run, receive, send)


#: Encoded header names (``Content-Type`` -> ``b"content-type"``); bounded like the
#: environ key cache in :mod:`~hipflask.asgi.scope`.
_NAMES: dict[str, bytes] = {}
#: Encoded values of Content-Type and Content-Length, which repeat across responses.
_VALUES: dict[str, bytes] = {}
_CACHE_MAX = 512
_CACHED_VALUE_NAMES = frozenset(("Content-Type", "Content-Length"))


def _encode(header_list: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """The ``http.response.start`` header list: lower-case latin-1 bytes."""
    names = _NAMES
    values = _VALUES
    out = []
    for key, value in header_list:
        name = names.get(key)
        if name is None:
            name = key.lower().encode("latin-1")
            if len(names) < _CACHE_MAX:
                names[key] = name
        raw = values.get(value)
        if raw is None:
            raw = value.encode("latin-1")
            # Only values that repeat: not cookies, ETags and the like.
            if key in _CACHED_VALUE_NAMES and len(values) < _CACHE_MAX:
                values[value] = raw
        out.append((name, raw))
    return out


async def _send_sync_body(
    asgi: ASGIApp, app_iter: t.Any, run: t.Callable[..., t.Any], receive: Receive, send: Send
) -> None:
    loop = asyncio.get_running_loop()
    executor = asgi.executor
    watcher: asyncio.Task[None] | None = None
    iterator = None
    try:
        iterator = iter(app_iter)
        if isinstance(app_iter, (tuple, list)):
            for chunk in iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        else:
            watcher = loop.create_task(_wait_disconnect(receive))
            while True:
                future = loop.run_in_executor(executor, run, next, iterator, _END)
                done, _ = await asyncio.wait((future, watcher), return_when=asyncio.FIRST_COMPLETED)
                if future not in done:
                    # The client left: let the current chunk finish, then close below.
                    try:
                        await future
                    except Exception:
                        pass
                    return
                chunk = future.result()
                if chunk is _END:
                    break
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        return  # the server reports a closed connection (ASGI 2.4): nothing more to send
    finally:
        if watcher is not None:
            watcher.cancel()
        close = getattr(app_iter, "close", None)
        if close is not None:
            await loop.run_in_executor(executor, run, close)


async def _send_async_body(body: _AsyncBody, receive: Receive, send: Send) -> None:
    loop = asyncio.get_running_loop()
    response = body.response
    agen = response.response
    watcher: asyncio.Task[None] | None = None
    try:
        if body.skip:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        iterator = agen.__aiter__()
        watcher = loop.create_task(_wait_disconnect(receive))
        while True:
            step: asyncio.Future[t.Any] = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait((step, watcher), return_when=asyncio.FIRST_COMPLETED)
            if step not in done:
                step.cancel()
                try:
                    await step
                except BaseException:
                    pass
                return
            try:
                chunk = step.result()
            except StopAsyncIteration:
                break
            if isinstance(chunk, str):
                chunk = chunk.encode()
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        return
    finally:
        if watcher is not None:
            watcher.cancel()
        aclose = getattr(agen, "aclose", None)
        if aclose is not None:
            await aclose()
        response.close()


__all__ = ["handle_http", "read_body"]
