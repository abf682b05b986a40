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

import re
import typing as t
import warnings
from datetime import datetime, timedelta, timezone
from enum import Enum
from urllib.parse import quote

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
from .exceptions import HTTP_STATUS_CODES as HTTP_STATUS_CODES
from .header_values import (
    _dt_as_utc,
    _q_value_re,
)
from .header_values import (
    dump_age as dump_age,
)
from .header_values import (
    dump_csp_header as dump_csp_header,
)
from .header_values import (
    dump_header as dump_header,
)
from .header_values import (
    dump_options_header as dump_options_header,
)
from .header_values import (
    get_content_type as get_content_type,
)
from .header_values import (
    http_date as http_date,
)
from .header_values import (
    parse_age as parse_age,
)
from .header_values import (
    parse_date as parse_date,
)
from .header_values import (
    parse_dict_header as parse_dict_header,
)
from .header_values import (
    parse_list_header as parse_list_header,
)
from .header_values import (
    parse_options_header as parse_options_header,
)
from .header_values import (
    quote_header_value as quote_header_value,
)
from .header_values import (
    unquote_header_value as unquote_header_value,
)

if t.TYPE_CHECKING:
    from .datastructures import Headers


class COEP(Enum):
    """Cross-Origin-Embedder-Policy values."""

    UNSAFE_NONE = "unsafe-none"
    REQUIRE_CORP = "require-corp"


class COOP(Enum):
    """Cross-Origin-Opener-Policy values."""

    UNSAFE_NONE = "unsafe-none"
    SAME_ORIGIN_ALLOW_POPUPS = "same-origin-allow-popups"
    SAME_ORIGIN = "same-origin"


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
            ' control characters or any of ()<>@,;:\\"/[]?={}.'
        )


_quoted_cookie_paths: dict[str, str] = {}


def _quote_cookie_path(path: str) -> str:
    # URL path-segment characters plus '%' (already quoted); never ';'. An app sets cookies
    # on a handful of paths, every response: remembered (bounded) rather than requoted.
    quoted = _quoted_cookie_paths.get(path)
    if quoted is None:
        quoted = quote(path, safe="%!$&'()*+,/:=@")
        if len(_quoted_cookie_paths) < 256:
            _quoted_cookie_paths[path] = quoted
    return quoted


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
        path = _quote_cookie_path(path)
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
