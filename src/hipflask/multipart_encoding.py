"""``multipart/form-data`` quoting in both directions.

- :func:`encode_multipart` builds a body the way browsers do (the test client uses it);
- :func:`parse_content_disposition` reads a part's ``name`` and ``filename`` the way
  Werkzeug does, so apps see the same filenames on hipflask as on Flask.

Kept apart from ``hipflask.formparser`` so the test client can build bodies without
importing the parser and its dependency.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Iterable
from typing import Any

from .header_values import parse_options_header

__all__ = ["encode_multipart", "parse_content_disposition"]

_ENCODE_CHUNK = 64 * 1024


def parse_content_disposition(value: str) -> tuple[str | None, str | None]:
    """Return ``(name, filename)`` from a part's ``Content-Disposition`` header; each is
    ``None`` when absent.

    Decoded as Werkzeug does: the client's filename is kept as sent (no path stripping: use
    ``secure_filename``); inside quotes ``%22`` and ``\\"`` become ``"`` and ``\\\\``
    becomes ``\\`` (browsers percent-escape quotes, other clients backslash-escape them;
    ``%0A``/``%0D`` stay as they are); ``filename*=UTF-8''...`` (RFC 5987/2231) is
    percent-decoded, and RFC 2231 continuations (``filename*0``, ``filename*1``) are joined.
    """
    # Fast path: the exact shape every browser sends, `form-data; name="a"` optionally
    # followed by `; filename="b"`, with no backslash escapes. One split instead of a
    # full parameter parse per part matters on forms with thousands of fields.
    if "\\" not in value:
        split = value.split('"')
        if split[0] == "form-data; name=" and split[-1] == "":
            if len(split) == 3:
                return _unescape_quotes(split[1]), None
            if len(split) == 5 and split[2] == "; filename=":
                return _unescape_quotes(split[1]), _unescape_quotes(split[3])
    options = parse_options_header(value)[1]
    return options.get("name"), options.get("filename")


def _unescape_quotes(value: str) -> str:
    return value.replace("%22", '"') if "%" in value else value


def _quote(value: str) -> str:
    # The HTML standard's escaping for multipart/form-data names and filenames.
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def encode_multipart(
    fields: Iterable[tuple[str, Any]], boundary: str | None = None
) -> tuple[str, bytes]:
    """Encode ``(name, value)`` pairs as a ``multipart/form-data`` body; returns
    ``(boundary, body)``.

    A value is a ``str`` (a text field, UTF-8), ``bytes``, or a ``FileStorage`` / binary
    file object (a file part, read from its current position). A file part's
    ``Content-Type`` is its own, else guessed from the filename, else
    ``application/octet-stream``; its other headers are sent too. Names and filenames are
    escaped as browsers escape them (``"`` -> ``%22``, CR/LF -> ``%0D``/``%0A``).

    Without a ``boundary`` a random one is drawn (and redrawn in the unlikely case the
    data contains it); a given ``boundary`` that occurs in the data is a ``ValueError``.
    """
    parts = [_encode_part(name, value) for name, value in fields]
    if boundary is not None:
        if _collides(boundary, parts):
            raise ValueError(f"encode_multipart: boundary {boundary!r} occurs in the data")
    else:
        boundary = _random_boundary()
        while _collides(boundary, parts):  # pragma: no cover - 128 random bits
            boundary = _random_boundary()
    dash_boundary = b"--" + boundary.encode("ascii")
    out: list[bytes] = []
    for head, data in parts:
        out += (dash_boundary, b"\r\n", head, b"\r\n", data, b"\r\n")
    out += (dash_boundary, b"--\r\n")
    return boundary, b"".join(out)


def _random_boundary() -> str:
    return "----hipflaskFormBoundary" + secrets.token_hex(16)


def _collides(boundary: str, parts: list[tuple[bytes, bytes]]) -> bool:
    needle = b"--" + boundary.encode("ascii")
    return any(needle in data or needle in head for head, data in parts)


def _encode_part(name: str, value: Any) -> tuple[bytes, bytes]:
    """Return the part's header block (ending in CRLF) and its data."""
    disposition = f'Content-Disposition: form-data; name="{_quote(name)}"'
    if isinstance(value, str):
        return (disposition + "\r\n").encode(), value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return (disposition + "\r\n").encode(), bytes(value)
    if not hasattr(value, "read"):
        raise TypeError(
            f"encode_multipart: field {name!r} must be str, bytes, a FileStorage or a binary "
            f"file object, not {type(value).__name__}"
        )
    if hasattr(value, "filename"):  # a FileStorage: `name` is the form field, not a file
        filename = value.filename
    else:
        stream_name = getattr(value, "name", None)
        ok = isinstance(stream_name, str) and not stream_name.startswith("<")
        filename = stream_name if ok else None
    content_type = (
        getattr(value, "content_type", None)
        or (filename and mimetypes.guess_type(filename)[0])
        or "application/octet-stream"
    )
    lines = [disposition if filename is None else f'{disposition}; filename="{_quote(filename)}"']
    lines.append(f"Content-Type: {content_type}")
    for key, header_value in getattr(value, "headers", None) or ():
        if key.lower() not in ("content-disposition", "content-type"):
            lines.append(f"{key}: {header_value}")
    if any(c in line for line in lines[1:] for c in "\r\n\0"):
        # Header injection guard: name and filename are escaped, other headers must be clean.
        raise ValueError(f"encode_multipart: a header of file field {name!r} contains CR/LF/NUL")
    head = ("\r\n".join(lines) + "\r\n").encode()
    return head, _read_all(value)


def _read_all(file: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = file.read(_ENCODE_CHUNK)
        if not chunk:
            return b"".join(chunks)
        if isinstance(chunk, str):
            chunk = chunk.encode()
        chunks.append(chunk)
