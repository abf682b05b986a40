"""Rough edges a newcomer meets in the first hour, each with the message that should help.

The command-line cases run the real command in a subprocess, in a temporary project folder.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hipflask import Flask

SRC = Path(__file__).resolve().parents[1] / "src" / "hipflask"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIPFLASK_", "FLASK_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1", **extra)
    return env


def _run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=60
    )


def _hipflask(*args: str) -> list[str]:
    return [sys.executable, "-m", "hipflask", *args]


def _write(folder: Path, name: str, source: str) -> None:
    (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")


# ---- the debugger's dump() table -----------------------------------------------------


def test_dump_table_keeps_variable_names_whole() -> None:
    css = (SRC / "debug" / "shared" / "debugger.css").read_text(encoding="utf-8")
    rule = re.search(r"\.console \.box th \{([^}]*)\}", css)
    assert rule is not None, "no rule for the name column of dump() tables"
    declarations = {
        name.strip(): value.strip()
        for name, _, value in (d.partition(":") for d in rule.group(1).split(";") if d.strip())
    }
    assert declarations["white-space"] == "nowrap"
    assert declarations["word-break"] == "normal"
    assert declarations["width"] == "1%"

    from hipflask.debug.repr import DebugReprGenerator

    html = DebugReprGenerator().dump_locals({"request_environment": "x " * 200})
    # The rule above targets this markup: the name in a <th>, inside the dump box.
    assert re.search(r'<div class="box">.*<th>request_environment</th><td>', html)


# ---- two views under one endpoint ------------------------------------------------------


def test_duplicate_endpoint_names_where_both_functions_are() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "one"

    first_line = index.__code__.co_firstlineno
    with pytest.raises(AssertionError) as info:

        @app.route("/home")
        def index() -> str:  # the mistake under test: a second "index"
            return "two"

    source = Path(__file__).read_text(encoding="utf-8").splitlines()
    # The decorator's line, just above the marked definition (where the code object starts).
    second_line = next(n for n, line in enumerate(source, 1) if "mistake under test:" in line) - 1
    message = str(info.value)
    name = f"{__name__}.test_duplicate_endpoint_names_where_both_functions_are.<locals>.index"
    assert f"'index' is already {name} (test_rough_edges.py:{first_line})" in message
    assert f"the new function is {name} (test_rough_edges.py:{second_line})" in message


# ---- port already in use -----------------------------------------------------------------


@pytest.mark.slow
def test_port_in_use_hint_matches_how_the_server_was_started(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        _write(
            tmp_path,
            "app.py",
            f"""\
            from hipflask import Flask

            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(port={port})
            """,
        )
        by_run = _run([sys.executable, "app.py"], tmp_path)
        by_cli = _run(_hipflask("--app", "app", "run", "--port", str(port)), tmp_path)
    assert by_run.returncode == 1, by_run.stderr
    assert "is already in use" in by_run.stderr
    assert "pass another port to app.run(port=...)" in by_run.stderr
    assert "--port" not in by_run.stderr
    assert by_cli.returncode == 1, by_cli.stderr
    assert "start the server on another port with '--port'" in by_cli.stderr
    assert "app.run" not in by_cli.stderr


# ---- a project file named like the framework -------------------------------------------


@pytest.mark.slow
def test_file_named_hipflask_py_is_named_as_the_cause(tmp_path: Path) -> None:
    # The user's app lives in hipflask.py; app.py is some other module of the project.
    _write(
        tmp_path,
        "hipflask.py",
        """\
        from hipflask import Flask

        app = Flask(__name__)
        """,
    )
    _write(tmp_path, "app.py", "settings = {}\n")
    # Started like the installed console script: its own folder, not the project's, is
    # first on sys.path (``python -m hipflask`` here would run the user's hipflask.py).
    launcher = tmp_path / "bin" / "hipflask_command.py"
    launcher.parent.mkdir()
    launcher.write_text("import sys\nfrom hipflask.cli import main\nsys.exit(main())\n")
    shadow = str(tmp_path / "hipflask.py")

    found = _run([sys.executable, str(launcher), "routes"], tmp_path)
    assert found.returncode == 2
    assert "Failed to find Flask application or factory in module 'app'" in found.stderr
    assert f"Hint: '{shadow}' has the same name as the framework" in found.stderr
    assert "Rename it" in found.stderr

    named = _run([sys.executable, str(launcher), "--app", "hipflask", "routes"], tmp_path)
    assert named.returncode == 2
    assert named.stderr.strip() == (
        f"Error: '{shadow}' has the same name as the framework: 'import hipflask' finds the"
        " framework, not this file (and in this folder the file hides the framework from"
        " your other modules). Rename it, for example to 'app.py'."
    )


# ---- Flask and Werkzeug imports ---------------------------------------------------------


@pytest.mark.slow
def test_hipflask_command_runs_an_unchanged_flask_app(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "app.py",
        """\
        from flask import Flask
        from werkzeug.exceptions import NotFound
        from werkzeug.security import check_password_hash, generate_password_hash
        from werkzeug.utils import secure_filename

        app = Flask(__name__)


        @app.route("/save/<name>")
        def save(name):
            if name == "missing":
                raise NotFound()
            return secure_filename(name)


        @app.cli.command("check")
        def check():
            client = app.test_client()
            print(client.get("/save/a b.txt").text, client.get("/save/missing").status_code)
            print(check_password_hash(generate_password_hash("pw"), "pw"), app.debug)
        """,
    )
    plain = _run(_hipflask("--app", "app", "check"), tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["a_b.txt", "404", "True", "False"]

    # Flask's habits: FLASK_APP / FLASK_DEBUG in the environment, or in a .flaskenv file.
    by_env = _run(_hipflask("check"), tmp_path, FLASK_APP="app", FLASK_DEBUG="1")
    assert by_env.returncode == 0, by_env.stderr
    assert by_env.stdout.split()[-1] == "True"
    _write(tmp_path, ".flaskenv", "FLASK_APP=app\nFLASK_DEBUG=1\n")
    by_file = _run(_hipflask("check"), tmp_path)
    assert by_file.returncode == 0, by_file.stderr
    assert by_file.stdout.split()[-1] == "True"


@pytest.mark.slow
def test_missing_flask_import_gets_a_hint(tmp_path: Path) -> None:
    _write(tmp_path, "app.py", "from flask import Flask\n\napp = Flask(__name__)\n")
    # The command's group without the drop-in mode (as a custom script using FlaskGroup
    # would run it), in an environment where Flask is not installed.
    script = (
        "import sys\n"
        "sys.modules['flask'] = None\n"
        "from hipflask.cli import cli\n"
        "cli.main(['--app', 'app', 'routes'])\n"
    )
    without = _run([sys.executable, "-c", script], tmp_path)
    assert without.returncode == 2
    assert "Hint: this app imports flask: run it in drop-in mode" in without.stderr
    assert "docs/migrating.rst" in without.stderr

    # In drop-in mode, a Werkzeug module hipflask has no equivalent of.
    _write(tmp_path, "app.py", "from werkzeug.contrib.fixers import ProxyFix\n")
    missing = _run(_hipflask("--app", "app", "routes"), tmp_path)
    assert missing.returncode == 2
    assert (
        "Hint: this app imports werkzeug, and hipflask's drop-in mode has no equivalent of"
        " 'werkzeug.contrib'"
    ) in missing.stderr
