"""``python -m hipflask``: the same as the ``hipflask`` command."""

from __future__ import annotations

from .cli import main

main()
