"""The ASGI 3 application object behind ``app.asgi_app``.

One :class:`ASGIApp` per Flask app (created on first access of ``app.asgi_app``). It routes
each connection by scope type to :mod:`~hipflask.asgi.http`,
:mod:`~hipflask.asgi.websocket` or :mod:`~hipflask.asgi.lifespan`, and owns the bounded
thread pool in which synchronous views and hooks run.

Configuration (read from ``app.config`` when first needed; all optional):

``ASGI_SYNC_THREADS`` (default 40)
    Size of the pool running sync views, hooks and body generators. It bounds how many sync
    requests run at once on one worker process; async views do not use it.
``ASGI_BODY_MEMORY_LIMIT`` (default 1 MiB)
    Request bodies up to this size are kept in memory, larger ones are spooled to a
    temporary file while they are received.
``WEBSOCKET_MAX_MESSAGE_SIZE`` (default 1 MiB) and ``WEBSOCKET_IDLE_TIMEOUT`` (default
None): see :mod:`hipflask.asgi.websocket`.
"""

from __future__ import annotations

import asyncio
import contextvars
import typing as t
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from inspect import iscoroutinefunction

from ..app import Flask
from .http import handle_http
from .lifespan import handle_lifespan
from .websocket import handle_websocket

if t.TYPE_CHECKING:
    from ..app import Flask

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

#: Methods of ``Flask`` the native async request path re-implements; an app class that
#: overrides any of them is served through the synchronous path, which calls them.
_NATIVE_METHODS = (
    "wsgi_app",
    "request_context",
    "full_dispatch_request",
    "preprocess_request",
    "dispatch_request",
    "finalize_request",
    "process_response",
    "handle_user_exception",
    "handle_http_exception",
    "handle_exception",
    "make_default_options_response",
)


class ASGIApp:
    """The ASGI 3 callable for *app*: ``await asgi(scope, receive, send)``.

    Handles ``http``, ``websocket`` and ``lifespan`` scopes; any other scope type raises
    ``ValueError`` (the ASGI spec's way to say "not supported").
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._executor: ThreadPoolExecutor | None = None
        self._is_async: dict[t.Any, bool] = {}
        self._views_seen = -1
        self._has_async_views = False
        #: ``(loop, thread id)`` last served, the value of the bridge's loop variable.
        self._loop_mark: tuple[asyncio.AbstractEventLoop, int] | None = None
        cls = type(app)
        #: Whether async views may run on the native path (not when the app class
        #: overrides the request-path methods that path stands in for).
        self.native_ok = app._plain_request_path and all(
            getattr(cls, name) is getattr(Flask, name) for name in _NATIVE_METHODS
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await handle_http(self, scope, receive, send)
        elif kind == "websocket":
            await handle_websocket(self, scope, receive, send)
        elif kind == "lifespan":
            await handle_lifespan(self, scope, receive, send)
        else:
            raise ValueError(f"hipflask does not handle ASGI scope type {kind!r}.")

    # -- sync code off the loop -------------------------------------------------------------

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The bounded pool for sync views and hooks (``ASGI_SYNC_THREADS`` threads)."""
        executor = self._executor
        if executor is None:
            size = int(self.app.config.get("ASGI_SYNC_THREADS") or 40)
            executor = self._executor = ThreadPoolExecutor(size, thread_name_prefix="hipflask-sync")
        return executor

    def shutdown(self) -> None:
        """Stop the thread pool (at lifespan shutdown); a later request makes a new one."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)

    def run_sync(
        self, func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any
    ) -> asyncio.Future[t.Any]:
        """Run *func* in the pool with a copy of the current context (request, app, g)."""
        if kwargs:
            func = partial(func, **kwargs)
        return asyncio.get_running_loop().run_in_executor(
            self.executor, contextvars.copy_context().run, func, *args
        )

    def is_async(self, func: t.Any) -> bool:
        """Whether *func* is a coroutine function (cached per function)."""
        try:
            return self._is_async[func]
        except KeyError:
            result = self._is_async[func] = iscoroutinefunction(func)
            return result
        except TypeError:  # an unhashable callable
            return iscoroutinefunction(func)

    async def call(self, func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Await *func* on the loop if it is async, else run it in the pool."""
        if self.is_async(func):
            return await func(*args, **kwargs)
        return await self.run_sync(func, *args, **kwargs)

    def has_async_views(self) -> bool:
        """Whether any view function is a coroutine function (rechecked as views change)."""
        views = self.app.view_functions
        if len(views) != self._views_seen:
            self._has_async_views = any(self.is_async(v) for v in views.values())
            self._views_seen = len(views)
        return self._has_async_views

    def __repr__(self) -> str:
        return f"<ASGIApp of {self.app.name!r}>"


__all__ = ["ASGIApp"]
