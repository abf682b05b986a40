"""Application and request contexts.

A request pushes a :class:`RequestContext` (and an :class:`AppContext` under it); the
``request``, ``session``, ``g`` and ``current_app`` proxies read whatever is pushed. Contexts
are cheap on purpose: the URL adapter, ``g`` and the session are created on first use, so a
request that never touches them never pays for them.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import update_wrapper

from .exceptions import HTTPException
from .globals import _cv_app, _cv_request
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    request_tearing_down,
)

if t.TYPE_CHECKING:
    from types import TracebackType

    from .app import Flask
    from .routing import MapAdapter
    from .sessions import SessionMixin
    from .wrappers import Request

_sentinel = object()
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _reset(var: contextvars.ContextVar[t.Any], token: contextvars.Token[t.Any]) -> None:
    """Undo ``var.set()``, also when *token* was made in another ``contextvars`` context.

    Under ASGI a context can be pushed in one context and popped in a copy of it (a body
    generator wrapped by ``stream_with_context`` finishes in the worker thread that
    streams it); the copy then gets the value the push replaced.
    """
    try:
        var.reset(token)
    except ValueError:
        old = token.old_value
        var.set(None if old is contextvars.Token.MISSING else old)


class _AppCtxGlobals:
    """The ``g`` namespace: per-application-context storage for anything.

    Supports attribute access plus ``get``, ``pop``, ``setdefault``, ``in`` and iteration.
    """

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute *name*, or *default*."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove and return *name*; without *default* a missing name raises KeyError."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The attribute *name*, setting it to *default* first if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<hipflask.g of '{ctx.app.name}'>"
        return object.__repr__(self)


def after_this_request(f: F) -> F:
    """Run *f(response)* after this request, before the app's ``after_request`` functions.

    Useful to change the response of a request from deep inside a view (set a cookie).
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active, such"
            " as in a view function."
        )
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate *f* so it runs with a copy of the current request context pushed.

    For greenlets/threads started inside a request that still need ``request``.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    ctx = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """Whether a request context is active (``request`` can be used)."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an application context is active (``current_app`` and ``g`` can be used)."""
    return _cv_app.get(None) is not None


class AppContext:
    """The application context: binds ``current_app`` and ``g``.

    Pushed automatically with each request, or by ``with app.app_context():``.
    """

    __slots__ = ("__dict__", "_cv_tokens", "_g", "app")

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        self._cv_tokens: list[contextvars.Token[AppContext]] = []

    @property
    def g(self) -> _AppCtxGlobals:
        """This context's ``g`` namespace (created on first use)."""
        g = self._g
        if g is None:
            g = self._g = self.app.app_ctx_globals_class()
        return g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        """URL adapter built from SERVER_NAME (None without it), created on first use."""
        adapter = self.__dict__.get("url_adapter", _sentinel)
        if adapter is _sentinel:
            adapter = self.__dict__["url_adapter"] = self.app.create_url_adapter(None)
        return t.cast("MapAdapter | None", adapter)

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self.__dict__["url_adapter"] = value

    def push(self) -> None:
        """Make this the current application context."""
        self._cv_tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Unbind this context, running ``teardown_appcontext`` functions if it is the last."""
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                app = self.app
                if (
                    app.teardown_appcontext_funcs
                    or appcontext_tearing_down.receivers
                    or not app._plain_request_path
                ):
                    app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _reset(_cv_app, self._cv_tokens.pop())
        if ctx is not self:
            raise AssertionError(f"Popped the wrong app context ({ctx!r} instead of {self!r}).")
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.app.name!r}>"


class RequestContext:
    """The request context: binds ``request`` and ``session`` for one request.

    Created by the app for each request, or by ``app.test_request_context()`` and
    ``app.request_context(environ)``. Pushing it matches the URL; popping it runs the
    ``teardown_request`` functions and closes the request.

    .. note:: Differs from Flask: the session is opened on first access of ``session``
       (not when the context is pushed), so requests that never use it never pay for it.
    """

    __slots__ = (
        "__dict__",
        "_after_request_functions",
        "_cv_tokens",
        "_session",
        "app",
        "flashes",
        "request",
    )

    def __init__(
        self,
        app: Flask,
        environ: dict[str, t.Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            # (Flask also sets request.json_module = app.json here; hipflask's Request already
            # uses hipflask.json, which follows current_app.json, so the per-request
            # attribute, and the instance dict it would create, are not needed.)
            request = app.request_class(environ)
        self.request: Request = request
        self.flashes: list[tuple[str, str]] | None = None
        self._session = session
        self._after_request_functions: list[t.Callable[[t.Any], t.Any]] = []
        # (a list per request; after_this_request appends to it)
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter bound to this request (created on first use)."""
        adapter = self.__dict__.get("url_adapter", _sentinel)
        if adapter is _sentinel:
            try:
                adapter = self.app.create_url_adapter(self.request)
            except HTTPException as e:
                self.request.routing_exception = e
                adapter = None
            self.__dict__["url_adapter"] = adapter
        return t.cast("MapAdapter | None", adapter)

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self.__dict__["url_adapter"] = value

    def copy(self) -> RequestContext:
        """A new context sharing this request and session (for another greenlet/thread).

        The session is opened now if it was not yet, so both contexts share one object.
        """
        return self.__class__(
            self.app,
            environ=self.request.environ,
            request=self.request,
            session=self.open_session(),
        )

    def match_request(self) -> None:
        """Match the URL: sets ``request.url_rule`` and ``view_args`` or
        ``routing_exception``. Subclasses may override it."""
        self.app._match_request(self)

    def open_session(self) -> SessionMixin:
        """Open the session through ``app.session_interface`` (without marking it accessed)."""
        session = self._session
        if session is None:
            interface = self.app.session_interface
            session = interface.open_session(self.app, self.request)
            if session is None:
                session = interface.make_null_session(self.app)
            self._session = session
        return session

    @property
    def session(self) -> SessionMixin:
        """The session of this request, opened on first access; marks it accessed."""
        session = self._session
        if session is None:
            session = self.open_session()
        session.accessed = True
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    def push(self) -> None:
        """Bind this context (and an app context if needed), then match the URL."""
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        request = self.request
        # (The ASGI layer may have matched already, to choose where the view runs.)
        if request.url_rule is None and request.routing_exception is None:
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Unbind this context; the last pop runs teardown functions and closes the request."""
        clear_request = len(self._cv_tokens) == 1
        try:
            if clear_request:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                app = self.app
                # Skip the call when it would do nothing (no hooks, no receivers, not overridden).
                if (
                    app.teardown_request_funcs
                    or request_tearing_down.receivers
                    or not app._plain_request_path
                ):
                    app.do_teardown_request(exc)
                self.request.close()
        finally:
            ctx = _cv_request.get()
            token, app_ctx = self._cv_tokens.pop()
            _reset(_cv_request, token)
            if clear_request:
                ctx.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
        if ctx is not self:
            raise AssertionError(f"Popped the wrong request context ({ctx!r} instead of {self!r}).")

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.request.url!r} [{self.request.method}] of {self.app.name}>"


__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]
