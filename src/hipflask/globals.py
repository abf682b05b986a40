"""The context-bound globals: ``current_app``, ``g``, ``request``, ``session``.

Each is a :class:`~hipflask.local.LocalProxy` over a ``ContextVar`` holding the current
application or request context, so they are safe across threads and asyncio tasks.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from .local import LocalProxy

if t.TYPE_CHECKING:
    from .app import Flask
    from .asgi.websocket import WebSocket
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_no_app_msg = """\
Working outside of application context: there is no current app.

Code that reads current_app or g needs an active application context. Inside a request one
is pushed for you; elsewhere (a script, a test, a CLI command) push one yourself:

    with app.app_context():
        ...\
"""
_cv_app: ContextVar[AppContext] = ContextVar("hipflask.app_ctx")
app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_no_app_msg)  # type: ignore[assignment]
current_app: Flask = LocalProxy(_cv_app, "app", unbound_message=_no_app_msg)  # type: ignore[assignment]
g: _AppCtxGlobals = LocalProxy(_cv_app, "g", unbound_message=_no_app_msg)  # type: ignore[assignment]

_no_req_msg = """\
Working outside of request context: there is no current request.

Code that reads request or session needs an active HTTP request. In a test, make one with
app.test_request_context() or use app.test_client():

    with app.test_request_context("/path", method="POST"):
        ...\
"""
_cv_request: ContextVar[RequestContext] = ContextVar("hipflask.request_ctx")
request_ctx: RequestContext = LocalProxy(_cv_request, unbound_message=_no_req_msg)  # type: ignore[assignment]
request: Request = LocalProxy(_cv_request, "request", unbound_message=_no_req_msg)  # type: ignore[assignment]
session: SessionMixin = LocalProxy(_cv_request, "session", unbound_message=_no_req_msg)  # type: ignore[assignment]

_no_ws_msg = """\
Working outside of a WebSocket connection: there is no current websocket.

'websocket' is bound inside handlers registered with @app.websocket(...), which run when the
app is served over ASGI (app.asgi_app).\
"""
_cv_websocket: ContextVar[WebSocket] = ContextVar("hipflask.websocket")
websocket: WebSocket = LocalProxy(_cv_websocket, unbound_message=_no_ws_msg)  # type: ignore[assignment]

__all__ = ["app_ctx", "current_app", "g", "request", "request_ctx", "session", "websocket"]


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Put the real ``g`` and ``request`` objects (not their proxies) in the context.

    Registered first on every app (it lives here, not in :mod:`hipflask.templating`, so
    that creating an app does not load Jinja2). Concrete objects make attribute access in
    templates faster. ``session`` stays the global proxy: reading it is what
    opens the (lazy) session, so a template that never touches it costs nothing.
    """
    rv: dict[str, t.Any] = {}
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        rv["g"] = app_ctx.g
    req_ctx = _cv_request.get(None)
    if req_ctx is not None:
        rv["request"] = req_ctx.request
    return rv
