"""URL converters: the ``int`` in ``/post/<int:post_id>``.

A converter supplies the regex a URL segment must match, turns the matched text into a
Python value (``to_python``) and turns a value back into URL text (``to_url``). Custom
converters subclass :class:`BaseConverter` and are registered in
``app.url_map.converters``; the interface is Werkzeug's, so converters written for Flask work
unchanged.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import quote

if t.TYPE_CHECKING:
    import uuid

    from .map import Map

# Characters a path segment may carry unquoted (WHATWG "url-path-segment-string").
PATH_SAFE = "!$&'()*+,/:;=@"


class ValidationError(ValueError):
    """Raised by ``to_python`` (or ``to_url``) when a value does not fit the converter.

    During matching the rule then does not match (404); during building it is skipped.
    """


class BaseConverter:
    """Base class of every converter.

    ``regex`` is matched against one path segment (or, when ``part_isolating`` is false,
    against the rest of the path). ``weight`` orders dynamic segments: lower weights are
    tried first, so ``int`` (50) wins over ``string`` (100) over ``path`` (200).
    """

    regex = "[^/]+"
    weight = 100
    part_isolating = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # A custom regex that can match "/" makes the converter consume several segments.
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: t.Any, **kwargs: t.Any) -> None:
        self.map = map

    def to_python(self, value: str) -> t.Any:
        """Convert the matched URL text to the value passed to the view."""
        return value

    def _matcher_to_python(self) -> t.Callable[[str], t.Any]:
        # What the matcher calls per request: to_python, or a cheaper callable that does
        # the same for this converter's settings (read once, when the rule is compiled).
        return self.to_python

    def to_url(self, value: t.Any) -> str:
        """Convert a value to URL text, percent-quoting what a segment may not carry."""
        return quote(str(value), safe=PATH_SAFE)


class UnicodeConverter(BaseConverter):
    """``string`` (the default): any text without a slash.

    ``minlength`` (default 1), ``maxlength`` and ``length`` bound its length.
    """

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            bounds = f"{{{int(length)}}}"
        else:
            upper = "" if maxlength is None else int(maxlength)
            bounds = f"{{{int(minlength)},{upper}}}"
        self.regex = f"[^/]{bounds}"


class AnyConverter(BaseConverter):
    """``any(a, b, c)``: exactly one of the given items."""

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("The 'any' converter needs at least one item, e.g. any(a, b).")
        self.items = set(items)
        self.regex = "(?:{})".format("|".join(re.escape(x) for x in items))

    def to_url(self, value: t.Any) -> str:
        if value in self.items:
            return str(value)
        valid = ", ".join(f"'{item}'" for item in sorted(self.items))
        raise ValueError(f"'{value}' is not one of {valid}")


class PathConverter(BaseConverter):
    """``path``: like ``string`` but also accepts slashes; consumes the rest of the path."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False


class NumberConverter(BaseConverter):
    """Shared base of ``int`` and ``float``: ``fixed_digits``, ``min``, ``max``, ``signed``."""

    weight = 50
    num_convert: t.Callable[[str], t.Any] = int
    base_regex = r"\d+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        if signed:
            self.regex = f"-?{self.base_regex}"
        else:
            self.regex = self.base_regex
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed

    def _matcher_to_python(self) -> t.Callable[[str], t.Any]:
        if (
            type(self).to_python is NumberConverter.to_python
            and not self.fixed_digits
            and self.min is None
            and self.max is None
        ):
            # to_python below checks nothing for these settings: it is num_convert (the
            # regex already admitted the text), without a Python call around it.
            return self.num_convert
        return self.to_python

    def to_python(self, value: str) -> t.Any:
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError()
        number = self.num_convert(value)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: t.Any) -> str:
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """``int``: a non-negative integer (``signed=True`` allows a leading minus)."""

    base_regex = r"\d+"


class FloatConverter(NumberConverter):
    """``float``: digits, a dot, digits (``1.5``; ``1`` does not match, as in Flask)."""

    base_regex = r"\d+\.\d+"
    num_convert = float

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)  # type: ignore[arg-type]


class UUIDConverter(BaseConverter):
    """``uuid``: a hyphenated UUID; the view receives a :class:`uuid.UUID`."""

    regex = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        # uuid (with platform, about 0.3 MB) loads with the first UUID in a URL.
        import uuid

        return uuid.UUID(value)

    def to_url(self, value: t.Any) -> str:
        return str(value)


DEFAULT_CONVERTERS: t.Mapping[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}
