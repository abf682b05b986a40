"""URL quoting and IRI/URI conversion (the equivalent of ``werkzeug.urls``).

Werkzeug 3 removed its own quoting helpers in favour of :mod:`urllib.parse`; hipflask keeps
the short, familiar names (``url_quote``, ``url_encode``...) as thin, documented wrappers
because older tutorials and extensions import them.
"""

from __future__ import annotations

import codecs
import re
import typing as t
import urllib.parse
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

from .datastructures import iter_multi_items


def _codec_error_url_quote(e: UnicodeError) -> tuple[str, int]:
    # Bytes that are not valid UTF-8 stay percent-encoded instead of being replaced.
    err = t.cast(UnicodeDecodeError, e)
    return quote(err.object[err.start : err.end], safe=""), err.end


codecs.register_error("hipflask.url_quote", _codec_error_url_quote)


def _to_bytes(value: t.Any, charset: str) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode(charset)


def url_quote(value: t.Any, safe: str = "/:", charset: str = "utf-8") -> str:
    """Percent-encode *value* (str, bytes or anything ``str()`` converts) for a URL path.

    Characters in *safe* and unreserved characters stay as they are.
    """
    return quote(_to_bytes(value, charset), safe=safe)


def url_quote_plus(value: t.Any, safe: str = "", charset: str = "utf-8") -> str:
    """Like :func:`url_quote` for query strings: spaces become ``+``."""
    return quote_plus(_to_bytes(value, charset), safe=safe)


def url_unquote(value: str | bytes, charset: str = "utf-8", errors: str = "replace") -> str:
    """Decode percent escapes; invalid UTF-8 is replaced (``errors``) rather than raising."""
    if isinstance(value, bytes):
        value = value.decode("latin1")
    return unquote(value, encoding=charset, errors=errors)


def url_unquote_plus(value: str | bytes, charset: str = "utf-8", errors: str = "replace") -> str:
    """Like :func:`url_unquote`, also turning ``+`` into a space."""
    if isinstance(value, bytes):
        value = value.decode("latin1")
    return unquote_plus(value, encoding=charset, errors=errors)


def url_encode(
    obj: t.Any, sort: bool = False, key: t.Callable[[tuple[str, t.Any]], t.Any] | None = None
) -> str:
    """A query string from a dict, MultiDict or iterable of pairs.

    ``None`` values are skipped; a list/tuple value in a dict repeats the key; values are
    ``str()``-converted. *sort* (with an optional *key*) orders the pairs. The quoting is
    Werkzeug 3's (``urlencode`` with ``!$'()*,/:;?@`` left readable).
    """
    items = [(k, v) for k, v in iter_multi_items(obj) if v is not None]
    if sort:
        items.sort(key=key)
    return urlencode(items, safe="!$'()*,/:;?@")


def _make_unquote_part(chars: str) -> t.Callable[[str], str]:
    # Unquote every escape except those of *chars*, which would change the URL's meaning.
    choices = "|".join(f"{ord(c):02X}" for c in sorted(chars))
    pattern = re.compile(f"((?:%(?:{choices}))+)", re.I)

    def unquote_partial(value: str) -> str:
        if "%" not in value:
            return value
        parts = iter(pattern.split(value))
        out = []
        for part in parts:
            out.append(unquote(part, "utf-8", "hipflask.url_quote"))
            out.append(next(parts, ""))
        return "".join(out)

    return unquote_partial


# Controls, space and "%" always stay quoted (https://url.spec.whatwg.org/#percent-encoded-bytes).
_always_unsafe = bytes((*range(0x21), 0x25, 0x7F)).decode()
_unquote_fragment = _make_unquote_part(_always_unsafe)
_unquote_query = _make_unquote_part(_always_unsafe + "&=+#")
_unquote_path = _make_unquote_part(_always_unsafe + "/?#")
_unquote_user = _make_unquote_part(_always_unsafe + ":@/?#")


def _ascii_escapes() -> dict[str, str]:
    # Every spelling of an escape of an ASCII byte ("%2f" and "%2F", without the "%"), mapped
    # to its character: 128 bytes x up to 4 case variants.
    table = {}
    for byte in range(0x80):
        digits = f"{byte:02x}"
        high, low = digits[0], digits[1]
        for h in {high, high.upper()}:
            for lo in {low, low.upper()}:
                table[h + lo] = chr(byte)
    return table


_ASCII_ESCAPES = _ascii_escapes()


