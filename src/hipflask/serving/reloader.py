"""The code reloader behind ``hipflask run --debug`` (Werkzeug's ``_reloader``).

Two processes: the one started by the user (the supervisor) keeps the listening socket and
starts a child with ``HIPFLASK_RUN_MAIN=true``; the child serves and watches the source
files, and exits with status 3 when one changes so the supervisor starts a fresh child.

Differences from Werkzeug, on purpose:

- Watching uses ``watchfiles`` (inotify/FSEvents through Rust, near zero idle CPU) instead
  of ``watchdog``; ``stat`` polling remains the fallback.
- When the child dies on its own (a syntax error in the script run with ``python app.py``,
  an import error before the server starts), the supervisor does not exit: it prints the
  exit status, waits for the next change and starts the child again.
- Stopping the supervisor (Ctrl+C, SIGTERM) stops the child, and a child whose supervisor
  disappeared exits instead of lingering.
- A restart is graceful: the child stops accepting, lets requests in flight finish
  (bounded), then exits; queued connections wait in the shared listening socket.
- hipflask's own source files are not watched even when installed in editable mode: they
  are a dependency, not the project.
"""

from __future__ import annotations

import fnmatch
import os
import site
import subprocess
import sys
import sysconfig
import threading
import time
import typing as t
from collections.abc import Iterable

from .log import _log

RUN_MAIN_ENV = "HIPFLASK_RUN_MAIN"
SERVER_FD_ENV = "HIPFLASK_SERVER_FD"
#: Exit status a child uses to ask the supervisor for a restart.
RESTART_CODE = 3

# Directories that never hold the project's own code: version control, caches, tooling.
_IGNORED_DIR_NAMES = frozenset(
    {
        "__pycache__",
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".idea",
        ".vscode",
        "node_modules",
        "site-packages",
        "dist-packages",
    }
)


def _system_dirs() -> tuple[str, ...]:
    """Where the interpreter's own and installed packages live (never watched)."""
    dirs: set[str] = set()
    keys = ("stdlib", "platstdlib", "purelib", "platlib", "scripts")
    bases = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars=bases)):
        dirs.update(paths[key] for key in keys if key in paths)
    try:
        dirs.update(site.getsitepackages())
    except AttributeError:  # pragma: no cover - old virtualenv's site module
        pass
    user_site = getattr(site, "USER_SITE", None)
    if user_site:
        dirs.add(user_site)
    variants = {os.path.abspath(d) for d in dirs if d} | {os.path.realpath(d) for d in dirs if d}
    return tuple(os.path.join(d, "") for d in variants)


_SYSTEM_DIRS = _system_dirs()
# hipflask itself is a dependency of the project, even when installed in editable mode.
_FRAMEWORK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")


def _is_ignored_path(path: str) -> bool:
    """True for interpreter, site-packages, virtualenv, tooling or hipflask's own paths."""
    if os.path.join(path, "").startswith((*_SYSTEM_DIRS, _FRAMEWORK_DIR)):
        return True
    parts = path.split(os.sep)
    return any(part in _IGNORED_DIR_NAMES for part in parts)


def _module_files() -> set[str]:
    """Source files of the imported modules that belong to the project."""
    files: set[str] = set()
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if not isinstance(name, str):
            continue
        name = os.path.abspath(name)
        while not os.path.isfile(name):  # a module inside a zip file: watch the zip
            parent = os.path.dirname(name)
            if parent == name:
                break
            name = parent
        else:
            if not _is_ignored_path(name):
                files.add(name)
    return files


def _project_dirs(roots: Iterable[str]) -> set[str]:
    """Directories under *roots* that contain Python files, skipping virtualenvs & co.

    Like Werkzeug, a directory whose parent has no Python file and that has none itself is
    not descended into, so a root such as the home directory stays cheap to scan.
    """
    found: set[str] = set()
    for root in roots:
        if not os.path.isdir(root) or _is_ignored_path(root):
            continue
        parent_has_py = {os.path.dirname(root): True}
        for current, dirs, files in os.walk(root):
            if os.path.isfile(os.path.join(current, "pyvenv.cfg")):
                dirs.clear()  # a virtualenv
                continue
            dirs[:] = [
                d
                for d in dirs
                if d not in _IGNORED_DIR_NAMES
                and not d.startswith(".")
                and not _is_ignored_path(os.path.join(current, d))
            ]
            has_py = any(name.endswith(".py") for name in files)
            if has_py:
                found.add(current)
            elif not parent_has_py.get(os.path.dirname(current), False):
                dirs.clear()
            parent_has_py[current] = has_py
    return found


def _sys_path_roots() -> list[str]:
    roots = []
    for entry in list(sys.path):
        path = os.path.abspath(entry or os.getcwd())
        if os.path.isdir(path) and not _is_ignored_path(path):
            roots.append(path)
    return roots


