"""Blueprints: groups of routes, hooks, templates and static files registered on an app.

A blueprint records what it is given; ``app.register_blueprint(bp, **options)`` replays the
records onto the app with the blueprint's URL prefix, subdomain and endpoint name prefix.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from functools import update_wrapper

from .sansio.scaffold import Scaffold, _endpoint_from_view_func, setupmethod

if t.TYPE_CHECKING:
    from .sansio.app import App

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]
_sentinel = object()


class BlueprintSetupState:
    """What one registration of a blueprint on an app needs: the app, the options, the
    resolved URL prefix, subdomain, name and URL defaults."""

    def __init__(
        self, blueprint: Blueprint, app: App, options: t.Any, first_registration: bool
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name = options.get("name", blueprint.name)
        self.name_prefix = options.get("name_prefix", "")
        self.url_defaults = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app, under the blueprint's prefix and endpoint namespace."""
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else self.url_prefix
            )
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


def _bp_hooks(state: BlueprintSetupState, attribute: str) -> list[t.Callable[..., t.Any]]:
    """The app's hook list (``before_websocket_funcs``...) for the registered blueprint."""
    name = f"{state.name_prefix}.{state.name}".lstrip(".")
    registry: dict[str | None, list[t.Callable[..., t.Any]]] = getattr(state.app, attribute)
    return registry.setdefault(name, [])


