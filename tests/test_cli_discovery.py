"""``hipflask.cli`` in-process: app discovery, ScriptInfo, dotenv, option types, the
command group, ``app.run()``'s body, with Flask's CLI as the oracle where observable."""

from __future__ import annotations

import os
import ssl
import sys
import textwrap
import types

import click
import pytest
from click.testing import CliRunner

import hipflask.serving
from hipflask import Flask, current_app
from hipflask import cli as hcli
from hipflask.cli import (
    AppGroup,
    CertParamType,
    FlaskGroup,
    NoAppException,
    ScriptInfo,
    SeparatedPathType,
    find_app_by_string,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    run_application,
    with_appcontext,
)


@pytest.fixture(autouse=True)
def isolate(monkeypatch, tmp_path):
    """Restore os.environ, sys.path and sys.modules: the CLI mutates all three."""
    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    saved_modules = set(sys.modules)
    for key in list(os.environ):
        if key.startswith("HIPFLASK_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield
    os.environ.clear()
    os.environ.update(saved_env)
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        if not name.startswith(("hipflask", "flask", "werkzeug", "dotenv", "click")):
            del sys.modules[name]


def module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


HELLO_SRC = """
from hipflask import Flask
app = Flask(__name__)

@app.route("/")
def index():
    return "hi"
"""


# -- find_best_app / find_app_by_string ---------------------------------------------------


def test_find_best_app_prefers_app_then_application():
    a, b = Flask("a"), Flask("b")
    assert find_best_app(module("m", app=a, application=b)) is a
    assert find_best_app(module("m", application=b, other=a)) is b


def test_find_best_app_takes_the_only_instance():
    only = Flask("only")
    assert find_best_app(module("m", whatever=only, number=3)) is only


def test_find_best_app_with_several_instances_asks_for_a_name():
    with pytest.raises(NoAppException, match="Detected multiple Flask applications in module 'm'"):
        find_best_app(module("m", a=Flask("a"), b=Flask("b")))


@pytest.mark.parametrize("factory_name", ["create_app", "make_app"])
def test_find_best_app_calls_a_factory(factory_name):
    made = Flask("made")

    def factory():
        return made

    assert find_best_app(module("m", **{factory_name: factory})) is made


def test_factory_needing_arguments_is_explained():
    def create_app(config):
        return Flask("x")

    with pytest.raises(
        NoAppException, match=r"could not call it without arguments.*'m:create_app\(args\)'"
    ):
        find_best_app(module("m", create_app=create_app))


def test_type_error_raised_inside_a_factory_propagates():
    def create_app():
        return len(5)

    with pytest.raises(TypeError, match="has no len"):
        find_best_app(module("m", create_app=create_app))


def test_module_without_app():
    with pytest.raises(
        NoAppException, match="Failed to find Flask application or factory in module 'm'"
    ):
        find_best_app(module("m", x=1))


def test_find_app_by_string():
    app = Flask("s")

    def create_app(name, debug=False):
        created = Flask(name)
        created.config["FROM_FACTORY"] = debug
        return created

    mod = module("m", app=app, create_app=create_app, not_app=42)
    assert find_app_by_string(mod, "app") is app
    made = find_app_by_string(mod, "create_app('named', debug=True)")
    assert made.name == "named" and made.config["FROM_FACTORY"] is True
    with pytest.raises(NoAppException, match="Failed to find attribute 'nope' in 'm'"):
        find_app_by_string(mod, "nope")
    with pytest.raises(
        NoAppException, match="A valid Flask application was not obtained from 'm:not_app'"
    ):
        find_app_by_string(mod, "not_app")
    with pytest.raises(NoAppException, match="Failed to parse arguments as literal values"):
        find_app_by_string(mod, "create_app(os.getcwd())")
    with pytest.raises(NoAppException, match="Function reference must be a simple name"):
        find_app_by_string(mod, "a.b()")
    with pytest.raises(NoAppException, match="as an attribute name or function call"):
        find_app_by_string(mod, "a.b")
    with pytest.raises(NoAppException, match="could not be called with the specified arguments"):
        find_app_by_string(mod, "create_app()")


# -- prepare_import / locate_app ----------------------------------------------------------


def test_prepare_import_for_files_and_packages(tmp_path):
    write(tmp_path / "proj" / "pkg" / "__init__.py", "")
    write(tmp_path / "proj" / "pkg" / "sub" / "__init__.py", "")
    write(tmp_path / "proj" / "pkg" / "sub" / "mod.py", "")
    write(tmp_path / "single.py", "")
    assert prepare_import(str(tmp_path / "proj" / "pkg" / "sub" / "mod.py")) == "pkg.sub.mod"
    assert sys.path[0] == str((tmp_path / "proj").resolve())
    assert prepare_import(str(tmp_path / "proj" / "pkg" / "sub" / "__init__.py")) == "pkg.sub"
    assert prepare_import("single.py") == "single"
    assert sys.path[0] == str(tmp_path.resolve())


def test_locate_app_missing_module_and_import_error_inside(tmp_path):
    write(tmp_path / "inner_fail.py", "import hipflask_missing_dep_xyz\n")
    write(tmp_path / "pkg_ok" / "__init__.py", "")
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(NoAppException, match=r"^Could not import 'no_such_mod_xyz'\.$"):
        locate_app("no_such_mod_xyz", None)
    assert locate_app("no_such_mod_xyz", None, raise_if_not_found=False) is None
    with pytest.raises(NoAppException, match=r"^Could not import 'pkg_ok\.missing'\.$"):
        locate_app("pkg_ok.missing", None)
    with pytest.raises(NoAppException) as info:
        locate_app("inner_fail", None)
    message = str(info.value)
    assert message.startswith("While importing 'inner_fail', an ImportError was raised:")
    assert "hipflask_missing_dep_xyz" in message and "Traceback" in message


def test_no_app_exception_shows_one_line(capsys):
    NoAppException("Could not import 'x'.").show()
    assert capsys.readouterr().err == "Error: Could not import 'x'.\n"


# -- ScriptInfo ---------------------------------------------------------------------------


def test_script_info_create_app_wins_and_is_cached():
    calls = []

    def create():
        calls.append(1)
        return Flask("created")

    info = ScriptInfo(app_import_path="ignored_module", create_app=create)
    assert info.load_app() is info.load_app()
    assert calls == [1]


def test_script_info_discovers_app_py_before_wsgi_py(tmp_path):
    write(tmp_path / "wsgi.py", "from hipflask import Flask\napp = Flask('from_wsgi')\n")
    assert ScriptInfo().load_app().name == "from_wsgi"
    write(tmp_path / "app.py", "from hipflask import Flask\napp = Flask('from_app')\n")
    sys.modules.pop("wsgi", None)
    assert ScriptInfo().load_app().name == "from_app"


def test_script_info_never_imports_an_installed_module_named_app(tmp_path, monkeypatch):
    # No app.py/wsgi.py here, but an importable module named "app" elsewhere on sys.path.
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "app.py", "from hipflask import Flask\napp = Flask('stray')\n")
    sys.path.insert(0, str(elsewhere))
    os.mkdir(tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")
    with pytest.raises(NoAppException, match="Could not locate a Flask application"):
        ScriptInfo().load_app()


def test_script_info_import_path_with_name(tmp_path):
    write(
        tmp_path / "named.py",
        "from hipflask import Flask\nweb = Flask('web')\nother = Flask('o')\n",
    )
    assert ScriptInfo(app_import_path="named:web").load_app().name == "web"


def test_script_info_sets_debug_from_the_environment(tmp_path):
    write(tmp_path / "dbg.py", HELLO_SRC)
    os.environ["HIPFLASK_DEBUG"] = "1"
    assert ScriptInfo(app_import_path="dbg").load_app().debug is True
    sys.modules.pop("dbg")
    os.environ["HIPFLASK_DEBUG"] = "false"
    assert ScriptInfo(app_import_path="dbg").load_app().debug is False


def test_skip_dotenv_env_var():
    assert ScriptInfo().load_dotenv_defaults is True
    os.environ["HIPFLASK_SKIP_DOTENV"] = "1"
    assert ScriptInfo().load_dotenv_defaults is False


# -- dotenv -------------------------------------------------------------------------------


def test_load_dotenv_precedence(tmp_path):
    write(tmp_path / ".hipflaskenv", "A=hipflaskenv\nB=hipflaskenv\nONLY_FLASKENV=1\n")
    write(tmp_path / ".env", "A=dotenv\nB=dotenv\n")
    write(tmp_path / "given.env", "B=given\n")
    os.environ["A"] = "environment"
    assert load_dotenv("given.env") is True
    assert (os.environ["A"], os.environ["B"], os.environ["ONLY_FLASKENV"]) == (
        "environment",
        "given",
        "1",
    )


def test_load_dotenv_searches_parent_directories(tmp_path, monkeypatch):
    write(tmp_path / ".env", "FROM_PARENT=yes\n")
    (tmp_path / "child").mkdir()
    monkeypatch.chdir(tmp_path / "child")
    assert load_dotenv() is True
    assert os.environ["FROM_PARENT"] == "yes"


def test_load_dotenv_without_files():
    assert load_dotenv() is False
    assert load_dotenv("missing.env", load_defaults=False) is False


# -- option types -------------------------------------------------------------------------

ssl_holder = types.ModuleType("ssl_holder_for_cli_test")
ssl_holder.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)


