"""Content negotiation: the parsed ``Accept*`` request headers.

``request.accept_mimetypes.best_match(["application/json", "text/html"])`` picks what the
client prefers among what the app can produce, using the client's quality values (``q=``)
and, for equal quality, the more specific entry.
"""

from __future__ import annotations

import codecs
import collections.abc as cabc
import re
import typing as t

from .structures import ImmutableList


class Accept(ImmutableList[tuple[str, float]]):
    """A read-only list of ``(value, quality)`` pairs, most preferred first.

    ``accept["gzip"]`` / ``accept.quality("gzip")`` is the quality of a value (0 when not
    accepted), ``"gzip" in accept`` tells whether it is acceptable at all, ``best`` is the
    client's favourite, ``best_match(server_values)`` the best of the server's. ``provided``
    is False when the request had no such header.
    """

    def __init__(self, values: Accept | cabc.Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            super().__init__()
            self.provided = False
        elif isinstance(values, Accept):
            self.provided = values.provided
            super().__init__(values)
        else:
            self.provided = True
            # sorted() is stable: equal entries keep the client's order.
            ordered = sorted(values, key=lambda x: (self._specificity(x[0]), x[1]), reverse=True)
            super().__init__(ordered)

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or item.lower() == value.lower()

    def __getitem__(self, key: t.Any) -> t.Any:
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def quality(self, key: str) -> float:
        """The quality the client gives to *key* (0 if it does not accept it)."""
        for item, quality in self:
            if self._value_matches(key, item):
                return quality
        return 0

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        return any(self._value_matches(value, item) for item, _ in self)

    def __repr__(self) -> str:
        pairs = ", ".join(f"({x!r}, {y})" for x, y in self)
        return f"{type(self).__name__}([{pairs}])"

    def index(self, key: t.Any, *args: t.Any) -> int:
        """The position of the entry matching *key*; ``ValueError`` if none."""
        if isinstance(key, str):
            for idx, (item, _) in enumerate(self):
                if self._value_matches(key, item):
                    return idx
            raise ValueError(key)
        return list.index(self, key, *args)

    def find(self, key: t.Any) -> int:
        """The position of the entry matching *key*, or -1."""
        try:
            return self.index(key)
        except ValueError:
            return -1

    def values(self) -> cabc.Iterator[str]:
        """The accepted values, most preferred first."""
        for item in self:
            yield item[0]

    def to_header(self) -> str:
        """The header value (``q=`` omitted for quality 1)."""
        return ",".join(value if q == 1 else f"{value};q={q}" for value, q in self)

    def __str__(self) -> str:
        return self.to_header()

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        # The list is sorted by specificity, so the first match is the most specific.
        for client_item, quality in self:
            if self._value_matches(match, client_item):
                return client_item, quality
        return None

    def best_match(self, matches: cabc.Iterable[str], default: t.Any = None) -> t.Any:
        """The value of *matches* the client prefers (quality, then specificity, then the
        order of *matches*), or *default* if it accepts none of them."""
        result = default
        best_quality: float = -1
        best_specificity: tuple[bool, ...] = (False,)
        for server_item in matches:
            match = self._best_single_match(server_item)
            if match is None:
                continue
            client_item, quality = match
            if quality <= 0 or quality < best_quality:
                continue
            specificity = self._specificity(client_item)
            if quality > best_quality or specificity > best_specificity:
                result = server_item
                best_quality = quality
                best_specificity = specificity
        return result

    @property
    def best(self) -> str | None:
        """The client's most preferred value, or None."""
        return self[0][0] if self else None


_mime_split_re = re.compile(r"/|(?:\s*;\s*)")


def _normalize_mime(value: str) -> list[str]:
    return _mime_split_re.split(value.lower())


class MIMEAccept(Accept):
    """:class:`Accept` for media types: understands ``*/*``, ``text/*`` and parameters.

    A server value without ``/`` is a developer mistake and raises ``ValueError``.
    """

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return tuple(x != "*" for x in _mime_split_re.split(value))

    def _value_matches(self, value: str, item: str) -> bool:
        if "/" not in item:
            return False  # a malformed client entry never matches
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}: expected 'type/subtype'")
        value_parts = _normalize_mime(value)
        value_type, value_subtype = value_parts[:2]
        if value_type == "*" and value_subtype != "*":
            raise ValueError(f"invalid mimetype {value!r}: only '*/*' may start with '*'")
        item_parts = _normalize_mime(item)
        item_type, item_subtype = item_parts[:2]
        if item_type == "*" and item_subtype != "*":
            return False
        if (item_type == "*" and item_subtype == "*") or (
            value_type == "*" and value_subtype == "*"
        ):
            return True
        if item_type != value_type:
            return False
        if item_subtype == "*" or value_subtype == "*":
            return True
        return item_subtype == value_subtype and sorted(item_parts[2:]) == sorted(value_parts[2:])

    @property
    def accept_html(self) -> bool:
        """True if the client accepts HTML (or XHTML)."""
        # Accept.__contains__ takes a media type string (it is a list of (value, q) pairs).
        return "text/html" in self or self.accept_xhtml  # type: ignore[comparison-overlap]

    @property
    def accept_xhtml(self) -> bool:
        """True if the client accepts XHTML."""
        return "application/xhtml+xml" in self or "application/xml" in self  # type: ignore[comparison-overlap]

    @property
    def accept_json(self) -> bool:
        """True if the client accepts JSON."""
        return "application/json" in self  # type: ignore[comparison-overlap]


_locale_delim_re = re.compile(r"[_-]")


def _normalize_lang(value: str) -> list[str]:
    return _locale_delim_re.split(value.lower())


class LanguageAccept(Accept):
    """:class:`Accept` for language tags: ``en_US`` equals ``en-us``; ``best_match`` falls
    back to primary tags (a client accepting ``en-US`` matches ``en`` and vice versa)."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_lang(value) == _normalize_lang(item)

    def best_match(self, matches: cabc.Iterable[str], default: t.Any = None) -> t.Any:
        """The best of *matches*: exact tags first, then primary-tag fallbacks."""
        matches = list(matches)
        result = super().best_match(matches)
        if result is not None:
            return result
        # The client accepts "en-US": the server's "en" is acceptable.
        primary = Accept([(_locale_delim_re.split(v, maxsplit=1)[0], q) for v, q in self])
        result = primary.best_match(matches)
        if result is not None:
            return result
        # The client accepts "en": the server's "en-US" is acceptable.
        fallback = [_locale_delim_re.split(item, maxsplit=1)[0] for item in matches]
        result = super().best_match(fallback)
        if result is not None:
            return next(item for item in matches if item.startswith(result))
        return default


class CharsetAccept(Accept):
    """:class:`Accept` for charsets: aliases match (``UTF8`` equals ``utf-8``)."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_charset(value) == _normalize_charset(item)


def _normalize_charset(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()
