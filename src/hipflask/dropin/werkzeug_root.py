"""``werkzeug`` in drop-in mode: the toolkit's top-level names.

``Request``/``Response`` are hipflask's base classes; ``Client`` and ``run_simple`` (and
the submodules, as attributes) are loaded on first use through the drop-in table, so that
``import werkzeug`` stays cheap.
"""

from __future__ import annotations

import importlib
import typing as t

from ..request import Request as Request
from ..response import Response as Response
from ._table import MODULES, WERKZEUG_VERSION

#: The Werkzeug release whose behaviour hipflask mirrors (extensions branch on it).
__version__ = WERKZEUG_VERSION

#: A package, so ``import werkzeug.<name>`` may look for submodules.
__path__: list[str] = []

_LAZY = {"Client": "test", "run_simple": "serving"}


def __getattr__(name: str) -> t.Any:
    submodule = _LAZY.get(name)
    if submodule is not None:
        return getattr(importlib.import_module(f"werkzeug.{submodule}"), name)
    if f"werkzeug.{name}" in MODULES:
        return importlib.import_module(f"werkzeug.{name}")
    raise AttributeError(f"module 'werkzeug' has no attribute {name!r}")


__all__ = ["Request", "Response"]  # Client and run_simple are loaded lazily
