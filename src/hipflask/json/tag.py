"""Tagged JSON: lossless JSON for a few Python types JSON lacks.

The signed-cookie session stores its data with :class:`TaggedJSONSerializer`. A value JSON cannot
represent (a tuple, bytes, ``Markup``, a ``UUID``, a ``datetime``, or a dict whose only key looks
like a tag) is written as a one-key object ``{" <tag>": <json>}`` and turned back into the Python
type when loaded.

The wire format is exactly Flask's (``flask.json.tag``): the same tag keys, the same encodings
(base64 for bytes, hex for UUIDs, HTTP dates for datetimes) and the same escaping of dicts that
would otherwise be mistaken for a tag. That is what lets a session cookie written by a Flask app be
read by a hipflask app with the same secret key, and the other way round.

New types are supported by subclassing :class:`JSONTag` and calling
:meth:`TaggedJSONSerializer.register`; a tag for a special case of a type that already has one
(an ``OrderedDict`` is also a ``dict``) is registered with ``index=0`` so it is tried first.
"""

from __future__ import annotations

import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup

from ..http import http_date, parse_date
from . import dumps, loads

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One type the :class:`TaggedJSONSerializer` knows how to encode.

    A subclass sets :attr:`key` (the marker written in the JSON, by convention a space followed
    by a short name so it cannot clash with ordinary keys) and implements :meth:`check`,
    :meth:`to_json` and :meth:`to_python`. A tag with an empty key only rewrites a value on the
    way out (used for plain dicts and lists, whose items may need tagging) and is never looked
    up when loading.
    """

    __slots__ = ("serializer",)

    #: Marker written as the single key of the tagged object; empty for pass-through tags.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        """Bind the tag to the serializer that owns it, so it can tag nested values."""
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Return whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Turn ``value`` into JSON-compatible data (without the tag marker)."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Turn the JSON data found under this tag's key back into the Python value."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """Return ``value`` encoded and wrapped as ``{key: encoded}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """Escapes a one-key dict whose key is itself a tag marker.

    Without this, ``{" t": [1]}`` would come back as the tuple ``(1,)``. The key gets a ``__``
    suffix inside a ``" di"`` tag, and loses it again when loaded.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        """Match dicts of exactly one key that names a registered tag."""
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        """Suffix the key with ``__`` and tag its value."""
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: t.Any) -> t.Any:
        """Strip the ``__`` suffix added by :meth:`to_json`."""
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Leaves a dict as a JSON object but tags each of its values."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        """Match any dict (one-key tag look-alikes were caught by :class:`TagDict` first)."""
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        """Tag the values; JSON keys are always strings, so keys are left alone."""
        return {k: self.serializer.tag(v) for k, v in value.items()}

    # A plain object needs no marker of its own.
    tag = to_json


class TagTuple(JSONTag):
    """Encodes a tuple as a tagged list so it does not come back as a list."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        """Match tuples (named tuples included; they load as plain tuples)."""
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        """Tag each item."""
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the tuple."""
        return tuple(value)


class PassList(JSONTag):
    """Leaves a list as a JSON array but tags each of its items."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        """Match lists."""
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        """Tag each item."""
        return [self.serializer.tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Encodes bytes as standard base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        """Match ``bytes``."""
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        """Return the base64 text of ``value``."""
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        """Decode the base64 text."""
        return b64decode(value)


class TagMarkup(JSONTag):
    """Encodes anything with an ``__html__`` method as its HTML; loads as ``Markup``.

    Keeping safe strings safe across requests matters: a flashed ``Markup`` message must not be
    escaped a second time when the next page renders it.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        """Match objects following the ``__html__`` protocol."""
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        """Return the object's HTML as a plain string."""
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        """Wrap the HTML in ``Markup``."""
        return Markup(value)


class TagUUID(JSONTag):
    """Encodes a UUID as its 32-digit hex form."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        """Match ``uuid.UUID``."""
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        """Return ``value.hex``."""
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        """Parse the hex form."""
        return UUID(value)


class TagDateTime(JSONTag):
    """Encodes a datetime as an HTTP date (UTC, whole seconds), as Flask does.

    The format is lossy on purpose, to stay wire-compatible with Flask: microseconds are dropped,
    a naive datetime is taken to be UTC, and the loaded value is always timezone-aware UTC.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        """Match ``datetime.datetime``."""
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        """Return the HTTP date string."""
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        """Parse the HTTP date into an aware UTC datetime."""
        return parse_date(value)


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSerializer:
    """Compact JSON serializer that round-trips dict, tuple, bytes, Markup, UUID and datetime.

    It is what the session interface hands to itsdangerous as its payload serializer. Tags are
    tried in :attr:`order` when dumping (first match wins) and looked up by key in :attr:`tags`
    when loading. JSON is produced through :func:`hipflask.json.dumps`, so inside an app context
    the app's JSON provider is used, exactly as Flask does.
    """

    __slots__ = ("_scalars_pass", "order", "tags")

    #: Tag classes every new serializer starts with, in matching order.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        """Create a serializer with the :attr:`default_tags` registered."""
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._scalars_pass = True
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag type to this serializer.

        ``tag_class`` is instantiated with this serializer. A key that is already registered
        raises ``KeyError`` unless ``force`` is true (then the new tag replaces it for loading).
        ``index`` places the tag in the matching order (``None`` appends it); use ``0`` for a
        special case of a type an existing tag already matches.
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag {key!r} is already registered; pass force=True to replace it.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        # No built-in tag matches a plain str, int, float, bool or None; a registered one
        # may, and then every value goes through every check again.
        self._scalars_pass = all(type(known) in _BUILTIN_TAGS for known in self.order)

    def tag(self, value: t.Any) -> t.Any:
        """Return ``value`` with every non-JSON part replaced by its tagged form."""
        # Fast path: most session values are plain scalars, which no built-in tag changes.
        if type(value) in _JSON_SCALARS and self._scalars_pass:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Turn one tagged object back into its Python value; other dicts are returned as is."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Inner values first, so a tag's to_python always receives already-restored items.
        if isinstance(value, dict):
            return self.untag({k: self._untag_scan(v) for k, v in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and return it as compact JSON text."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Parse JSON text and restore every tagged value in it."""
        return self._untag_scan(loads(value))


_BUILTIN_TAGS = frozenset(TaggedJSONSerializer.default_tags)
