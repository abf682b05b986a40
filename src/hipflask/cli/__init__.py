"""The ``hipflask`` command (``python -m hipflask``) and ``app.run()``: ``flask.cli``'s API.

Commands: ``run`` (development server), ``shell``, ``routes``, plus ``app.cli`` commands and
``hipflask.commands`` entry points. Environment variables are Flask's with the ``HIPFLASK_``
prefix (``HIPFLASK_APP``, ``HIPFLASK_DEBUG``, ``HIPFLASK_RUN_PORT``, ...) and the dotenv
files are ``.env`` and ``.hipflaskenv``. The app discovery rules live in
:mod:`hipflask.cli.discovery` and are re-exported here; :mod:`hipflask.cli.run`
holds the ``run`` command and ``app.run()``.
"""

from __future__ import annotations

import os
import platform
import sys
import traceback
import typing as t
from functools import update_wrapper
from operator import itemgetter

import click

from .._version import __version__
from ..ctx import has_app_context
from ..globals import current_app
from ..helpers import _dropin_active
from .discovery import (
    NoAppException,
    ScriptInfo,
    find_app_by_string,
    find_best_app,
    locate_app,
    pass_script_info,
    prepare_import,
)
from .run import (
    CertParamType,
    SeparatedPathType,
    _apply_legacy_env,
    _debug_option,
    load_dotenv,
    run_application,
    run_command,
    show_server_banner,
)

if t.TYPE_CHECKING:
    from ..app import Flask

__all__ = [
    "AppGroup",
    "CertParamType",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_application",
    "run_command",
    "shell_command",
    "show_server_banner",
    "with_appcontext",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _current_app_or_none() -> t.Any:
    if not has_app_context():
        return None
    return current_app._get_current_object()  # type: ignore[attr-defined]


def with_appcontext(f: F) -> F:
    """Run the decorated command inside the loaded app's application context.

    Commands registered on ``app.cli`` get one automatically; this is for others.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _current_app_or_none() is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose ``command`` wraps callbacks in :func:`with_appcontext` (pass
    ``with_appcontext=False`` to opt out) and whose ``group`` makes ``AppGroup``s."""

    def command(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]:
        """Like ``click.Group.command``, wrapping the callback in :func:`with_appcontext`.

        Also works without parentheses (``@app.cli.command``), as click's does.
        """
        wrap = kwargs.pop("with_appcontext", True)
        if len(args) == 1 and callable(args[0]) and not kwargs:
            function, args = args[0], ()
        else:
            function = None

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return t.cast(click.Command, click.Group.command(self, *args, **kwargs)(f))

        return decorator(function) if function is not None else decorator

    def group(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Group]:
        """Like ``click.Group.group``, making an :class:`AppGroup` by default."""
        kwargs.setdefault("cls", AppGroup)
        return t.cast(
            "t.Callable[[t.Callable[..., t.Any]], click.Group]",
            click.Group.group(self, *args, **kwargs),
        )


# ---------------------------------------------------------------------------------------
# the group's own options


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is None:
        return None
    ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


# Eager so the app is known before --help lists the app's commands; --help is eager too,
# so this option must come before it.
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The application to load, as 'module:name'. The module can be a dotted import or a"
        " file path. The name may be left out when it is 'app', 'application', 'create_app'"
        " or 'make_app', and can be 'factory(args)' to pass arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _env_file_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file.", ctx=ctx, param=param
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    _apply_legacy_env()
    return value


# Eager and first, so variables from the files feed every other option.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file, taking precedence over '.env' and"
        " '.hipflaskenv'. Variables already set in the environment win. Needs"
        " python-dotenv."
    ),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    lines = [f"Python {platform.python_version()}", f"hipflask {__version__}"]
    if _dropin_active():
        from ..dropin._table import FLASK_VERSION, WERKZEUG_VERSION  # loaded: the mode is on

        lines.append(f"drop-in mode for Flask {FLASK_VERSION} / Werkzeug {WERKZEUG_VERSION}")
    click.echo("\n".join(lines), color=ctx.color)
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the hipflask version.",
    expose_value=False,
    callback=_show_version,
    is_flag=True,
    is_eager=True,
)


