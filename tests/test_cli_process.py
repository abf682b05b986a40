"""The ``hipflask`` command in real processes: discovery, banner, errors, options.

Where Flask's own CLI is observable, the same situation is run through the real ``flask``
command (the oracle) and the outputs compared, with Flask's name swapped for ours.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from _procs import procs

pytestmark = pytest.mark.slow
HELLO = b"<p>Hello, World!</p>"


def run_cli(args, cwd, env=None, timeout=60, stdin=None, command=None):
    """Run a short-lived command to completion; return (status, stdout, stderr)."""
    completed = subprocess.run(
        (command or procs.hipflask)(*args),
        cwd=cwd,
        env=env if env is not None else procs.clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
    return completed.returncode, completed.stdout, completed.stderr


def flask_cli(*args):
    return [sys.executable, "-m", "flask", *args]


def as_flask_app(source: Path, dest: Path) -> None:
    """The same app written against the real Flask (for the oracle)."""
    text = source.read_text().replace("from hipflask import", "from flask import")
    dest.write_text(text.replace("from hipflask.cli import", "from flask.cli import"))


def serve(cwd, args, env=None, path="/"):
    """Start a server on a free port; return (proc, port, first response)."""
    port = procs.free_port()
    proc = procs.start(procs.hipflask(*args, "--port", str(port)), cwd, env=env)
    try:
        response = procs.wait_until_serving(proc, port, path)
    except BaseException:
        proc.stop()
        raise
    return proc, port, response


# -- finding the app ----------------------------------------------------------------------


def test_app_option(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    proc, port, response = serve(tmp_path, ["--app", "hello", "run"])
    with proc:
        assert response == (200, HELLO)
    assert proc.stdout.splitlines() == [" * Serving hipflask app 'hello'", " * Debug mode: off"]
    err = proc.stderr.splitlines()
    assert err[:3] == [
        "WARNING: This is a development server. Do not use it in a production deployment."
        " Use a production WSGI server instead.",
        f" * Running on http://127.0.0.1:{port}",
        "Press CTRL+C to quit",
    ]


def test_banner_matches_flask(tmp_path):
    """The same app under `flask run` and `hipflask run` prints the same banner."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    procs.copy_app("hello.py", ours)
    as_flask_app(procs.APPS / "hello.py", theirs / "hello.py")
    outputs = []
    for cwd, command in ((ours, procs.hipflask), (theirs, flask_cli)):
        port = procs.free_port()
        proc = procs.start(command("--app", "hello", "run", "--port", str(port)), cwd)
        with proc:
            procs.wait_until_serving(proc, port)
        text = (proc.stdout + proc.stderr).replace(str(port), "PORT")
        outputs.append([line for line in text.splitlines() if not line.startswith("127.0.0.1 - -")])
    ours_lines, flask_lines = outputs
    # Some click/Werkzeug releases colour the warning even without a terminal; hipflask
    # colours only on a terminal (issue 5), so compare the text without ANSI codes.
    flask_lines = [
        re.sub(r"\x1b\[[0-9;]*m", "", line).replace("Serving Flask app", "Serving hipflask app")
        for line in flask_lines
    ]
    assert ours_lines == flask_lines
    assert not any("\x1b[" in line for line in ours_lines)


