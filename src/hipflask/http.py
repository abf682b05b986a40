"""HTTP header parsing and formatting (the equivalent of ``werkzeug.http``).

Dates, quoted strings, option headers (``text/html; charset=utf-8``), lists and dicts,
content negotiation, cache control, entity tags, byte ranges and cookies. Parsers are
lenient: a malformed header gives an empty/``None`` result or loses only its bad part, never
an exception a client could turn into a 500.

The functions the request path calls on every request (``parse_options_header``,
``parse_cookie``) use ``str`` methods for the common shapes and fall back to a careful
scanner only when quotes appear.
"""

from __future__ import annotations

import email.utils
import re
import typing as t
import warnings
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from time import mktime, struct_time
from urllib.parse import quote, unquote

from .datastructures import (
    Accept,
    ContentSecurityPolicy,
    HeaderSet,
    MultiDict,
    RequestCacheControl,
)
from .datastructures.etag import generate_etag, parse_etags, quote_etag, unquote_etag
from .datastructures.range import (
    is_byte_range_valid,
    parse_content_range_header,
    parse_if_range_header,
    parse_range_header,
)

if t.TYPE_CHECKING:
    from .datastructures import Headers

HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Switch Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    449: "Retry With",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Failed",
}
"""Reason phrases by status code, as Werkzeug spells them (they appear in status lines)."""


class COEP(Enum):
    """Cross-Origin-Embedder-Policy values."""

    UNSAFE_NONE = "unsafe-none"
    REQUIRE_CORP = "require-corp"


class COOP(Enum):
    """Cross-Origin-Opener-Policy values."""

    UNSAFE_NONE = "unsafe-none"
    SAME_ORIGIN_ALLOW_POPUPS = "same-origin-allow-popups"
    SAME_ORIGIN = "same-origin"


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

_entity_headers = frozenset(
    [
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    ]
)
_hop_by_hop_headers = frozenset(
    [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ]
)


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


_TAccept = t.TypeVar("_TAccept", bound=Accept)


def parse_accept_header(value: str | None, cls: type[_TAccept] | None = None) -> t.Any:
    """Parse an ``Accept*`` header into *cls* (default :class:`Accept`), best first.

    Items with an invalid ``q`` are skipped; a missing header gives an empty instance
    whose ``provided`` is False.
    """
    klass: type[Accept] = Accept if cls is None else cls
    if not value:
        return klass(None)
    result = []
    for item in parse_list_header(value):
        item, options = parse_options_header(item)
        if "q" in options:
            q_str = options.pop("q").strip()
            if _q_value_re.fullmatch(q_str) is None:
                continue
            q = float(q_str)
            if q < 0 or q > 1:
                continue
        else:
            q = 1
        if options:
            item = dump_options_header(item, options)
        result.append((item, q))
    return klass(result)


def parse_cache_control_header(
    value: str | None,
    on_update: t.Callable[[t.Any], None] | None = None,
    cls: type[t.Any] | None = None,
) -> t.Any:
    """Parse ``Cache-Control`` into *cls* (default :class:`RequestCacheControl`)."""
    klass = RequestCacheControl if cls is None else cls
    if not value:
        return klass((), on_update)
    return klass(parse_dict_header(value), on_update)


def parse_csp_header(
    value: str | None,
    on_update: t.Callable[[t.Any], None] | None = None,
    cls: type[t.Any] | None = None,
) -> t.Any:
    """Parse ``Content-Security-Policy`` into *cls* (default ContentSecurityPolicy)."""
    klass = ContentSecurityPolicy if cls is None else cls
    if value is None:
        return klass((), on_update)
    items = []
    for policy in value.split(";"):
        policy = policy.strip()
        if " " in policy:
            directive, val = policy.split(" ", 1)
            items.append((directive.strip(), val.strip()))
    return klass(items, on_update)