class FlaskGroup(AppGroup):
    """The ``hipflask`` command group: ``--app``, ``--debug``, ``--env-file``, the built-in
    ``run``/``shell``/``routes`` commands, plugin commands (entry point group
    ``hipflask.commands``; Flask's is ``flask.commands``) and the app's own ``app.cli``.

    Use it for a project-specific command: ``FlaskGroup(create_app=factory)``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Flask] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        # Option callbacks rather than a group callback do the work, so a custom group
        # callback keeps it. --env-file must come before --app.
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra.setdefault("context_settings", {})
        extra["context_settings"].setdefault("auto_envvar_prefix", "HIPFLASK")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        from importlib import metadata

        # The drop-in machinery loads when the command switches the mode on.
        from ..dropin import is_active

        # Flask's group too in drop-in mode: extensions register their commands there
        # (``flask db``), and loading them imports ``flask``.
        groups = ("flask.commands", "hipflask.commands") if is_active() else ("hipflask.commands",)
        for group in groups:
            for entry_point in metadata.entry_points(group=group):
                self.add_command(entry_point.load(), entry_point.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """A built-in or plugin command, else one from the loaded app's ``app.cli``."""
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app cannot be loaded.
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        # App commands and their parameter callbacks run inside the app context.
        if _current_app_or_none() is not app:
            ctx.with_resource(app.app_context())
        return t.cast("click.Command | None", app.cli.get_command(ctx, name))

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in, plugin and app commands (an app that fails to load is reported)."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # Makes app.run() a no-op: a module calling it outside a __main__ guard would
        # otherwise start a server while merely being imported by this command.
        """Mark the process as run from the CLI and attach a :class:`ScriptInfo`."""
        # In drop-in mode under Flask's name, which Flask extensions check (and Flask's
        # test fixtures reset).
        os.environ[f"{'FLASK' if _dropin_active() else 'HIPFLASK'}_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Load the env file and app before showing help for a bare command."""
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # no_args_is_help skips eager options; process the env file and app here so
            # the help lists the app's commands.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


# ---------------------------------------------------------------------------------------
# shell and routes


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the app context, with the names the app's shell
    context processors provide."""
    import code

    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {current_app.import_name}\n"
        f"Instance: {current_app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            eval(compile(f.read(), startup, "exec"), namespace)
    namespace.update(current_app.make_shell_context())

    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # Complete names from the shell's namespace, not from hipflask.__main__.
            readline.set_completer(Completer(namespace).complete)
        interactive_hook()
    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help=(
        "Method to sort routes by. 'match' is the order that hipflask will match routes"
        " when dispatching a request."
    ),
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS methods.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show all registered routes with endpoints and methods."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden_methods = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = getattr(current_app.url_map, "host_matching", False)
    has_domain = any(rule.host if host_matching else rule.subdomain for rule in rules)
    rows = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden_methods))]
        if has_domain:
            row.append((rule.host if host_matching else rule.subdomain) or "")
        row.append(rule.rule)
        rows.append(row)

    headers = ["Endpoint", "Methods"]
    sorts = ["endpoint", "methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
        sorts.append("domain")
    headers.append("Rule")
    sorts.append("rule")
    if sort in sorts:  # "match" keeps the map's own order
        rows.sort(key=itemgetter(sorts.index(sort)))

    rows.insert(0, headers)
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    rows.insert(1, ["-" * w for w in widths])
    template = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    for row in rows:
        click.echo(template.format(*row))


cli = FlaskGroup(
    name="hipflask",
    help="""\
A general utility script for hipflask applications.

An application to load must be given with the '--app' option,
'HIPFLASK_APP' environment variable, or with an 'app.py' or 'wsgi.py'
file in the current directory.
""",
)


def main() -> None:
    """Entry point of the ``hipflask`` console script and ``python -m hipflask``.

    Switches the drop-in mode on first (:mod:`hipflask.as_flask`), so an app and extensions
    written against ``flask`` load unchanged, and Flask's ``FLASK_*`` variables and
    ``.flaskenv`` serve as fallbacks.
    """
    # The drop-in machinery loads when the command switches the mode on.
    from ..dropin import activate

    activate()
    cli.main()


get_version = _show_version  # Flask's name for the --version callback

# Names flask.cli re-exports from elsewhere, resolved on first use so that importing
# hipflask.cli (which app.cli does) does not load the server or the helpers.
_LAZY_NAMES = {
    "run_simple": "serving",
    "is_running_from_reloader": "serving",
    "get_debug_flag": "helpers",
    "get_load_dotenv": "helpers",
    "current_app": "globals",
}


def __getattr__(name: str) -> t.Any:
    module_name = _LAZY_NAMES.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"hipflask.{module_name}"), name)