class ReloaderLoop:
    """Watches the project's files; ``run`` exits the process with status 3 on a change."""

    name = ""

    def __init__(
        self,
        extra_files: Iterable[str] | None = None,
        exclude_patterns: Iterable[str] | None = None,
        interval: float = 1,
    ) -> None:
        self.extra_files: set[str] = {os.path.abspath(x) for x in extra_files or ()}
        self.exclude_patterns: set[str] = set(exclude_patterns or ())
        self.interval = interval
        self._supervisor_pid: int | None = None
        self._base_dirs: set[str] = set()
        self._module_dirs: set[str] = set()
        self._module_count = -1
        self._baseline: dict[str, float] = {}
        #: Called in the child before it exits for a restart (the server drains there).
        self.before_restart: t.Callable[[], object] | None = None

    def __enter__(self) -> ReloaderLoop:
        """Compute the initial watch set and remember the files' modification times."""
        self._base_dirs = _project_dirs(_sys_path_roots())
        self._baseline = self.mtimes()
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    # -- what is watched ---------------------------------------------------------------

    def watched_dirs(self) -> set[str]:
        """The directories to watch: project dirs, imported modules' dirs, extra files."""
        if len(sys.modules) != self._module_count:
            # Scanning sys.modules costs a stat per module; only redo it when the set of
            # imported modules changed, so an idle watcher stays idle.
            self._module_count = len(sys.modules)
            self._module_dirs = {os.path.dirname(f) for f in _module_files()}
        dirs = self._base_dirs | self._module_dirs
        for extra in self.extra_files:
            dirs.add(extra if os.path.isdir(extra) else os.path.dirname(extra))
        return {d for d in dirs if os.path.isdir(d) and not self._is_excluded(d)}

    def mtimes(self) -> dict[str, float]:
        """Modification times of the relevant files in the watched directories."""
        result: dict[str, float] = {}
        for directory in self.watched_dirs():
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            for entry in entries:
                if (
                    entry.name.endswith(".py")
                    or entry.path in self.extra_files
                    or (directory in self.extra_files)
                ):
                    try:
                        result[entry.path] = entry.stat().st_mtime
                    except OSError:
                        continue
        for path in self.extra_files:
            if path not in result and os.path.isfile(path):
                result[path] = os.stat(path).st_mtime
        return result

    def _changed_since(self, before: dict[str, float]) -> str | None:
        """The first relevant file added, removed or modified since *before*."""
        return self._diff(before, self.mtimes())

    def _diff(self, before: dict[str, float], after: dict[str, float]) -> str | None:
        for path in sorted(before.keys() | after.keys()):
            if before.get(path) != after.get(path) and self.is_relevant(path):
                return path
        return None

    def _is_excluded(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude_patterns)

    def is_relevant(self, path: str) -> bool:
        """Does a change to *path* call for a restart?"""
        if self._is_excluded(path):
            return False
        if path in self.extra_files:
            return True
        for extra in self.extra_files:
            if path.startswith(os.path.join(extra, "")):
                return True
        if not path.endswith(".py"):
            return False
        return not _is_ignored_path(os.path.dirname(path))

    # -- the loop ----------------------------------------------------------------------

    def wait_for_change(self) -> str:
        """Block until a relevant file changes; return its path."""
        raise NotImplementedError

    def run(self) -> None:
        """Watch until a change, then exit with status 3 (the supervisor restarts us)."""
        self._supervisor_pid = os.getppid()
        self.trigger_reload(self.wait_for_change())

    def supervisor_gone(self) -> bool:
        """True in a child whose supervisor died: the child should exit too."""
        return self._supervisor_pid is not None and os.getppid() != self._supervisor_pid

    def trigger_reload(self, filename: str) -> t.NoReturn:
        """Log the change, stop the server gracefully, exit with status 3."""
        self.log_reload(filename)
        if self.before_restart is not None:
            try:
                self.before_restart()
            except Exception as e:  # a failed drain must not block the restart
                _log("error", f" * Could not stop the server cleanly: {e!r}")
        sys.exit(RESTART_CODE)

    def log_reload(self, filename: str) -> None:
        """Log `` * Detected change in '<path>', reloading``."""
        _log("info", f" * Detected change in {os.path.abspath(filename)!r}, reloading")

    def restart_with_reloader(self) -> int:
        """Supervise: start the child, restart it when it asks, revive it after a crash."""
        while True:
            _log("info", f" * Restarting with {self.name}")
            process = _start_child()
            try:
                code = process.wait()
            except KeyboardInterrupt:
                _stop_child(process)
                return 0
            if code == RESTART_CODE:
                continue
            if code == 0:
                return 0
            try:
                with self:
                    # The snapshot is taken (on entering) before the message is printed:
                    # a fix saved right after the user reads it is then seen as a change.
                    _log(
                        "error",
                        f" * The application process exited with status {code}."
                        " Waiting for a file change to start it again.",
                    )
                    changed = self.wait_for_change()
            except KeyboardInterrupt:
                return 0
            self.log_reload(changed)


class StatReloaderLoop(ReloaderLoop):
    """Polls modification times every ``interval`` seconds (the fallback)."""

    name = "stat"

    def wait_for_change(self) -> str:
        before = self._baseline
        while True:
            after = self.mtimes()
            changed = self._diff(before, after)
            if changed is not None:
                return changed
            before = after
            time.sleep(self.interval)
            if self.supervisor_gone():
                sys.exit(0)