def test_hipflask_app_env_var(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    proc, _, response = serve(tmp_path, ["run"], env=procs.clean_env(HIPFLASK_APP="hello"))
    with proc:
        assert response == (200, HELLO)
    assert " * Serving hipflask app 'hello'" in proc.stdout


@pytest.mark.parametrize("filename", ["app.py", "wsgi.py"])
def test_discovery_of_app_py_and_wsgi_py(tmp_path, filename):
    procs.copy_app("hello.py", tmp_path, as_name=filename)
    proc, _, response = serve(tmp_path, ["run"])
    with proc:
        assert response == (200, HELLO)


def test_app_py_is_preferred_over_wsgi_py(tmp_path):
    procs.copy_app("hello.py", tmp_path, as_name="app.py")
    (tmp_path / "wsgi.py").write_text(
        "from hipflask import Flask\napp = Flask(__name__)\napp.route('/')(lambda: 'wsgi')\n"
    )
    proc, _, response = serve(tmp_path, ["run"])
    with proc:
        assert response == (200, HELLO)


def test_factory_with_arguments_and_file_path(tmp_path):
    (tmp_path / "pkg").mkdir()
    procs.copy_app("factory.py", tmp_path / "pkg")
    proc, _, response = serve(tmp_path, ["--app", "pkg/factory.py:create_app('from args')", "run"])
    with proc:
        assert response == (200, b"from args")


def test_python_dash_m_and_the_console_script(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    script = Path(sys.executable).with_name("hipflask")
    assert script.exists(), "the hipflask console script is not installed"
    port = procs.free_port()
    proc = procs.start([str(script), "--app", "hello", "run", "--port", str(port)], tmp_path)
    with proc:
        assert procs.wait_until_serving(proc, port) == (200, HELLO)
    assert proc.stop(signal.SIGINT) == 0


def test_python_hello_py_with_app_run(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    port = procs.free_port()
    proc = procs.start(
        [sys.executable, "hello.py"], tmp_path, env=procs.clean_env(TEST_PORT=str(port))
    )
    with proc:
        assert procs.wait_until_serving(proc, port) == (200, HELLO)
    assert " * Serving hipflask app 'hello'" in proc.stdout
    assert " * Debug mode: off" in proc.stdout
    assert f" * Running on http://127.0.0.1:{port}" in proc.stderr


def test_host_0_0_0_0_lists_the_addresses(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    proc, port, response = serve(tmp_path, ["--app", "hello", "run", "--host=0.0.0.0"])
    with proc:
        assert response == (200, HELLO)  # sent to 127.0.0.1
    assert " * Running on all addresses (0.0.0.0)" in proc.stderr
    assert f" * Running on http://127.0.0.1:{port}" in proc.stderr
    assert re.search(rf" \* Running on http://[\d.]+:{port}\n", proc.stderr)


def test_ipv6_host(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask("--app", "hello", "run", "--host", "::1", "--port", str(port)), tmp_path
    )
    with proc:
        assert procs.wait_for(lambda: _get_v6(port)) == HELLO, proc.stderr
    assert f" * Running on http://[::1]:{port}" in proc.stderr


def _get_v6(port):
    try:
        return procs.request(port, "/", host="::1", timeout=5)[1]
    except OSError:
        return None


def test_unix_socket_host(tmp_path):
    import socket

    procs.copy_app("hello.py", tmp_path)
    path = tmp_path / "app.sock"
    proc = procs.start(
        procs.hipflask("--app", "hello", "run", "--host", f"unix://{path}"), tmp_path
    )

    def get():
        try:
            with socket.socket(socket.AF_UNIX) as client:
                client.settimeout(5)
                client.connect(str(path))
                client.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := client.recv(4096):
                    data += chunk
                return data
        except OSError:
            return None

    with proc:
        data = procs.wait_for(get)
    assert data is not None and data.endswith(HELLO), proc.stderr
    assert f" * Running on unix://{path}" in proc.stderr
    assert not path.exists()


def test_with_and_without_threads(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    for flag, expected in (("--with-threads", True), ("--without-threads", False)):
        proc, port, _ = serve(tmp_path, ["--app", "hello", "run", flag])
        with proc:
            _, body = procs.request(port, "/environ")
        assert f'"multithread":{str(expected).lower()}' in body.decode().replace(" ", "")


def test_tls_with_cert_and_key_files(tmp_path):
    from hipflask.serving import make_ssl_devcert

    procs.copy_app("hello.py", tmp_path)
    cert, key = make_ssl_devcert(str(tmp_path / "dev"), host="localhost")
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask("--app", "hello", "run", "--port", str(port), "--cert", cert, "--key", key),
        tmp_path,
    )
    context = ssl.create_default_context(cafile=cert)
    context.check_hostname = False
    with proc:
        body = procs.wait_for(lambda: _https_get(port, context))
    assert body == HELLO, proc.stderr
    assert f"Running on https://127.0.0.1:{port}" in proc.stderr


def test_tls_adhoc(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask("--app", "hello", "run", "--port", str(port), "--cert", "adhoc"), tmp_path
    )
    context = ssl._create_unverified_context()
    with proc:
        body = procs.wait_for(lambda: _https_get(port, context))
    assert body == HELLO, proc.stderr


def _https_get(port, context):
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=context, timeout=5) as r:
            return r.read()
    except OSError:
        return None


def test_cert_option_errors(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    status, _, err = run_cli(
        ["--app", "hello", "run", "--cert", "adhoc", "--key", "hello.py"], tmp_path
    )
    assert status == 2 and 'When "--cert" is "adhoc", "--key" is not used.' in err
    status, _, err = run_cli(["--app", "hello", "run", "--cert", "hello.py"], tmp_path)
    assert status == 2 and 'Required when using "--cert".' in err


def test_hipflask_run_host_and_port_env_vars(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    port = procs.free_port()
    env = procs.clean_env(
        HIPFLASK_APP="hello", HIPFLASK_RUN_PORT=str(port), HIPFLASK_RUN_HOST="127.0.0.1"
    )
    proc = procs.start(procs.hipflask("run"), tmp_path, env=env)
    with proc:
        assert procs.wait_until_serving(proc, port) == (200, HELLO)


# -- errors a new user meets --------------------------------------------------------------


def test_port_in_use(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _out, err = run_cli(["--app", "hello", "run", "--port", str(port)], tmp_path)
    assert status == 1
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert f"127.0.0.1:{port}" in line and "--port" in line and "in use" in line


def _error_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, text
    return lines[0]


ERROR_CASES = {
    "missing module": (["--app", "nosuchmodule", "run"], "Error: Could not import 'nosuchmodule'."),
    "no app in module": (
        ["--app", "no_app", "run"],
        "Error: Failed to find Flask application or factory in module 'no_app'."
        " Use 'no_app:name' to specify one.",
    ),
    "missing attribute": (
        ["--app", "hello:nope", "run"],
        "Error: Failed to find attribute 'nope' in 'hello'.",
    ),
    "bad expression": (
        ["--app", "hello:create(", "run"],
        "Error: Failed to parse 'create(' as an attribute name or function call.",
    ),
    "two apps": (
        ["--app", "two_apps", "run"],
        "Error: Detected multiple Flask applications in module 'two_apps'."
        " Use 'two_apps:name' to specify the correct one.",
    ),
    "factory needs arguments": (
        ["--app", "factory:create_app(1, 2, 3)", "run"],
        "Error: The factory 'create_app(1, 2, 3)' in module 'factory' could not be called"
        " with the specified arguments.",
    ),
}


@pytest.mark.parametrize(("args", "expected"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_discovery_errors_are_one_line_and_match_flask(tmp_path, args, expected):
    for name in ("hello.py", "no_app.py", "two_apps.py", "factory.py"):
        procs.copy_app(name, tmp_path)
    status, _out, err = run_cli(args, tmp_path)
    assert status == 2
    assert err.strip() == expected  # one line, no usage text, no traceback

    oracle = tmp_path / "oracle"
    oracle.mkdir()
    for name in ("hello.py", "no_app.py", "two_apps.py", "factory.py"):
        as_flask_app(procs.APPS / name, oracle / name)
    _, _, flask_err = run_cli(args, oracle, command=flask_cli)
    assert _error_line(flask_err) == expected


def test_no_app_anywhere_says_how_to_pass_one(tmp_path):
    status, _, err = run_cli(["run"], tmp_path)
    assert status == 2
    [line] = err.strip().splitlines()
    assert "--app" in line and "HIPFLASK_APP" in line and "app.py" in line


def test_import_error_inside_the_app_shows_its_traceback(tmp_path):
    procs.copy_app("broken_import.py", tmp_path)
    status, _, err = run_cli(["--app", "broken_import", "run"], tmp_path)
    assert status == 2
    assert "While importing 'broken_import', an ImportError was raised" in err
    assert "Traceback" in err
    assert "No module named 'hipflask_no_such_dependency'" in err
    assert 'broken_import.py", line 3' in err


def test_syntax_error_in_the_app_shows_a_traceback(tmp_path):
    (tmp_path / "bad.py").write_text("def broken(:\n")
    status, _, err = run_cli(["--app", "bad", "run"], tmp_path)
    assert status != 0
    assert "SyntaxError" in err and "bad.py" in err


# -- dotenv -------------------------------------------------------------------------------


def test_dotenv_files_and_precedence(tmp_path):
    procs.copy_app("commands.py", tmp_path)
    (tmp_path / ".hipflaskenv").write_text(
        "HIPFLASK_APP=commands\nGREETING_A=hipflaskenv\nB=hipflaskenv\n"
    )
    (tmp_path / ".env").write_text("GREETING_A=dotenv\nB=dotenv\nC=dotenv\n")
    (tmp_path / "custom.env").write_text("C=custom\n")
    (tmp_path / "show.py").write_text("")
    code = (
        "import os,sys\nfrom hipflask.cli import main\nsys.argv=['hipflask','-e','custom.env','routes']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('A=' + os.environ['GREETING_A'], 'B=' + os.environ['B'], 'C=' + os.environ['C'], 'D=' + os.environ['D'])\n"
    )
    env = procs.clean_env(D="environment", B="environment")
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "/users/<int:user_id>" in completed.stdout  # HIPFLASK_APP came from .hipflaskenv
    assert "A=dotenv B=environment C=custom D=environment" in completed.stdout, completed.stderr


def test_hint_when_python_dotenv_is_missing(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    (tmp_path / ".env").write_text("X=1\n")
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "dotenv.py").write_text("raise ImportError('python-dotenv is not installed')\n")
    env = procs.clean_env(PYTHONPATH=str(blocker))
    status, _out, err = run_cli(["--app", "hello", "routes"], tmp_path, env=env)
    assert status == 0
    assert " * Tip: There are .env files present. Install python-dotenv to use them." in err
    status, _, err = run_cli(["--app", "hello", "-e", ".env", "routes"], tmp_path, env=env)
    assert status == 2 and "python-dotenv must be installed to load an env file." in err


def test_legacy_hipflask_env_development_turns_on_debug(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    env = procs.clean_env(HIPFLASK_ENV="development")
    proc, _, response = serve(
        tmp_path, ["--app", "hello", "run", "--no-reload", "--no-debugger"], env=env
    )
    with proc:
        assert response == (200, HELLO)
    assert " * Debug mode: on" in proc.stdout
    assert "'HIPFLASK_ENV' is deprecated" in proc.stderr


def test_debug_flag_and_env_var(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    for args, env in (
        (["--app", "hello", "--debug", "run"], {}),
        (["--app", "hello", "run", "--debug"], {}),
        (["--app", "hello", "run"], {"HIPFLASK_DEBUG": "1"}),
    ):
        proc, _, _ = serve(
            tmp_path, [*args, "--no-reload", "--no-debugger"], env=procs.clean_env(**env)
        )
        proc.stop()
        assert " * Debug mode: on" in proc.stdout, args


# -- other commands -----------------------------------------------------------------------


def test_routes_matches_flask(tmp_path):
    procs.copy_app("commands.py", tmp_path)
    oracle = tmp_path / "oracle"
    oracle.mkdir()
    as_flask_app(procs.APPS / "commands.py", oracle / "commands.py")
    for extra in ([], ["-s", "rule", "--all-methods"]):
        status, ours, err = run_cli(["--app", "commands", "routes", *extra], tmp_path)
        assert status == 0, err
        _, theirs, _ = run_cli(["--app", "commands", "routes", *extra], oracle, command=flask_cli)
        assert ours == theirs, extra
    assert "users" in ours


def test_custom_commands(tmp_path):
    procs.copy_app("commands.py", tmp_path)
    cases = [
        (["hello", "--name", "Ada"], "Hello, Ada from commands!"),
        (["db", "init"], "init configured hello"),
        (["tools", "where"], "tools in commands"),
        (["plain"], "plain in commands"),
    ]
    for args, expected in cases:
        status, out, err = run_cli(["--app", "commands", *args], tmp_path)
        assert (status, out.strip()) == (0, expected), err
    status, out, _ = run_cli(["--app", "commands", "--help"], tmp_path)
    for name in ("hello", "db", "tools", "plain", "routes", "run", "shell"):
        assert re.search(rf"^  {name}\b", out, re.M), name


def test_shell_runs_in_the_app_context(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    status, out, err = run_cli(
        ["--app", "hello", "shell"], tmp_path, stdin="print('name', app.name, g)\n"
    )
    assert status == 0, err
    assert "App: hello" in err  # code.interact writes its banner to stderr
    assert "name hello <hipflask.g of 'hello'>" in out


def test_app_run_under_the_cli_is_a_noop_with_a_warning(tmp_path):
    procs.copy_app("run_at_import.py", tmp_path)
    status, out, err = run_cli(["--app", "run_at_import", "routes"], tmp_path)
    assert status == 0, err
    assert (
        " * Ignoring a call to 'app.run()' that would block the current 'hipflask' CLI command."
        in out
    )
    assert "index" in out


def test_version(tmp_path):
    import hipflask

    status, out, _ = run_cli(["--version"], tmp_path)
    assert status == 0
    assert out.splitlines()[1] == f"hipflask {hipflask.__version__}"


def test_reload_and_debugger_flags_choose_the_reloader(tmp_path):
    procs.copy_app("hello.py", tmp_path)
    proc, _, _ = serve(tmp_path, ["--app", "hello", "run", "--reload", "--no-debugger"])
    children = proc.children()
    assert children
    assert proc.stop() == 0
    assert " * Restarting with watchfiles" in proc.stderr
    # The reloader's child went with its parent.
    assert procs.wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children))
    proc, _, _ = serve(
        tmp_path, ["--app", "hello", "--debug", "run", "--no-reload", "--no-debugger"]
    )
    assert proc.stop() == 0
    assert "Restarting" not in proc.stderr
    assert os.path.exists(tmp_path / "hello.py")
