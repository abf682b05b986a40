"""The grammar of HTTP header values: tokens, quoted strings, lists, dictionaries, options
(``text/html; charset=utf-8``), dates and ages.

These functions build no container, so they sit below the rest of the toolkit: the
datastructures format and parse their headers with them, and :mod:`hipflask.http`
re-exports every public one under Werkzeug's names. Parsers are lenient (a malformed
value gives an empty or ``None`` result), never raising on a client's input.
"""

from __future__ import annotations

import re
import typing as t
from datetime import date, datetime, time, timedelta, timezone
from time import mktime, struct_time
from urllib.parse import unquote

if t.TYPE_CHECKING:
    from .datastructures import ContentSecurityPolicy


# RFC 9110 token characters.
_token_chars = frozenset(
    "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
)
_token_prefix_re = re.compile(r"[\w!#$%&'*+\-.^`|~]+", re.ASCII)
_unslash_re = re.compile(r"\\(.)", re.ASCII)
_charset_value_re = re.compile(
    r"([\w!#$%&*+\-.^`|~]*)'[\w!#$%&*+\-.^`|~]*'([\w!#$%&'*+\-.^`|~]+)", re.ASCII
)
_continuation_re = re.compile(r"\*(\d+)$", re.ASCII)
_q_value_re = re.compile(r"-?\d+(\.\d+)?", re.ASCII)
_SAFE_CHARSETS = frozenset(("ascii", "us-ascii", "utf-8", "iso-8859-1"))

# -- quoting -----------------------------------------------------------------------------


def quote_header_value(value: t.Any, allow_token: bool = True) -> str:
    """Quote *value* (``str()``-converted) for a header unless it is a plain token.

    ``"`` and ``\\`` are backslash-escaped; the empty string becomes ``""``.
    """
    value_str = str(value)
    if not value_str:
        return '""'
    if allow_token and _token_chars.issuperset(value_str):
        return value_str
    value_str = value_str.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value_str}"'


def unquote_header_value(value: str) -> str:
    """Remove surrounding double quotes and backslash escapes (reverse of quoting)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        return _unslash_re.sub(r"\g<1>", inner) if "\\" in inner else inner
    return value


def dump_options_header(header: str | None, options: t.Mapping[str, t.Any]) -> str:
    """``dump_options_header("text/html", {"charset": "utf-8"})`` -> ``text/html;
    charset=utf-8``. ``None`` values are skipped; keys ending in ``*`` are not quoted."""
    segments = [] if header is None else [header]
    for key, value in options.items():
        if value is None:
            continue
        if key[-1] == "*":
            segments.append(f"{key}={value}")
        else:
            segments.append(f"{key}={quote_header_value(value)}")
    return "; ".join(segments)


def dump_header(iterable: dict[str, t.Any] | t.Iterable[t.Any]) -> str:
    """A comma-separated header from a list (items quoted as needed) or a dict
    (``key=value``; a ``None`` value gives the bare key)."""
    if isinstance(iterable, dict):
        items = []
        for key, value in iterable.items():
            if value is None:
                items.append(key)
            elif key[-1] == "*":
                items.append(f"{key}={value}")
            else:
                items.append(f"{key}={quote_header_value(value)}")
    else:
        items = [quote_header_value(x) for x in iterable]
    return ", ".join(items)


def dump_csp_header(header: ContentSecurityPolicy) -> str:
    """The ``Content-Security-Policy`` value: ``directive value; directive value``."""
    return "; ".join(f"{key} {value}" for key, value in header.items())


# -- lists, dicts, options ---------------------------------------------------------------


def parse_list_header(value: str) -> list[str]:
    """Split a comma-separated header into items, honouring quoted strings.

    Items are stripped and unquoted when wholly quoted; empty items are dropped; an
    unclosed quote makes the whole header invalid (``[]``).
    """
    if '"' not in value:
        # Common case: no quoted strings, a plain split does it.
        return [item for item in (part.strip() for part in value.split(",")) if item]
    items = []
    start = 0
    quote_open = False
    escape = False
    for pos, char in enumerate(value):
        if escape:
            escape = False
        elif quote_open:
            if char == "\\":
                escape = True
            elif char == '"':
                quote_open = False
        elif char == ",":
            items.append(value[start:pos])
            start = pos + 1
        elif char == '"':
            quote_open = True
    if quote_open:
        return []
    items.append(value[start:])
    return [unquote_header_value(item) for item in (item.strip() for item in items) if item]


def parse_dict_header(value: str) -> dict[str, str | None]:
    """Parse ``a=b, c="d, e", f`` into ``{"a": "b", "c": "d, e", "f": None}``.

    ``key*=utf-8''percent%20encoded`` values (RFC 2231) are decoded for ASCII, UTF-8 and
    ISO-8859-1 charsets only.
    """
    result: dict[str, str | None] = {}
    for item in parse_list_header(value):
        key, has_value, val = item.partition("=")
        key = key.strip()
        if not key:
            continue
        if not has_value:
            result[key] = None
            continue
        val = val.strip()
        if key[-1] == "*":
            key = key[:-1]
            encoding = None
            match = _charset_value_re.match(val)
            if match:
                encoding, val = match.groups()
                encoding = encoding.lower()
            if encoding in _SAFE_CHARSETS:
                val = unquote(val, encoding=encoding)
        result[key] = unquote_header_value(val)
    return result


def _collect_quoted_parts(rest: str) -> list[tuple[str, str]]:
    # Careful scanner for parameters when quoted strings may hide ";" characters.
    parts: list[tuple[str, str]] = []
    while True:
        key, eq, after = rest.partition("=")
        if eq and key and _token_chars.issuperset(key):
            token = _token_prefix_re.match(after)
            if token is not None:
                parts.append((key.lower(), token.group()))
                rest = after
            elif after[:1] == '"':
                pos, length = 1, len(after)
                while pos < length:
                    if after[pos] == "\\" and after[pos + 1 : pos + 2] in ('"', "\\"):
                        pos += 2
                    elif after[pos] == '"':
                        parts.append((key.lower(), after[: pos + 1]))
                        after = after[pos + 1 :]
                        break
                    else:
                        pos += 1
                rest = after
        end = rest.find(";")
        if end == -1:
            return parts
        rest = rest[end + 1 :].lstrip()


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Parse ``text/html; charset=utf-8`` into ``("text/html", {"charset": "utf-8"})``.

    Keys are lower-cased; invalid parameters are skipped; quoted values are unquoted
    (``\\"`` and ``%22`` both give ``"``); RFC 2231 ``key*=`` charsets and ``key*0=``
    continuations are decoded. ``None`` or ``""`` gives ``("", {})``.
    """
    if value is None:
        return "", {}
    value, sep, rest = value.partition(";")
    value = value.strip()
    if not sep:
        return value, {}
    rest = rest.strip()
    if not value or not rest:
        return value, {}
    parts: list[tuple[str, str]]
    if '"' not in rest:
        # Hot path (Content-Type on every request with a body): plain split.
        parts = []
        for segment in rest.split(";"):
            key, eq, val = segment.lstrip().partition("=")
            if not eq or not key or not _token_chars.issuperset(key):
                continue
            if not _token_chars.issuperset(val) or not val:
                token = _token_prefix_re.match(val)
                if token is None:
                    continue
                val = token.group()
            parts.append((key.lower(), val))
        if "*" not in rest:
            return value, dict(parts)
    else:
        parts = _collect_quoted_parts(rest)
    return value, _decode_options(parts)