def parse_set_header(
    value: str | None, on_update: t.Callable[[HeaderSet], None] | None = None
) -> HeaderSet:
    """Parse a comma-separated set header (``Vary``, ``Allow``) into a HeaderSet."""
    if not value:
        return HeaderSet(None, on_update)
    return HeaderSet(parse_list_header(value), on_update)


# -- dates, conditional requests ----------------------------------------------------------


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


def is_resource_modified(
    environ: dict[str, t.Any],
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
) -> bool:
    """False when the request's conditional headers (``If-None-Match``,
    ``If-Modified-Since``, ``If-Match``, ``If-Range``) say the client's copy is current."""
    if etag is None and data is not None:
        etag = generate_etag(data)
    elif data is not None:
        raise TypeError("is_resource_modified(): pass 'etag' or 'data', not both.")
    unmodified = False
    if isinstance(last_modified, str):
        last_modified = parse_date(last_modified)
    if last_modified is not None:
        # HTTP dates have no microseconds; drop them to avoid false "modified".
        last_modified = _dt_as_utc(last_modified.replace(microsecond=0))
    if_range = None
    if not ignore_if_range and environ.get("HTTP_RANGE") is not None:
        # RFC 9110: If-Range is ignored without a Range header.
        if_range = parse_if_range_header(environ.get("HTTP_IF_RANGE"))
    if if_range is not None and if_range.date is not None:
        modified_since: datetime | None = if_range.date
    else:
        modified_since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    if modified_since and last_modified and last_modified <= modified_since:
        unmodified = True
    if etag:
        etag, _ = unquote_etag(etag)
        if if_range is not None and if_range.etag is not None:
            unmodified = parse_etags(if_range.etag).contains(etag)
        else:
            if_none_match = parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
            if if_none_match:
                # If-None-Match uses the weak comparison (RFC 9110 13.1.2).
                unmodified = if_none_match.contains_weak(etag)
            if_match = parse_etags(environ.get("HTTP_IF_MATCH"))
            if if_match:
                # If-Match uses the strong comparison (RFC 9110 13.1.1).
                unmodified = not if_match.is_strong(etag)
    return not unmodified


def remove_entity_headers(
    headers: Headers | list[tuple[str, str]],
    allowed: t.Iterable[str] = ("expires", "content-location"),
) -> None:
    """Remove entity headers in place (for 304 responses), keeping *allowed* ones."""
    allowed_set = {x.lower() for x in allowed}
    headers[:] = [
        (key, value)
        for key, value in headers
        if not is_entity_header(key) or key.lower() in allowed_set
    ]


def remove_hop_by_hop_headers(headers: Headers | list[tuple[str, str]]) -> None:
    """Remove HTTP/1.1 hop-by-hop headers (``Connection``, ``Keep-Alive``...) in place."""
    headers[:] = [(key, value) for key, value in headers if not is_hop_by_hop_header(key)]


def is_entity_header(header: str) -> bool:
    """True for entity headers (``Content-Type``, ``Content-Length``, ``Expires``...)."""
    return header.lower() in _entity_headers


def is_hop_by_hop_header(header: str) -> bool:
    """True for hop-by-hop headers (``Connection``, ``Transfer-Encoding``...)."""
    return header.lower() in _hop_by_hop_headers


# -- cookies -----------------------------------------------------------------------------

_cookie_unslash_re = re.compile(rb"\\([0-3][0-7]{2}|.)")
# RFC 6265 cookie-octets plus what browsers accept unquoted; anything else is quoted.
_cookie_plain_chars = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz!#$%&'()*+-./:<=>?@[]^`{|}~"
)
# Inside quotes: '"' and '\\' are backslash-escaped, control bytes, ',', ';' and bytes >= 0x7f
# become three-digit octal escapes, as http.cookies and Werkzeug write them (bytes
# 0x1a-0x1f are passed through unescaped, as Werkzeug does, for byte-identical output).
_cookie_escape_table: dict[int, str] = {ord('"'): '\\"', ord("\\"): "\\\\"}
_cookie_escape_table.update((b, f"\\{b:03o}") for b in (*range(0x1A), *b",;", *range(0x7F, 0x100)))


