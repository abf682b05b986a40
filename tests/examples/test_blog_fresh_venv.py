"""The README's demo command in a fresh virtual environment, as a newcomer runs it.

Copies the project (pyproject, README, src, examples/blog) to tmp_path, creates a venv
without the system's packages, ``pip install``s the copy (its dependencies come from PyPI
or pip's cache), starts the blog with the venv's ``hipflask`` console script from the
copy's root, and checks the front page. Prints how long each step took.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for _procs
from _procs import procs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", "instance", "screenshots")


def run(args: list[str], cwd: Path, timeout: float) -> str:
    completed = subprocess.run(
        args, cwd=cwd, env=venv_env(), capture_output=True, text=True, timeout=timeout
    )
    assert completed.returncode == 0, f"{args} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def venv_env() -> dict[str, str]:
    """The test's environment without anything that would let the venv see this checkout."""
    env = procs.clean_env()
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"):
        env.pop(name, None)
    return env


def test_readme_demo_in_a_fresh_venv(tmp_path: Path) -> None:
    repo = tmp_path / "hipflask"
    repo.mkdir()
    shutil.copy(ROOT / "pyproject.toml", repo)
    shutil.copy(ROOT / "README.md", repo)
    shutil.copytree(ROOT / "src", repo / "src", ignore=IGNORE)
    shutil.copytree(ROOT / "examples" / "blog", repo / "examples" / "blog", ignore=IGNORE)
    venv = tmp_path / "venv"
    timings: dict[str, float] = {}

    start = time.monotonic()
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, timeout=120)
    timings["venv"] = time.monotonic() - start

    start = time.monotonic()
    run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            ".",
        ],
        repo,
        timeout=300,
    )
    timings["pip install"] = time.monotonic() - start
    location = run(
        [str(venv / "bin" / "python"), "-c", "import hipflask; print(hipflask.__file__)"],
        tmp_path,
        60,
    )
    assert location.startswith(str(venv)), location

    # The command examples/blog/README.md gives, run from the project's root.
    start = time.monotonic()
    port = procs.free_port()
    command = [str(venv / "bin" / "hipflask"), "--app", "examples/blog/blog", "run"]
    with procs.start([*command, "--port", str(port)], repo, env=venv_env()) as server:
        status, body = procs.wait_until_serving(server, port)
        timings["first response"] = time.monotonic() - start
        assert status == 200, body
        assert b"<title>Posts \xc2\xb7 Hipflask Blog</title>" in body
        assert b"No posts yet." in body
        status, css = procs.request(port, "/static/style.css")
        assert status == 200 and b"--accent" in css
    assert (repo / "examples" / "blog" / "instance" / "blog.sqlite").exists()
    print(" ".join(f"{step}: {seconds:.1f} s;" for step, seconds in timings.items()))
