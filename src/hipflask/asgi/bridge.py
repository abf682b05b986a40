"""Calling coroutine functions from the synchronous request path under ASGI.

Sync views run in a worker thread (see :mod:`hipflask.asgi.http`). When such a request
meets a coroutine function (an ``async`` before-request hook, error handler or teardown
function, or an ``async`` view when the app's request path is overridden), the function
must run on the server's event loop, not on a private loop in the thread: the coroutine may
use connections, locks or queues bound to that loop. :data:`_cv_loop` carries the loop into
the worker thread (it travels in the copied ``contextvars`` context), and
:func:`wrap_async` submits the coroutine to it and waits for the result.

Outside an ASGI request (``app.wsgi_app`` under a WSGI server) the loop variable is unset
and the wrapper falls back to ``asgiref``, as before.

This module imports nothing heavy: :mod:`hipflask.app` imports it lazily on the first
coroutine function it wraps.
"""

from __future__ import annotations

import threading
import typing as t
from contextvars import ContextVar
from functools import update_wrapper

if t.TYPE_CHECKING:
    import asyncio

#: The event loop of the ASGI request being handled (unset under WSGI).
_cv_loop: ContextVar[tuple[asyncio.AbstractEventLoop, int]] = ContextVar("hipflask.asgi_loop")


def wrap_async(
    func: t.Callable[..., t.Awaitable[t.Any]],
    fallback: t.Callable[[t.Callable[..., t.Any]], t.Callable[..., t.Any]] | None,
) -> t.Callable[..., t.Any]:
    """A synchronous function calling the coroutine function *func*.

    Under ASGI (a loop in :data:`_cv_loop`) the coroutine runs on that loop and the calling
    worker thread waits for it; otherwise ``fallback(func)`` (asgiref's ``async_to_sync``)
    is used, or a ``RuntimeError`` says asgiref is needed. The choice is made on each call,
    so one wrapper serves both interfaces (the app caches wrappers per view).
    """
    fallback_func: list[t.Callable[..., t.Any]] = []

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        bound = _cv_loop.get(None)
        if bound is not None:
            loop, loop_thread = bound
            if threading.get_ident() == loop_thread:
                raise RuntimeError(
                    f"The coroutine function {getattr(func, '__qualname__', func)!r} was"
                    " called synchronously on the event loop thread (for example as a"
                    " signal receiver of an async request). Make it a plain function, or"
                    " await it."
                )
            import asyncio

            return asyncio.run_coroutine_threadsafe(func(*args, **kwargs), loop).result()  # type: ignore[arg-type]
        if not fallback_func:
            if fallback is None:
                raise RuntimeError(
                    "Install asgiref ('pip install asgiref') to use async views and hooks"
                    " under WSGI, or serve the app with an ASGI server (app.asgi_app)."
                )
            fallback_func.append(fallback(func))
        return fallback_func[0](*args, **kwargs)

    return update_wrapper(wrapper, func)


__all__ = ["wrap_async"]