def _cookie_unslash_replace(m: re.Match[bytes]) -> bytes:
    v = m.group(1)
    if len(v) == 1:
        return v
    return int(v, 8).to_bytes(1, "big")


def _cookie_unquote(value: str) -> str:
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    return _cookie_unslash_re.sub(_cookie_unslash_replace, inner.encode()).decode(errors="replace")


def _find_closing_quote(cookie: str, start: int) -> int:
    # Index of the quote ending a quoted string that starts at *start*, or -1. A backslash
    # escapes the next character (except a newline, which ends the attempt).
    while True:
        quote_pos = cookie.find('"', start)
        if quote_pos == -1:
            return -1
        slash = cookie.find("\\", start, quote_pos)
        if slash == -1:
            return quote_pos
        if slash + 1 >= len(cookie) or cookie[slash + 1] == "\n":
            return -1
        start = slash + 2


def _split_cookie_pairs(cookie: str) -> t.Iterator[tuple[str, str]]:
    # Scanner used when a quoted value may contain ';'. A quoted value ends at the first
    # unescaped '"' followed (after spaces) by ';' or the end; otherwise the value is
    # everything up to the next ';'.
    pos, length = 0, len(cookie)
    while pos < length:
        semi = cookie.find(";", pos)
        if semi == -1:
            semi = length
        eq = cookie.find("=", pos, semi)
        if eq == -1:
            pos = semi + 1  # no '=': not a cookie-pair, dropped
            continue
        name = cookie[pos:eq]
        vstart = eq + 1
        while vstart < length and cookie[vstart] in " \t":
            vstart += 1
        if cookie.startswith('"', vstart):
            close = _find_closing_quote(cookie, vstart + 1)
            if close != -1:
                after = close + 1
                while after < length and cookie[after] in " \t\n\r\x0b\x0c":
                    after += 1
                if after == length or cookie[after] == ";":
                    yield name, cookie[vstart : close + 1]
                    pos = after + 1
                    continue
        yield name, cookie[vstart:semi]
        pos = semi + 1


def parse_cookie(
    header: dict[str, t.Any] | str | None, cls: type[MultiDict[str, str]] | None = None
) -> MultiDict[str, str]:
    """Parse a ``Cookie`` header (or the ``HTTP_COOKIE`` of an environ) into a MultiDict.

    Repeated names keep every value in order. Quoted values are unquoted and their
    backslash/octal escapes decoded, so anything :func:`dump_cookie` wrote round-trips.
    Lenient: a bad pair is dropped and the rest kept. A pair with an empty name (such as
    ``=__Host-x=bad``) is never read as a cookie named by its value.

    Deliberate differences from Werkzeug, which agree on well-formed headers: a pair
    without ``=`` is dropped (Werkzeug reads ``foo`` as ``foo=""``; browsers send a
    nameless cookie that way, so reading it as a name would let a page forge cookie
    names); a pair that is not valid UTF-8 is dropped instead of failing the header.
    """
    klass = MultiDict if cls is None else cls
    cookie = header.get("HTTP_COOKIE") if isinstance(header, dict) else header
    if not cookie:
        return klass()
    checked = False
    if not cookie.isascii():
        try:
            # WSGI hands headers over as latin-1; browsers send UTF-8.
            cookie = cookie.encode("latin1").decode()
        except UnicodeEncodeError:
            pass  # already a real str (e.g. from a test), nothing to undo
        except UnicodeDecodeError:
            cookie = cookie.encode("latin1").decode(errors="surrogateescape")
            checked = True
    out = []
    if '"' not in cookie and not checked:
        # Hot path: no quoted values, a plain split is exact.
        for part in cookie.split(";"):
            name, eq, value = part.partition("=")
            if eq:
                name = name.strip()
                if name:
                    out.append((name, value.strip()))
        return klass(out)
    for name, value in _split_cookie_pairs(cookie):
        name = name.strip()
        if not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = _cookie_unquote(value)
        if checked:
            try:
                name.encode()
                value.encode()
            except UnicodeEncodeError:
                continue  # this pair was not UTF-8: drop only it
        out.append((name, value))
    return klass(out)


