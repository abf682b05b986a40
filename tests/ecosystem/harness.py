"""Ecosystem oracle: run extensions' own test suites on the real Flask and on hipflask.

Each suite's tests come from its released sdist on PyPI (``pip download --no-deps
--no-binary :all:``), cached in ``$HIPFLASK_ECOSYSTEM_CACHE`` (default
``~/.cache/hipflask-ecosystem``); the extension itself is the installed, pinned package
(the ``test`` extra). Every suite runs twice in fresh processes, with the same pytest
options: once as is (real Flask 3.1.3) and once with ``site_dropin`` on ``PYTHONPATH``,
whose ``sitecustomize`` imports ``hipflask.as_flask`` first in every Python process of the
run. Outcomes are read from ``--junitxml`` and compared test by test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(
    os.environ.get("HIPFLASK_ECOSYSTEM_CACHE", Path.home() / ".cache" / "hipflask-ecosystem")
)


@dataclass(frozen=True)
class Suite:
    """One extension's test suite, as found in its sdist."""

    name: str
    #: pip requirement of the sdist holding the tests (same version as the installed one)
    sdist: str
    #: test paths inside the unpacked sdist
    tests: tuple[str, ...] = ("tests",)
    #: directories inside the sdist to put on PYTHONPATH (examples' own packages)
    pythonpath: tuple[str, ...] = ()
    #: subdirectory of the unpacked sdist to run from
    root: str = ""
    #: start a redis-server for the run
    redis: bool = False
    #: extra pytest arguments (deselecting tests that need services nobody starts)
    args: tuple[str, ...] = ()
    #: tests that pass on Flask and not on hipflask, with the reason (documented gaps)
    known: dict[str, str] = field(default_factory=dict)


SUITES: tuple[Suite, ...] = (
    Suite("Flask-Login", "Flask-Login==0.6.3"),
    Suite("Flask-WTF", "Flask-WTF==1.3.0"),
    Suite("Flask-SQLAlchemy", "Flask-SQLAlchemy==3.1.1"),
    Suite("Flask-Migrate", "Flask-Migrate==4.1.0"),
    # 0.6-0.8 ship no tests in their sdists; 0.5.0's single test module is the newest.
    Suite("Flask-Session", "Flask-Session==0.5.0", tests=("test_session.py",), redis=True),
    Suite("Flask-CORS", "flask-cors==6.0.5"),
    # Its storage tests want docker-managed redis/memcached/mongodb (the docker_services
    # fixture): they error on both frameworks and so do not count.
    Suite("Flask-Limiter", "Flask-Limiter==4.1.1"),
    # test_api.py imports flask.signals.signals_available (gone in Flask 3) and
    # test_fields/test_inputs are nose yield-tests: none of them collect on either framework.
    Suite("Flask-RESTful", "Flask-RESTful==0.3.10"),
    Suite(
        "flaskr (Flask example)",
        "flask==3.1.3",
        root="examples/tutorial",
        tests=("tests",),
        pythonpath=(".",),
    ),
    Suite(
        "js_example (Flask example)",
        "flask==3.1.3",
        root="examples/javascript",
        tests=("tests",),
        pythonpath=(".",),
    ),
)

#: Flask's own test suite, run the same way: every test it passes on Flask and fails on
#: hipflask is listed in its ``known`` map with the reason (see FLASK_KNOWN below).
FLASK_SUITE = Suite(
    "Flask 3.1.3 (own tests)",
    "flask==3.1.3",
    tests=("tests",),
    known={
        # Wording: hipflask's messages are its own; these tests match Flask's sentences.
        "tests.test_basic::test_enctype_debug_helper": "our wording of the enctype hint",
        "tests.test_basic::test_max_cookie_size": "our wording of the cookie-size warning",
        "tests.test_json::test_bad_request_debug_message[True]": (
            "our wording of the JSON decode error shown in debug mode"
        ),
        "tests.test_templating::test_template_loader_debugging": (
            "our layout of the template lookup explanation"
        ),
        "tests.test_testing::test_session_transactions_no_null_sessions": (
            "our wording of 'the session interface did not open a session'"
        ),
        # Names and versions that say hipflask, not Flask/Werkzeug.
        "tests.test_appctx::test_app_ctx_globals_methods": "g's repr says hipflask.g",
        "tests.test_testing::test_environ_base_default": (
            "the test client's User-Agent is hipflask/<version>, not Werkzeug/<version>"
        ),
        # The test ignores a warning by module name ('flask.app'); hipflask's warning is
        # raised from hipflask's modules, so the suite's warnings-as-errors turns it into a
        # 500. The behaviour itself (a 404 for a host that does not match) is the same.
        "tests.test_basic::test_server_name_subdomain": "warning filter keyed on flask.app",
        "tests.test_basic::test_subdomain_matching_other_name[True]": (
            "warning filter keyed on flask.app"
        ),
        # Deliberate: the session is opened on first use, so a request that never touches
        # it has no session object at all (request_ctx._session is None).
        "tests.test_basic::test_session_accessed": "the session is opened lazily",
    },
)

SUITES = (*SUITES, FLASK_SUITE)

#: Suites whose released sdists contain no tests (so they cannot be run from PyPI).
NO_TESTS_IN_SDIST = {
    "flask-babel": "4.0.0 and 3.1.0 ship no tests; 2.0.0 does but needs Flask < 3",
}


