"""``werkzeug._internal`` in drop-in mode: the private helpers extensions are known to call.

Only ``_log`` (write to the ``werkzeug`` logger, giving it a handler if nothing else would
show the message) is provided.
"""

from __future__ import annotations

import logging
import typing as t

from .._internal import has_level_handler

_logger: logging.Logger | None = None


def _log(type: str, message: str, *args: t.Any, **kwargs: t.Any) -> None:
    """Log *message* at level *type* (``"info"``, ``"warning"``...) on the ``werkzeug``
    logger, setting it to INFO with a stderr handler the first time if nothing is set up."""
    global _logger
    if _logger is None:
        _logger = logging.getLogger("werkzeug")
        if _logger.level == logging.NOTSET:
            _logger.setLevel(logging.INFO)
        if not has_level_handler(_logger):
            _logger.addHandler(logging.StreamHandler())
    getattr(_logger, type)(message.rstrip(), *args, **kwargs)


__all__ = ["_log"]