# RFC 6265 cookie names are tokens: no separators, whitespace or control characters.
_cookie_name_forbidden = frozenset('()<>@,;:\\"/[]?={} \t')
_cookie_domain_forbidden = frozenset(';,="\\ \t')


def _check_cookie_name(key: str) -> None:
    """Refuse a cookie name that would change the meaning of the Set-Cookie header.

    .. note:: Stricter than Werkzeug, which writes any name as is (``"a;Domain=x"`` would
       add an attribute).
    """
    if not key or not key.isprintable() or _cookie_name_forbidden.intersection(key):
        raise ValueError(
            f"Invalid cookie name {key!r}: it must be a non-empty token without spaces,"
            " control characters or any of ()<>@,;:\\\"/[]?={}."
        )


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """The value of a ``Set-Cookie`` header, byte-identical to Werkzeug's.

    *max_age* in seconds or a timedelta (sets *expires* too when *sync_expires*);
    *expires* a datetime, timestamp or preformatted string; *samesite* ``Strict``, ``Lax``
    or ``None`` (any case; anything else raises ``ValueError``); *partitioned* implies
    *secure*. Values outside the safe cookie characters are quoted with escapes that
    :func:`parse_cookie` decodes. Warns when the result exceeds *max_size* (0 disables).
    """
    _check_cookie_name(key)
    if path is not None:
        # URL path-segment characters plus '%' (already quoted); never ';'.
        path = quote(path, safe="%!$&'()*+,/:=@")
    if domain:
        if _cookie_domain_forbidden.intersection(domain) or not domain.isprintable():
            raise ValueError(f"Cookie {key!r}: invalid domain {domain!r}.")
        domain = domain.partition(":")[0].lstrip(".").encode("idna").decode("ascii")
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if expires is not None:
        if not isinstance(expires, str):
            expires = http_date(expires)
    elif max_age is not None and sync_expires:
        expires = http_date(datetime.now(tz=timezone.utc).timestamp() + max_age)
    if samesite is not None:
        samesite = samesite.title()
        if samesite not in {"Strict", "Lax", "None"}:
            raise ValueError(f"SameSite must be 'Strict', 'Lax' or 'None', not {samesite!r}.")
    if partitioned:
        secure = True
    if not _cookie_plain_chars.issuperset(value):
        value = '"' + value.encode().decode("latin1").translate(_cookie_escape_table) + '"'
    # A non-ASCII key goes out as its UTF-8 bytes (PEP 3333 tunnels them as latin-1).
    buf = [f"{key.encode().decode('latin1')}={value}"]
    for attr, attr_value in (
        ("Domain", domain),
        ("Expires", expires),
        ("Max-Age", max_age),
        ("Secure", secure),
        ("HttpOnly", httponly),
        ("Path", path),
        ("SameSite", samesite),
        ("Partitioned", partitioned),
    ):
        if attr_value is None or attr_value is False:
            continue
        if attr_value is True:
            buf.append(attr)
        else:
            buf.append(f"{attr}={attr_value}")
    rv = "; ".join(buf)
    cookie_size = len(rv)
    if max_size and cookie_size > max_size:
        warnings.warn(
            f"The {key!r} cookie is {cookie_size} bytes (value {len(value)} bytes), over"
            f" the {max_size}-byte limit; browsers may silently ignore it.",
            stacklevel=2,
        )
    return rv


__all__ = [
    "COEP",
    "COOP",
    "HTTP_STATUS_CODES",
    "dump_age",
    "dump_cookie",
    "dump_csp_header",
    "dump_header",
    "dump_options_header",
    "generate_etag",
    "http_date",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "is_resource_modified",
    "parse_accept_header",
    "parse_age",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_cookie",
    "parse_csp_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_set_header",
    "quote_etag",
    "quote_header_value",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
    "unquote_etag",
    "unquote_header_value",
]