def test_cert_param_type(tmp_path, monkeypatch):
    cert = write(tmp_path / "cert.pem", "x")
    param_type = CertParamType()
    assert param_type.convert(str(cert), None, None) == str(cert.resolve())
    assert param_type.convert("ADHOC", None, None) == "adhoc"
    monkeypatch.setitem(sys.modules, ssl_holder.__name__, ssl_holder)
    assert param_type.convert(f"{ssl_holder.__name__}.context", None, None) is ssl_holder.context
    with pytest.raises(click.BadParameter):
        param_type.convert("not_a_file_or_context", None, None)


def test_separated_path_type(tmp_path):
    paths = SeparatedPathType().convert(f"a.txt{os.pathsep}b/c.txt", None, None)
    assert paths == ["a.txt", "b/c.txt"]


# -- the command group in-process ---------------------------------------------------------


def make_app():
    app = Flask("grouped")

    @app.route("/")
    def index():
        return "index"

    @app.route("/item/<int:item_id>", methods=["GET", "PUT"])
    def item(item_id):
        return str(item_id)

    @app.cli.command("whoami")
    def whoami():
        click.echo(f"I am {current_app.name}")

    return app


def test_flask_group_with_create_app():
    group = FlaskGroup(create_app=make_app)
    result = CliRunner().invoke(group, ["whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "I am grouped\n"
    result = CliRunner().invoke(group, ["--help"])
    assert "whoami" in result.output and "routes" in result.output


def test_custom_group_callback_still_gets_the_options():
    @click.group(cls=FlaskGroup, create_app=make_app)
    def manage():
        """My project's commands."""

    @manage.command()
    @with_appcontext
    def name():
        click.echo(current_app.name)

    result = CliRunner().invoke(manage, ["--debug", "name"])
    assert result.exit_code == 0, result.output
    assert result.output == "grouped\n"
    assert os.environ["HIPFLASK_DEBUG"] == "1"


def test_app_group_wraps_commands_in_the_app_context():
    group = AppGroup("tools")

    @group.command()
    def inside():
        click.echo(current_app.name)

    @group.command(with_appcontext=False)
    def outside():
        from hipflask import has_app_context

        click.echo(str(has_app_context()))

    @group.group()
    def nested():
        pass

    assert isinstance(nested, AppGroup)
    obj = ScriptInfo(create_app=make_app)
    assert CliRunner().invoke(group, ["inside"], obj=obj).output == "grouped\n"
    assert CliRunner().invoke(group, ["outside"], obj=obj).output == "False\n"


def test_test_cli_runner_of_the_core():
    app = make_app()
    result = app.test_cli_runner().invoke(args=["whoami"])
    assert result.output == "I am grouped\n"


def test_routes_output_matches_flask():
    import flask
    from flask.cli import routes_command as flask_routes

    ours = make_app()
    theirs = flask.Flask("grouped")

    @theirs.route("/")
    def index():
        return "index"

    @theirs.route("/item/<int:item_id>", methods=["GET", "PUT"])
    def item(item_id):
        return str(item_id)

    for args in (
        [],
        ["--sort", "rule"],
        ["--all-methods"],
        ["--sort", "methods"],
        ["--sort", "match"],
    ):
        mine = ours.test_cli_runner().invoke(hcli.routes_command, args)
        with theirs.app_context():
            oracle = CliRunner().invoke(flask_routes, args)
        assert mine.exit_code == 0, mine.output
        assert mine.output == oracle.output, args


def test_routes_without_routes():
    app = Flask("empty", static_folder=None)
    result = app.test_cli_runner().invoke(hcli.routes_command)
    assert result.output == "No routes were registered.\n"


def test_version_option():
    result = CliRunner().invoke(hcli.cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("Python ")


def test_env_file_option_loads_before_app_discovery(tmp_path):
    write(tmp_path / "envapp.py", HELLO_SRC)
    write(tmp_path / "my.env", "HIPFLASK_APP=envapp\n")
    result = CliRunner().invoke(hcli.cli, ["-e", "my.env", "routes"])
    assert result.exit_code == 0, result.output
    assert "index" in result.output


def test_legacy_env_var_turns_on_debug():
    os.environ["HIPFLASK_ENV"] = "development"
    group = FlaskGroup(create_app=make_app)

    @group.command()
    @with_appcontext
    def show():
        click.echo(f"debug={current_app.debug}")

    result = CliRunner().invoke(group, ["show"])
    assert "debug=True" in result.output
    assert "'HIPFLASK_ENV' is deprecated" in result.output  # CliRunner mixes stderr in


# -- run_application (the body of app.run) -----------------------------------------------


@pytest.fixture
def captured_run(monkeypatch):
    calls = []

    def fake_run_simple(host, port, app, **options):
        calls.append((host, port, app, options))

    monkeypatch.setattr(hipflask.serving, "run_simple", fake_run_simple)
    return calls


def test_app_run_defaults(captured_run, capsys):
    app = make_app()
    app._got_first_request = True
    app.run()
    [(host, port, served, options)] = captured_run
    assert (host, port, served) == ("127.0.0.1", 5000, app)
    assert options == {"use_reloader": False, "use_debugger": False, "threaded": True}
    assert app._got_first_request is False
    assert capsys.readouterr().out == " * Serving hipflask app 'grouped'\n * Debug mode: off\n"


def test_app_run_server_name_and_arguments(captured_run):
    app = make_app()
    app.config["SERVER_NAME"] = "example.test:8123"
    app.run()
    app.run(host="0.0.0.0", port=0, use_reloader=True)
    app.config["SERVER_NAME"] = "only-host.test"
    app.run()
    assert [(h, p) for h, p, _, _ in captured_run] == [
        ("example.test", 8123),
        ("0.0.0.0", 0),
        ("only-host.test", 5000),
    ]
    assert captured_run[1][3]["use_reloader"] is True


def test_app_run_debug_precedence(captured_run, tmp_path):
    app = make_app()
    os.environ["HIPFLASK_DEBUG"] = "1"
    app.run()
    assert app.debug is True and captured_run[-1][3]["use_debugger"] is True
    app.run(debug=False)
    assert app.debug is False and captured_run[-1][3]["use_reloader"] is False


def test_app_run_loads_dotenv_unless_told_not_to(captured_run, tmp_path):
    write(tmp_path / ".env", "HIPFLASK_DEBUG=1\nFROM_DOTENV=yes\n")
    app = make_app()
    app.run(load_dotenv=False)
    assert "FROM_DOTENV" not in os.environ and app.debug is False
    app.run()
    assert os.environ["FROM_DOTENV"] == "yes" and app.debug is True


def test_app_run_with_legacy_env(captured_run, capsys):
    os.environ["HIPFLASK_ENV"] = "development"
    app = make_app()
    app.run(load_dotenv=False)
    assert app.debug is True
    assert "deprecated" in capsys.readouterr().err


def test_app_run_under_the_cli_does_nothing(captured_run, capsys):
    os.environ["HIPFLASK_RUN_FROM_CLI"] = "true"
    make_app().run()
    assert captured_run == []
    assert "Ignoring a call to 'app.run()'" in capsys.readouterr().out
    os.environ["HIPFLASK_RUN_MAIN"] = "true"  # the reloader's child: silently
    make_app().run()
    assert capsys.readouterr().out == ""


def test_run_application_is_what_app_run_calls(captured_run):
    app = make_app()
    run_application(app, port=1234)
    assert captured_run[0][:2] == ("127.0.0.1", 1234)


def test_run_command_in_process(captured_run, tmp_path):
    write(tmp_path / "cmdapp.py", HELLO_SRC)
    result = CliRunner().invoke(
        hcli.cli,
        [
            "--app",
            "cmdapp",
            "run",
            "--port",
            "7001",
            "--host",
            "::1",
            "--no-reload",
            "--extra-files",
            f"a.txt{os.pathsep}b.txt",
            "--exclude-patterns",
            "*.tmp",
        ],
    )
    assert result.exit_code == 0, result.output
    [(host, port, _app, options)] = captured_run
    assert (host, port) == ("::1", 7001)
    assert options["extra_files"] == ["a.txt", "b.txt"]
    assert options["exclude_patterns"] == ["*.tmp"]
    assert options["use_reloader"] is False and options["threaded"] is True
    assert result.output.startswith(" * Serving hipflask app 'cmdapp'\n * Debug mode: off\n")


def test_run_command_in_the_reloader_child_serves_the_load_error(captured_run, tmp_path):
    write(tmp_path / "broken_app.py", "def broken(:\n")
    os.environ["HIPFLASK_RUN_MAIN"] = "true"
    result = CliRunner().invoke(hcli.cli, ["--app", "broken_app", "run"])
    assert result.exit_code == 0
    [(_, _, failing_app, _)] = captured_run
    for _ in range(2):
        with pytest.raises(SyntaxError) as info:
            failing_app({}, lambda *a: None)
        # The traceback does not grow with every request.
        assert len(list(_walk(info.value.__traceback__))) < 8


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_app_cli_command_without_parentheses():
    app = Flask("bare")

    @app.cli.command
    def bare():
        click.echo(f"bare in {current_app.name}")

    assert app.test_cli_runner().invoke(args=["bare"]).output == "bare in bare\n"


def test_script_info_discovers_an_app_package(tmp_path):
    write(
        tmp_path / "app" / "__init__.py",
        "from hipflask import Flask\napp = Flask('from_package')\n",
    )
    assert ScriptInfo().load_app().name == "from_package"