class Blueprint(Scaffold):
    """A set of routes and hooks to register on an app: ``Blueprint("admin", __name__)``.

    ``url_prefix``, ``subdomain`` and ``url_defaults`` apply to all its routes; endpoints are
    named ``"<blueprint>.<view>"`` (``url_for(".view")`` inside the blueprint). Blueprints can
    nest with :meth:`register_blueprint`.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("A blueprint's 'name' may not be empty.")
        if "." in name:
            raise ValueError(f"Blueprint name {name!r} may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults = url_defaults or {}
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}': it has already been registered, so the change would not"
                " apply consistently. Set the blueprint up completely before registering it."
            )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call *func(state)* each time the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call *func(state)* on the blueprint's first registration on an app only."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(update_wrapper(wrapper, func))

    def make_setup_state(
        self, app: App, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state passed to recorded functions during registration."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest *blueprint* inside this one (registered when this one is)."""
        if blueprint is self:
            raise ValueError(f"Cannot register the blueprint '{self.name}' on itself.")
        self._blueprints.append((blueprint, options))

    def register(self, app: App, options: dict[str, t.Any]) -> None:
        """Register on *app* (called by ``app.register_blueprint``)."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            raise ValueError(
                f"The name '{self_name}' is already registered for {which} blueprint"
                f"{f' {name!r}' if self_name != name else ''}. Use 'name=' to give this"
                " registration a unique name."
            )
        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        first_name_registration = name not in app.blueprints
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        if first_bp_registration or first_name_registration:
            self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, name, options)
        for blueprint, bp_options in self._blueprints:
            blueprint.register(app, self._nested_options(state, blueprint, bp_options, name))

    def _register_cli(self, app: App, name: str, options: dict[str, t.Any]) -> None:
        if "cli" not in self.__dict__ or not self.cli.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app.cli.commands.update(self.cli.commands)
        else:
            self.cli.name = name if group is _sentinel else group
            app.cli.add_command(self.cli)

    @staticmethod
    def _nested_options(
        state: BlueprintSetupState, blueprint: Blueprint, bp_options: dict[str, t.Any], name: str
    ) -> dict[str, t.Any]:
        bp_options = bp_options.copy()
        subdomain = bp_options.get("subdomain")
        if subdomain is None:
            subdomain = blueprint.subdomain
        if state.subdomain is not None and subdomain is not None:
            bp_options["subdomain"] = f"{subdomain}.{state.subdomain}"
        elif subdomain is not None or state.subdomain is not None:
            bp_options["subdomain"] = subdomain if subdomain is not None else state.subdomain
        url_prefix = bp_options.get("url_prefix")
        if url_prefix is None:
            url_prefix = blueprint.url_prefix
        if state.url_prefix is not None and url_prefix is not None:
            bp_options["url_prefix"] = f"{state.url_prefix.rstrip('/')}/{url_prefix.lstrip('/')}"
        elif url_prefix is not None or state.url_prefix is not None:
            bp_options["url_prefix"] = url_prefix if url_prefix is not None else state.url_prefix
        bp_options["name_prefix"] = name
        return bp_options

    def _merge_blueprint_funcs(self, app: App, name: str) -> None:
        def extend(bp_dict: dict[t.Any, list[t.Any]], parent: dict[t.Any, list[t.Any]]) -> None:
            for key, values in bp_dict.items():
                parent.setdefault(name if key is None else f"{name}.{key}", []).extend(values)

        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[name if key is None else f"{name}.{key}"] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )
        app.view_functions.update(self.view_functions)
        extend(self.before_request_funcs, app.before_request_funcs)
        extend(self.after_request_funcs, app.after_request_funcs)
        extend(self.teardown_request_funcs, app.teardown_request_funcs)
        extend(self.url_default_functions, app.url_default_functions)
        extend(self.url_value_preprocessors, app.url_value_preprocessors)
        extend(self.template_context_processors, app.template_context_processors)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a URL rule, added to the app (with the prefix) on registration."""
        if endpoint and "." in endpoint:
            raise ValueError(f"Endpoint {endpoint!r} may not contain a dot '.' character.")
        if view_func and "." in getattr(view_func, "__name__", ""):
            raise ValueError(
                f"View function name {view_func.__name__!r} may not contain a dot '.' character."
            )
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # -- app-wide registrations ----------------------------------------------------------------

    def _record_app_list(self, attribute: str, f: F) -> F:
        self.record_once(lambda s: getattr(s.app, attribute).setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a template filter registered on the whole app."""

        def decorator(f: F) -> F:
            self.add_app_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register a template filter on the whole app."""
        self.record_once(lambda s: s.app.jinja_env.filters.__setitem__(name or f.__name__, f))

    @setupmethod
    def app_template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a template test registered on the whole app."""

        def decorator(f: F) -> F:
            self.add_app_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """Register a template test on the whole app."""
        self.record_once(lambda s: s.app.jinja_env.tests.__setitem__(name or f.__name__, f))

    @setupmethod
    def app_template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a template global registered on the whole app."""

        def decorator(f: F) -> F:
            self.add_app_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register a template global on the whole app."""
        self.record_once(lambda s: s.app.jinja_env.globals.__setitem__(name or f.__name__, f))

    # -- ASGI: WebSocket routes and hooks, lifespan hooks (see hipflask.asgi) ----------------

    def websocket(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Decorate an ``async`` WebSocket handler for *rule* under this blueprint."""
        # asyncio and the ASGI machinery load only with a WebSocket route.
        from .asgi.websocket import add_websocket_rule

        return add_websocket_rule(self, rule, options)

    def before_websocket(self, f: F) -> F:
        """Run *f()* before this blueprint's WebSocket handlers (``app.before_websocket``)."""
        self.record(lambda s: _bp_hooks(s, "before_websocket_funcs").append(f))
        return f

    def after_websocket(self, f: F) -> F:
        """Run *f()* after this blueprint's WebSocket handlers (``app.after_websocket``)."""
        self.record(lambda s: _bp_hooks(s, "after_websocket_funcs").append(f))
        return f

    def before_app_serving(self, f: F) -> F:
        """Run *f()* at ASGI startup of the app this blueprint is registered on."""
        self.record_once(lambda s: s.app.before_serving_funcs.append(f))  # type: ignore[attr-defined]
        return f

    def after_app_serving(self, f: F) -> F:
        """Run *f()* at ASGI shutdown of the app this blueprint is registered on."""
        self.record_once(lambda s: s.app.after_serving_funcs.append(f))  # type: ignore[attr-defined]
        return f

    @setupmethod
    def before_app_request(self, f: F) -> F:
        """Like ``before_request``, for every request of the app."""
        return self._record_app_list("before_request_funcs", f)

    @setupmethod
    def after_app_request(self, f: F) -> F:
        """Like ``after_request``, for every request of the app."""
        return self._record_app_list("after_request_funcs", f)

    @setupmethod
    def teardown_app_request(self, f: F) -> F:
        """Like ``teardown_request``, for every request of the app."""
        return self._record_app_list("teardown_request_funcs", f)

    @setupmethod
    def app_context_processor(self, f: F) -> F:
        """Like ``context_processor``, for every template of the app."""
        return self._record_app_list("template_context_processors", f)

    @setupmethod
    def app_url_value_preprocessor(self, f: F) -> F:
        """Like ``url_value_preprocessor``, for every request of the app."""
        return self._record_app_list("url_value_preprocessors", f)

    @setupmethod
    def app_url_defaults(self, f: F) -> F:
        """Like ``url_defaults``, for every ``url_for`` of the app."""
        return self._record_app_list("url_default_functions", f)

    @setupmethod
    def app_errorhandler(self, code: type[Exception] | int) -> t.Callable[[F], F]:
        """Like ``errorhandler``, for errors anywhere in the app."""

        def decorator(f: F) -> F:
            def register(state: BlueprintSetupState) -> None:
                state.app.register_error_handler(code, f)

            self.record_once(register)
            return f

        return decorator


__all__ = ["Blueprint", "BlueprintSetupState"]
