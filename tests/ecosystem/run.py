"""Print the ecosystem table: each extension's own tests on Flask 3.1.3 and on hipflask.

Run: ``python tests/ecosystem/run.py [NAME ...]`` (names select suites by substring,
case-insensitive; default all). ``-v`` also lists every test that passes on Flask only.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import NO_TESTS_IN_SDIST, SUITES, compare


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a.lower() for a in argv if a != "-v"]
    suites = [s for s in SUITES if not names or any(n in s.name.lower() for n in names)]
    rows = []
    unexplained = 0
    print(
        f"{'suite':28} {'tests':>6} {'Flask':>6} {'hipflask':>9} {'both':>6} {'gap':>4} {'wall s':>7}"
    )
    for suite in suites:
        result = compare(suite)
        both = len(result.passed_on_flask & result.passed_on_hipflask)
        row = (
            f"{suite.name:28} {len(result.flask.outcomes):>6} {len(result.passed_on_flask):>6}"
            f" {len(result.passed_on_hipflask):>9} {both:>6} {len(result.regressions):>4}"
            f" {max(result.flask.seconds, result.hipflask.seconds):>7.0f}"
        )
        print(row, flush=True)
        rows.append(row)
        unexplained += len(result.unexplained)
        if verbose or result.unexplained:
            for test_id in result.regressions:
                reason = suite.known.get(test_id, "NOT EXPLAINED")
                print(f"    {test_id}: {reason}")
    for name, why in NO_TESTS_IN_SDIST.items():
        print(f"{name:28} not run: {why}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