def _decode_options(parts: list[tuple[str, str]]) -> dict[str, str]:
    options: dict[str, str] = {}
    encoding: str | None = None
    continued_encoding: str | None = None
    for pk, pv in parts:
        if pk[-1] == "*":
            pk = pk[:-1]
            match = _charset_value_re.match(pv)
            if match:
                encoding, pv = match.groups()
                encoding = encoding.lower()
            if not encoding:
                encoding = continued_encoding
            if encoding in _SAFE_CHARSETS:
                continued_encoding = encoding
                pv = unquote(pv, encoding=encoding)
        if pv[0] == pv[-1] == '"' and len(pv) >= 2:
            pv = pv[1:-1].replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')
        match = _continuation_re.search(pk)
        if match:
            pk = pk[: match.start()]
            options[pk] = options.get(pk, "") + pv
        else:
            options[pk] = pv
    return options


def _dt_as_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    if dt.tzinfo != timezone.utc:
        return dt.astimezone(timezone.utc)
    return dt


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date into an aware UTC-based datetime; None if it is invalid."""
    if value is None:
        return None
    # email.utils pulls in socket, calendar and locale (about 1.4 MB resident): it loads
    # with the first date parsed or formatted, not with every app.
    import email.utils

    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt


def http_date(timestamp: datetime | date | float | struct_time | None = None) -> str:
    """Format a datetime, date, timestamp or struct_time (default: now) as an HTTP date,
    e.g. ``Sun, 06 Nov 1994 08:49:37 GMT``. Naive datetimes are taken as UTC."""
    import email.utils  # see parse_date

    if isinstance(timestamp, date):
        if not isinstance(timestamp, datetime):
            timestamp = datetime.combine(timestamp, time(), tzinfo=timezone.utc)
        else:
            timestamp = _dt_as_utc(timestamp)
        return email.utils.format_datetime(timestamp, usegmt=True)
    if isinstance(timestamp, struct_time):
        timestamp = mktime(timestamp)
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_age(value: str | None = None) -> timedelta | None:
    """Parse an ``Age``-style count of seconds; None if missing, invalid or negative."""
    if not value:
        return None
    try:
        seconds = int(value)
    except ValueError:
        return None
    if seconds < 0:
        return None
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        return None


def dump_age(age: timedelta | int | None = None) -> str | None:
    """Format a duration as whole seconds; a negative one raises ``ValueError``."""
    if age is None:
        return None
    seconds = int(age.total_seconds()) if isinstance(age, timedelta) else int(age)
    if seconds < 0:
        raise ValueError(f"age cannot be negative: {seconds}")
    return str(seconds)


# Types that are text without starting with "text/" (they get a charset too).
_charset_mimetypes = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    }
)


def get_content_type(mimetype: str, charset: str) -> str:
    """*mimetype* with ``; charset=...`` added when it is text (``text/*``, ``*+xml``,
    JavaScript, XML, SQL)."""
    if mimetype.startswith("text/") or mimetype in _charset_mimetypes or mimetype.endswith("+xml"):
        mimetype += f"; charset={charset}"
    return mimetype
