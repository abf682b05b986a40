"""Native ASGI 3 serving for hipflask apps: HTTP, WebSockets and lifespan.

``app.asgi_app`` is the same app as an ASGI application::

    asgi = app.asgi_app          # uvicorn mod:asgi / hypercorn mod:asgi
                                 # granian --interface asgi mod:asgi

No adapter (asgiref's ``WsgiToAsgi``) sits in between: the request path is hipflask's own,
split between the event loop and a bounded thread pool.

* :mod:`hipflask.asgi.scope`: ASGI scope -> WSGI-style environ, so ``Request`` is unchanged;
* :mod:`hipflask.asgi.http`: the HTTP cycle (body spooling, where views run, streaming and
  disconnect detection);
* :mod:`hipflask.asgi.websocket`: ``@app.websocket(rule)`` handlers and the ``websocket``
  object;
* :mod:`hipflask.asgi.lifespan`: ``@app.before_serving`` / ``@app.after_serving``;
* :mod:`hipflask.asgi.bridge`: async hooks met by sync code, sent back to the loop;
* :mod:`hipflask.asgi.testing`: :class:`~hipflask.asgi.testing.ASGITestClient`.

Importing this package is cheap; the submodules (which import ``asyncio``) load on first use.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from .app import ASGIApp
    from .testing import ASGITestClient
    from .websocket import WebSocket, WebSocketDisconnect

_LAZY = {
    "ASGIApp": "app",
    "ASGITestClient": "testing",
    "WebSocket": "websocket",
    "WebSocketDisconnect": "websocket",
}


def __getattr__(name: str) -> t.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hipflask.asgi' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


__all__ = ["ASGIApp", "ASGITestClient", "WebSocket", "WebSocketDisconnect"]
