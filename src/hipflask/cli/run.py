"""``hipflask run`` and ``app.run()``: the development server from the command line.

Part of :mod:`hipflask.cli` (which re-exports these names); split out to keep modules small.
"""

from __future__ import annotations

import importlib
import os
import traceback
import typing as t

import click
from click.core import ParameterSource

from ..helpers import environ_setting, get_debug_flag, get_load_dotenv
from .discovery import (
    ScriptInfo,
    _is_running_from_reloader,
    pass_script_info,
)

if t.TYPE_CHECKING:
    import ssl

    from ..app import Flask


def _apply_legacy_env() -> bool:
    """Honour the old ``HIPFLASK_ENV=development`` (as the seeds show) as debug mode.

    Flask 2.3 dropped ``FLASK_ENV``; hipflask still accepts it with a deprecation line, but
    ``HIPFLASK_DEBUG`` wins when both are set. Returns True if it turned debug on.
    """
    value = os.environ.get("HIPFLASK_ENV")
    if value is None or _is_running_from_reloader():
        return False
    click.secho(
        " * 'HIPFLASK_ENV' is deprecated. Use 'HIPFLASK_DEBUG=1' or '--debug' instead.",
        fg="yellow",
        err=True,
    )
    if value.lower() == "development" and "HIPFLASK_DEBUG" not in os.environ:
        os.environ["HIPFLASK_DEBUG"] = "1"
        return True
    return False


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from ``.flaskenv``, ``.hipflaskenv``, ``.env`` and *path*.

    Precedence: *path* over ``.env`` over ``.hipflaskenv`` over ``.flaskenv``; a variable already set in the
    environment is never overwritten. The default files are looked up from the current
    directory upwards. Without python-dotenv this only prints a hint when such files exist.
    Returns True if at least one variable was read.
    """
    try:
        import dotenv
    except ImportError:
        if path or any(os.path.isfile(n) for n in (".env", ".hipflaskenv", ".flaskenv")):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        # Flask's .flaskenv is read too, below .hipflaskenv (unmodified Flask projects).
        for default_name in (".flaskenv", ".hipflaskenv", ".env"):
            default_path = dotenv.find_dotenv(default_name, usecwd=True)
            if default_path:
                data |= dotenv.dotenv_values(default_path, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        data |= dotenv.dotenv_values(path, encoding="utf-8")

    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    # The drop-in machinery is already loaded when the mode is on.
    from ..dropin import apply_flask_environ, is_active

    if is_active():
        apply_flask_environ()  # FLASK_* from the files as fallbacks for HIPFLASK_*
    return bool(data)


_load_dotenv = load_dotenv  # reachable where a parameter named load_dotenv shadows it


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Print ``* Serving hipflask app '...'`` and ``* Debug mode: on|off``, once (not again
    in the reloader's child). Flask prints "Serving Flask app"."""
    if _is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving hipflask app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


class _DebugOption(click.Option):
    """``--debug/--no-debug``, remembering where its value came from.

    click 8.2+ records a parameter's source only after its callback ran, so the callback
    cannot ask the context; Flask 3.1 under click 8.4 therefore lets ``run``'s unset
    ``--debug`` undo ``flask --debug run``. Recording it here keeps that working.
    """

    def consume_value(self, ctx: click.Context, opts: t.Mapping[str, t.Any]) -> tuple[t.Any, t.Any]:
        """Remember whether the value came from the command line, env or default."""
        value, source = super().consume_value(ctx, opts)
        ctx.meta["hipflask.debug_source"] = source
        return value, source


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool | None:
    source = ctx.meta.get("hipflask.debug_source")
    if source is None:
        source = ctx.get_parameter_source(param.name or "debug")
    if source is None or source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None  # not given: leave HIPFLASK_DEBUG as the environment has it
    # Through the environment, so an app factory can see it while it runs.
    os.environ["HIPFLASK_DEBUG"] = "1" if value else "0"
    return value


_debug_option = _DebugOption(
    ["--debug/--no-debug"],
    help="Set debug mode.",
    expose_value=False,
    callback=_set_debug,
)


def _import_object(name: str) -> t.Any:
    """``module:attr``, ``module.attr`` or ``module`` -> the object, or None if it cannot be
    imported."""
    module_name, sep, attr = name.partition(":")
    if not sep:
        module_name, _, attr = name.rpartition(".")
    if not module_name:
        module_name, attr = name, ""
    try:
        module = importlib.import_module(module_name)
    except (ImportError, ValueError):
        return None
    return getattr(module, attr, None) if attr else module


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: an existing certificate file, ``adhoc``, or the import name of an
    ``ssl.SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            import ssl
        except ImportError:
            raise click.BadParameter(
                'Using "--cert" requires Python to be compiled with SSL support.', ctx, param
            ) from None
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            value = str(value).lower()
            if value == "adhoc":
                try:
                    import cryptography  # noqa: F401
                except ImportError:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography library.",
                        ctx,
                        param,
                    ) from None
                return value
            obj = _import_object(value)
            if isinstance(obj, ssl.SSLContext):
                return obj
            raise


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a certificate file; turns ``cert`` into a ``(cert, key)`` pair."""
    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    try:
        import ssl

        is_context = isinstance(cert, ssl.SSLContext)
    except ImportError:
        is_context = False

    if value is not None:
        if is_adhoc:
            raise click.BadParameter('When "--cert" is "adhoc", "--key" is not used.', ctx, param)
        if is_context:
            raise click.BadParameter(
                'When "--cert" is an SSLContext object, "--key" is not used.', ctx, param
            )
        if not cert:
            raise click.BadParameter('"--cert" must also be specified.', ctx, param)
        ctx.params["cert"] = cert, value
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    return value


class SeparatedPathType(click.Path):
    """A list of paths separated by ``os.pathsep`` (``:``; ``;`` on Windows), each checked
    as a :class:`click.Path`."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        convert = super().convert
        return [convert(item, param, ctx) for item in self.split_envvar_value(value)]


