"""The reloader: what it watches, both watcher back-ends, and real processes reloading."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from _procs import procs

from hipflask.serving import reloader as _reloader
from hipflask.serving.reloader import (
    ReloaderLoop,
    StatReloaderLoop,
    WatchfilesReloaderLoop,
    _pick_loop,
    _project_dirs,
)

# -- what is watched ----------------------------------------------------------------------


def make_tree(root: Path) -> None:
    for rel in (
        "app.py",
        "pkg/__init__.py",
        "pkg/views.py",
        "pkg/templates/index.html",
        ".venv/lib/python3/site-packages/dep.py",
        "venv2/pyvenv.cfg",
        "venv2/lib/mod.py",
        "node_modules/x/y.py",
        "__pycache__/app.cpython-311.pyc",
        "docs/notes.txt",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def test_project_dirs_skip_virtualenvs_and_tool_dirs(tmp_path):
    make_tree(tmp_path)
    dirs = _project_dirs([str(tmp_path)])
    assert dirs == {str(tmp_path), str(tmp_path / "pkg")}


def test_is_relevant(tmp_path):
    loop = ReloaderLoop(
        extra_files=[str(tmp_path / "settings.toml"), str(tmp_path / "conf")],
        exclude_patterns=["*/generated_*.py"],
    )
    assert loop.is_relevant(str(tmp_path / "app.py"))
    assert loop.is_relevant(str(tmp_path / "settings.toml"))
    assert loop.is_relevant(str(tmp_path / "conf" / "any.ini"))
    assert not loop.is_relevant(str(tmp_path / "notes.txt"))
    assert not loop.is_relevant(str(tmp_path / "generated_models.py"))
    assert not loop.is_relevant(str(tmp_path / "__pycache__" / "app.py"))
    assert not loop.is_relevant(str(tmp_path / ".venv" / "lib" / "x.py"))
    assert not loop.is_relevant(str(tmp_path / "lib" / "site-packages" / "x.py"))
    assert not loop.is_relevant(os.path.join(os.path.dirname(os.__file__), "fake_stdlib.py"))


def test_watched_dirs_include_imported_modules_and_extra_files(tmp_path):
    extra = tmp_path / "extra" / "settings.cfg"
    extra.parent.mkdir()
    extra.write_text("")
    loop = ReloaderLoop(extra_files=[str(extra)], exclude_patterns=[str(tmp_path / "excluded*")])
    (tmp_path / "excluded_dir").mkdir()
    loop._base_dirs = {str(tmp_path / "excluded_dir")}
    dirs = loop.watched_dirs()
    assert str(extra.parent) in dirs
    assert os.path.dirname(os.path.abspath(__file__)) in dirs  # this test module is imported
    assert str(tmp_path / "excluded_dir") not in dirs
    assert not any(d.startswith(os.path.dirname(os.__file__)) for d in dirs)


def test_pick_loop():
    assert _pick_loop("auto") is WatchfilesReloaderLoop
    assert _pick_loop("watchdog") is WatchfilesReloaderLoop
    assert _pick_loop("stat") is StatReloaderLoop
    with pytest.raises(ValueError, match="Unknown reloader_type 'nope'"):
        _pick_loop("nope")


def test_stat_fallback_when_watchfiles_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # makes the import fail
    assert _pick_loop("auto") is StatReloaderLoop


@pytest.mark.parametrize("loop_class", [StatReloaderLoop, WatchfilesReloaderLoop])
def test_loop_reports_a_changed_file(tmp_path, monkeypatch, loop_class):
    target = tmp_path / "watched.py"
    target.write_text("x = 1\n")
    ignored = tmp_path / "ignored.txt"
    ignored.write_text("")
    monkeypatch.setattr(_reloader, "_sys_path_roots", lambda: [str(tmp_path)])
    loop = loop_class(interval=0.1)
    result = []

    def watch():
        with loop:
            result.append(loop.wait_for_change())

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()

    def edit():
        ignored.write_text(str(time.time()))  # not a Python file: never reported
        target.write_text(f"x = {time.time()}\n")
        return result

    # Keep editing until the watcher (which needs a moment to start) reports it.
    assert procs.wait_for(edit, timeout=20, interval=0.3)
    thread.join(5)
    assert result == [str(target)]


# -- real processes -----------------------------------------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _served(port: int, body: bytes):
    def check():
        try:
            return procs.request(port, "/", timeout=5) == (200, body)
        except OSError:
            return False

    return check


@pytest.mark.slow
def test_reloader_follows_edits_and_survives_a_syntax_error(tmp_path):
    app_file = procs.copy_app("reloading.py", tmp_path)
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask(
            "--app", "reloading", "run", "--port", str(port), "--debug", "--no-debugger"
        ),
        tmp_path,
    )
    with proc:
        assert procs.wait_until_serving(proc, port) == (200, b"one")
        assert " * Restarting with watchfiles" in proc.stderr

        # 1. An edit is served (the issue asks for it within 2 s; not asserted as timing).
        _edit(app_file, 'VERSION = "one"', 'VERSION = "two"')
        assert procs.wait_for(_served(port, b"two")), proc.stderr
        assert f" * Detected change in '{app_file}', reloading" in proc.stderr

        # 2. A syntax error: the process survives, prints the error, answers 500.
        _edit(app_file, 'VERSION = "two"', 'VERSION = "three"\ndef broken(:\n')
        assert procs.wait_for(lambda: "SyntaxError" in proc.stderr), proc.stderr
        assert proc.alive()
        assert procs.wait_for(lambda: procs.request(port, "/")[0] == 500)

        # 3. The fix is served again.
        _edit(app_file, "def broken(:\n", "")
        assert procs.wait_for(_served(port, b"three")), proc.stderr

        children = proc.children()
        assert len(children) == 1
    assert proc.popen.returncode == 0
    assert procs.wait_for(lambda: not Path(f"/proc/{children[0]}").exists(), timeout=10)


@pytest.mark.slow
def test_no_connection_is_refused_while_reloading(tmp_path):
    app_file = procs.copy_app("reloading.py", tmp_path)
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask("--app", "reloading", "run", "--port", str(port), "--reload"), tmp_path
    )
    with proc:
        procs.wait_until_serving(proc, port)
        bodies, errors = [], []
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                try:
                    bodies.append(procs.request(port, "/", timeout=20)[1])
                except OSError as e:
                    errors.append(repr(e))

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            for version in ("two", "three"):
                old = bodies[-1].decode() if bodies else "one"
                _edit(app_file, f'VERSION = "{old}"', f'VERSION = "{version}"')
                procs.wait_for(lambda v=version: bodies and bodies[-1] == v.encode())
        finally:
            stop.set()
            thread.join(30)
    assert errors == []
    assert bodies[-1] == b"three"


@pytest.mark.slow
@pytest.mark.parametrize("reloader", ["stat", "watchfiles"])
def test_python_script_with_a_syntax_error_is_revived(tmp_path, reloader):
    """`python app.py`: a syntax error kills the child outright; the supervisor waits for
    the fix instead of exiting (Werkzeug's reloader exits)."""
    script = procs.copy_app("script_reloading.py", tmp_path)
    port = procs.free_port()
    env = procs.clean_env(TEST_PORT=str(port), TEST_RELOADER=reloader)
    proc = procs.start([sys.executable, "script_reloading.py"], tmp_path, env=env)
    with proc:
        assert procs.wait_until_serving(proc, port) == (200, b"one")
        assert f" * Restarting with {reloader}" in proc.stderr
        _edit(script, 'VERSION = "one"', 'VERSION = "two"\nif True\n')
        assert procs.wait_for(lambda: "Waiting for a file change" in proc.stderr), proc.stderr
        assert proc.alive()
        _edit(script, "if True\n", "")
        assert procs.wait_for(_served(port, b"two")), proc.stderr
    assert proc.popen.returncode == 0


@pytest.mark.slow
def test_extra_files_trigger_and_exclude_patterns_do_not(tmp_path):
    procs.copy_app("reloading.py", tmp_path)
    settings = tmp_path / "settings.cfg"
    settings.write_text("a")
    skipped = tmp_path / "scratch_tmp.py"
    skipped.write_text("")
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask(
            "--app",
            "reloading",
            "run",
            "--port",
            str(port),
            "--reload",
            "--extra-files",
            str(settings),
            "--exclude-patterns",
            "*/scratch_*",
        ),
        tmp_path,
    )
    with proc:
        procs.wait_until_serving(proc, port)
        skipped.write_text("x = 1\n")
        settings.write_text("b")
        assert procs.wait_for(lambda: "Detected change" in proc.stderr), proc.stderr
        assert f"Detected change in '{settings}'" in proc.stderr
        assert "scratch_tmp.py" not in proc.stderr


@pytest.mark.slow
def test_supervisor_stopped_by_sigint_stops_the_child(tmp_path):
    procs.copy_app("reloading.py", tmp_path)
    port = procs.free_port()
    proc = procs.start(
        procs.hipflask("--app", "reloading", "run", "--port", str(port), "--reload"), tmp_path
    )
    with proc:
        procs.wait_until_serving(proc, port)
        children = proc.children()
        assert proc.stop(signal.SIGINT) == 0
    assert children
    assert procs.wait_for(
        lambda: not any(Path(f"/proc/{c}").exists() for c in children), timeout=10
    )
