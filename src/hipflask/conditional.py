"""Conditional and range responses (Werkzeug's ``Response.make_conditional``).

The precondition logic follows RFC 9110 section 13.2.2 step by step, which is
also what Werkzeug does for every common request. Where Werkzeug departs from
the RFC in a corner case, hipflask follows the RFC; each such case is listed in
:func:`make_conditional`'s docstring.

The pieces are separate functions so that code serving files without a
``Response`` object (``SharedDataMiddleware``) applies exactly the same rules.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from .exceptions import RequestedRangeNotSatisfiable
from .http import http_date, parse_date, parse_etags, parse_range_header, unquote_etag

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "RangeWrapper",
    "evaluate_preconditions",
    "make_conditional",
    "select_range",
]

#: Methods for which a server may answer 304 Not Modified (RFC 9110 13.1.3).
_SAFE_METHODS = frozenset(("GET", "HEAD"))


def _environ_of(request_or_environ: t.Any) -> WSGIEnvironment:
    """Accept a request object (anything with ``.environ``) or a WSGI environ."""
    environ = getattr(request_or_environ, "environ", request_or_environ)
    if not isinstance(environ, dict):
        raise TypeError(
            "make_conditional() needs a request object or a WSGI environ dict,"
            f" got {type(request_or_environ).__name__}."
        )
    return environ


def _as_utc_seconds(value: datetime | str | float | None) -> datetime | None:
    """Normalise a Last-Modified value to an aware UTC datetime without microseconds.

    HTTP dates have one-second resolution; keeping microseconds would make a
    file look newer than the date the client echoes back.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return parse_date(value)
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, timezone.utc)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.replace(microsecond=0)


def _split_etag(etag: str | None) -> tuple[str | None, bool]:
    """Return ``(opaque value, is_weak)`` for a quoted or bare ETag, or ``(None, False)``."""
    if not etag:
        return None, False
    value, weak = unquote_etag(etag)
    return value, bool(weak)


def _if_match_passes(header: str, etag: str | None, weak: bool) -> bool:
    # "*" means "any current representation", and a response object is one.
    if header.strip() == "*":
        return True
    if etag is None or weak:
        # If-Match uses the strong comparison: a weak validator never matches.
        return False
    return bool(parse_etags(header).is_strong(etag))


def _if_none_match_matches(header: str, etag: str | None) -> bool:
    if header.strip() == "*":
        return True
    if etag is None:
        return False
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2).
    return bool(parse_etags(header).contains_weak(etag))


def evaluate_preconditions(
    environ: WSGIEnvironment,
    etag: str | None = None,
    last_modified: datetime | str | float | None = None,
) -> int:
    """Evaluate If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since.

    Returns the status the response should get: ``200`` (serve normally),
    ``304`` (the client's copy is current) or ``412`` (a precondition failed).
    *etag* is the response's ETag (quoted or bare, ``W/`` for weak);
    *last_modified* a datetime, timestamp or HTTP date string.
    Methods other than GET and HEAD always get ``200``: hipflask only makes
    safe responses conditional, as Werkzeug does.
    """
    if environ.get("REQUEST_METHOD", "GET") not in _SAFE_METHODS:
        return 200
    value, weak = _split_etag(etag)
    modified = _as_utc_seconds(last_modified)

    if_match = environ.get("HTTP_IF_MATCH")
    if if_match:
        if not _if_match_passes(if_match, value, weak):
            return 412
    else:
        since = parse_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
        if since is not None and modified is not None and modified > since:
            return 412

    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return 304 if _if_none_match_matches(if_none_match, value) else 200
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    if since is not None and modified is not None and modified <= since:
        return 304
    return 200


def _if_range_allows(
    header: str, etag: str | None, last_modified: datetime | str | float | None
) -> bool:
    """Whether an ``If-Range`` validator still matches the current representation.

    Both comparisons are the strict ones RFC 9110 13.1.5 requires: a strong
    ETag match, or a date *equal* to Last-Modified. A mismatch means the client
    gets the whole (changed) file instead of splicing a range from a new version.
    """
    header = header.strip()
    if header.startswith(('"', "W/")):
        wanted, wanted_weak = unquote_etag(header)
        current, current_weak = _split_etag(etag)
        return current is not None and not wanted_weak and not current_weak and wanted == current
    date = parse_date(header)
    modified = _as_utc_seconds(last_modified)
    return date is not None and modified is not None and modified == date


def select_range(
    environ: WSGIEnvironment,
    complete_length: int | None,
    etag: str | None = None,
    last_modified: datetime | str | float | None = None,
) -> tuple[int, int] | None:
    """Pick the byte range to send for a GET with a ``Range`` header.

    Returns ``(start, stop)`` (stop exclusive) for a satisfiable single range,
    or ``None`` when the whole representation should be sent: no ``Range``, a
    non-GET method, an ``If-Range`` that no longer matches, a unit other than
    ``bytes``, an empty or unknown-length body, or several ranges.

    Several ranges get the full ``200`` response. Werkzeug answers 416 there;
    RFC 9110 14.2 lets a server ignore ``Range``, and a complete answer is
    more useful to the client than an error.

    Raises :class:`~hipflask.exceptions.RequestedRangeNotSatisfiable` (416,
    with ``Content-Range: bytes */length``) for a malformed header or a range
    that starts beyond the end.
    """
    header = environ.get("HTTP_RANGE")
    if not header or environ.get("REQUEST_METHOD", "GET") != "GET":
        return None
    if not complete_length:
        return None
    if_range = environ.get("HTTP_IF_RANGE")
    if if_range is not None and not _if_range_allows(if_range, etag, last_modified):
        return None
    unit, equals, _ = header.partition("=")
    if equals and unit.strip().lower() != "bytes":
        # RFC 9110 14.2: a range unit the server does not understand is ignored.
        return None
    parsed = parse_range_header(header)
    if parsed is None:
        raise RequestedRangeNotSatisfiable(complete_length)
    if len(parsed.ranges) != 1:
        return None
    start, stop = parsed.ranges[0]
    if stop is None:
        stop = complete_length
        if start < 0:
            # A suffix longer than the body means the whole body (RFC 9110 14.1.2).
            start = max(0, complete_length + start)
    if start < 0 or start >= complete_length or stop <= start:
        raise RequestedRangeNotSatisfiable(complete_length)
    return start, min(stop, complete_length)


