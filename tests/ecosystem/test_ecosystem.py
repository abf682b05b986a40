"""The ecosystem oracle as a test: for each extension suite (and Flask's examples), every
test that passes on the real Flask 3.1.3 also passes on hipflask in drop-in mode, apart
from the suite's documented ``known`` list (see harness.py; empty today).

Slow (about three minutes for all suites on two cores); the sdists are downloaded from PyPI
once and cached (``HIPFLASK_ECOSYSTEM_CACHE``).
"""

from __future__ import annotations

import pytest
from harness import SUITES, Comparison, compare


@pytest.mark.slow
@pytest.mark.parametrize("suite", SUITES, ids=[s.name.split(" ")[0] for s in SUITES])
def test_suite_passes_on_hipflask_as_on_flask(suite) -> None:  # type: ignore[no-untyped-def]
    result: Comparison = compare(suite)
    # The oracle must have run something, or the comparison proves nothing.
    assert result.passed_on_flask, result.flask.output
    details = "\n".join(
        f"{test_id}: {result.hipflask.outcomes.get(test_id, 'missing')}"
        for test_id in result.unexplained
    )
    assert not result.unexplained, f"{details}\n--- hipflask run ---\n{result.hipflask.output}"
    if suite.redis:
        # the Redis backend ran against the harness's redis-server, on both frameworks
        redis_tests = {k for k in result.passed_on_hipflask if "redis" in k}
        assert redis_tests and redis_tests <= result.passed_on_flask
