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