class RangeWrapper:
    """Iterate over bytes ``[start, start + length)`` of a response body.

    Seeks when the body (or, for a server's ``wsgi.file_wrapper``, the wrapped
    ``filelike``) is seekable so a range near the end of a large file does not
    read everything before it; otherwise it skips chunks. ``close()`` closes
    the wrapped body, so the file is released even when the client hangs up.
    """

    __slots__ = ("_iterable", "_iterator", "_remaining", "_skip", "_start")

    def __init__(self, iterable: t.Iterable[bytes], start: int, length: int) -> None:
        self._iterable = iterable
        self._iterator: t.Iterator[bytes] | None = None
        self._start = start
        self._skip = start
        self._remaining = length

    def __iter__(self) -> RangeWrapper:
        return self

    def _begin(self) -> t.Iterator[bytes]:
        body: t.Any = self._iterable
        target = body if callable(getattr(body, "seekable", None)) else None
        if target is None:
            filelike = getattr(body, "filelike", None)
            if callable(getattr(filelike, "seekable", None)):
                target = filelike
        if target is not None and target.seekable():
            target.seek(self._start)
            self._skip = 0
        return iter(body)

    def __next__(self) -> bytes:
        if self._iterator is None:
            self._iterator = self._begin()
        while self._remaining > 0:
            chunk = next(self._iterator)
            if self._skip:
                if len(chunk) <= self._skip:
                    self._skip -= len(chunk)
                    continue
                chunk = chunk[self._skip :]
                self._skip = 0
            if not chunk:
                continue
            chunk = chunk[: self._remaining]
            self._remaining -= len(chunk)
            return chunk
        raise StopIteration

    def close(self) -> None:
        """Close the wrapped body (releases the file)."""
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


def _drop_body(response: t.Any) -> None:
    """Replace the body with nothing, closing the old one (a file, usually)."""
    close = getattr(response.response, "close", None)
    if close is not None:
        close()
    response.response = []


def make_conditional(
    response: t.Any,
    request_or_environ: t.Any,
    accept_ranges: bool | str = False,
    complete_length: int | None = None,
) -> t.Any:
    """Make *response* conditional on the request's validators; return it.

    For GET and HEAD this sets ``Date`` if missing, answers ``304``/``412``
    from ``If-None-Match``/``If-Modified-Since``/``If-Match``/
    ``If-Unmodified-Since`` against the response's ``ETag`` and
    ``Last-Modified`` headers, and when *accept_ranges* is set (``True`` means
    ``"bytes"``) advertises ``Accept-Ranges`` and serves a single ``Range`` as
    ``206`` with ``Content-Range``, using *complete_length* as the full size.
    An unsatisfiable range raises ``RequestedRangeNotSatisfiable`` (416).
    Other methods are left untouched.

    The response only needs Werkzeug's ``headers``, ``status_code`` and
    ``response`` attributes (``automatically_set_content_length`` and
    ``calculate_content_length()`` are used when present).

    Differences from Werkzeug, all following RFC 9110:

    - preconditions are checked before ``Range`` (a matching If-None-Match
      gives 304 even with a Range header; Werkzeug gives 206);
    - ``If-Unmodified-Since`` is honoured (412), ``If-Match: *`` passes, and
      If-Match/If-None-Match apply even when the response has no ETag;
    - ``If-Range`` needs a strong ETag match or an exactly equal date;
    - several ranges or an unknown unit give the full 200, not 416;
    - a suffix range longer than the body (``bytes=-500`` of 100 bytes) gives
      the whole body as 206, not 416;
    - ``Range`` applies to GET only (RFC 9110 14.2), not HEAD;
    - a 412 response has its body dropped (Content-Length 0) instead of
      carrying the full representation.
    """
    environ = _environ_of(request_or_environ)
    if environ.get("REQUEST_METHOD") not in _SAFE_METHODS:
        return response
    headers = response.headers
    if "Date" not in headers:
        headers["Date"] = http_date()
    etag = headers.get("ETag")
    last_modified = headers.get("Last-Modified")
    if accept_ranges:
        headers["Accept-Ranges"] = "bytes" if accept_ranges is True else accept_ranges

    status = evaluate_preconditions(environ, etag, last_modified)
    if status == 304:
        response.status_code = 304
    elif status == 412:
        response.status_code = 412
        _drop_body(response)
        headers["Content-Length"] = "0"
    elif accept_ranges:
        chosen = select_range(environ, complete_length, etag, last_modified)
        if chosen is not None:
            start, stop = chosen
            response.status_code = 206
            headers["Content-Length"] = str(stop - start)
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{complete_length}"
            response.response = RangeWrapper(response.response, start, stop - start)

    if (
        getattr(response, "automatically_set_content_length", False)
        and "Content-Length" not in headers
    ):
        length = response.calculate_content_length()
        if length is not None:
            headers["Content-Length"] = str(length)
    return response
