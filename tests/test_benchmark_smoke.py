"""The in-process benchmark runs and reports every framework (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_wsgi.py"


@pytest.mark.slow
def test_quick_benchmark_runs_and_reports_each_framework() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--output", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for framework in ("hipflask", "flask", "falcon", "bottle", "raw"):
        assert framework in out
    for scenario in ("hello world", "int path parameter + JSON", "query args", "404"):
        assert f"| {scenario} |" in out
    assert "1,000 routes vs 10 routes" in out


E2E = BENCH.parent / "bench_e2e.py"


@pytest.mark.slow
def test_e2e_harness_serves_every_framework_on_every_server() -> None:
    # Starts all 18 (server, framework) processes and checks each answer; times nothing.
    result = subprocess.run(
        [sys.executable, str(E2E), "--check-only"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checked 18 servers x 2 scenarios" in result.stdout


@pytest.mark.slow
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