def sdist(requirement: str) -> Path:
    """The cached sdist for *requirement*, downloaded from PyPI on first use."""
    name, _, version = requirement.partition("==")
    CACHE.mkdir(parents=True, exist_ok=True)

    def find() -> Path | None:
        wanted = {name.lower().replace("-", "_"), name.lower()}
        for path in CACHE.glob("*.tar.gz"):
            stem = path.name[: -len(".tar.gz")]
            dist, _, ver = stem.rpartition("-")
            if ver == version and dist.lower() in wanted | {d.replace("_", "-") for d in wanted}:
                return path
        return None

    found = find()
    if found is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                requirement,
                "-d",
                str(CACHE),
            ],
            check=True,
            timeout=300,
        )
        found = find()
    if found is None:
        raise FileNotFoundError(f"pip download {requirement} left no sdist in {CACHE}")
    return found


def unpack(requirement: str, dest: Path) -> Path:
    """Unpack the sdist into *dest*; returns its top directory."""
    with tarfile.open(sdist(requirement)) as archive:
        archive.extractall(dest, filter="data")
        top = archive.getnames()[0].split("/")[0]
    return dest / top


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[int]:
    """A throw-away redis-server on 127.0.0.1 (a free port), stopped by its pid."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen(
        [
            executable,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def parse_junit(path: Path) -> dict[str, str]:
    """test id -> "passed" | "failed" | "error" | "skipped" from a junit XML report."""
    outcomes: dict[str, str] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                break
            if child.tag == "skipped":
                outcome = "skipped"
        # a test failing in call and erroring in teardown appears once per phase
        if outcomes.get(test_id, "passed") == "passed":
            outcomes[test_id] = outcome
    return outcomes


@dataclass
class Run:
    """One suite run: outcomes per test, and the tail of pytest's output."""

    outcomes: dict[str, str]
    output: str
    seconds: float


def run_suite(suite: Suite, mode: str, workdir: Path, timeout: float = 600) -> Run:
    """Run *suite* in *mode* ``"flask"`` or ``"hipflask"`` inside *workdir*."""
    top = unpack(suite.sdist, workdir / mode)
    root = top / suite.root if suite.root else top
    report = workdir / f"{mode}.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "HIPFLASK_"))}
    paths = [str(HERE / "site_common"), *(str(root / p) for p in suite.pythonpath)]
    if mode == "hipflask":
        paths.insert(0, str(HERE / "site_dropin"))
    elif mode != "flask":
        raise ValueError(f"unknown mode {mode!r}")
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    probe = workdir / f"{mode}.probe"
    env["ECOSYSTEM_PROBE"] = str(probe)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "_ecosystem_plugin",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        # a module that does not import (on either framework) must not stop the others
        "--continue-on-collection-errors",
        "-q",
        f"--junitxml={report}",
        *suite.args,
        *suite.tests,
    ]
    started = time.monotonic()
    with redis_server() if suite.redis else _no_server() as port:
        if port:
            env["ECOSYSTEM_REDIS_PORT"] = str(port)
        proc = subprocess.run(
            command,
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    elapsed = time.monotonic() - started
    output = (proc.stdout + proc.stderr)[-6000:]
    if not report.exists():
        raise RuntimeError(f"{suite.name} ({mode}) wrote no report:\n{output}")
    served_by = probe.read_text() if probe.exists() else "-"
    expected = "hipflask" if mode == "hipflask" else "flask"
    if served_by != expected:
        raise RuntimeError(f"{suite.name} ({mode}): 'flask' was {served_by!r}, not {expected!r}")
    return Run(parse_junit(report), output, elapsed)


@contextmanager
def _no_server() -> Iterator[int]:
    yield 0


@dataclass
class Comparison:
    """A suite on both frameworks."""

    suite: Suite
    flask: Run
    hipflask: Run

    @property
    def passed_on_flask(self) -> set[str]:
        return {k for k, v in self.flask.outcomes.items() if v == "passed"}

    @property
    def passed_on_hipflask(self) -> set[str]:
        return {k for k, v in self.hipflask.outcomes.items() if v == "passed"}

    @property
    def regressions(self) -> list[str]:
        """Tests passing on Flask but not on hipflask (documented ones included)."""
        return sorted(self.passed_on_flask - self.passed_on_hipflask)

    @property
    def unexplained(self) -> list[str]:
        """Regressions not listed in the suite's ``known`` table."""
        return [k for k in self.regressions if k not in self.suite.known]


def compare(suite: Suite, timeout: float = 600) -> Comparison:
    """Run *suite* on Flask and on hipflask (in a temporary directory)."""
    sdist(suite.sdist)  # download once, before the two runs start
    with tempfile.TemporaryDirectory(prefix="hipflask-eco-") as tmp:
        workdir = Path(tmp)
        # The two runs are independent processes (own directories, own redis-server): run
        # them side by side, which halves the wall time on two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            on_flask = pool.submit(run_suite, suite, "flask", workdir, timeout)
            on_hipflask = pool.submit(run_suite, suite, "hipflask", workdir, timeout)
            return Comparison(suite, on_flask.result(), on_hipflask.result())
