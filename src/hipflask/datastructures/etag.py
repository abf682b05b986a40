"""Entity tags (``If-Match`` / ``If-None-Match``) as a set."""

from __future__ import annotations

import collections.abc as cabc
import re
import typing as t

_etag_re = re.compile(r'([Ww]/)?(?:"(.*?)"|(.*?))(?:\s*,\s*|$)')


class ETags(cabc.Collection[str]):
    """The entity tags of an ``If-Match`` or ``If-None-Match`` header.

    ``"abc" in etags`` checks the strong tags (or ``*``); :meth:`contains_weak` also checks
    weak ones; :meth:`contains_raw` takes a quoted tag (``W/"abc"``) as sent by a client.
    """

    def __init__(
        self,
        strong_etags: cabc.Iterable[str] | None = None,
        weak_etags: cabc.Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(strong_etags or ()) if not star_tag else frozenset()
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        """The strong tags (plus the weak ones with *include_weak*) as a ``set``."""
        rv = set(self._strong)
        if include_weak:
            rv.update(self._weak)
        return rv

    def is_weak(self, etag: str) -> bool:
        """True if *etag* is one of the weak tags."""
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        """True if *etag* is one of the strong tags."""
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """True if *etag* matches a weak or strong tag (or ``*``)."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        """True if *etag* matches a strong tag or the header was ``*``."""
        return self.star_tag or self.is_strong(etag)

    def contains_raw(self, etag: str) -> bool:
        """Like :meth:`contains` for a quoted tag; a weak one also matches weak tags."""
        value, weak = unquote_etag(etag)
        if value is None:
            return False
        return self.contains_weak(value) if weak else self.contains(value)

    def to_header(self) -> str:
        """The header value."""
        if self.star_tag:
            return "*"
        return ", ".join([f'"{x}"' for x in self._strong] + [f'W/"{x}"' for x in self._weak])

    def __call__(
        self, etag: str | None = None, data: bytes | None = None, include_weak: bool = False
    ) -> bool:
        if etag is None:
            if data is None:
                raise TypeError("ETags(): pass 'etag' or 'data'.")
            etag = generate_etag(data)
        if include_weak and etag in self._weak:
            return True
        return etag in self._strong

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __str__(self) -> str:
        return self.to_header()

    def __len__(self) -> int:
        return len(self._strong)

    def __iter__(self) -> cabc.Iterator[str]:
        return iter(self._strong)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


def quote_etag(etag: str, weak: bool = False) -> str:
    """``"etag"`` (or ``W/"etag"``); an etag containing ``"`` raises ``ValueError``."""
    if '"' in etag:
        raise ValueError(f"invalid etag {etag!r}: it must not contain a double quote")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(etag: str | None) -> tuple[t.Any, t.Any]:
    """``W/"abc"`` -> ``("abc", True)``; empty -> ``(None, None)``."""
    if not etag:
        return None, None
    etag = etag.strip()
    weak = False
    if etag.startswith(("W/", "w/")):
        weak = True
        etag = etag[2:]
    if etag[:1] == etag[-1:] == '"':
        etag = etag[1:-1]
    return etag, weak


def parse_etags(value: str | None) -> ETags:
    """Parse ``If-Match`` / ``If-None-Match`` into :class:`ETags` (``*`` = any)."""
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    end = len(value)
    pos = 0
    while pos < end:
        match = _etag_re.match(value, pos)
        if match is None:
            break
        is_weak, quoted, raw = match.groups()
        if raw == "*":
            return ETags(star_tag=True)
        if quoted:
            raw = quoted
        (weak if is_weak else strong).append(raw)
        pos = match.end()
    return ETags(strong, weak)


def generate_etag(data: bytes) -> str:
    """An ETag for *data*: its SHA-1 hex digest."""
    # hashlib loads OpenSSL (about 3.5 MB resident): only apps that make ETags pay for it.
    from hashlib import sha1

    return sha1(data).hexdigest()
