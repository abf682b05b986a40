"""In-process WSGI benchmark: hipflask, Flask, Falcon, Bottle and a raw WSGI callable.

Run: ``python benchmarks/bench_wsgi.py`` (a few minutes at most; ``--quick`` for a smoke run
in seconds). Each framework answers the same requests (see bench_apps.py) through a direct
WSGI call, with a fresh environ dict per request as a server would build, the body iterated
and ``close()`` called.

Fairness: all frameworks run in ONE process, interleaved: every repetition times a batch of
each (scenario, framework) pair, in an order rotated per repetition, so that machine noise
(other processes, CPU frequency) hits all frameworks alike. The figure reported is the median
over repetitions of the per-request time of a batch. Time is this thread's CPU time by default
(``--clock cpu``): on a shared machine, wall time also counts the moments another process held
the core. Ratios, not absolute times, are the meaningful output.

Writes benchmarks/RESULTS.md (unless ``--output -``) with the table, the machine, versions
and date, and checks issue 12's targets (see ``target_lines``). Scenarios: bench_apps.py
(GETs) and bench_extra.py (form and JSON bodies, a template, a session).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_apps import FRAMEWORKS, SCENARIOS, Scenario, framework_version, make_wsgi
from bench_extra import EXTRA_SCENARIOS, BodyScenario, extend_app, render_alone

HERE = Path(__file__).resolve().parent
TARGET_HELLO_VS_FLASK = 1 / 12
TARGET_SESSION_VS_FLASK = 1 / 5
TARGET_VS_FALCON = 1.0
TARGET_1000_VS_10 = 1.2
TARGET_TEMPLATE_OVER_JINJA = 1.1
ALL_SCENARIOS: list[Scenario] = [*SCENARIOS, *EXTRA_SCENARIOS]
#: the pseudo-framework timing Jinja2's own render of the template scenario's template
JINJA_ALONE = ("template", "jinja2 alone")


def applies(scenario: Scenario, framework: str) -> bool:
    """Whether *framework* has the scenario (Falcon, Bottle and raw have no sessions)."""
    fws = getattr(scenario, "frameworks", None)
    return fws is None or framework in fws


def base_environ(scenario: Scenario, cookie: str | None = None) -> dict[str, Any]:
    """The environ template a server would build for the scenario's request."""
    environ = {
        "REQUEST_METHOD": getattr(scenario, "method", "GET"),
        "SCRIPT_NAME": "",
        "PATH_INFO": scenario.path,
        "QUERY_STRING": scenario.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench/1.0",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if isinstance(scenario, BodyScenario):
        environ.update(scenario.headers)
        if scenario.body:
            environ["CONTENT_LENGTH"] = str(len(scenario.body))
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def fetch_cookie(app: Callable[..., Iterable[bytes]], scenario: Scenario) -> str | None:
    """The ``Cookie`` header a browser would send after a first visit to ``cookie_from``."""
    path = getattr(scenario, "cookie_from", None)
    if path is None:
        return None
    seen: list[tuple[str, str]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.extend(headers)

    environ = base_environ(Scenario("first", "", 10, path, "", 200, b""))
    environ["wsgi.input"] = io.BytesIO()
    body = app(environ, start_response)
    b"".join(body)
    getattr(body, "close", lambda: None)()
    cookies = [v.split(";", 1)[0] for k, v in seen if k.lower() == "set-cookie"]
    return "; ".join(cookies) or None


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def make_runner(
    app: Callable[..., Iterable[bytes]], scenario: Scenario, cookie: str | None = None
) -> Callable[[int], None]:
    """A function running *n* requests back to back, the way a server would."""
    template = base_environ(scenario, cookie)
    payload = getattr(scenario, "body", b"")

    def run(n: int) -> None:
        for _ in range(n):
            environ = template.copy()
            environ["wsgi.input"] = io.BytesIO(payload)
            body = app(environ, _start_response)
            for _chunk in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return run


def check_answer(
    app: Callable[..., Iterable[bytes]], scenario: Scenario, cookie: str | None = None
) -> str | None:
    """None if the app answers the scenario correctly, else what is wrong."""
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = status
        return None

    environ = base_environ(scenario, cookie)
    environ["wsgi.input"] = io.BytesIO(getattr(scenario, "body", b""))
    try:
        body_iter = app(environ, start_response)
        body = b"".join(body_iter)
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"
    status = seen.get("status", "")
    if not status.startswith(str(scenario.status)):
        return f"status {status!r}, expected {scenario.status}"
    if scenario.contains not in body:
        return f"body {body[:80]!r} lacks {scenario.contains!r}"
    return None


def load_apps(frameworks: list[str]) -> tuple[dict[tuple[str, int], Any], dict[str, str]]:
    """Build each framework's apps; a framework that cannot be built is skipped with a reason."""
    apps: dict[tuple[str, int], Any] = {}
    skipped: dict[str, str] = {}
    sizes = sorted({s.n_routes for s in SCENARIOS})
    for fw in frameworks:
        try:
            if fw == "hipflask":
                import hipflask

                if not hasattr(hipflask, "Flask"):
                    raise RuntimeError("hipflask.Flask does not exist yet (core not ready)")
            for n in sizes:
                apps[(fw, n)] = extend_app(fw, make_wsgi(fw, n))
        except Exception as exc:
            skipped[fw] = f"{type(exc).__name__}: {exc}"
    return apps, skipped


CLOCKS: dict[str, Callable[[], int]] = {
    "cpu": time.thread_time_ns,
    "wall": time.perf_counter_ns,
}


def calibrate(run: Callable[[int], None], batch_seconds: float, clock: Callable[[], int]) -> int:
    """How many requests make one batch of about *batch_seconds*."""
    n = 1
    while True:
        start = clock()
        run(n)
        elapsed = (clock() - start) / 1e9
        if elapsed >= batch_seconds / 4 or n >= 1_000_000:
            return max(1, int(n * batch_seconds / max(elapsed, 1e-9)))
        n *= 4


def measure(
    apps: dict[tuple[str, int], Any],
    frameworks: list[str],
    scenarios: list[Scenario],
    reps: int,
    batch_seconds: float,
    clock: Callable[[], int],
) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], str]]:
    """Per (scenario, framework): per-request times in µs, one per repetition."""
    runners: dict[tuple[str, str], Callable[[int], None]] = {}
    sizes: dict[tuple[str, str], int] = {}
    broken: dict[tuple[str, str], str] = {}
    for sc in scenarios:
        for fw in frameworks:
            if not applies(sc, fw):
                continue
            app = apps[(fw, sc.n_routes)]
            try:
                cookie = fetch_cookie(app, sc)
            except Exception as exc:
                broken[(sc.name, fw)] = f"first visit raised {type(exc).__name__}: {exc}"
                continue
            problem = check_answer(app, sc, cookie)
            if problem:
                broken[(sc.name, fw)] = problem
                continue
            run = make_runner(app, sc, cookie)
            run(20)  # warm caches, compile the URL map, fill lazy imports
            runners[(sc.name, fw)] = run
            sizes[(sc.name, fw)] = calibrate(run, batch_seconds, clock)
    if any(sc.name == JINJA_ALONE[0] for sc in scenarios):
        render = render_alone()

        def run_alone(n: int) -> None:
            for _ in range(n):
                render()

        runners[JINJA_ALONE] = run_alone
        sizes[JINJA_ALONE] = calibrate(run_alone, batch_seconds, clock)
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in runners}
    keys = list(runners)
    # the apps live for the whole run: move them out of the collector's way once, so that a
    # full collection triggered inside one framework's batch does not bill it for the others
    gc.collect()
    gc.freeze()
    for rep in range(reps):
        # rotate the order every repetition: no framework always runs first or last
        shift = rep % len(keys) if keys else 0
        for key in keys[shift:] + keys[:shift]:
            n = sizes[key]
            start = clock()
            runners[key](n)
            elapsed = clock() - start
            samples[key].append(elapsed / n / 1000)
    return samples, broken


