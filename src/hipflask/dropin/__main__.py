"""``python -m hipflask.dropin COMMAND [ARGS...]``: run a Python console script (gunicorn,
uvicorn, granian, pytest, ...) with the drop-in mode switched on before it imports anything.

Servers that fork their workers (gunicorn) inherit the mode. Servers that *spawn* fresh
worker interpreters do not; for them, point the server at a ``wsgi.py`` whose first line is
``import hipflask.as_flask``.
"""

from __future__ import annotations

import importlib
import sys
import typing as t
from importlib import metadata

from . import activate


def _load(entry_point: metadata.EntryPoint) -> t.Callable[[], object]:
    """The entry point's object, importing submodules on the way as the generated console
    script does (``granian:cli.entrypoint`` needs ``granian.cli`` imported)."""
    target: t.Any = importlib.import_module(entry_point.module)
    path = entry_point.module
    for attr in (entry_point.attr or "").split("."):
        path = f"{path}.{attr}"
        try:
            target = getattr(target, attr)
        except AttributeError:
            target = importlib.import_module(path)
    return t.cast("t.Callable[[], object]", target)


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip() if __doc__ else "", file=sys.stderr)
        return 2
    name = argv[0]
    matches = [ep for ep in metadata.entry_points(group="console_scripts") if ep.name == name]
    if not matches:
        print(
            f"python -m hipflask.dropin: no installed console script named {name!r}"
            " (e.g. gunicorn, uvicorn, pytest).",
            file=sys.stderr,
        )
        return 2
    activate()
    # Loaded after activate(): the script's own imports must see flask as hipflask.
    entry = _load(matches[0])
    sys.argv = [name, *argv[1:]]
    result = entry()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
