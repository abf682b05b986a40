"""What the servers of bench_e2e.py load: ``bench_served:app``.

The app is chosen by the environment, so every server loads the same target the same way
(gunicorn, granian and uvicorn cannot all pass arguments to a factory):
``BENCH_FRAMEWORK`` (a name from bench_apps), ``BENCH_INTERFACE`` (``wsgi`` or ``asgi``)
and ``BENCH_ROUTES`` (how many parametrized routes).
"""

from __future__ import annotations

import os

from bench_apps import make_asgi, make_wsgi

_framework = os.environ["BENCH_FRAMEWORK"]
_routes = int(os.environ.get("BENCH_ROUTES", "1000"))

if os.environ.get("BENCH_INTERFACE", "wsgi") == "asgi":
    app = make_asgi(_framework, _routes)
else:
    app = make_wsgi(_framework, _routes)
