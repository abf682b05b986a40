"""Every benchmark harness runs briefly and reports (no timing is asserted): they never rot.

Each harness runs in a subprocess with the smallest settings it has (a few hundred requests,
one repetition); the figures are meaningless here, only that every scenario is measured and
reported is checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SRC = Path(__file__).resolve().parent.parent / "src"

pytestmark = pytest.mark.slow


def _run(*args: str, timeout: float = 120) -> str:
    env = dict(os.environ)
    # the tree under test, whichever hipflask is installed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=BENCH,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_in_process_benchmark_measures_every_scenario_and_framework() -> None:
    out = _run("bench_wsgi.py", "--quick", "--reps", "1", "--batch-ms", "1", "--output", "-")
    for framework in ("hipflask", "flask", "falcon", "bottle", "raw"):
        assert framework in out
    scenarios = (
        "hello world",
        "int path parameter + JSON",
        "query args",
        "404",
        "last of 10 param. routes",
        "last of 1,000 param. routes",
        "urlencoded form POST, 5 fields",
        "1 kB JSON POST",
        "Jinja2 template, 20-item loop",
        "session read+write",
    )
    for scenario in scenarios:
        row = next(line for line in out.splitlines() if line.startswith(f"| {scenario} |"))
        # hipflask, Flask and the hipflask / Flask ratio are filled in for every scenario
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[1] != "-" and cells[2] != "-" and cells[6] != "-", row
    assert "wrong answer" not in out
    assert "Jinja2 alone" in out
    for target in ("hello world:", "session read+write:", "worst is", "template:", "1,000 routes"):
        assert target in out


def test_in_process_asgi_benchmark_reports_every_scenario() -> None:
    out = _run("bench_asgi.py", "--quick")
    header = next(line for line in out.splitlines() if line.startswith("| scenario |"))
    assert "hipflask" in header and "starlette" in header and "raw" in header
    for scenario in ("hello world", "int path parameter + JSON"):
        row = next(line for line in out.splitlines() if line.startswith(f"| {scenario} |"))
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        # three times and two ratios, every one a positive number
        assert len(cells) == 6 and all(float(cell) > 0 for cell in cells[1:]), row


def test_startup_benchmark_compares_import_time_and_memory() -> None:
    out = _run("bench_startup.py", "--runs", "1")
    assert "| hipflask |" in out and "| flask |" in out
    assert "hipflask / Flask: time" in out


def test_upload_memory_benchmark_runs() -> None:
    out = _run("upload_rss.py", "--size-mb", "1", "--rounds", "1")
    assert "hipflask" in out and "flask" in out


def test_multipart_library_comparison_checks_behaviour() -> None:
    # The timing part (bench) takes half a minute even with --quick; the behaviour checks
    # exercise the same adapters for every library.
    out = _run("-c", "import multipart_libs as m; m.split_check(); m.behaviour()")
    assert "hipflask (full)" in out


def test_reloader_benchmark_loop_notices_a_change() -> None:
    code = (
        "import tempfile, pathlib, reloader_idle_cpu as r\n"
        "with tempfile.TemporaryDirectory() as tmp:\n"
        "    root = pathlib.Path(tmp)\n"
        "    probe = r.build_tree(root, 20)\n"
        "    percent, noticed = r.bench_loop(root, probe, 'stat', 0.2)\n"
        "    print('noticed', noticed)\n"
    )
    out = _run("-c", code)
    assert "noticed" in out


E2E = BENCH / "bench_e2e.py"


def test_e2e_harness_serves_every_framework_on_every_server() -> None:
    # Starts all 18 (server, framework) processes and checks each answer; times nothing.
    result = subprocess.run(
        [sys.executable, str(E2E), "--check-only"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checked 18 servers x 2 scenarios" in result.stdout


def test_e2e_quick_run_reports_ratios_and_targets() -> None:
    result = subprocess.run(
        [
            *(sys.executable, str(E2E), "--quick", "--python-client", "--seconds", "0.3"),
            *("--servers", "granian-wsgi,uvicorn", "--frameworks", "hipflask,raw,starlette"),
            *("--output", "-"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for table in ("### hello world (WSGI)", "### int path parameter + JSON (ASGI)"):
        assert table in out
    assert "| granian-wsgi | " in out and "| uvicorn | " in out
    assert "hipflask / raw" in out and "hipflask / Starlette" in out
    assert out.count("the raw floor (target >= 0.90)") == 4
    assert "## Targets (issue 11)" in out