def unquote_strict(text: str) -> str:
    """``urllib.parse.unquote(text, errors="strict")``, faster when every escape is ASCII.

    Form and query values mostly escape ASCII punctuation (``%26``, ``%3D``, ``%2F``); those
    are replaced with one table lookup per escape. Anything else (an escape of a byte >= 0x80,
    which must be decoded as UTF-8 together with its neighbours, or a ``%`` not followed by
    two hex digits) goes to ``unquote`` itself, so the result is always exactly its own.
    Raises ``UnicodeDecodeError`` for escapes that are not UTF-8.
    """
    pieces = text.split("%")
    out = [pieces[0]]
    escapes = _ASCII_ESCAPES
    for i in range(1, len(pieces)):
        piece = pieces[i]
        char = escapes.get(piece[:2])
        if char is None:
            return unquote(text, errors="strict")
        out.append(char)
        out.append(piece[2:])
    return "".join(out)


def parse_urlencoded_lists(text: str) -> dict[str, list[str]]:
    """``a=1&b=x+y&a=2&c`` -> ``{"a": ["1", "2"], "b": ["x y"], "c": [""]}``.

    The meaning of ``urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")``
    (``&`` the only separator, ``+`` a space, strict UTF-8 in escapes: raises
    ``UnicodeDecodeError``), grouped by key in first-seen order: the storage a ``MultiDict``
    keeps, built in the same pass, for query strings and urlencoded bodies. Written for speed:
    a text without ``%`` (most query strings) skips the per-field unquoting checks.
    """
    # '+' is never a separator and an escaped plus ("%2B") has no '+', so one replace on the
    # whole text is every field's '+' -> ' ' at once.
    if "+" in text:
        text = text.replace("+", " ")
    lists: dict[str, list[str]] = {}
    get = lists.get
    if "%" not in text:
        for field in text.split("&"):
            if field:
                key, _, value = field.partition("=")
                values = get(key)
                if values is None:
                    lists[key] = [value]
                else:
                    values.append(value)
        return lists
    for field in text.split("&"):
        if not field:
            continue
        key, _, value = field.partition("=")
        if "%" in field:
            if "%" in key:
                key = unquote_strict(key)
            if "%" in value:
                value = unquote_strict(value)
        values = get(key)
        if values is None:
            lists[key] = [value]
        else:
            values.append(value)
    return lists


if "itms-services" not in urllib.parse.uses_netloc:
    urllib.parse.uses_netloc.append("itms-services")


def _decode_idna(domain: str) -> str:
    try:
        data = domain.encode("ascii")
    except UnicodeEncodeError:
        return domain  # already Unicode
    try:
        return data.decode("idna")
    except UnicodeError:
        pass
    parts = []
    for part in data.split(b"."):
        try:
            parts.append(part.decode("idna"))
        except UnicodeError:
            parts.append(part.decode("ascii"))
    return ".".join(parts)


def uri_to_iri(uri: str) -> str:
    """A URI made readable: valid UTF-8 escapes decoded (reserved characters and invalid
    bytes stay quoted) and the Punycode host decoded.

    A host label that is not valid Punycode stays as it is (Werkzeug raises
    ``UnicodeError``, which a client-sent Host header could turn into a 500).
    """
    parts = urlsplit(uri)
    path = _unquote_path(parts.path)
    query = _unquote_query(parts.query)
    fragment = _unquote_fragment(parts.fragment)
    netloc = _decode_idna(parts.hostname) if parts.hostname else ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        auth = _unquote_user(parts.username)
        if parts.password:
            auth = f"{auth}:{_unquote_user(parts.password)}"
        netloc = f"{auth}@{netloc}"
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


_USERINFO_SAFE = "%!$&'()*+,;="


def iri_to_uri(iri: str) -> str:
    """An IRI made ASCII-safe: non-ASCII and unsafe characters percent-encoded, the host
    encoded with IDNA (e.g. for a ``Location`` header)."""
    parts = urlsplit(iri)
    path = quote(parts.path, safe="%!$&'()*+,/:;=@")
    query = quote(parts.query, safe="%!$&'()*+,/:;=?@")
    fragment = quote(parts.fragment, safe="%!#$&'()*+,/:;=?@")
    netloc = parts.hostname.encode("idna").decode("ascii") if parts.hostname else ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        auth = quote(parts.username, safe=_USERINFO_SAFE)
        if parts.password:
            auth = f"{auth}:{quote(parts.password, safe=_USERINFO_SAFE)}"
        netloc = f"{auth}@{netloc}"
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


__all__ = [
    "iri_to_uri",
    "uri_to_iri",
    "url_encode",
    "url_quote",
    "url_quote_plus",
    "url_unquote",
    "url_unquote_plus",
]
