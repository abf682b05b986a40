"""The application's set-up half: configuration, registration, URL building, templates.

:class:`App` holds everything about an application that is not the request path itself;
:class:`hipflask.app.Flask` adds the request path on top (as Flask splits ``sansio.app``
from ``app``).
"""

from __future__ import annotations

import logging
import os
import sys
import typing as t
from datetime import timedelta
from functools import cached_property
from itertools import chain
from urllib.parse import quote

from ..config import Config, ConfigAttribute
from ..ctx import _AppCtxGlobals
from ..exceptions import Aborter, BadHost, BadRequest, BadRequestKeyError
from ..flashing import get_flashed_messages
from ..globals import _cv_app, _cv_request, _default_template_ctx_processor, g, request, session
from ..helpers import get_debug_flag
from ..json.provider import DefaultJSONProvider, JSONProvider
from ..logging import create_logger
from ..routing import BuildError, Map, MapAdapter, Rule
from ..utils import redirect as _redirect
from ..wrappers import Request, Response, _split_blueprint_path
from .scaffold import Scaffold, _endpoint_from_view_func, find_package, setupmethod

if t.TYPE_CHECKING:
    from jinja2 import BaseLoader

    from ..app import Flask
    from ..blueprints import Blueprint
    from ..templating import Environment

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class App(Scaffold):
    """Configuration and registration shared by every hipflask application."""

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    aborter_class = Aborter
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    url_rule_class = Rule
    url_map_class = Map
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    test_client_class: type[t.Any] | None = None
    test_cli_runner_class: type[t.Any] | None = None
    jinja_options: dict[str, t.Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute[t.Union[str, bytes, None]]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME",
        get_converter=_make_timedelta,  # type: ignore[arg-type]
    )

    default_config: dict[str, t.Any] = {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
    }

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
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(f"instance_path must be absolute; {instance_path!r} is relative.")
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json: JSONProvider = self.json_provider_class(self)  # type: ignore[arg-type]
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        self.teardown_appcontext_funcs: list[t.Callable[..., t.Any]] = []
        self.shell_context_processors: list[t.Callable[[], dict[str, t.Any]]] = []
        self.blueprints: dict[str, Blueprint] = {}
        self.extensions: dict[str, t.Any] = {}
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self.template_context_processors[None] = [_default_template_ctx_processor]

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application"
                f" '{self.name}': it has already handled its first request, so the change"
                " would not apply consistently. Do all set-up (imports, decorators,"
                " registrations) before the app serves requests."
            )

    @cached_property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's name when run as ``__main__``."""
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            result: str = os.path.splitext(os.path.basename(filename))[0]
            return result
        return self.import_name

    @cached_property
    def logger(self) -> logging.Logger:
        """The ``logging.Logger`` named after the app (see :mod:`hipflask.logging`)."""
        return create_logger(self)  # type: ignore[arg-type]

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Build the Jinja environment: autoescape, auto-reload, the template globals."""
        options = dict(self.jinja_options)
        if "autoescape" not in options:
            options["autoescape"] = self.select_jinja_autoescape
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        env = self.jinja_environment(t.cast("Flask", self), **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    @property
    def jinja_environment(self) -> type[Environment]:
        """The Jinja environment class (``hipflask.templating.Environment``)."""
        # Jinja2 loads with the first template, not with the app.
        from ..templating import Environment

        return Environment

    def create_global_jinja_loader(self) -> BaseLoader:
        """The loader that searches the app's templates, then each blueprint's."""
        # Jinja2 loads with the first template, not with the app.
        from ..templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(t.cast("Flask", self))

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape string templates and .html/.htm/.xml/.xhtml/.svg files."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' variables (app's, then the blueprints') to *context*;
        values passed to ``render_template`` win."""
        names: t.Iterable[str | None] = (None,)
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            names = chain(names, reversed(req_ctx.request.blueprints))
        original = context.copy()
        for name in names:
            for func in self.template_context_processors.get(name, ()):
                context.update(self.ensure_sync(func)())
        context.update(original)

    def make_shell_context(self) -> dict[str, t.Any]:
        """Variables for ``hipflask shell``: ``app``, ``g`` and the shell processors'."""
        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    def make_config(self, instance_relative: bool = False) -> Config:
        """The config object, filled with :attr:`default_config` and ``HIPFLASK_DEBUG``."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """The :class:`Aborter` that ``hipflask.abort`` uses inside this app."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance/`` next to the package, or ``$prefix/var/<name>-instance`` if installed."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file relative to :attr:`instance_path`."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    @property
    def debug(self) -> bool:
        """Debug mode (the ``DEBUG`` config key); turning it on reloads templates."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    # -- registration ------------------------------------------------------------------------

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register *blueprint*: its routes, hooks and templates join the app."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect *rule* to *endpoint* and *view_func* (what ``route`` does).

        Methods default to the view's ``methods`` attribute or GET; OPTIONS is answered
        automatically unless the view handles it.
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                f"Allowed methods of rule '{rule}' must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required_methods = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required_methods.add("OPTIONS")
            else:
                provide_automatic_options = False
        methods |= required_methods
        rule_obj = self.url_rule_class(rule, methods=methods, **options)
        rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" '{endpoint}' is already {_describe(old_func)}; the new function is"
                    f" {_describe(view_func)}. Give one of them another name, or pass"
                    " endpoint='...' to the route."
                )
        self.url_map.add(rule_obj)
        if view_func is not None:
            self.view_functions[endpoint] = view_func

    @setupmethod
    def template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a Jinja filter (``{{ value|name }}``)."""

        def decorator(f: F) -> F:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register a Jinja filter."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a Jinja test (``{% if value is name %}``)."""

        def decorator(f: F) -> F:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """Register a Jinja test."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function available in every template."""

        def decorator(f: F) -> F:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register a template global."""
        self.jinja_env.globals[name or f.__name__] = f

    @setupmethod
    def teardown_appcontext(self, f: F) -> F:
        """Run *f(error)* when the application context is popped."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: F) -> F:
        """Register *f()* returning extra variables for ``hipflask shell``."""
        self.shell_context_processors.append(f)
        return f

    # -- errors ------------------------------------------------------------------------------

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> t.Callable[..., t.Any] | None:
        """The handler for *e*: by code then by class (MRO), blueprints before the app."""
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        spec = self.error_handler_spec
        for c in (code, None) if code is not None else (None,):
            for name in names:
                by_code = spec.get(name)
                handler_map = by_code.get(c) if by_code else None
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate like any error (debugging aid)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and isinstance(e, BadRequestKeyError) and self.debug:
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should not see *error*; override to filter."""
        return False

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response (what ``hipflask.redirect`` calls inside an app)."""
        return t.cast(Response, _redirect(location, code=code, Response=self.response_class))

    # -- URL building ------------------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """A URL adapter for *request*, or (outside a request) from ``SERVER_NAME``."""
        if request is not None:
            trusted_hosts = self.config["TRUSTED_HOSTS"]
            if trusted_hosts is not None:
                request.trusted_hosts = trusted_hosts
                # Refuse an untrusted Host (BadHost, 400) before any URL is matched or built
                # from it: bind_to_environ below does not check it.
                request.host  # noqa: B018
            elif request.host == "" and request.environ.get("HTTP_HOST") is not None:
                # A Host header that is not a host name (or is empty) would give URLs like
                # "http:///a/" (Flask's choice); no URL can be built for it, so refuse it
                # here, once, for redirects and url_for alike.
                raise BadHost("The Host header is not a valid host name.")
            subdomain = None
            server_name = self.config["SERVER_NAME"]
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or ""
            return self.url_map.bind_to_environ(
                request.environ, server_name=server_name, subdomain=subdomain
            )
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Run the ``url_defaults`` functions (app's, then the endpoint's blueprints')."""
        funcs = self.url_default_functions
        if not funcs:
            return
        names: t.Iterable[str | None] = (None,)
        if "." in endpoint:
            names = chain(names, reversed(_split_blueprint_path(endpoint.rpartition(".")[0])))
        for name in names:
            for func in funcs.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Give ``url_build_error_handlers`` a chance, else re-raise *error*."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """The URL of *endpoint*; see :func:`hipflask.url_for`."""
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            if url_adapter is None:
                # The request's host could not be bound (BadHost): answer its 400.
                raise t.cast(BadRequest, req_ctx.request.routing_exception)
            if endpoint[:1] == ".":
                blueprint = req_ctx.request.blueprint
                endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            url_adapter = (
                app_ctx.url_adapter if app_ctx is not None else self.create_url_adapter(None)
            )
            if url_adapter is None:
                raise RuntimeError(
                    f"Unable to build URLs for '{endpoint}' outside an active request without"
                    " 'SERVER_NAME' configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        self.inject_url_defaults(endpoint, values)
        try:
            rv = url_adapter.build(
                endpoint, values, method=_method, url_scheme=_scheme, force_external=_external
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            rv = f"{rv}#{quote(_anchor, safe=_ANCHOR_SAFE)}"
        return rv

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Wrap a coroutine function so it can be called synchronously."""
        raise NotImplementedError


_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def _describe(func: t.Callable[..., t.Any]) -> str:
    """``module.name (file.py:line)``: two functions of the same name in one module (a
    view pasted twice) differ only by where they are defined."""
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or repr(func)
    # The innermost function: a decorator's wrapper would name the decorator's file.
    inner: t.Any = func
    for _ in range(100):  # functools.wraps chains; bounded in case one loops
        if getattr(inner, "__wrapped__", None) is None:
            break
        inner = inner.__wrapped__
    code = getattr(inner, "__code__", None)
    if code is None:
        return f"{module}.{name}"
    return f"{module}.{name} ({os.path.basename(code.co_filename)}:{code.co_firstlineno})"