def _failing_app(error: BaseException) -> t.Callable[..., t.Any]:
    """A WSGI app re-raising the load error, so the debugger or error log shows it."""
    traceback_at_load = error.__traceback__

    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Any:
        # Reset the traceback each time, else every request would append its frames.
        raise error.with_traceback(traceback_at_load) from None

    return app


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option(
    "--cert",
    type=CertParamType(),
    help="Specify a certificate file to use HTTPS.",
    is_eager=True,
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file to use when specifying a certificate.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Enable or disable the reloader. By default the reloader is active if debug is enabled.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Enable or disable the debugger. By default the debugger is active if debug is enabled.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Enable or disable multithreading.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=(
        "Extra files that trigger a reload on change. Multiple paths are separated by"
        f" {os.path.pathsep!r}."
    ),
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=(
        "Files matching these fnmatch patterns will not trigger a reload on change."
        f" Multiple patterns are separated by {os.path.pathsep!r}."
    ),
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run a local development server.

    This server is for development only; it is not built for the stability, security or
    performance of a production WSGI server. '--debug' turns on the reloader and the
    debugger.
    """
    try:
        app: t.Any = info.load_app()
    except Exception as e:
        if not _is_running_from_reloader():
            raise e from None
        # In the reloader's child, keep serving (and watching): print the error now, show
        # it again on every request, and let the next save restart with fixed code.
        traceback.print_exc()
        app = _failing_app(e)

    debug = get_debug_flag()
    show_server_banner(debug, info.app_import_path)
    # The development server loads only for the run command, not for routes or shell.
    from ..serving import run_simple
    from ..serving.server import PORT_ADVICE

    advice = PORT_ADVICE.set("start the server on another port with '--port'")
    try:
        run_simple(
            host,
            port,
            app,
            use_reloader=debug if reload is None else reload,
            use_debugger=debug if debugger is None else debugger,
            threaded=with_threads,
            ssl_context=cert,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
        )
    finally:
        PORT_ADVICE.reset(advice)


run_command.params.insert(0, _debug_option)


def run_application(
    app: Flask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: t.Any,
) -> None:
    """The body of ``Flask.run``: serve *app* on the development server.

    Loads the dotenv files (unless *load_dotenv* is false), lets ``HIPFLASK_DEBUG`` and then
    *debug* set debug mode, takes host and port from the arguments, else ``SERVER_NAME``,
    else ``127.0.0.1:5000``; debug mode turns on the reloader and debugger unless
    *options* say otherwise. Under the ``hipflask`` command it does nothing but warn.
    """
    if environ_setting("RUN_FROM_CLI") == "true":
        if not _is_running_from_reloader():
            click.secho(
                " * Ignoring a call to 'app.run()' that would block the current 'hipflask'"
                " CLI command.\n   Only call 'app.run()' in an 'if __name__ =="
                ' "__main__"\' guard.',
                fg="red",
            )
        return

    if get_load_dotenv(load_dotenv):
        _load_dotenv()
        legacy_debug = _apply_legacy_env()
        if environ_setting("DEBUG") is not None:
            app.debug = get_debug_flag()
    else:
        legacy_debug = _apply_legacy_env()
    if legacy_debug:
        app.debug = True
    if debug is not None:
        app.debug = bool(debug)

    server_name = app.config.get("SERVER_NAME")
    sn_host = sn_port = None
    if server_name:
        sn_host, _, sn_port = server_name.partition(":")
    host = host or sn_host or "127.0.0.1"
    if port or port == 0:
        port = int(port)
    else:
        port = int(sn_port) if sn_port else 5000

    options.setdefault("use_reloader", app.debug)
    options.setdefault("use_debugger", app.debug)
    options.setdefault("threaded", True)
    show_server_banner(app.debug, app.name)
    # The development server loads only for the run command, not for routes or shell.
    from ..serving import run_simple
    from ..serving.server import PORT_ADVICE

    advice = PORT_ADVICE.set("pass another port to app.run(port=...)")
    try:
        run_simple(host, port, app, **options)
    finally:
        PORT_ADVICE.reset(advice)
        # A server stopped normally can be started again (e.g. from an interactive shell).
        app._got_first_request = False
