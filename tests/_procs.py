"""Process helpers for the server, CLI and reloader tests.

``tests/apps/cli/procs.py`` lives next to the apps it starts; this loads it once, under one
module name, so every test file shares the same module (and its process bookkeeping).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_NAME = "_hipflask_test_procs"


def _load() -> ModuleType:
    if _NAME not in sys.modules:
        path = Path(__file__).parent / "apps" / "cli" / "procs.py"
        spec = importlib.util.spec_from_file_location(_NAME, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


procs = _load()
