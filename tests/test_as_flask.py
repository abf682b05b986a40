"""The drop-in mode (``import hipflask.as_flask``, issue 10).

Each check runs in a fresh interpreter: the mode changes ``sys.modules`` and
``sys.meta_path`` for the whole process, and this test process keeps the real Flask as the
differential oracle.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _procs import procs

import hipflask
from hipflask.dropin import MODULES, is_active

APP = textwrap.dedent(
    """
    import json
    import os

    import flask
    from flask import Flask, jsonify

    app = Flask(__name__)
    app.config.from_prefixed_env()


    @app.route("/")
    def index():
        return jsonify(
            flask=flask.__name__,
            debug=app.debug,
            greeting=app.config.get("GREETING"),
            secret=app.config.get("SECRET_KEY"),
        )


    @app.cli.command("show")
    def show():
        import sys

        print(json.dumps({
            "is_hipflask": sys.modules["flask"] is sys.modules["hipflask"],
            "debug": app.debug,
            "greeting": app.config.get("GREETING"),
            "secret": app.config.get("SECRET_KEY"),
            "run_port": os.environ.get("HIPFLASK_RUN_PORT"),
        }))
    """
)


def run_py(code: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run *code* in a fresh interpreter (clean environment plus *env*)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=procs.clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def run_cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        procs.hipflask(*args),
        cwd=cwd,
        env=procs.clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_this_process_is_not_in_the_mode() -> None:
    # The oracle tests need the real flask here; the version is hipflask's own.
    assert not is_active()
    assert hipflask.__version__ == hipflask.__hipflask_version__
    assert hipflask.__flask_version__ == "3.1.3"
    assert hipflask.__werkzeug_version__ == "3.1.8"


def test_identity_of_every_mapped_module() -> None:
    out = ok(
        run_py(
            """
            import hipflask.as_flask
            import importlib, sys
            import flask, hipflask
            from hipflask.dropin import MODULES
            bad = []
            for alias, target in MODULES.items():
                module = importlib.import_module(alias)
                if module is not importlib.import_module(target) or sys.modules[alias] is not module:
                    bad.append(alias)
            assert not bad, bad
            # `from flask import X` gives hipflask's objects, for the whole public API
            for name in hipflask.__all__:
                assert getattr(flask, name) is getattr(hipflask, name), name
            from flask import Flask, request, Blueprint
            assert Flask is hipflask.Flask and request is hipflask.request
            assert flask.cli is sys.modules["hipflask.cli"]  # an attribute right after import
            from flask.app import Rule
            from werkzeug.routing import Rule as WRule
            assert Rule is WRule
            import werkzeug, werkzeug.wrappers, werkzeug.test, werkzeug.exceptions
            assert werkzeug.Response is werkzeug.wrappers.Response
            assert flask.Response.__mro__[1] is werkzeug.wrappers.Response
            assert werkzeug.Client is werkzeug.test.Client
            assert werkzeug.exceptions.NotFound is hipflask.exceptions.NotFound
            assert werkzeug.routing is sys.modules["hipflask.routing"]  # lazy attribute
            # the modules keep their own identity (reload and pickle see hipflask's names)
            assert flask.__spec__.name == "hipflask" and flask.__name__ == "hipflask"
            assert sys.modules["flask.json"].__spec__.name == "hipflask.json"
            assert importlib.reload(sys.modules["flask.json.tag"]) is hipflask.json.tag
            app = Flask("drop")
            app.add_url_rule("/", "i", lambda: "on hipflask")
            assert app.test_client().get("/").data == b"on hipflask"
            print(len(MODULES))
            """
        )
    )
    assert int(out) == len(MODULES)


def test_works_when_the_real_packages_cannot_be_imported() -> None:
    out = ok(
        run_py(
            """
            import sys

            class Block:
                def find_spec(self, name, path=None, target=None):
                    if name.split(".")[0] in ("flask", "werkzeug"):
                        raise ImportError(f"blocked import of {name}")

            sys.meta_path.insert(0, Block())
            import hipflask.as_flask
            import flask, werkzeug.routing, importlib.metadata as md
            sys.meta_path.pop(1)  # the blocker sits behind the drop-in finder
            assert flask.__file__.endswith("hipflask/__init__.py"), flask.__file__
            print(md.version("flask"), flask.__version__)
            """
        )
    )
    assert out.split() == ["3.1.3", "3.1.3"]


def test_version_metadata_only_while_active() -> None:
    out = ok(
        run_py(
            """
            import importlib.metadata as md
            import hipflask
            before = (hipflask.__version__, md.metadata("flask").get("Summary"))
            import hipflask.as_flask
            import flask, werkzeug
            after = [md.version("flask"), md.version("Flask"), md.version("werkzeug"),
                     md.metadata("flask")["Summary"], flask.__version__, werkzeug.__version__,
                     hipflask.__version__]
            names = [d.metadata["Name"] for d in md.distributions()]
            from hipflask.dropin import deactivate
            deactivate()
            import json
            print(json.dumps([before, after, names.count("Flask"), hipflask.__version__]))
            """
        )
    )
    before, after, flask_dists, final = json.loads(out)
    assert before[0] == hipflask.__hipflask_version__
    assert "hipflask" not in (before[1] or "")  # the real Flask's metadata
    assert after == [
        "3.1.3",
        "3.1.3",
        "3.1.8",
        "provided by hipflask's drop-in mode",
        "3.1.3",
        "3.1.8",
        "3.1.3",
    ]
    assert flask_dists >= 1
    assert final == hipflask.__hipflask_version__


@pytest.mark.parametrize("first", ["import flask", "from werkzeug.routing import Map"])
def test_error_when_the_real_package_was_imported_first(first: str) -> None:
    proc = run_py(
        f"""
        {first}
        try:
            import hipflask.as_flask
        except ImportError as exc:
            print(exc)
        import sys
        from hipflask.dropin import is_active
        print("active" if is_active() else "inactive", sys.modules["flask" if "flask" in sys.modules else "werkzeug"].__file__)
        """
    )
    message, state = ok(proc).strip().splitlines()
    real = "'flask'" if first == "import flask" else "'werkzeug'"
    assert message.startswith(f"hipflask.as_flask: the real {real}")
    assert "move 'import hipflask.as_flask' before every import of 'flask' and 'werkzeug'" in (
        message
    )
    assert state.startswith("inactive") and "site-packages" in state


def test_unmapped_names_raise_module_not_found() -> None:
    out = ok(
        run_py(
            """
            import hipflask.as_flask
            import importlib, sys
            for name in ("flask.nope", "werkzeug.testapp", "flask.cli_run", "werkzeug.wrappers.nope"):
                try:
                    importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    assert exc.name == name, (exc.name, name)
                    assert name in str(exc)
                    assert name not in sys.modules
                else:
                    raise AssertionError(f"{name} imported")
            try:
                from flask import no_such_name
            except ImportError as exc:
                assert "no_such_name" in str(exc)
            else:
                raise AssertionError("from flask import no_such_name worked")
            print("ok")
            """
        )
    )
    assert out.strip() == "ok"


def test_monkeypatching_flask_patches_hipflask() -> None:
    out = ok(
        run_py(
            """
            import hipflask.as_flask
            from unittest import mock
            import flask, werkzeug.utils
            import hipflask.utils, hipflask.json

            with mock.patch("werkzeug.utils.secure_filename", lambda name: "patched"):
                assert hipflask.utils.secure_filename("x y") == "patched"
            assert hipflask.utils.secure_filename("x y") == "x_y"

            app = flask.Flask("p")
            app.add_url_rule("/", "i", lambda: flask.jsonify(a=1))
            with mock.patch.object(flask.json.provider.DefaultJSONProvider, "compact", False):
                body = app.test_client().get("/").data
            print(body.decode().replace(chr(10), "|"))
            """
        )
    )
    assert out.strip() == '{|  "a": 1|}|'


# -- the hipflask command: FLASK_* fallbacks, .flaskenv, entry points ---------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def show(project: Path, *args: str, **env: str) -> dict[str, object]:
    proc = run_cli([*args, "show"], project, **env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return t_cast(json.loads(proc.stdout.strip().splitlines()[-1]))


def t_cast(value: object) -> dict[str, object]:
    assert isinstance(value, dict)
    return value


def test_flask_variables_are_fallbacks(project: Path) -> None:
    (project / "app.py").rename(project / "myapp.py")
    result = show(
        project,
        FLASK_APP="myapp",
        FLASK_DEBUG="1",
        FLASK_RUN_PORT="5123",
        FLASK_GREETING='"hello"',
        FLASK_SECRET_KEY='"flask-secret"',
    )
    assert result == {
        "is_hipflask": True,
        "debug": True,
        "greeting": "hello",
        "secret": "flask-secret",
        "run_port": "5123",
    }


def test_hipflask_variables_win(project: Path) -> None:
    (project / "app.py").rename(project / "myapp.py")
    (project / "other.py").write_text("from flask import Flask\napp = Flask('other')\n")
    result = show(
        project,
        FLASK_APP="other",
        HIPFLASK_APP="myapp",
        FLASK_DEBUG="1",
        HIPFLASK_DEBUG="0",
        FLASK_SECRET_KEY='"flask"',
        HIPFLASK_SECRET_KEY='"hipflask"',
    )
    assert result["debug"] is False
    assert result["secret"] == "hipflask"


def test_flaskenv_is_read_and_hipflaskenv_wins(project: Path) -> None:
    (project / "app.py").rename(project / "myapp.py")
    (project / ".flaskenv").write_text('FLASK_APP=myapp\nFLASK_DEBUG=1\nFLASK_GREETING="env"\n')
    assert show(project)["debug"] is True
    assert show(project)["greeting"] == "env"
    (project / ".hipflaskenv").write_text("HIPFLASK_DEBUG=0\n")
    result = show(project)
    assert result["debug"] is False and result["greeting"] == "env"
    # FLASK_SKIP_DOTENV turns the files off: no app is found then
    proc = run_cli(["show"], project, FLASK_SKIP_DOTENV="1")
    assert proc.returncode != 0
    assert "Could not locate a hipflask application" in proc.stderr or "No such command" in (
        proc.stderr
    )


def with_path(extra: Path) -> str:
    current = os.environ.get("PYTHONPATH")
    return f"{extra}{os.pathsep}{current}" if current else str(extra)


def test_flask_commands_entry_points(project: Path) -> None:
    plugins = project / "plugins"
    plugins.mkdir()
    (plugins / "greetext.py").write_text(
        textwrap.dedent(
            """
            import click
            import flask
            from flask.cli import AppGroup, with_appcontext

            db = AppGroup("db", help="a plugin group, as Flask-Migrate's")

            @db.command("upgrade")
            def upgrade():
                click.echo(f"upgraded {flask.current_app.name} on {flask.Flask.__module__}")
            """
        )
    )
    info = plugins / "greetext-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: greetext\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[flask.commands]\ndb = greetext:db\n")
    proc = run_cli(["--app", "app", "db", "upgrade"], project, PYTHONPATH=with_path(plugins))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "upgraded app on hipflask.app"
    listing = run_cli(["--app", "app", "--help"], project, PYTHONPATH=with_path(plugins))
    assert "db" in listing.stdout.split("Commands:")[1]


@pytest.mark.slow
def test_run_reads_flask_run_port(project: Path) -> None:
    port = procs.free_port()
    env = procs.clean_env(FLASK_APP="app", FLASK_RUN_PORT=str(port))
    with procs.start(procs.hipflask("run"), project, env=env) as proc:
        status, body = procs.wait_until_serving(proc, port)
    assert status == 200
    assert json.loads(body)["flask"] == "hipflask"


# -- one-liners for servers and pytest ----------------------------------------------------


SERVERS = {
    "gunicorn": ["gunicorn", "-b", "127.0.0.1:{port}", "-w", "2", "--graceful-timeout", "2"],
    "uvicorn": ["uvicorn", "--interface", "wsgi", "--host", "127.0.0.1", "--port", "{port}"],
    "granian": [
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "2",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("server", "how"),
    [
        ("gunicorn", "wsgi.py"),
        ("gunicorn", "python -m hipflask.dropin"),
        ("uvicorn", "wsgi.py"),
        ("granian", "python -m hipflask.dropin"),
    ],
)
def test_servers(project: Path, server: str, how: str) -> None:
    port = procs.free_port()
    command = [part.format(port=port) for part in SERVERS[server]]
    if how == "wsgi.py":
        # the universal way: the server imports a module whose first line switches the mode
        (project / "wsgi.py").write_text(
            "import hipflask.as_flask  # noqa: F401\nfrom app import app\n"
        )
        args = [sys.executable, "-m", *command, "wsgi:app"]
    else:
        args = [sys.executable, "-m", "hipflask.dropin", *command, "app:app"]
    with procs.start(args, project) as proc:
        status, body = procs.wait_until_serving(proc, port)
    assert status == 200, body
    assert json.loads(body)["flask"] == "hipflask"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["-p", "conftest", "python -m hipflask.dropin"])
def test_pytest(tmp_path: Path, how: str) -> None:
    (tmp_path / "test_it.py").write_text(
        textwrap.dedent(
            """
            import sys
            import flask

            def test_on_hipflask():
                assert sys.modules["flask"] is sys.modules["hipflask"]
                app = flask.Flask(__name__)
                app.add_url_rule("/", "i", lambda: "ok")
                assert app.test_client().get("/").data == b"ok"
            """
        )
    )
    if how == "-p":
        args = [sys.executable, "-m", "pytest", "-p", "hipflask.as_flask", "test_it.py"]
    elif how == "conftest":
        (tmp_path / "conftest.py").write_text("import hipflask.as_flask  # noqa: F401\n")
        args = [sys.executable, "-m", "pytest", "test_it.py"]
    else:
        args = [sys.executable, "-m", "hipflask.dropin", "pytest", "test_it.py"]
    proc = subprocess.run(
        [*args, "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=procs.clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout


def test_dropin_runner_rejects_unknown_scripts(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hipflask.dropin", "no-such-script-here"],
        cwd=tmp_path,
        env=procs.clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no installed console script named 'no-such-script-here'" in proc.stderr
