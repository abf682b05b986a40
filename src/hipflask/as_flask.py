"""``import hipflask.as_flask`` runs unmodified Flask apps and extensions on hipflask.

Imported first (before anything imports ``flask`` or ``werkzeug``), it makes those imports
resolve to hipflask's own modules; see :mod:`hipflask.dropin`. The ``hipflask`` command
does this itself, so ``hipflask --app app run`` serves a Flask app unchanged.

One-liners (tested in tests/test_as_flask.py):

- any server, the universal way: a ``wsgi.py`` whose first line is
  ``import hipflask.as_flask``, then ``gunicorn wsgi:app``, ``granian --interface wsgi
  wsgi:app``, ``uvicorn --interface wsgi wsgi:app``. Works with forked and spawned workers.
- without a file: ``python -m hipflask.dropin gunicorn app:app`` (or ``granian ...``,
  ``uvicorn ...``: any installed console script, run with the mode switched on);
- pytest: ``pytest -p hipflask.as_flask``, or ``import hipflask.as_flask`` as the first
  line of the top-level ``conftest.py``.
"""

from __future__ import annotations

from .dropin import activate

activate()
