"""``import hipflask.as_flask`` (first, before anything imports flask) runs unmodified Flask
apps and extensions on hipflask: ``flask`` and ``werkzeug`` imports then resolve to
hipflask's own modules. See :mod:`hipflask.dropin`.

One-liners: ``pytest -p hipflask.as_flask``; ``python -m hipflask.dropin gunicorn app:app``
(any console script); or a ``wsgi.py`` whose first line is ``import hipflask.as_flask``.
"""

from __future__ import annotations

from .dropin import activate

activate()