def machine_info() -> list[str]:
    """Lines describing the machine, interpreter, versions and date."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    versions = ", ".join(f"{fw} {framework_version(fw)}" for fw in FRAMEWORKS if fw != "raw")
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs (shared)",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- versions: {versions}, werkzeug {framework_version('werkzeug')}",
        f"- commit: {commit or 'uncommitted'}",
    ]


def target_lines(med: dict[tuple[str, str], float]) -> list[str]:
    """Issue 12's targets, each with the measured figure and whether it is met."""
    out: list[str] = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    hip_h, fl_h = med.get(("hello", "hipflask")), med.get(("hello", "flask"))
    if hip_h and fl_h:
        ratio = hip_h / fl_h
        out.append(
            f"hello world: hipflask takes {ratio:.3f} of Flask's time (1/{fl_h / hip_h:.1f});"
            f" target <= 1/12: {verdict(ratio <= TARGET_HELLO_VS_FLASK)}"
        )
    hip_s, fl_s = med.get(("session", "hipflask")), med.get(("session", "flask"))
    if hip_s and fl_s:
        ratio = hip_s / fl_s
        out.append(
            f"session read+write: {ratio:.3f} of Flask's time (1/{fl_s / hip_s:.1f});"
            f" target <= 1/5: {verdict(ratio <= TARGET_SESSION_VS_FLASK)}"
        )
    worst = [
        (med[(name, "hipflask")] / med[(name, "falcon")], name)
        for name in sorted({key[0] for key in med})
        if (name, "hipflask") in med and (name, "falcon") in med
    ]
    if worst:
        ratio, name = max(worst)
        out.append(
            f"every scenario at most Falcon's time: worst is {name} at {ratio:.2f}x;"
            f" target <= 1.0x: {verdict(ratio <= TARGET_VS_FALCON)}"
        )
    hip_t, alone = med.get(("template", "hipflask")), med.get(JINJA_ALONE)
    if hip_t and alone and hip_h:
        bound = TARGET_TEMPLATE_OVER_JINJA * (alone + hip_h)
        out.append(
            f"template: {hip_t:.1f} µs vs Jinja2 alone {alone:.1f} + hello {hip_h:.1f} µs"
            f" ({hip_t / (alone + hip_h):.2f}x); target <= 1.10x:"
            f" {verdict(hip_t <= bound)}"
        )
    r1000, r10 = med.get(("routes_1000", "hipflask")), med.get(("routes_10", "hipflask"))
    if r1000 and r10:
        ratio = r1000 / r10
        out.append(
            f"1,000 routes vs 10 routes: hipflask {ratio:.2f}x;"
            f" target <= 1.2x: {verdict(ratio <= TARGET_1000_VS_10)}"
        )
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(
    samples: dict[tuple[str, str], list[float]],
    broken: dict[tuple[str, str], str],
    skipped: dict[str, str],
    frameworks: list[str],
    scenarios: list[Scenario],
    reps: int,
    quick: bool,
    clock_name: str,
) -> tuple[str, list[str]]:
    """The Markdown report and the console summary lines."""
    med: dict[tuple[str, str], float] = {
        key: statistics.median(vals) for key, vals in samples.items() if vals
    }
    lines = [
        "# In-process WSGI benchmark",
        "",
        "Generated by `python benchmarks/bench_wsgi.py`"
        + (" **--quick** (not representative)" if quick else "")
        + f": median µs per request ({clock_name} time) over {reps} interleaved repetitions"
        " (lower is better).",
        "Ratios are what matter; absolute times depend on the machine.",
        "",
        "| scenario | "
        + " | ".join(frameworks)
        + " | hipflask / Flask | hipflask / Falcon | hipflask / raw |",
        "|---|" + "---:|" * (len(frameworks) + 3),
    ]
    for sc in scenarios:
        cells = [_fmt(med.get((sc.name, fw))) for fw in frameworks]
        hip, fl, fa, raw = (med.get((sc.name, f)) for f in ("hipflask", "flask", "falcon", "raw"))
        vs_flask = _fmt(hip / fl, 3) if hip and fl else "-"
        vs_falcon = _fmt(hip / fa, 2) if hip and fa else "-"
        vs_raw = _fmt(hip / raw, 1) + "x" if hip and raw else "-"
        lines.append(
            f"| {sc.title} | " + " | ".join(cells) + f" | {vs_flask} | {vs_falcon} | {vs_raw} |"
        )
    lines += ["", "Ratios to Flask (framework time / Flask time; lower is faster):", ""]
    lines += ["| scenario | " + " | ".join(frameworks) + " |", "|---|" + "---:|" * len(frameworks)]
    for sc in scenarios:
        fl = med.get((sc.name, "flask"))
        cells = [
            _fmt(med[(sc.name, fw)] / fl, 3) if fl and (sc.name, fw) in med else "-"
            for fw in frameworks
        ]
        lines.append(f"| {sc.title} | " + " | ".join(cells) + " |")
    lines += ["", "Ratios to the raw WSGI callable (framework time / raw time):", ""]
    lines += ["| scenario | " + " | ".join(frameworks) + " |", "|---|" + "---:|" * len(frameworks)]
    for sc in scenarios:
        raw = med.get((sc.name, "raw"))
        cells = [
            _fmt(med[(sc.name, fw)] / raw, 1) if raw and (sc.name, fw) in med else "-"
            for fw in frameworks
        ]
        lines.append(f"| {sc.title} | " + " | ".join(cells) + " |")
    lines += ["", "Cost of 1,000 routes vs 10 routes (time for the last route, ratio):", ""]
    lines += ["| " + " | ".join(frameworks) + " |", "|" + "---:|" * len(frameworks)]
    lines.append(
        "| "
        + " | ".join(
            _fmt(med[("routes_1000", fw)] / med[("routes_10", fw)], 2)
            if ("routes_1000", fw) in med and ("routes_10", fw) in med
            else "-"
            for fw in frameworks
        )
        + " |"
    )
    summary = target_lines(med)
    alone = med.get(JINJA_ALONE)
    if alone:
        lines += [
            "",
            f"Jinja2 alone (the same template rendered without a framework): {alone:.1f} µs",
        ]
    lines += ["", "## Targets (issue 12)", ""]
    lines += [f"- {s}" for s in summary] or ["- hipflask was not measured"]
    spreads = [
        (statistics.quantiles(v, n=4)[2] - statistics.quantiles(v, n=4)[0]) / statistics.median(v)
        for v in samples.values()
        if len(v) >= 4
    ]
    if spreads:
        lines += [
            "",
            f"Noise: the interquartile range is at most {max(spreads):.0%} of the median "
            f"(typically {statistics.median(spreads):.0%}).",
        ]
    if skipped or broken:
        lines += ["", "## Not measured", ""]
        lines += [f"- {fw}: skipped ({why})" for fw, why in skipped.items()]
        lines += [f"- {fw} / {sc}: wrong answer ({why})" for (sc, fw), why in broken.items()]
    lines += ["", "## Machine", "", *machine_info(), ""]
    lines += [
        "End-to-end figures (gunicorn + wrk): see RESULTS_E2E.md "
        "(`python benchmarks/bench_e2e.py`).",
        "",
    ]
    return "\n".join(lines), summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds; smoke runs only")
    parser.add_argument("--reps", type=int, help="repetitions (default 41, quick 3)")
    parser.add_argument("--batch-ms", type=float, help="time per batch (default 10, quick 2)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument(
        "--scenarios",
        default="",
        help="comma-separated scenario names (default all): "
        + ",".join(sc.name for sc in ALL_SCENARIOS),
    )
    parser.add_argument(
        "--clock", choices=sorted(CLOCKS), default="cpu", help="thread CPU time or wall time"
    )
    parser.add_argument(
        "--output",
        default=None,
        help="Markdown report path; '-' for none (default RESULTS.md, none with --quick)",
    )
    args = parser.parse_args(argv)
    reps = args.reps or (3 if args.quick else 41)
    batch = (args.batch_ms or (2.0 if args.quick else 10.0)) / 1000
    frameworks = [f for f in args.frameworks.split(",") if f]
    scenarios = [
        sc for sc in ALL_SCENARIOS if not args.scenarios or sc.name in args.scenarios.split(",")
    ]
    unknown = set(frameworks) - set(FRAMEWORKS)
    if unknown:
        parser.error(f"unknown frameworks {sorted(unknown)}; choose from {FRAMEWORKS}")

    apps, skipped = load_apps(frameworks)
    for fw, why in skipped.items():
        print(f"skipping {fw}: {why}", file=sys.stderr)
    measured = [fw for fw in frameworks if fw not in skipped]
    print(
        f"measuring {', '.join(measured)} over {len(scenarios)} scenarios, "
        f"{reps} repetitions of ~{batch * 1000:.0f} ms batches...",
        file=sys.stderr,
    )
    samples, broken = measure(apps, measured, scenarios, reps, batch, CLOCKS[args.clock])
    for (sc, fw), why in broken.items():
        print(f"not measured {fw} / {sc}: {why}", file=sys.stderr)
    text, _summary = report(
        samples, broken, skipped, measured, scenarios, reps, args.quick, args.clock
    )
    print(text)
    output = args.output if args.output is not None else ("-" if args.quick else "RESULTS.md")
    if output != "-":
        path = Path(output) if os.path.isabs(output) else HERE / output
        path.write_text(text + _kept_sections(path), encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


KEEP_MARKER = "<!-- figures from other benchmarks: kept when this file is regenerated -->"


def _kept_sections(path: Path) -> str:
    """The hand-maintained tail of the report (reloader, uploads...), kept across runs."""
    if not path.exists():
        return ""
    old = path.read_text(encoding="utf-8")
    index = old.find(KEEP_MARKER)
    return "" if index < 0 else "\n" + old[index:]


if __name__ == "__main__":
    sys.exit(main())
