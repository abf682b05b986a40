"""The drop-in mode: ``flask`` and ``werkzeug`` imports resolve to hipflask's own modules.

:func:`activate` (what ``import hipflask.as_flask`` does) puts one finder first on
``sys.meta_path``. For every name under ``flask`` or ``werkzeug`` it looks up the module
table (:mod:`hipflask.dropin._table`) and hands the import system the hipflask module itself,
so ``sys.modules["flask"] is sys.modules["hipflask"]`` and patching ``flask.x`` patches
hipflask. The same object is an ``importlib.metadata`` distribution finder: while the mode is
active, ``importlib.metadata.version("flask")`` and ``("werkzeug")`` report the releases
hipflask mirrors, because extensions branch on them.

The mode cannot be switched on after the real Flask or Werkzeug was imported: two copies of
``flask`` in one process would split its globals (the request context, signals), so that is
an ImportError telling where to put the import.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import threading
import typing as t
from importlib import metadata
from pathlib import Path
from types import ModuleType

from ._table import FLASK_VERSION, MODULES, ROOTS, WERKZEUG_VERSION

__all__ = [
    "FLASK_VERSION",
    "MODULES",
    "WERKZEUG_VERSION",
    "activate",
    "apply_flask_environ",
    "is_active",
]

_lock = threading.Lock()
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


class _AliasLoader(importlib.abc.Loader):
    """Loads a ``flask``/``werkzeug`` name as the existing hipflask module it stands for."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._own_spec: t.Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        # Imported here, not in find_spec: find_spec runs under the global import lock, and
        # importing a module there could deadlock against a thread importing that module.
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the module; it keeps its own, so
        # that reload() and pickling still see the hipflask name.
        module.__spec__ = self._own_spec


class _Distribution(metadata.Distribution):
    """Just enough package metadata for ``version()`` and ``metadata()`` to answer."""

    def __init__(self, name: str, version: str) -> None:
        self._name = name
        self._version = version

    def read_text(self, filename: str) -> str | None:
        """The ``METADATA`` file (name, version, where it comes from); no other files."""
        if filename in ("METADATA", "PKG-INFO"):
            return (
                f"Metadata-Version: 2.1\nName: {self._name}\nVersion: {self._version}\n"
                f"Summary: provided by hipflask's drop-in mode\n"
            )
        return None

    def locate_file(self, path: str | os.PathLike[str]) -> Path:
        """Paths resolve inside hipflask's package directory (the code that is running)."""
        return _PACKAGE_DIR / path


_DISTRIBUTIONS = {"flask": ("Flask", FLASK_VERSION), "werkzeug": ("Werkzeug", WERKZEUG_VERSION)}


class DropinFinder(metadata.DistributionFinder):
    """The ``sys.meta_path`` entry of the drop-in mode (module and metadata finder)."""

    def find_spec(
        self,
        fullname: str,
        path: t.Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec aliasing *fullname* to its hipflask module; None outside flask/werkzeug."""
        if fullname.partition(".")[0] not in ROOTS:
            return None
        target_name = MODULES.get(fullname)
        if target_name is None:
            # Returning None would let the real package (or a stray hipflask file) load.
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (hipflask's drop-in mode has no equivalent"
                " of it; see hipflask.dropin._table)",
                name=fullname,
            )
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))

    def find_distributions(
        self, context: metadata.DistributionFinder.Context | None = None
    ) -> t.Iterator[metadata.Distribution]:
        """Flask's and Werkzeug's distributions, as the versions hipflask mirrors."""
        name = context.name if context is not None else None
        if name is None:
            keys: t.Iterable[str] = _DISTRIBUTIONS
        else:
            normalized = re.sub(r"[-_.]+", "_", name).lower()
            keys = [normalized] if normalized in _DISTRIBUTIONS else []
        for key in keys:
            yield _Distribution(*_DISTRIBUTIONS[key])

    def invalidate_caches(self) -> None:
        """Nothing is cached."""


_finder = DropinFinder()


def is_active() -> bool:
    """Whether ``flask``/``werkzeug`` imports currently resolve to hipflask."""
    return _finder in sys.meta_path


def _foreign_modules() -> list[str]:
    """The real packages (``flask``, ``werkzeug``) of which a module is already imported."""
    found = []
    for root in ROOTS:
        for name, module in list(sys.modules.items()):
            if name.partition(".")[0] != root or module is None:
                continue
            if not getattr(module, "__name__", "").startswith("hipflask"):
                where = getattr(sys.modules.get(root), "__file__", None)
                found.append(f"{root!r} ({where})" if where else repr(root))
                break
    return found


def activate() -> None:
    """Switch the drop-in mode on (idempotent); see the module docstring.

    Raises ImportError if the real ``flask`` or ``werkzeug`` was imported first.
    """
    with _lock:
        if is_active():
            return
        foreign = _foreign_modules()
        if foreign:
            raise ImportError(
                f"hipflask.as_flask: the real {' and '.join(foreign)}"
                f" {'are' if len(foreign) > 1 else 'is'} already imported;"
                " move 'import hipflask.as_flask' before every import of 'flask' and"
                " 'werkzeug' (and of modules that import them)."
            )
        sys.meta_path.insert(0, _finder)
        importlib.invalidate_caches()
    # Flask's package has these as attributes right after ``import flask`` (its app module
    # imports them); extensions rely on ``flask.cli`` and ``flask.sessions`` being there.
    for name in ("cli", "sessions", "typing", "sansio"):
        importlib.import_module(f"flask.{name}")
    apply_flask_environ()


def deactivate() -> None:
    """Switch the mode off and forget the ``flask``/``werkzeug`` aliases (for tests)."""
    with _lock:
        while _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
        for name in list(sys.modules):
            if name.partition(".")[0] in ROOTS:
                del sys.modules[name]


# Flask's environment variables the ``hipflask`` command reads as fallbacks for its own
# (``HIPFLASK_*`` wins when both are set). An allow-list rather than every ``FLASK_*``
# name: hipflask keeps process-internal state in ``HIPFLASK_RUN_MAIN``,
# ``HIPFLASK_SERVER_FD`` and the debugger's variables, which no Flask variable may set.
_ENV_NAMES = (
    "APP",
    "DEBUG",
    "SKIP_DOTENV",
    "ENV",
    "RUN_HOST",
    "RUN_PORT",
    "RUN_CERT",
    "RUN_KEY",
    "RUN_RELOAD",
    "RUN_DEBUGGER",
    "RUN_WITH_THREADS",
    "RUN_EXTRA_FILES",
    "RUN_EXCLUDE_PATTERNS",
)


def apply_flask_environ(environ: t.MutableMapping[str, str] | None = None) -> list[str]:
    """Copy Flask's CLI variables (``FLASK_APP``, ``FLASK_DEBUG``, ``FLASK_RUN_*``,
    ``FLASK_SKIP_DOTENV``...) to their ``HIPFLASK_`` names where those are unset.

    Returns the names it set. Called on activation and after the dotenv files are loaded.
    """
    env = os.environ if environ is None else environ
    copied = []
    for suffix in _ENV_NAMES:
        flask_name = f"FLASK_{suffix}"
        own_name = f"HIPFLASK_{suffix}"
        if flask_name in env and own_name not in env:
            env[own_name] = env[flask_name]
            copied.append(own_name)
    return copied
