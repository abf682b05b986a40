"""README.md tells a newcomer how to start: the set-up commands there must stay true.

CI (``.ci/run``) runs the test command it finds after "Run the whole test suite"; these
tests keep the set-up section to the two commands it promises, and check that the demo
command points at an app the ``hipflask`` command can load.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP_HEADING = "## Set up on a fresh machine"


def _section(heading: str) -> str:
    start = README.index(heading + "\n")
    end = README.find("\n## ", start + len(heading))
    return README[start : end if end != -1 else len(README)]


def _fenced_blocks(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^```[\w-]*\n(.*?)^```", text, re.M | re.S)]


def _setup_commands() -> list[str]:
    return _fenced_blocks(_section(SETUP_HEADING))


def test_setup_section_has_exactly_two_commands() -> None:
    commands = _setup_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in command for command in commands), commands
    demo, tests = commands
    assert demo.startswith("python -m pip install . && hipflask --app "), demo
    assert tests == "python -m pip install -e '.[test]' && python -m pytest -q"


def test_ci_finds_the_test_command() -> None:
    # The same rule as .ci/run's awk: the first "python -m pip" line after the marker.
    lines = README.splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("Run the whole test suite"))
    found = next(line for line in lines[marker:] if line.startswith("python -m pip"))
    assert found == _setup_commands()[1]


def test_python_version_matches_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    minimum = re.search(r'requires-python = ">=(\d+\.\d+)"', pyproject)
    assert minimum is not None
    assert f"Python {minimum.group(1)} or newer" in _section(SETUP_HEADING)


def test_demo_app_is_discoverable() -> None:
    """The demo's ``--app`` target loads from the repository root and lists the blog."""
    argv = shlex.split(_setup_commands()[0].split("&&", 1)[1])
    assert argv[:2] == ["hipflask", "--app"] and argv[-1] == "run", argv
    completed = subprocess.run(
        [sys.executable, "-m", "hipflask", "--app", argv[2], "routes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    for endpoint, rule in [
        ("posts.index", "/"),
        ("auth.register", "/auth/register"),
        ("auth.login", "/auth/login"),
        ("posts.create", "/create"),
    ]:
        assert re.search(
            rf"^{re.escape(endpoint)}\s+.*\s{re.escape(rule)}\s*$", completed.stdout, re.M
        ), completed.stdout


def test_links_point_at_files() -> None:
    for target in re.findall(r"\]\(([^)#:]+)\)", README):
        assert (ROOT / target).exists(), f"README links to a missing file: {target}"
    assert "DESIGN.md" not in README
    deploying = _section("## Deploying")
    for command in (
        "granian --interface wsgi",
        "gunicorn",
        "waitress-serve",
        "uvicorn",
        "hypercorn",
    ):
        assert command in deploying, command


def test_benchmark_figure_matches_results() -> None:
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    quoted = re.search(r"(\d\.\d+) of Flask's time for \"hello world\"", README)
    assert quoted is not None, "README quotes no hello-world ratio"
    # The first table of RESULTS.md: its "hipflask / Flask" column holds the ratio.
    header = re.search(r"^\| scenario \|(.*)\|$", results, re.M)
    row = re.search(r"^\| hello world \|(.*)\|$", results, re.M)
    assert header is not None and row is not None
    columns = [c.strip() for c in header.group(1).split("|")]
    values = [c.strip() for c in row.group(1).split("|")]
    assert values[columns.index("hipflask / Flask")] == quoted.group(1)
    assert "python benchmarks/bench_wsgi.py" in README
