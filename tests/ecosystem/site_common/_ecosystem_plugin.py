"""pytest plugin loaded (``-p _ecosystem_plugin``) in BOTH runs of every ecosystem suite.

It only adapts the environment, never a test: when the harness started a redis-server it
sets ``ECOSYSTEM_REDIS_PORT``, and ``redis.Redis()`` created without a host/port (as
Flask-Session's tests do) connects to that server instead of the default port 6379.
"""

from __future__ import annotations

import os
import typing as t

_port = os.environ.get("ECOSYSTEM_REDIS_PORT")
if _port:
    try:
        import redis
    except ImportError:
        pass
    else:
        _original_init = redis.Redis.__init__

        def _init(self: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
            if not args and "port" not in kwargs and "host" not in kwargs:
                kwargs["host"] = "127.0.0.1"
                kwargs["port"] = int(_port)
            _original_init(self, *args, **kwargs)

        redis.Redis.__init__ = _init  # type: ignore[method-assign]


def pytest_sessionfinish(session: t.Any, exitstatus: int) -> None:
    """Record which module served as ``flask`` (the harness checks the run's mode)."""
    probe = os.environ.get("ECOSYSTEM_PROBE")
    if probe:
        import sys

        module = sys.modules.get("flask")
        with open(probe, "w", encoding="utf-8") as f:
            f.write(getattr(module, "__name__", "-"))
