"""Idle CPU of the reloader watching a 5,000-file project (issue 6: under 2% with watchfiles).

Builds a temporary project of N Python files, then for each watcher measures the CPU time
(user + system, from /proc) a process spends over a quiet window:

- ``watchfiles`` / ``stat``: the reloader loop alone (``ReloaderLoop.wait_for_change``).
- ``hipflask run --debug``: the real command (supervisor + child: server thread and
  watcher) serving an app at the root of the tree, both processes summed.

After the window a file is edited to check the watcher really was watching; the time it
took to notice is printed too. Linux only (reads /proc). Usage::

    python benchmarks/reloader_idle_cpu.py [--files 5000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WATCHER = """
import sys, time
sys.path.insert(0, {root!r})
from hipflask.serving.reloader import _pick_loop
loop = _pick_loop({kind!r})(interval=1)
with loop:
    print("ready", flush=True)
    changed = loop.wait_for_change()
print("changed", changed, time.monotonic(), flush=True)
"""

APP = """
from hipflask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "idle"
"""


def build_tree(root: Path, files: int) -> Path:
    """*files* small modules in packages of 50, two levels deep; returns one of them."""
    per_dir = 50
    for i in range(files):
        package = root / f"pkg{i // (per_dir * 10)}" / f"sub{(i // per_dir) % 10}"
        if not package.exists():
            package.mkdir(parents=True)
            (package / "__init__.py").write_text("")
            (package.parent / "__init__.py").write_text("")
        (package / f"mod{i}.py").write_text(f"VALUE = {i}\n")
    (root / "app.py").write_text(APP)
    return root / "pkg0" / "sub0" / "mod0.py"


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of *pids* (children that already exited are not counted)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def measure(pids: list[int], seconds: float) -> float:
    before = cpu_seconds(pids)
    time.sleep(seconds)
    return (cpu_seconds(pids) - before) / seconds * 100


def bench_loop(root: Path, probe: Path, kind: str, seconds: float) -> tuple[float, float]:
    code = WATCHER.format(root=str(root), kind=kind)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(2)  # let the initial scan and watch set-up settle
        percent = measure([proc.pid], seconds)
        edited = time.monotonic()
        probe.write_text(f"VALUE = {time.time()}\n")
        line = proc.stdout.readline().split()
        noticed = float(line[2]) - edited
        return percent, noticed
    finally:
        proc.kill()
        proc.wait()


def bench_cli(root: Path, seconds: float) -> tuple[float, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPFLASK_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hipflask",
            "--app",
            "app",
            "run",
            "--debug",
            "--no-debugger",
            "--port",
            str(port),
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                kids = children_of(proc.pid)
                if kids:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        time.sleep(2)
        pids = [proc.pid, *children_of(proc.pid)]
        percent = measure(pids, seconds)
        # Edit the app and time until the new child serves the change.
        (root / "app.py").write_text(APP.replace('"idle"', '"edited"'))
        edited = time.monotonic()
        while time.monotonic() < edited + 30:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b"edited" in c.recv(4096):
                        break
            except OSError:
                pass
            time.sleep(0.02)
        return percent, time.monotonic() - edited
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hipflask-reloader-bench-") as tmp:
        root = Path(tmp)
        probe = build_tree(root, args.files)
        print(f"{args.files} files, {args.seconds:.0f}s idle window, {os.cpu_count()} CPUs")
        print(f"{'watcher':<28}{'idle CPU':>10}{'change noticed':>18}")
        for kind in ("watchfiles", "stat"):
            percent, noticed = bench_loop(root, probe, kind, args.seconds)
            print(f"{kind + ' (loop only)':<28}{percent:>9.2f}%{noticed:>17.2f}s")
        percent, served = bench_cli(root, args.seconds)
        print(f"{'hipflask run --debug':<28}{percent:>9.2f}%{served:>16.2f}s (served)")


if __name__ == "__main__":
    main()
