"""hipflask never imports ``flask`` or ``werkzeug`` (issue 3: "a test proves hipflask imports
and serves a request with flask and werkzeug made unimportable")."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hipflask

PACKAGE_DIR = Path(hipflask.__file__).resolve().parent
BLOCKED = ("flask", "werkzeug")

CHILD = textwrap.dedent(
    """
    import importlib
    import io
    import pkgutil
    import sys

    BLOCKED = ("flask", "werkzeug")


    class Block:
        # refuses the two packages however they are asked for
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked import of {name}")
            return None


    sys.meta_path.insert(0, Block())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]

    import hipflask

    app = hipflask.Flask("noflask")


    @app.route("/hello/<name>")
    def hello(name):
        return {"hello": name, "q": hipflask.request.args.get("q")}


    # 1. a raw WSGI call
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = headers

    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/hello/wsgi",
        "QUERY_STRING": "q=1", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    body = b"".join(app(environ, start_response))
    assert seen["status"] == "200 OK", seen
    assert body.strip() == b'{"hello":"wsgi","q":"1"}', body

    # 2. the test client
    resp = app.test_client().get("/hello/client?q=2")
    assert resp.status_code == 200, resp.status
    assert resp.get_json() == {"hello": "client", "q": "2"}, resp.data

    # 3. every submodule imports without them (optional extras may miss for other reasons)
    failures = []
    for info in pkgutil.walk_packages(hipflask.__path__, "hipflask."):
        if info.name.endswith("__main__"):
            continue  # runs the command line when imported
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            if "blocked import" in str(exc):
                failures.append(f"{info.name}: {exc}")
    assert not failures, failures
    # Importing hipflask.as_flask makes "flask"/"werkzeug" aliases of hipflask's own
    # modules; only a module that is not hipflask's would be a leak.
    leaked = sorted(
        m for m, mod in sys.modules.items()
        if m.split(".")[0] in BLOCKED and not mod.__name__.startswith("hipflask")
    )
    assert not leaked, leaked
    print("SERVED WITHOUT FLASK")
    """
)


@pytest.mark.slow
def test_serves_with_flask_and_werkzeug_unimportable() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "SERVED WITHOUT FLASK" in proc.stdout


def test_blocker_really_blocks() -> None:
    """The child's blocker must make flask unimportable (or the test above proves nothing)."""
    code = CHILD.split("import hipflask", 1)[0] + "import flask\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "blocked import of flask" in proc.stderr


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                fname in ("__import__", "import_module", "import_string")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                names.append((node.lineno, first.value))
    return names


def test_no_module_imports_flask_or_werkzeug() -> None:
    offenders = []
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(files) > 3, f"expected the package's modules under {PACKAGE_DIR}"
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, name in _imported_names(tree):
            if name.split(".")[0] in BLOCKED:
                offenders.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{lineno} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_ast_scan_finds_imports() -> None:
    sample = (
        "import flask\nfrom werkzeug.routing import Map\nimportlib.import_module('flask.json')\n"
    )
    found = [name for _, name in _imported_names(ast.parse(sample))]
    assert found == ["flask", "werkzeug.routing", "flask.json"]
