"""Start-up cost: ``import hipflask`` plus creating a hello-world app, versus Flask.

Run: ``python benchmarks/bench_startup.py`` (``--runs N``, default 21; ``--quick`` for 3).
Each measurement is a fresh interpreter (``python -c``), so nothing is cached in-process;
the runs of both frameworks alternate so machine noise hits both alike. Reported: the median
wall time of the import plus ``Flask(__name__)`` plus one ``@app.route``, and the growth of
resident memory (RSS, from ``/proc/self/statm``) over the bare interpreter, plus the whole
process's RSS for reference. Both run from compiled bytecode (a private ``__pycache__``
prefix, filled by a warm-up run), whatever ``PYTHONDONTWRITEBYTECODE`` says.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

PROBE = """
import json, os, time
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
before = rss()
start = time.perf_counter()
import {module} as fw
app = fw.Flask("hello")
@app.route("/")
def hello():
    return "Hello, World!"
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "rss_growth": rss() - before, "rss": rss()}}))
"""

FRAMEWORKS = ("hipflask", "flask")


def probe(module: str, env: dict[str, str]) -> dict[str, float]:
    """One fresh interpreter's figures for *module*."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=None, help="fresh processes per framework")
    parser.add_argument("--quick", action="store_true", help="3 runs (smoke test)")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 21)
    samples: dict[str, list[dict[str, float]]] = {fw: [] for fw in FRAMEWORKS}
    with tempfile.TemporaryDirectory(prefix="hf-pycache-") as pycache:
        # Both frameworks run from compiled bytecode, as deployed: a private cache directory
        # (filled by one warm-up run each) also when PYTHONDONTWRITEBYTECODE is set here.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for fw in FRAMEWORKS:
            probe(fw, env)
        for i in range(runs):
            order = FRAMEWORKS if i % 2 == 0 else FRAMEWORKS[::-1]
            for fw in order:
                samples[fw].append(probe(fw, env))
    med = {
        fw: {k: statistics.median(s[k] for s in samples[fw]) for k in samples[fw][0]}
        for fw in FRAMEWORKS
    }
    print(f"import + create a hello app, median of {runs} fresh interpreters:\n")
    print("| framework | time (ms) | spread (IQR, ms) | RSS growth (MB) | process RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    for fw in FRAMEWORKS:
        times = sorted(s["seconds"] * 1000 for s in samples[fw])
        iqr = statistics.quantiles(times, n=4) if len(times) >= 2 else [0.0, 0.0, 0.0]
        m = med[fw]
        print(
            f"| {fw} | {m['seconds'] * 1000:.1f} | {iqr[2] - iqr[0]:.1f} |"
            f" {m['rss_growth'] / 2**20:.1f} | {m['rss'] / 2**20:.1f} |"
        )
    t_ratio = med["hipflask"]["seconds"] / med["flask"]["seconds"]
    m_ratio = med["hipflask"]["rss_growth"] / med["flask"]["rss_growth"]
    ok = t_ratio <= 0.5 and m_ratio <= 0.5
    print(
        f"\nhipflask / Flask: time {t_ratio:.2f}, RSS growth {m_ratio:.2f};"
        f" target <= 0.5 for both: {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
