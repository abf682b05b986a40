"""``werkzeug.wrappers`` in drop-in mode: the toolkit (base) ``Request`` and ``Response``.

These are hipflask's app-independent classes; ``flask.Request``/``flask.Response`` subclass
them, as Flask's subclass Werkzeug's.
"""

from __future__ import annotations

from ..request import Request as Request
from ..response import Response as Response

#: A package, so ``werkzeug.wrappers.request``/``.response`` can be imported too.
__path__: list[str] = []

__all__ = ["Request", "Response"]
