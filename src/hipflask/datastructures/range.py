"""Byte ranges: the ``Range``, ``Content-Range`` and ``If-Range`` headers."""

from __future__ import annotations

import collections.abc as cabc
import re
import typing as t
from datetime import datetime

from ..header_values import http_date, parse_date
from .etag import quote_etag, unquote_etag

_plain_int_re = re.compile(r"-?\d+", re.ASCII)


def _plain_int(value: str) -> int:
    # int() also accepts "+1", "1_000" and non-ASCII digits, none of which HTTP allows.
    value = value.strip()
    if _plain_int_re.fullmatch(value) is None:
        raise ValueError(f"not a plain integer: {value!r}")
    return int(value)


class IfRange:
    """The ``If-Range`` header: an ETag or a date (or neither when absent/invalid)."""

    def __init__(self, etag: str | None = None, date: datetime | None = None) -> None:
        self.etag = etag
        self.date = date

    def to_header(self) -> str:
        """The header value."""
        if self.date is not None:
            return http_date(self.date)
        if self.etag is not None:
            return quote_etag(self.etag)
        return ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


class Range:
    """A parsed ``Range`` header: *units* and a list of ``(start, stop)`` ranges.

    *stop* is exclusive (``None`` means to the end); a negative *start* with ``None`` stop
    is a suffix range (the last bytes). Invalid ranges raise ``ValueError``. The helpers
    answer only for one ``bytes`` range, the only kind hipflask serves.
    """

    def __init__(self, units: str, ranges: cabc.Sequence[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = ranges
        for start, end in ranges:
            if start is None or (end is not None and (start < 0 or start >= end)):
                raise ValueError(f"{(start, end)} is not a valid range.")

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """``(start, stop)`` of the single byte range within *length*, or None if it is
        not satisfiable (or not a single byte range)."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, end = self.ranges[0]
        if end is None:
            end = length
            if start < 0:
                start += length
        if is_byte_range_valid(start, end, length):
            return start, min(end, length)
        return None

    def make_content_range(self, length: int | None) -> ContentRange | None:
        """The :class:`ContentRange` answering this range for a body of *length*."""
        rng = self.range_for_length(length)
        if rng is not None:
            return ContentRange(self.units, rng[0], rng[1], length)
        return None

    def to_header(self) -> str:
        """The header value, e.g. ``bytes=0-499``."""
        ranges = []
        for begin, end in self.ranges:
            if end is None:
                ranges.append(f"{begin}-" if begin >= 0 else str(begin))
            else:
                ranges.append(f"{begin}-{end - 1}")
        return f"{self.units}={','.join(ranges)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        """The ``Content-Range`` value for a body of *length*, or None if unsatisfiable."""
        rng = self.range_for_length(length)
        if rng is not None:
            return f"{self.units} {rng[0]}-{rng[1] - 1}/{length}"
        return None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


class _CallbackProperty:
    """An attribute of ContentRange whose assignment calls ``on_update``."""

    def __set_name__(self, owner: type[t.Any], name: str) -> None:
        self.attr = f"_{name}"

    def __get__(self, instance: t.Any, owner: t.Any = None) -> t.Any:
        if instance is None:
            return self
        return instance.__dict__[self.attr]

    def __set__(self, instance: t.Any, value: t.Any) -> None:
        instance.__dict__[self.attr] = value
        if instance.on_update is not None:
            instance.on_update(instance)


class ContentRange:
    """The ``Content-Range`` header: *units*, *start*, *stop* (exclusive), *length*.

    Changing an attribute calls ``on_update(self)`` so a response rewrites its header.
    """

    units: str | None = _CallbackProperty()  # type: ignore[assignment]
    start: int | None = _CallbackProperty()  # type: ignore[assignment]
    stop: int | None = _CallbackProperty()  # type: ignore[assignment]
    length: int | None = _CallbackProperty()  # type: ignore[assignment]

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: cabc.Callable[[ContentRange], None] | None = None,
    ) -> None:
        self.on_update = on_update
        self.set(start, stop, length, units)

    def set(
        self,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        units: str | None = "bytes",
    ) -> None:
        """Set every field at once; an invalid range raises ``ValueError``."""
        if not is_byte_range_valid(start, stop, length):
            raise ValueError(f"invalid content range: start={start} stop={stop} length={length}")
        self.__dict__.update(_units=units, _start=start, _stop=stop, _length=length)
        if self.on_update is not None:
            self.on_update(self)

    def unset(self) -> None:
        """Clear the header (``units`` becomes None)."""
        self.set(None, None, units=None)

    def to_header(self) -> str:
        """The header value, e.g. ``bytes 0-499/1234``."""
        units = self.__dict__["_units"]
        if units is None:
            return ""
        length = self.__dict__["_length"]
        start = self.__dict__["_start"]
        length_str = "*" if length is None else str(length)
        if start is None:
            return f"{units} */{length_str}"
        return f"{units} {start}-{self.__dict__['_stop'] - 1}/{length_str}"

    def __bool__(self) -> bool:
        return self.__dict__["_units"] is not None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"


def parse_if_range_header(value: str | None) -> IfRange:
    """Parse ``If-Range`` (a date or an etag, weakness dropped)."""
    if not value:
        return IfRange()
    dt = parse_date(value)
    if dt is not None:
        return IfRange(date=dt)
    etag = unquote_etag(value)[0]
    if etag is None or '"' in etag:  # a malformed etag from the client: ignore the header
        return IfRange()
    return IfRange(etag)


def parse_range_header(value: str | None, make_inclusive: bool = True) -> Range | None:
    """Parse ``Range: bytes=0-499,-500`` into a :class:`Range` (stops exclusive).

    A missing, malformed, overlapping or unordered header gives None (serve the whole
    body), as RFC 9110 allows.
    """
    if not value or "=" not in value:
        return None
    ranges: list[tuple[int, int | None]] = []
    last_end = 0
    units, rng = value.split("=", 1)
    units = units.strip().lower()
    for item in rng.split(","):
        item = item.strip()
        if "-" not in item:
            return None
        end: int | None
        if item.startswith("-"):
            if last_end < 0:
                return None
            try:
                begin = _plain_int(item)
            except ValueError:
                return None
            end = None
            last_end = -1
        else:
            begin_str, end_str = item.split("-", 1)
            try:
                begin = _plain_int(begin_str)
            except ValueError:
                return None
            if begin < last_end or last_end < 0:
                return None
            end_str = end_str.strip()
            if end_str:
                try:
                    end = _plain_int(end_str) + 1
                except ValueError:
                    return None
                if begin >= end:
                    return None
            else:
                end = None
            last_end = end if end is not None else -1
        ranges.append((begin, end))
    return Range(units, ranges)


def parse_content_range_header(
    value: str | None, on_update: t.Callable[[ContentRange], None] | None = None
) -> ContentRange | None:
    """Parse ``Content-Range: bytes 0-499/1234``; None if malformed."""
    if value is None:
        return None
    try:
        units, rangedef = (value or "").strip().split(None, 1)
    except ValueError:
        return None
    if "/" not in rangedef:
        return None
    rng, length_str = rangedef.split("/", 1)
    length: int | None
    if length_str == "*":
        length = None
    else:
        try:
            length = _plain_int(length_str)
        except ValueError:
            return None
    if rng == "*":
        if not is_byte_range_valid(None, None, length):
            return None
        return ContentRange(units, None, None, length, on_update=on_update)
    if "-" not in rng:
        return None
    start_str, stop_str = rng.split("-", 1)
    try:
        start = _plain_int(start_str)
        stop = _plain_int(stop_str) + 1
    except ValueError:
        return None
    if is_byte_range_valid(start, stop, length):
        return ContentRange(units, start, stop, length, on_update=on_update)
    return None


def is_byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """True if ``[start, stop)`` is a valid range within *length* (None = unknown)."""
    if (start is None) != (stop is None):
        return False
    if start is None:
        return length is None or length >= 0
    if length is None:
        return 0 <= start < stop  # type: ignore[operator]
    if start >= stop:  # type: ignore[operator]
        return False
    return 0 <= start < length
