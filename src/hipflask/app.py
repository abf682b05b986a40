"""The ``Flask`` application class and the request path.

One request, top to bottom (:meth:`Flask.wsgi_app`):

1. ``RequestContext(app, environ)`` wraps the environ in a lazy :class:`Request`;
2. ``ctx.push()`` binds the context variables and matches the URL
   (:meth:`Flask._match_request`: one dict lookup for static paths);
3. :meth:`Flask.full_dispatch_request` runs ``before_request`` hooks (skipped when none
   are registered), the view, and :meth:`Flask.finalize_request` (response conversion,
   ``after_request`` hooks, session save only if the session was used);
4. the response is called as a WSGI app; ``ctx.pop()`` runs teardown hooks.

Errors branch off to :meth:`handle_user_exception` (HTTP errors and registered handlers)
and :meth:`handle_exception` (unhandled: logged, 500).
"""

from __future__ import annotations

import collections.abc as cabc
import os
import sys
import typing as t
import weakref
from inspect import iscoroutinefunction
from itertools import chain

from .ctx import AppContext, RequestContext
from .exceptions import (
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from .globals import _cv_app, _cv_request, request, request_ctx
from .json.provider import DefaultJSONProvider
from .response import Response as BaseResponse
from .routing import RequestRedirect, RoutingException
from .routing.matcher import NoMatch, RequestPath
from .sansio.app import App
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from .wrappers import Response

if t.TYPE_CHECKING:
    # asyncio and the ASGI machinery load only for ASGI or async views.
    from .asgi import ASGIApp

    # asyncio and the ASGI machinery load only for ASGI or async views.
    from .asgi.testing import ASGITestClient
    from .sessions import SessionInterface
    from .testing import FlaskClient, FlaskCliRunner
    from .wrappers import Request

    WSGIEnvironment = dict[str, t.Any]
    StartResponse = t.Callable[..., t.Any]

_sentinel = object()
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _default_session_interface() -> SessionInterface:
    # itsdangerous loads with the first session, not with the app.
    from .sessions import SecureCookieSessionInterface

    return SecureCookieSessionInterface()


#: Routing errors the inline path answers without raising when nothing handles them (a
#: raise and catch is a fifth of a 404's cost). Redirects are not among them: in debug mode
#: ``raise_routing_exception`` may replace one with an explanation.
_PLAIN_ROUTING_ERRORS = frozenset((NotFound, MethodNotAllowed))


class Flask(App):
    """The WSGI application: ``app = Flask(__name__)``.

    *import_name* locates the app's resources (``templates/`` and ``static/`` next to the
    module or inside the package). Other arguments are Flask's: ``static_url_path``,
    ``static_folder``, ``static_host``, ``host_matching``, ``subdomain_matching``,
    ``template_folder``, ``instance_path``, ``instance_relative_config``, ``root_path``.
    """

    #: Whether the request-path methods the fast paths may skip or bypass are Flask's own;
    #: a subclass overriding one of them always gets it called.
    _plain_request_path = True
    #: Whether :meth:`wsgi_app` may run :meth:`_wsgi_app_inline`: every method that one
    #: inlines is Flask's own (a subclass overriding one gets the general path).
    _inline_wsgi = True
    #: Whether :meth:`__call__` may go straight to :meth:`_wsgi_app_inline`: also
    #: :meth:`wsgi_app` is Flask's own (an instance attribute, i.e. middleware, is checked
    #: per call).
    _inline_call = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_request_path = all(
            getattr(cls, name) is getattr(Flask, name)
            for name in (
                "create_url_adapter",
                "preprocess_request",
                "do_teardown_request",
                "do_teardown_appcontext",
            )
        )
        cls._inline_wsgi = cls._plain_request_path and all(
            getattr(cls, name) is getattr(Flask, name)
            for name in (
                "request_context",
                "app_context",
                "full_dispatch_request",
                "dispatch_request",
                "finalize_request",
                "make_response",
                "process_response",
                "_match_request",
            )
        )
        cls._inline_call = cls._inline_wsgi and cls.wsgi_app is Flask.wsgi_app

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name,
            static_url_path=static_url_path,
            static_folder=static_folder,
            static_host=static_host,
            host_matching=host_matching,
            subdomain_matching=subdomain_matching,
            template_folder=template_folder,
            instance_path=instance_path,
            instance_relative_config=instance_relative_config,
            root_path=root_path,
        )
        self._sync_views: dict[t.Callable[..., t.Any], t.Callable[..., t.Any]] = {}
        # ASGI-only hooks (lifespan and WebSocket); see hipflask.asgi.
        self.before_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.after_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.before_websocket_funcs: dict[str | None, list[t.Callable[[], t.Any]]] = {}
        self.after_websocket_funcs: dict[str | None, list[t.Callable[[], t.Any]]] = {}
        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError(
                    "Invalid static_host/host_matching combination: static_host needs"
                    " host_matching=True, and host_matching=True needs a static_host."
                )
            self_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: self_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )

    @property
    def session_interface(self) -> SessionInterface:
        """How sessions are loaded and saved (signed cookies by default); replaceable."""
        interface = self.__dict__.get("session_interface")
        if interface is None:
            interface = self.__dict__["session_interface"] = _default_session_interface()
        return t.cast("SessionInterface", interface)

    @session_interface.setter
    def session_interface(self, value: SessionInterface) -> None:
        self.__dict__["session_interface"] = value

    @property
    def cli(self) -> t.Any:
        """The ``AppGroup`` for this app's ``hipflask`` commands (created on first use)."""
        group = self.__dict__.get("cli")
        if group is None:
            # click loads only when the app's commands are used.
            from .cli import AppGroup

            group = self.__dict__["cli"] = AppGroup()
            group.name = self.name
        return group

    @cli.setter
    def cli(self, value: t.Any) -> None:
        self.__dict__["cli"] = value

    # -- contexts ------------------------------------------------------------------------------

    def app_context(self) -> AppContext:
        """An application context: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A request context for *environ*: ``with app.request_context(environ): ...``."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a request built like the test client's
        (``path``, ``method``, ``data``, ``json``, ``headers``, ``query_string``...)."""
        # The test toolkit loads only when a test asks for it: serving apps never pay for it.
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """A client that sends requests to this app without a server."""
        # The test toolkit loads only in tests.
        from .testing import FlaskClient

        cls = self.test_client_class or FlaskClient
        return t.cast(
            "FlaskClient", cls(self, self.response_class, use_cookies=use_cookies, **kwargs)
        )

    def test_cli_runner(self, **kwargs: t.Any) -> FlaskCliRunner:
        """A runner that invokes this app's CLI commands in-process."""
        # The test toolkit and click load only in tests.
        from .testing import FlaskCliRunner

        cls = self.test_cli_runner_class or FlaskCliRunner
        return t.cast("FlaskCliRunner", cls(self, **kwargs))

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with the development server (``python hello.py``).

        Not for production. Under the ``hipflask run`` command it does nothing.
        """
        # click and the development server load only for app.run().
        from .cli import run_application

        run_application(self, host, port, debug, load_dotenv, **options)

    # -- the request path ----------------------------------------------------------------------

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """The WSGI entry point; calls :attr:`wsgi_app`, which middleware may wrap."""
        if (
            self._inline_call
            and "wsgi_app" not in self.__dict__
            and _cv_app.get(None) is None
            and not appcontext_pushed.receivers
            and not appcontext_popped.receivers
        ):
            # What wsgi_app() would do, one call sooner (see there).
            return self._wsgi_app_inline(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """Handle one request. Wrap this (``app.wsgi_app = Middleware(app.wsgi_app)``) to add
        WSGI middleware while keeping ``app`` the app object."""
        if (
            self._inline_wsgi
            and _cv_app.get(None) is None
            and not appcontext_pushed.receivers
            and not appcontext_popped.receivers
        ):
            return self._wsgi_app_inline(environ, start_response)
        ctx = self.request_context(environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except:
                error = sys.exc_info()[1]
                raise
            return response(environ, start_response)
        finally:
            preserve = environ.get("werkzeug.debug.preserve_context")
            if preserve is not None:
                preserve(_cv_app.get())
                preserve(_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    def _wsgi_app_inline(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """:meth:`wsgi_app` with the context push and pop, the dispatch and the common
        response conversion written out in line.

        Same steps, same order, same hooks and signals as the general path: only the calls
        between them are gone (about a third of a hello-world request's time went to calling
        small methods). :meth:`wsgi_app` uses it when no app context is active, no
        app-context signal has receivers and no inlined method is overridden. Anything
        unusual (hooks, a session, a view that pushed contexts of its own) goes through the
        methods themselves.
        """
        request = self.request_class(environ)
        ctx = RequestContext(self, environ, request)
        # RequestContext.push(): an app context under it, then the request context, then
        # the URL match.
        app_ctx = AppContext(self)
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
        ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
        error: BaseException | None = None
        try:
            try:
                if request.url_rule is None and request.routing_exception is None:
                    self._match_request(ctx)
                # full_dispatch_request(), when there is nothing to run before the view
                if (
                    request_started.receivers
                    or self.before_request_funcs
                    or self.url_value_preprocessors
                ):
                    response = self.full_dispatch_request()
                else:
                    self._got_first_request = True
                    try:
                        missed = request.routing_exception
                        if missed is None and request.method != "OPTIONS":
                            view = self.view_functions[request.url_rule.endpoint]  # type: ignore[union-attr]
                            sync_view = self._sync_views.get(view)
                            if sync_view is None:
                                sync_view = self._sync_views[view] = self.ensure_sync(view)
                            rv: t.Any = sync_view(**request.view_args)  # type: ignore[arg-type]
                        elif (
                            type(missed) in _PLAIN_ROUTING_ERRORS
                            and not self.trap_http_exception(missed)  # type: ignore[arg-type]
                            and self._find_error_handler(missed, []) is None  # type: ignore[arg-type]
                        ):
                            # What raising it and handle_user_exception come to, with no
                            # handler and no trap: the error itself, its default page.
                            rv = missed
                        else:
                            rv = self.dispatch_request()
                    except Exception as e:
                        rv = self.handle_user_exception(e)
                    # finalize_request(): process_response() only when it has work to do
                    # (see there: after-request functions, or a session to save).
                    if (
                        request.method != "HEAD"
                        and not ctx._after_request_functions
                        and not self.after_request_funcs
                        and ctx._session is None
                        and "HTTP_COOKIE" not in environ
                        and not request_finished.receivers
                    ):
                        # Nothing can see the response object: send what it would send.
                        answer = self._plain_answer(rv)
                        if answer is not None:
                            start_response("200 OK", answer[1])
                            return [answer[0]]
                    if type(rv) is str:
                        response = self.response_class(rv)
                    else:
                        response = self.make_response(rv)
                    if (
                        ctx._after_request_functions
                        or self.after_request_funcs
                        or ctx._session is not None
                        or "HTTP_COOKIE" in environ
                    ):
                        response = self.process_response(response)
                    if request_finished.receivers:
                        request_finished.send(
                            self, _async_wrapper=self.ensure_sync, response=response
                        )
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except:
                error = sys.exc_info()[1]
                raise
            return response(environ, start_response)
        finally:
            preserve = environ.get("werkzeug.debug.preserve_context")
            if preserve is not None:
                preserve(_cv_app.get())
                preserve(_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            if (
                len(ctx._cv_tokens) == 1
                and len(app_ctx._cv_tokens) == 1
                and _cv_request.get(None) is ctx
                and _cv_app.get(None) is app_ctx
                and not self.teardown_request_funcs
                and not request_tearing_down.receivers
                and not self.teardown_appcontext_funcs
                and not appcontext_tearing_down.receivers
                and not appcontext_popped.receivers
            ):
                # RequestContext.pop() and AppContext.pop() with no teardown to run; plain
                # resets, as the tokens were made in this same call's context.
                try:
                    ctx.request.close()
                finally:
                    _cv_request.reset(ctx._cv_tokens.pop()[0])
                    environ["werkzeug.request"] = None
                    _cv_app.reset(app_ctx._cv_tokens.pop())
            else:
                ctx.pop(error)

    def _plain_answer(self, rv: t.Any) -> tuple[bytes, list[tuple[str, str]]] | None:
        """The body and header list of the 200 response that *rv* would become when it is a
        ``str``, or a dict or list for the stock JSON provider, with the stock
        :attr:`response_class`; None for anything else.

        The inline request paths send these directly when nothing could see the response
        object (no after-request function, session or ``request_finished`` receiver).
        """
        if self.response_class is not Response:
            return None
        rv_type = type(rv)
        if rv_type is str:
            body = rv.encode()
            return body, Response.text_header_list(body)
        if (rv_type is dict or rv_type is list) and type(self.json) is DefaultJSONProvider:
            provider = self.json
            body = provider.response_text(rv).encode()
            return body, Response.text_header_list(body, provider.mimetype)
        return None

    def _match_request(self, ctx: RequestContext) -> None:
        """Match ``ctx.request`` against the URL map (``RequestContext.match_request``).

        The common case (no subdomain or host matching, no trusted-hosts check) goes
        straight to the matcher without building a URL adapter; redirects and the other
        cases use the adapter, which has the full Werkzeug semantics.
        """
        request = ctx.request
        environ = request.environ
        try:
            length = environ.get("CONTENT_LENGTH")
            if length and not (length.isascii() and length.isdigit()):
                raise BadRequest("The Content-Length header is not a non-negative integer.")
            if not request.path_is_valid:
                raise BadRequest("The URL path is not valid UTF-8.")
            url_map = self.url_map
            if (
                url_map.host_matching
                or self.subdomain_matching
                or self.config["TRUSTED_HOSTS"] is not None
                or not self._plain_request_path
            ):
                adapter = ctx.url_adapter
                if adapter is None:
                    raise t.cast(HTTPException, request.routing_exception)
                request.url_rule, request.view_args = adapter.match(return_rule=True)  # type: ignore[assignment]
                return
            if url_map._remap:
                url_map.update()
            try:
                rule, view_args = url_map._matcher.match(
                    url_map.default_subdomain or "", request.path, request.method
                )
            except NoMatch as e:
                raise e.http_error() from None
            except RequestPath:
                # Only the adapter knows the host and script root for the redirect URL.
                adapter = ctx.url_adapter
                if adapter is None:
                    raise t.cast(HTTPException, request.routing_exception) from None
                request.url_rule, request.view_args = adapter.match(return_rule=True)  # type: ignore[assignment]
                return
            if rule._needs_adapter:
                adapter = ctx.url_adapter
                if adapter is None:
                    raise t.cast(HTTPException, request.routing_exception)
                request.url_rule, request.view_args = adapter.match(return_rule=True)  # type: ignore[assignment]
                return
            request.url_rule = rule
            request.view_args = view_args
        except HTTPException as e:
            request.routing_exception = e

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error of *request*; in debug mode a redirect that would drop a
        form body raises a helpful error instead."""
        exc = request.routing_exception
        if (
            not self.debug
            or not isinstance(exc, RequestRedirect)
            or exc.code in (307, 308)
            or request.method in ("GET", "HEAD", "OPTIONS")
        ):
            raise t.cast(HTTPException, exc)
        # Debug-only explanations (they load Jinja2's loader helpers) load on first use.
        from .debughelpers import FormDataRoutingRedirect

        raise FormDataRoutingRedirect(request)

    def full_dispatch_request(self) -> Response:
        """Run the before hooks, the view and the after hooks; handle HTTP errors."""
        self._got_first_request = True
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = None
            if (
                self.before_request_funcs
                or self.url_value_preprocessors
                or not self._plain_request_path
            ):
                rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def preprocess_request(self) -> t.Any:
        """Run ``url_value_preprocessor`` then ``before_request`` functions (app first, then
        the blueprints); the first non-None return value becomes the response."""
        req = request_ctx.request
        names = (None, *reversed(req.blueprints))
        for name in names:
            for url_func in self.url_value_preprocessors.get(name, ()):
                url_func(req.endpoint, req.view_args)
        for name in names:
            for before_func in self.before_request_funcs.get(name, ()):
                rv = self.ensure_sync(before_func)()
                if rv is not None:
                    return rv
        return None

    def dispatch_request(self) -> t.Any:
        """Call the view of the matched rule (or answer OPTIONS automatically)."""
        req = _cv_request.get().request
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule = t.cast(t.Any, req.url_rule)
        if req.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
            return self.make_default_options_response()
        view = self.view_functions[rule.endpoint]
        sync_view = self._sync_views.get(view)
        if sync_view is None:
            sync_view = self._sync_views[view] = self.ensure_sync(view)
        return sync_view(**t.cast("dict[str, t.Any]", req.view_args))

    def make_default_options_response(self) -> Response:
        """The automatic OPTIONS answer: empty, with ``Allow`` listing the methods."""
        adapter = request_ctx.url_adapter
        methods = adapter.allowed_methods() if adapter is not None else []
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    def finalize_request(self, rv: t.Any, from_error_handler: bool = False) -> Response:
        """Convert *rv* to a response and run the after-request processing."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` and ``after_request`` functions, then save the session.

        The session is saved only if the view used it, or if the request carried cookies
        (so a permanent session is refreshed, as Flask does).
        """
        ctx = _cv_request.get()
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        if self.after_request_funcs:
            for name in chain(ctx.request.blueprints, (None,)):
                for func in reversed(self.after_request_funcs.get(name, ())):
                    response = self.ensure_sync(func)(response)
        self._save_session(ctx, response)
        return response

    def _save_session(self, ctx: RequestContext, response: Response) -> None:
        """Save the session into *response*, if the request used one (a request that sent a
        cookie opens it here, so an expired cookie is refreshed or cleared as in Flask).
        Shared by the WSGI and ASGI paths."""
        session = ctx._session
        if session is None and "HTTP_COOKIE" in ctx.request.environ:
            session = ctx.open_session()
        if session is not None:
            interface = self.session_interface
            if not interface.is_null_session(session):
                interface.save_session(self, session, response)

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run ``teardown_request`` functions (blueprints first, in reverse order)."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        if self.teardown_request_funcs:
            for name in chain(request_ctx.request.blueprints, (None,)):
                for func in reversed(self.teardown_request_funcs.get(name, ())):
                    self.ensure_sync(func)(exc)
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run ``teardown_appcontext`` functions in reverse order."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        funcs = self.teardown_appcontext_funcs
        if funcs:
            for func in reversed(funcs):
                self.ensure_sync(func)(exc)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # -- responses -------------------------------------------------------------------------------

    def make_response(self, rv: t.Any) -> Response:
        """Convert a view's return value into :attr:`response_class`.

        str/bytes -> body; dict/list -> JSON; ``(body, status)``, ``(body, headers)``,
        ``(body, status, headers)``; a response object; an iterator (streamed); any other
        WSGI callable.
        """
        status = headers = None
        # The hot paths first: a view returning text, or a dict/list for JSON.
        rv_type = type(rv)
        if rv_type is str:
            return self.response_class(rv)
        if rv_type is dict or rv_type is list:
            return self.json.response(rv)
        if isinstance(rv, tuple):
            length = len(rv)
            if length == 3:
                rv, status, headers = rv
            elif length == 2:
                if isinstance(rv[1], (dict, tuple, list)) or hasattr(rv[1], "to_wsgi_list"):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple must"
                    " have the form (body, status, headers), (body, status), or (body,"
                    f" headers); it had {length} items."
                )
        if rv is None:
            raise TypeError(
                f"The view function for {request.endpoint!r} did not return a valid response."
                " The function either returned None or ended without a return statement."
            )
        if not isinstance(rv, self.response_class):
            if isinstance(rv, HTTPException):
                rv = self.response_class.force_type(rv.get_response(request.environ))
            elif isinstance(rv, (str, bytes, bytearray, cabc.Iterator, cabc.AsyncIterator)):
                # (An async iterator streams under ASGI only.)
                rv = self.response_class(t.cast(t.Any, rv), status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = self.response_class.force_type(rv, request.environ)
                except TypeError as e:
                    raise TypeError(
                        f"{e}\nThe view function for {request.endpoint!r} did not return a"
                        " valid response. The return type must be a string, dict, list,"
                        " tuple with headers or status, Response instance, or WSGI"
                        f" callable, but it was a {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    f"The view function for {request.endpoint!r} did not return a valid"
                    " response. The return type must be a string, dict, list, tuple with"
                    " headers or status, Response instance, or WSGI callable, but it was a"
                    f" {type(rv).__name__}."
                )
        rv = t.cast(Response, rv)
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status if isinstance(status, str) else status.decode()
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        result: Response = rv
        return result

    # -- errors ----------------------------------------------------------------------------------

    def handle_http_exception(self, e: HTTPException) -> t.Any:
        """Call the registered handler for an HTTP error, or return the error itself (its
        default page). Routing redirects are never passed to handlers."""
        if e.code is None or isinstance(e, RoutingException):
            return e
        if not self.error_handler_spec:
            return e
        handler = self._find_error_handler(e, _cv_request.get().request.blueprints)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def handle_user_exception(self, e: Exception) -> t.Any:
        """Handle an exception raised by a hook or view: HTTP errors go to
        :meth:`handle_http_exception`; others to a registered handler, else re-raised."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e, _cv_request.get().request.blueprints)
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        """Handle an unhandled exception: re-raise when propagating (testing/debug), else log
        it with its traceback and answer 500 (through a 500 handler if one is registered).

        The 500 page never contains the exception text.
        """
        exc_info = sys.exc_info()
        if got_request_exception.receivers:
            got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: t.Any = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error, request.blueprints)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(self, exc_info: t.Any) -> None:
        """Log an unhandled exception with its traceback through :attr:`logger`."""
        self.logger.error(f"Exception on {request.path} [{request.method}]", exc_info=exc_info)

    # -- async -----------------------------------------------------------------------------------

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """*func* itself, or a synchronous wrapper when it is a coroutine function."""
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(
        self, func: t.Callable[..., cabc.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Run a coroutine function synchronously: on the server's event loop inside an
        ASGI request (:mod:`hipflask.asgi.bridge`), else through ``asgiref``."""
        # asyncio and the ASGI machinery load only for ASGI or async views.
        from .asgi.bridge import wrap_async

        try:
            from asgiref.sync import async_to_sync as fallback
        except ImportError:
            fallback = None  # type: ignore[assignment]
        return wrap_async(func, fallback)

    # -- ASGI ------------------------------------------------------------------------------------

    @property
    def asgi_app(self) -> ASGIApp:
        """This app as an ASGI 3 application (HTTP, WebSocket, lifespan):
        ``asgi = app.asgi_app``, then ``uvicorn module:asgi``. See :mod:`hipflask.asgi`."""
        asgi = self.__dict__.get("_asgi_app")
        if asgi is None:
            # asyncio and the ASGI machinery load only for ASGI or async views.
            from .asgi import ASGIApp

            asgi = self.__dict__["_asgi_app"] = ASGIApp(self)
        return t.cast("ASGIApp", asgi)

    def asgi_test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> ASGITestClient:
        """A client that sends requests (and WebSocket connections) to :attr:`asgi_app`."""
        # asyncio and the ASGI machinery load only for ASGI or async views.
        from .asgi.testing import ASGITestClient

        return ASGITestClient(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def websocket(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Decorate an ``async`` WebSocket handler for *rule* (served under ASGI only;
        over plain HTTP the rule answers 400)."""
        # asyncio and the ASGI machinery load only for ASGI or async views.
        from .asgi.websocket import add_websocket_rule

        return add_websocket_rule(self, rule, options)

    def before_serving(self, f: F) -> F:
        """Run *f()* (sync or async) at ASGI lifespan startup, in an app context; an
        exception makes the server refuse to start."""
        self.before_serving_funcs.append(f)
        return f

    def after_serving(self, f: F) -> F:
        """Run *f()* (sync or async) at ASGI lifespan shutdown, in an app context."""
        self.after_serving_funcs.append(f)
        return f

    def before_websocket(self, f: F) -> F:
        """Run *f()* before each WebSocket handler; a non-None return value rejects the
        connection (an HTTP response where the server supports it, else a close)."""
        self.before_websocket_funcs.setdefault(None, []).append(f)
        return f

    def after_websocket(self, f: F) -> F:
        """Run *f()* after each WebSocket handler returns or fails (before teardown)."""
        self.after_websocket_funcs.setdefault(None, []).append(f)
        return f


__all__ = ["Flask"]

# Names ``flask.app`` has at module level (extensions import e.g. ``from flask.app import
# Rule``), resolved on first use so importing this module stays as cheap as before.
_REEXPORTS = {
    "BuildError": "routing",
    "MapAdapter": "routing",
    "Rule": "routing",
    "Headers": "datastructures",
    "ImmutableDict": "datastructures",
    "Environment": "templating",
    "Request": "wrappers",
    "SecureCookieSessionInterface": "sessions",
    "SessionInterface": "sessions",
    "current_app": "globals",
    "g": "globals",
    "session": "globals",
    "get_debug_flag": "helpers",
    "get_load_dotenv": "helpers",
    "get_flashed_messages": "helpers",
    "send_from_directory": "helpers",
    "get_host": "wsgi",
    "is_running_from_reloader": "serving",
}


def __getattr__(name: str) -> t.Any:
    if name == "timedelta":
        from datetime import timedelta

        return timedelta
    module_name = _REEXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__package__}.{module_name}"), name)