class WatchfilesReloaderLoop(ReloaderLoop):
    """Waits on filesystem events through ``watchfiles`` (inotify, FSEvents, ...)."""

    name = "watchfiles"

    #: After this delay the watch is surely in place; files are compared with the
    #: snapshot taken before serving, to catch a save made while the watch was set up.
    settle_delay = 0.2

    def _filter(self, change: t.Any, path: str) -> bool:
        return self.is_relevant(path)

    def _check_missed(
        self, stop: threading.Event, missed: list[str], snapshot: dict[str, float]
    ) -> None:
        if not stop.wait(self.settle_delay):
            changed = self._changed_since(snapshot)
            if changed is not None:
                missed.append(changed)
                stop.set()  # ends the watch in wait_for_change

    def wait_for_change(self) -> str:
        import watchfiles

        # Per-directory (non-recursive) watches: a virtualenv or node_modules inside the
        # project is never walked by the kernel watcher.
        rust_timeout = max(int(self.interval * 1000), 50)
        baseline = self._baseline
        while True:
            dirs = self.watched_dirs()
            stop = threading.Event()
            missed: list[str] = []

            threading.Thread(
                target=self._check_missed, args=(stop, missed, baseline), daemon=True
            ).start()
            for changes in watchfiles.watch(
                *sorted(dirs),
                watch_filter=self._filter,
                debounce=400,
                step=50,
                rust_timeout=rust_timeout,
                yield_on_timeout=True,
                recursive=False,
                ignore_permission_denied=True,
                stop_event=stop,
            ):
                if changes:
                    stop.set()
                    return sorted(path for _, path in changes)[0]
                if self.supervisor_gone():
                    sys.exit(0)
                if not self.watched_dirs() <= dirs:
                    break  # a newly imported module lives elsewhere: watch it too
            stop.set()
            if missed:
                return missed[0]
            baseline = self.mtimes()


def _watchfiles_available() -> bool:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


reloader_loops: dict[str, type[ReloaderLoop]] = {
    "stat": StatReloaderLoop,
    "watchfiles": WatchfilesReloaderLoop,
}


def _pick_loop(reloader_type: str) -> type[ReloaderLoop]:
    if reloader_type in ("auto", "watchdog"):
        # "watchdog" is Werkzeug's name for the event-based reloader; watchfiles plays it.
        return WatchfilesReloaderLoop if _watchfiles_available() else StatReloaderLoop
    try:
        return reloader_loops[reloader_type]
    except KeyError:
        raise ValueError(
            f"Unknown reloader_type {reloader_type!r}: use 'auto', 'watchfiles' or 'stat'."
        ) from None


def _get_args_for_reloading() -> list[str]:
    """The command line that started this process, with this interpreter."""
    return [sys.executable, *sys.orig_argv[1:]]


def _start_child() -> subprocess.Popen[bytes]:
    env = os.environ.copy()
    env[RUN_MAIN_ENV] = "true"
    fd = env.get(SERVER_FD_ENV, "")
    if fd.isdigit():
        # Only the listening socket is handed down, not every descriptor we hold.
        return subprocess.Popen(_get_args_for_reloading(), env=env, pass_fds=(int(fd),))
    return subprocess.Popen(_get_args_for_reloading(), env=env, close_fds=False)


def _stop_child(process: subprocess.Popen[bytes]) -> None:
    while True:
        try:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            return
        except KeyboardInterrupt:
            continue  # a second Ctrl+C must not leave the child behind


def ensure_echo_on() -> None:
    """Turn terminal echo back on (a debugger such as pdb may have left it off)."""
    if sys.stdin is None or not sys.stdin.isatty():
        return
    try:
        import termios
    except ImportError:  # pragma: no cover - Windows
        return
    attributes = termios.tcgetattr(sys.stdin)
    if not attributes[3] & termios.ECHO:
        attributes[3] |= termios.ECHO
        termios.tcsetattr(sys.stdin, termios.TCSANOW, attributes)


def run_with_reloader(
    main_func: t.Callable[[], None],
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    interval: float = 1,
    reloader_type: str = "auto",
    before_restart: t.Callable[[], object] | None = None,
) -> None:
    """Run *main_func* in a child process that is restarted whenever the code changes.

    In the supervisor this never returns (it exits with the final status, 0 on Ctrl+C or
    SIGTERM). In the child, *main_func* runs in a daemon thread while the main thread
    watches the files; on a change *before_restart* (hipflask's addition: the server's
    graceful stop) runs before the child exits.
    """
    reloader = _pick_loop(reloader_type)(
        extra_files=extra_files, exclude_patterns=exclude_patterns, interval=interval
    )
    reloader.before_restart = before_restart
    try:
        if os.environ.get(RUN_MAIN_ENV) == "true":
            ensure_echo_on()
            thread = threading.Thread(target=main_func, name="hipflask-server", daemon=True)
            with reloader:
                thread.start()
                reloader.run()
        else:
            sys.exit(reloader.restart_with_reloader())
    except KeyboardInterrupt:
        pass
