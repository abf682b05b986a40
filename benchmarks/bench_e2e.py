"""End-to-end benchmark: each framework behind real servers on 127.0.0.1, loaded with wrk.

Run: ``python benchmarks/bench_e2e.py`` (several minutes; ``--quick`` for a short pass).
Servers, each with the same settings for every framework (one worker process, no access
log, keep-alive):

- WSGI: gunicorn (gthread, 1 worker, 4 threads) and granian ``--interface wsgi``
  (1 worker), serving hipflask (``app``), Flask, Falcon and a raw WSGI callable;
- ASGI: granian ``--interface asgi`` and uvicorn (1 worker each), serving hipflask
  (``app.asgi_app``), Falcon (``falcon.asgi``), Quart, Starlette and a raw ASGI callable.

The app (bench_apps.py, loaded through bench_served.py) has 1,000 parametrized routes. All
servers are up at once and the load generator visits them interleaved: every repetition
runs each (scenario, server, framework) triple once, in an order rotated per repetition,
so machine noise hits all alike. Reported: median requests/s and median p99 latency, with
ratios to the raw floor on the same server, written to benchmarks/RESULTS_E2E.md.

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
import typing as t
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apps import (  # noqa: E402
    ASGI_FRAMEWORKS,
    SCENARIOS,
    Scenario,
    framework_version,
)

E2E_SCENARIOS = [s for s in SCENARIOS if s.name != "routes_10"]
DEFAULT_SCENARIOS = ("hello", "json_param")
N_ROUTES = 1000
WSGI_FRAMEWORKS = ("hipflask", "flask", "falcon", "raw")
PY = sys.executable


def _gunicorn(port: int, threads: int) -> list[str]:
    return [
        *(PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
        *("--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30"),
        *("--log-level", "warning", "bench_served:app"),
    ]


def _granian(interface: str) -> t.Callable[[int, int], list[str]]:
    def cmd(port: int, threads: int) -> list[str]:
        return [
            *(PY, "-m", "granian", "--interface", interface, "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", "1", "--log-level", "warning"),
            "bench_served:app",
        ]

    return cmd


def _uvicorn(port: int, threads: int) -> list[str]:
    return [
        *(PY, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        *("--log-level", "warning", "--no-access-log", "bench_served:app"),
    ]


#: server name -> (interface, frameworks, command line for a port and a thread count)
SERVERS: dict[str, tuple[str, tuple[str, ...], t.Callable[[int, int], list[str]]]] = {
    "gunicorn": ("wsgi", WSGI_FRAMEWORKS, _gunicorn),
    "granian-wsgi": ("wsgi", WSGI_FRAMEWORKS, _granian("wsgi")),
    "granian-asgi": ("asgi", ASGI_FRAMEWORKS, _granian("asgi")),
    "uvicorn": ("asgi", ASGI_FRAMEWORKS, _uvicorn),
}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One server process serving one framework's app."""

    def __init__(self, server: str, framework: str, threads: int) -> None:
        self.server = server
        self.framework = framework
        self.name = f"{server}-{framework}"
        self.port = free_port()
        interface, _, command = SERVERS[server]
        self.log_path = HERE / f".e2e-{self.name}.log"
        self.log = self.log_path.open("w")
        env = dict(os.environ)
        env.update(BENCH_FRAMEWORK=framework, BENCH_INTERFACE=interface, BENCH_ROUTES=str(N_ROUTES))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            command(self.port, threads),
            cwd=HERE,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the server answers, or raise with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: exited: {self.read_log()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: no answer within {timeout}s: {self.read_log()}")

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
        return self.log_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """Stop the server (its main process and workers) by the main process's pid."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # the main process leads its own session: end the workers with it
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self.log.close()
        self.log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def servers(pairs: list[tuple[str, str]], threads: int) -> Iterator[dict[str, Server]]:
    """Start one process per (server, framework); always stop them all."""
    started: dict[str, Server] = {}
    try:
        for server, fw in pairs:
            proc = Server(server, fw, threads)
            started[proc.name] = proc
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
_TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


class Run(t.NamedTuple):
    """One load-generator run: throughput, p99 latency (ms), socket errors + timeouts."""

    rps: float
    p99_ms: float
    errors: int


def run_wrk(wrk: str, url: str, seconds: float, connections: int) -> Run:
    """One wrk run (with ``--latency`` for the percentiles)."""
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    match = re.search(r"Requests/sec:\s*([\d.]+)([kKM]?)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if not match or not p99:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    rps = float(match.group(1)) * _UNITS[match.group(2)]
    return Run(rps, float(p99.group(1)) * _TIME_UNITS[p99.group(2)], errors)


def run_python_client(url: str, seconds: float, connections: int) -> Run:
    """A keep-alive load generator in plain Python."""
    host, _, rest = url.removeprefix("http://").partition("/")
    hostname, _, port = host.partition(":")
    target = "/" + rest
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(hostname, int(port), timeout=10)
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                conn.request("GET", target)
                conn.getresponse().read()
                latencies[i].append(time.perf_counter() - began)
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(hostname, int(port), timeout=10)
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - start
    every = sorted(x for per in latencies for x in per)
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))] * 1e3 if every else float("nan")
    return Run(len(every) / elapsed, p99, sum(errors))


def machine_lines(loader: str) -> list[str]:
    """Machine, versions, date and the load generator, for the report."""
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    names = ("hipflask", "flask", "falcon", "quart", "starlette", "gunicorn", "granian")
    versions = ", ".join(f"{name} {framework_version(name)}" for name in (*names, "uvicorn"))
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs (shared with the "
        "load generator)",
        f"- Python {platform.python_version()}; {versions}",
        f"- load generator: {loader}",
        # Other work on the machine skews single cells; the figure says how quiet it was.
        f"- load average (1 min) when the report was written: {os.getloadavg()[0]:.1f}",
    ]


def _cell(run: tuple[float, float] | None) -> str:
    return f"{run[0]:.0f} ({run[1]:.1f})" if run else "-"


def report(
    med: dict[tuple[str, str, str], tuple[float, float]],
    scenarios: list[Scenario],
    server_names: list[str],
    header: list[str],
) -> tuple[list[str], list[str]]:
    """The Markdown tables, and one line per target of issue 11 (met or not)."""
    lines: list[str] = []
    targets: list[str] = []
    for sc in scenarios:
        for interface in ("wsgi", "asgi"):
            names = [n for n in server_names if SERVERS[n][0] == interface]
            if not names:
                continue
            fws = [f for f in (WSGI_FRAMEWORKS if interface == "wsgi" else ASGI_FRAMEWORKS)]
            fws = [f for f in fws if any((sc.name, n, f) in med for n in names)]
            extra = ["hipflask / raw"] + (
                ["hipflask / Quart", "hipflask / Starlette"] if interface == "asgi" else []
            )
            lines += [
                "",
                f"### {sc.title} ({interface.upper()})",
                "",
                "| server | " + " | ".join(fws + extra) + " |",
                "|---|" + "---:|" * (len(fws) + len(extra)),
            ]
            for n in names:
                row = [_cell(med.get((sc.name, n, f))) for f in fws]
                hip = med.get((sc.name, n, "hipflask"))
                ratios = []
                for other in ["raw"] + (["quart", "starlette"] if interface == "asgi" else []):
                    ref = med.get((sc.name, n, other))
                    ratios.append(f"{hip[0] / ref[0]:.2f}" if hip and ref else "-")
                lines.append(f"| {n} | " + " | ".join(row + ratios) + " |")
                if hip and (raw := med.get((sc.name, n, "raw"))):
                    ok = hip[0] >= 0.9 * raw[0]
                    targets.append(
                        f"- {n}, {sc.title}: hipflask {hip[0] / raw[0]:.2f}x the raw floor"
                        f" (target >= 0.90): {'met' if ok else '**not met**'}"
                    )
                if hip and interface == "asgi":
                    rivals = [f for f in ("quart", "starlette") if (sc.name, n, f) in med]
                    if rivals:
                        best = max(med[(sc.name, n, f)][0] for f in rivals)
                        ok = hip[0] > best
                        targets.append(
                            f"- {n}, {sc.title}: hipflask {hip[0]:.0f} req/s vs Quart/Starlette"
                            f" best {best:.0f} (target: more): {'met' if ok else '**not met**'}"
                        )
    return header + lines, targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one short pass (1 s per run)")
    parser.add_argument("--reps", type=int, help="repetitions (default 3, quick 1)")
    parser.add_argument("--seconds", type=float, help="per run (default 3, quick 1)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument(
        "--frameworks", default=",".join(dict.fromkeys(WSGI_FRAMEWORKS + ASGI_FRAMEWORKS))
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_SCENARIOS),
        help="comma-separated names from bench_apps.SCENARIOS, or 'all'",
    )
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="start every server, check every answer, time nothing",
    )
    parser.add_argument(
        "--output", default=None, help="report path; '-' for none (default RESULTS_E2E.md)"
    )
    args = parser.parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    seconds = args.seconds or (1.0 if args.quick else 3.0)
    frameworks = [f for f in args.frameworks.split(",") if f]
    server_names = [n for n in args.servers.split(",") if n]
    unknown = [n for n in server_names if n not in SERVERS]
    if unknown:
        parser.error(f"unknown server(s) {unknown}; choose from {list(SERVERS)}")
    wanted = (
        {s.name for s in E2E_SCENARIOS}
        if args.scenarios == "all"
        else set(args.scenarios.split(","))
    )
    scenarios = [s for s in E2E_SCENARIOS if s.name in wanted]
    if not scenarios:
        parser.error(f"no known scenario in {args.scenarios!r}")
    wrk = None if args.python_client else find_wrk()
    loader = (
        f"wrk ({wrk}), 1 thread, {args.connections} connections"
        if wrk
        else (f"Python keep-alive client, {args.connections} threads")
    )
    pairs = [(n, f) for n in server_names for f in SERVERS[n][1] if f in frameworks]
    skipped: dict[str, str] = {}
    broken: dict[tuple[str, str], str] = {}
    samples: dict[tuple[str, str, str], list[Run]] = {}
    with servers(pairs, args.threads) as running:
        for name, server in list(running.items()):
            try:
                server.wait_ready()
            except RuntimeError as exc:
                skipped[name] = str(exc)
                server.stop()
                del running[name]
        runs: list[tuple[Scenario, Server]] = []
        for sc in scenarios:
            for name, server in running.items():
                problem = server.check(sc)
                if problem:
                    broken[(sc.name, name)] = problem
                else:
                    runs.append((sc, server))
        if args.check_only:
            print(f"checked {len(running)} servers x {len(scenarios)} scenarios")
            for name, why in skipped.items():
                print(f"{name}: did not start: {why}")
            for (sc_name, name), why in broken.items():
                print(f"{name} / {sc_name}: wrong answer: {why}")
            return 1 if skipped or broken else 0
        print(
            f"{len(runs)} runs x {reps} repetitions x {seconds:.0f}s with {loader}...",
            file=sys.stderr,
        )
        for rep in range(reps):
            shift = rep % len(runs) if runs else 0
            for sc, server in runs[shift:] + runs[:shift]:
                url = f"http://127.0.0.1:{server.port}{sc.target}"
                if wrk:
                    run = run_wrk(wrk, url, seconds, args.connections)
                else:
                    run = run_python_client(url, seconds, args.connections)
                samples.setdefault((sc.name, server.server, server.framework), []).append(run)
                print(
                    f"  {sc.name:<11} {server.server:<13} {server.framework:<10}"
                    f" {run.rps:8.0f} req/s  p99 {run.p99_ms:6.1f} ms",
                    file=sys.stderr,
                )

    med = {
        key: (statistics.median(r.rps for r in runs_), statistics.median(r.p99_ms for r in runs_))
        for key, runs_ in samples.items()
    }
    header = [
        "# End-to-end benchmark (real servers + load generator)",
        "",
        "Generated by `python benchmarks/bench_e2e.py`"
        + (" **--quick** (not representative)" if args.quick else "")
        + f": median requests/s (and median p99 latency in ms) over {reps} interleaved "
        f"repetitions of {seconds:.0f} s per cell; higher req/s is better. One worker process "
        f"per server, the same settings for every framework: gunicorn gthread x{args.threads}, "
        "granian (WSGI and ASGI) and uvicorn with their defaults and no access log. The app "
        f"has {N_ROUTES} parametrized routes; ASGI apps use async views.",
    ]
    lines, targets = report(med, scenarios, server_names, header)
    lines += ["", "## Targets (issue 11)", "", *targets]
    total_errors = sum(r.errors for runs_ in samples.values() for r in runs_)
    lines += ["", f"Socket errors, timeouts and non-2xx answers during the runs: {total_errors}."]
    if skipped or broken:
        lines += ["", "## Not measured", ""]
        lines += [f"- {name}: skipped ({why})" for name, why in skipped.items()]
        lines += [f"- {name} / {sc}: wrong answer ({why})" for (sc, name), why in broken.items()]
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
