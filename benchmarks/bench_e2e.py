"""End-to-end benchmark: each framework behind gunicorn on 127.0.0.1, loaded with wrk.

Run: ``python benchmarks/bench_e2e.py`` (a few minutes; ``--quick`` for a smoke run). One
gunicorn (1 worker, gthread, keep-alive) per framework serves the app of bench_apps.py with
1,000 parametrized routes; all servers are up at once and the load generator visits them
interleaved: every repetition runs each (scenario, framework) pair once, in an order rotated
per repetition, so machine noise hits all frameworks alike. Reported: median requests/s and
ratios to Flask and to the raw WSGI callable, written to benchmarks/RESULTS_E2E.md.

The load generator is ``wrk`` when /usr/bin/wrk (or ``wrk`` on PATH) exists, else a small
Python keep-alive client (several threads, http.client), which is itself slower than the
fastest servers: its figures understate the differences.

Every server this script starts is stopped by its own pid, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apps import FRAMEWORKS, SCENARIOS, Scenario, framework_version  # noqa: E402

E2E_SCENARIOS = [s for s in SCENARIOS if s.name != "routes_10"]
N_ROUTES = 1000


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One gunicorn process serving one framework's app."""

    def __init__(self, framework: str, threads: int) -> None:
        self.framework = framework
        self.port = free_port()
        self.log = (HERE / f".e2e-{framework}.log").open("w")
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(HERE),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            f'bench_apps:make_wsgi("{framework}", {N_ROUTES})',
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the server answers, or raise with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.framework}: gunicorn exited: {self.read_log()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.framework}: no answer within {timeout}s: {self.read_log()}")

    def check(self, scenario: Scenario) -> str | None:
        """None if the server answers the scenario correctly, else what is wrong."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", scenario.target)
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        if resp.status != scenario.status:
            return f"status {resp.status}, expected {scenario.status}"
        if scenario.contains not in body:
            return f"body {body[:80]!r} lacks {scenario.contains!r}"
        return None

    def read_log(self) -> str:
        """The tail of the server's log."""
        self.log.flush()
        path = HERE / f".e2e-{self.framework}.log"
        return path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """Stop gunicorn (master and its worker) by the master's pid."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # the master leads its own session: end the worker with it
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self.log.close()
        (HERE / f".e2e-{self.framework}.log").unlink(missing_ok=True)


@contextlib.contextmanager
def servers(frameworks: list[str], threads: int) -> Iterator[dict[str, Server]]:
    """Start one server per framework; always stop them all."""
    started: dict[str, Server] = {}
    try:
        for fw in frameworks:
            started[fw] = Server(fw, threads)
        yield started
    finally:
        for server in started.values():
            server.stop()


def find_wrk() -> str | None:
    """The wrk binary, if installed."""
    if os.path.exists("/usr/bin/wrk"):
        return "/usr/bin/wrk"
    return shutil.which("wrk")


_UNITS = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6}


def run_wrk(wrk: str, url: str, seconds: float, connections: int) -> tuple[float, int]:
    """(requests/s, socket errors + timeouts) from one wrk run."""
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    match = re.search(r"Requests/sec:\s*([\d.]+)([kKM]?)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return float(match.group(1)) * _UNITS[match.group(2)], errors


def run_python_client(url: str, seconds: float, connections: int) -> tuple[float, int]:
    """A keep-alive load generator in plain Python: (requests/s, errors)."""
    host, _, rest = url.removeprefix("http://").partition("/")
    hostname, _, port = host.partition(":")
    target = "/" + rest
    counts = [0] * connections
    errors = [0] * connections
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(hostname, int(port), timeout=10)
        while time.monotonic() < stop_at:
            try:
                conn.request("GET", target)
                conn.getresponse().read()
                counts[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(hostname, int(port), timeout=10)
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start), sum(errors)


def machine_lines(loader: str) -> list[str]:
    """Machine, versions, date and the load generator, for the report."""
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = ", ".join(
        f"{fw} {framework_version(fw)}" for fw in (*FRAMEWORKS, "gunicorn") if fw != "raw"
    )
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs (shared with the "
        "load generator)",
        f"- Python {platform.python_version()}; {versions}",
        f"- load generator: {loader}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one short pass, two scenarios")
    parser.add_argument("--reps", type=int, help="repetitions (default 3, quick 1)")
    parser.add_argument("--seconds", type=float, help="per run (default 3, quick 1)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--output", default=None, help="report path; '-' for none (default RESULTS_E2E.md)"
    )
    args = parser.parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    seconds = args.seconds or (1.0 if args.quick else 3.0)
    frameworks = [f for f in args.frameworks.split(",") if f]
    scenarios = E2E_SCENARIOS[:2] if args.quick else E2E_SCENARIOS
    wrk = None if args.python_client else find_wrk()
    loader = (
        f"wrk ({wrk}), 1 thread, {args.connections} connections"
        if wrk
        else (f"Python keep-alive client, {args.connections} threads")
    )
    skipped: dict[str, str] = {}
    if "hipflask" in frameworks:
        import hipflask

        if not hasattr(hipflask, "Flask"):
            skipped["hipflask"] = "hipflask.Flask does not exist yet (core not ready)"
            frameworks.remove("hipflask")
    samples: dict[tuple[str, str], list[float]] = {}
    errors: dict[tuple[str, str], int] = {}
    broken: dict[tuple[str, str], str] = {}
    with servers(frameworks, args.threads) as running:
        for fw, server in list(running.items()):
            try:
                server.wait_ready()
            except RuntimeError as exc:
                skipped[fw] = str(exc)
                server.stop()
                del running[fw]
        pairs = []
        for sc in scenarios:
            for fw, server in running.items():
                problem = server.check(sc)
                if problem:
                    broken[(sc.name, fw)] = problem
                else:
                    pairs.append((sc, fw))
        print(
            f"{len(pairs)} runs x {reps} repetitions x {seconds:.0f}s with {loader}...",
            file=sys.stderr,
        )
        for rep in range(reps):
            shift = rep % len(pairs) if pairs else 0
            for sc, fw in pairs[shift:] + pairs[:shift]:
                url = f"http://127.0.0.1:{running[fw].port}{sc.target}"
                if wrk:
                    rps, errs = run_wrk(wrk, url, seconds, args.connections)
                else:
                    rps, errs = run_python_client(url, seconds, args.connections)
                samples.setdefault((sc.name, fw), []).append(rps)
                errors[(sc.name, fw)] = errors.get((sc.name, fw), 0) + errs
                print(f"  {sc.name:<12} {fw:<9} {rps:10.0f} req/s", file=sys.stderr)

    measured = [fw for fw in frameworks if fw not in skipped]
    med = {key: statistics.median(vals) for key, vals in samples.items()}
    lines = [
        "# End-to-end benchmark (gunicorn + load generator)",
        "",
        "Generated by `python benchmarks/bench_e2e.py`"
        + (" **--quick** (not representative)" if args.quick else "")
        + f": median requests/s over {reps} interleaved repetitions of {seconds:.0f} s "
        f"(higher is better); gunicorn 1 worker, gthread x{args.threads}, app with "
        f"{N_ROUTES} parametrized routes.",
        "",
        "| scenario | " + " | ".join(measured) + " | hipflask / Flask | hipflask / raw |",
        "|---|" + "---:|" * (len(measured) + 2),
    ]
    for sc in scenarios:
        cells = [f"{med[(sc.name, fw)]:.0f}" if (sc.name, fw) in med else "-" for fw in measured]
        hip, fl, raw = (med.get((sc.name, f)) for f in ("hipflask", "flask", "raw"))
        vs_flask = f"{hip / fl:.2f}x" if hip and fl else "-"
        vs_raw = f"{hip / raw:.2f}" if hip and raw else "-"
        lines.append(f"| {sc.title} | " + " | ".join(cells) + f" | {vs_flask} | {vs_raw} |")
    lines += ["", "Throughput relative to Flask (higher is faster):", ""]
    lines += ["| scenario | " + " | ".join(measured) + " |", "|---|" + "---:|" * len(measured)]
    for sc in scenarios:
        fl = med.get((sc.name, "flask"))
        cells = [
            f"{med[(sc.name, fw)] / fl:.2f}" if fl and (sc.name, fw) in med else "-"
            for fw in measured
        ]
        lines.append(f"| {sc.title} | " + " | ".join(cells) + " |")
    total_errors = sum(errors.values())
    if total_errors:
        lines += ["", f"Socket errors/timeouts reported by the load generator: {total_errors}."]
    if skipped or broken:
        lines += ["", "## Not measured", ""]
        lines += [f"- {fw}: skipped ({why})" for fw, why in skipped.items()]
        lines += [f"- {fw} / {sc}: wrong answer ({why})" for (sc, fw), why in broken.items()]
    lines += ["", "## Machine", "", *machine_lines(loader), ""]
    text = "\n".join(lines)
    print(text)
    output = args.output if args.output is not None else ("-" if args.quick else "RESULTS_E2E.md")
    if output != "-":
        path = Path(output) if os.path.isabs(output) else HERE / output
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
