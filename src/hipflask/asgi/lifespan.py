"""The ASGI lifespan protocol: ``@app.before_serving`` and ``@app.after_serving``.

The server sends ``lifespan.startup`` once before it accepts connections and
``lifespan.shutdown`` once after it stopped accepting them. hipflask runs the
``before_serving`` functions (then the ``before_app_serving`` ones of blueprints, in
registration order) at startup and the ``after_serving`` ones at shutdown, each inside an
application context (so ``current_app``, ``g`` and ``app.config`` work, as in Quart). Async
functions are awaited on the loop; sync ones are called directly, since nothing else runs
during startup and shutdown.

A startup function that raises makes hipflask answer ``lifespan.startup.failed`` with the
exception's type and message: the server logs it and refuses to start, so a missing
database or a bad setting stops the deployment instead of failing every request later.
The thread pool is shut down after the shutdown functions ran.
"""

from __future__ import annotations

import typing as t

from .bridge import _cv_loop

if t.TYPE_CHECKING:
    from .app import ASGIApp, Receive, Scope, Send


async def _run_all(asgi: ASGIApp, funcs: list[t.Callable[[], t.Any]]) -> None:
    import asyncio
    import threading

    app = asgi.app
    token = _cv_loop.set((asyncio.get_running_loop(), threading.get_ident()))
    try:
        with app.app_context():
            for func in funcs:
                if asgi.is_async(func):
                    await func()
                else:
                    func()
    finally:
        _cv_loop.reset(token)


async def handle_lifespan(asgi: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve the lifespan scope until shutdown."""
    app = asgi.app
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "lifespan.startup":
            try:
                await _run_all(asgi, app.before_serving_funcs)
            except Exception as e:
                app.logger.exception("A before_serving function failed; the server will not start.")
                await send(
                    {"type": "lifespan.startup.failed", "message": f"{type(e).__name__}: {e}"}
                )
                return
            await send({"type": "lifespan.startup.complete"})
        elif kind == "lifespan.shutdown":
            try:
                await _run_all(asgi, app.after_serving_funcs)
            except Exception as e:
                app.logger.exception("An after_serving function failed.")
                await send(
                    {"type": "lifespan.shutdown.failed", "message": f"{type(e).__name__}: {e}"}
                )
                return
            finally:
                asgi.shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


__all__ = ["handle_lifespan"]
