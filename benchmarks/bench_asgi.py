"""In-process ASGI benchmark: hipflask vs Starlette vs a raw ASGI callable.

Each framework serves the app of ``bench_apps.make_asgi`` (async views); the harness calls
the ASGI callable directly, N times per batch, with a precomputed ``http`` scope, a
``receive`` that returns an empty body and a ``send`` that only keeps the last message. No
server and no socket are involved, so the figure is the framework's own per-request cost on
the event loop (the part that e2e runs on granian/uvicorn add to the server's floor).

Batches of every (scenario, framework) pair are interleaved in an order rotated per
repetition; the table gives the median per-request time in microseconds and the ratio to
hipflask.

    python benchmarks/bench_asgi.py [--quick] [--repeat 5] [--number 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_apps import make_asgi

FRAMEWORKS = ("hipflask", "starlette", "raw")
SCENARIOS: dict[str, tuple[str, bytes, bytes]] = {
    # name: (path, expected status line start, a fragment the body must contain)
    "hello world": ("/", b"200", b"Hello"),
    "int path parameter + JSON": ("/user/42", b"200", b"42"),
}


def make_scope(path: str) -> dict[str, t.Any]:
    """An HTTP/1.1 GET scope as granian or uvicorn would pass it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"wrk"),
            (b"accept", b"*/*"),
        ],
    }


async def _receive() -> dict[str, t.Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


class _Sink:
    """A ``send`` that keeps the status and the body of the last response."""

    def __init__(self) -> None:
        self.status = 0
        self.body = b""

    async def __call__(self, message: dict[str, t.Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.body = b""
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


async def _batch(app: t.Any, path: str, number: int) -> float:
    scope = make_scope(path)
    sink = _Sink()
    start = time.perf_counter()
    for _ in range(number):
        await app(dict(scope), _receive, sink)
    return (time.perf_counter() - start) / number


async def _check(app: t.Any, framework: str, scenario: str) -> None:
    path, status, fragment = SCENARIOS[scenario]
    sink = _Sink()
    await app(make_scope(path), _receive, sink)
    if str(sink.status).encode() != status or fragment not in sink.body:
        raise SystemExit(f"{framework} answered {sink.status} {sink.body[:80]!r} for {path}")


async def run(
    repeat: int, number: int, frameworks: t.Sequence[str]
) -> dict[tuple[str, str], float]:
    """Median seconds per request for every (scenario, framework)."""
    apps = {name: make_asgi(name, 1000) for name in frameworks}
    pairs = [(s, f) for s in SCENARIOS for f in frameworks]
    for scenario, framework in pairs:
        await _check(apps[framework], framework, scenario)
        await _batch(apps[framework], SCENARIOS[scenario][0], max(1, number // 10))  # warm-up
    samples: dict[tuple[str, str], list[float]] = {pair: [] for pair in pairs}
    for rep in range(repeat):
        shift = rep % len(pairs)
        for scenario, framework in pairs[shift:] + pairs[:shift]:
            samples[scenario, framework].append(
                await _batch(apps[framework], SCENARIOS[scenario][0], number)
            )
    return {pair: statistics.median(values) for pair, values in samples.items()}


def main(argv: t.Sequence[str] | None = None) -> None:
    """Parse options, run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="a few requests (not representative)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.number = 1, 20
    frameworks = [f for f in args.frameworks.split(",") if f]
    result = asyncio.run(run(args.repeat, args.number, frameworks))
    head = "| scenario | " + " | ".join(f"{f} (us)" for f in frameworks)
    rest = [f for f in frameworks if f != "hipflask"]
    print(head + "".join(f" | time hipflask / {f}" for f in rest) + " |")
    print("|---" * (1 + len(frameworks) + len(rest)) + "|")
    for scenario in SCENARIOS:
        cells = [f"{result[scenario, f] * 1e6:.1f}" for f in frameworks]
        if "hipflask" in frameworks:
            hip = result[scenario, "hipflask"]
            cells += [f"{hip / result[scenario, f]:.2f}" for f in rest]
        print(f"| {scenario} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
