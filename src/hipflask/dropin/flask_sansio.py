"""``flask.sansio`` in drop-in mode: a namespace for ``flask.sansio.app``, ``.scaffold`` and
``.blueprints``, which the drop-in finder maps to hipflask's own modules."""

from __future__ import annotations

#: A package, so that ``import flask.sansio.app`` is allowed to look for the submodule.
__path__: list[str] = []
