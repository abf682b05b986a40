"""``werkzeug.sansio`` in drop-in mode: a namespace whose submodules (``request``,
``response``, ``http``, ``utils``) the drop-in finder maps to hipflask's toolkit modules."""

from __future__ import annotations

#: A package, so that ``import werkzeug.sansio.request`` may look for the submodule.
__path__: list[str] = []
