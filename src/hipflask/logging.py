"""The application logger (``app.logger``), configured as Flask configures it.

``app.logger`` is the ``logging.Logger`` named after the app. If neither it nor any parent
has a handler for its level, :data:`default_handler` is added, writing to the request's
``wsgi.errors`` stream (or stderr outside a request). In debug mode its level is DEBUG.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from ._internal import has_level_handler
from .globals import request

if t.TYPE_CHECKING:
    from .app import Flask


@t.no_type_check
def _errors_stream() -> t.TextIO:
    return request.environ.get("wsgi.errors", sys.stderr) if request else sys.stderr


class _WSGIErrorsStream:
    """A stream that resolves to the current request's ``wsgi.errors`` on every write."""

    def write(self, text: str) -> int:
        result: int = _errors_stream().write(text)
        return result

    def flush(self) -> None:
        _errors_stream().flush()

    def _get_current_object(self) -> t.TextIO:
        """The stream writes go to now (Flask's ``wsgi_errors_stream`` is a proxy with
        this method, and code that logs to it may ask for the real stream)."""
        stream: t.TextIO = _errors_stream()
        return stream


wsgi_errors_stream: t.TextIO = _WSGIErrorsStream()  # type: ignore[assignment]
"""Where :data:`default_handler` writes: ``wsgi.errors`` in a request, else stderr."""


default_handler = logging.StreamHandler(wsgi_errors_stream)
"""The handler added to app loggers that have none: ``[time] LEVEL in module: message``."""
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: Flask) -> logging.Logger:
    """The logger named ``app.name``: DEBUG level in debug mode (if unset), and
    :data:`default_handler` if nothing would otherwise show its records."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]
