"""Logging for the development server and reloader: the ``hipflask.serving`` logger.

Private module shared by :mod:`hipflask.serving`, the request handler and the reloader.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import typing as t
from urllib.parse import unquote_to_bytes

from .._internal import has_level_handler

_ENCODED_NON_ASCII = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")

_logger: logging.Logger | None = None


def _log(type: str, message: str, *args: t.Any) -> None:
    """Log to the ``hipflask.serving`` logger (Werkzeug logs to ``werkzeug``).

    A stderr handler at INFO level is added on first use unless logging is already
    configured to handle the messages.
    """
    global _logger
    if _logger is None:
        _logger = logging.getLogger("hipflask.serving")
        if _logger.level == logging.NOTSET:
            _logger.setLevel(logging.INFO)
        if not has_level_handler(_logger):
            _logger.addHandler(logging.StreamHandler())
    getattr(_logger, type)(message.rstrip(), *args)


_STYLES = {"bold": 1, "red": 31, "green": 32, "yellow": 33, "magenta": 35, "cyan": 36}


def _use_colour() -> bool:
    # Escape codes only make sense on a terminal; NO_COLOR is the common opt-out.
    if "NO_COLOR" in os.environ:
        return False
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def _ansi_style(value: str, *styles: str) -> str:
    """Wrap *value* in ANSI styles when stderr is a terminal (Werkzeug always adds them)."""
    if not styles or not _use_colour():
        return value
    codes = "".join(f"\x1b[{_STYLES[style]}m" for style in styles)
    return f"{codes}{value}\x1b[0m"


def _iri_for_log(path: str) -> str:
    """Show percent-encoded UTF-8 in the log as the characters it encodes."""
    if "%" not in path:
        return path

    def decode(match: re.Match[str]) -> str:
        try:
            return unquote_to_bytes(match.group()).decode("utf-8")
        except UnicodeDecodeError:
            return match.group()

    return _ENCODED_NON_ASCII.sub(decode, path)
