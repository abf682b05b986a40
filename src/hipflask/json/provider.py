"""JSON providers: how the app serialises ``jsonify`` output and parses request bodies.

Replace ``app.json`` (or set ``Flask.json_provider_class``) to change the library or its
options, e.g. :class:`OrjsonProvider` for speed.
"""

from __future__ import annotations

import json
import sys
import typing as t
import weakref
from datetime import date

from ..http import http_date

if t.TYPE_CHECKING:
    from ..app import Flask
    from ..wrappers import Response


class JSONProvider:
    """Base class: ``dumps``/``loads`` plus ``response()`` for ``jsonify``.

    Subclasses implement :meth:`dumps` and :meth:`loads`; everything else builds on them.
    """

    def __init__(self, app: Flask) -> None:
        self._app: Flask = weakref.proxy(app)  # type: ignore[assignment]

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise *obj* to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialise *obj* into the text file *fp*."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON document."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Parse the JSON document in file *fp*."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both.")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A response whose body is the JSON of *args* (one value or a list) or *kwargs*."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    if isinstance(o, date):
        return http_date(o)
    # A Decimal, UUID or dataclass instance means its module is loaded: looking it up in
    # sys.modules rather than importing it keeps decimal, uuid and dataclasses (about 1.5 MB
    # together) out of every app that never serialises one.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(o, decimal.Decimal):
        return str(o)
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(o, uuid.UUID):
        return str(o)
    dataclasses = sys.modules.get("dataclasses")
    if dataclasses is not None and dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


# The scanner of a default decoder: what json.loads(s) runs when given no options.
_scan_once: t.Callable[[str, int], tuple[t.Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_COMPACT = {"separators": (",", ":")}
# First bytes of a body json.loads reads as UTF-8 when the next byte is not NUL.
_UTF8_OBJECT_STARTS = (b"{", b"[")
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_basestring_ascii = json.encoder.encode_basestring_ascii
_encode_basestring = json.encoder.encode_basestring


def _make_compact_encoder(
    default: t.Callable[[t.Any], t.Any], ensure_ascii: bool, sort_keys: bool
) -> t.Callable[[t.Any], str]:
    """A reusable ``obj -> str`` encoder with ``(",", ":")`` separators."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # no C speedups: the pure-Python encoder, built once
        encoder = json.JSONEncoder(
            default=default, ensure_ascii=ensure_ascii, sort_keys=sort_keys, separators=(",", ":")
        )
        return encoder.encode
    encode_string = (
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    )
    c_encode = c_make_encoder(None, default, encode_string, None, ":", ",", sort_keys, False, True)

    def encode(obj: t.Any) -> str:
        return "".join(c_encode(obj, 0))

    return encode


class DefaultJSONProvider(JSONProvider):
    """The standard library ``json`` with Flask's defaults.

    Serialises dates as HTTP dates, ``Decimal`` and ``UUID`` as strings, dataclasses as
    dicts and objects with ``__html__`` as their markup. Keys are sorted and output is ASCII;
    responses are compact unless the app is in debug mode (``compact`` overrides).
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)
    ensure_ascii = True
    sort_keys = True
    compact: bool | None = None
    mimetype = "application/json"

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        # Compact encoders by options. ``json.dumps(obj, **options)`` builds a JSONEncoder and
        # then a C encoder on every call, which costs more than encoding a small dict; the C
        # encoder is built once here instead (without circular-reference markers, whose state
        # would leak between calls; a circular structure raises RecursionError instead).
        self._encoders: dict[tuple[t.Any, ...], t.Callable[[t.Any], str]] = {}

    def _compact_encoder(self) -> t.Callable[[t.Any], str]:
        key = (self.default, self.ensure_ascii, self.sort_keys)
        encode = self._encoders.get(key)
        if encode is None:
            encode = self._encoders[key] = _make_compact_encoder(*key)
        return encode

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """``json.dumps`` with this provider's ``default``, ``ensure_ascii`` and ``sort_keys``."""
        if kwargs == _COMPACT and _c_make_encoder is not None:
            # The session serializer's call (compact separators, nothing else): the C encoder
            # json.dumps would build, without the JSONEncoder object around it. Fresh
            # circular-reference markers per call, so the output and errors are json.dumps'.
            encode_string = _encode_basestring_ascii if self.ensure_ascii else _encode_basestring
            chunks = _c_make_encoder(
                {}, self.default, encode_string, None, ":", ",", self.sort_keys, False, True
            )(obj, 0)
            return "".join(chunks)
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """``json.loads``."""
        if not kwargs:
            # The scanner json.loads ends up in, without the Python layers around it (the
            # session cookie is parsed on every request that uses it). Anything it does not
            # take whole (whitespace around, extra data, errors) goes through json.loads for
            # the same result or the same error.
            text = s
            if s.__class__ is bytes and s[:1] in _UTF8_OBJECT_STARTS and s[1:2] != b"\0":
                # A request body: json.loads would detect UTF-8 here (no BOM, no NUL in the
                # first two bytes) and decode with surrogatepass, as this does.
                try:
                    text = s.decode("utf-8", "surrogatepass")
                except UnicodeDecodeError:
                    pass
            if text.__class__ is str:
                try:
                    obj, end = _scan_once(text, 0)
                except StopIteration:
                    pass
                else:
                    if end == len(text):
                        return obj
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response, indented in debug mode, compact otherwise, ending in a newline."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.response_text(obj), mimetype=self.mimetype)

    def response_text(self, obj: t.Any) -> str:
        """The body :meth:`response` sends for *obj* (the request paths use it to answer a
        view's dict or list without building a response object nobody sees)."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            body = self.dumps(obj, indent=2)
        elif type(self).dumps is not DefaultJSONProvider.dumps:  # a subclass's dumps wins
            body = self.dumps(obj, separators=(",", ":"))
        else:
            body = self._compact_encoder()(obj)
        return f"{body}\n"


class OrjsonProvider(DefaultJSONProvider):
    """A faster provider on ``orjson`` (``pip install hipflask[orjson]``).

    Same output rules as :class:`DefaultJSONProvider` (dates as HTTP dates, sorted keys,
    non-string keys allowed) except that non-ASCII text is written as UTF-8 rather than
    ``\\u`` escapes (orjson cannot escape it). Values orjson cannot encode (integers beyond
    64 bits) fall back to the standard library. Enable it with ``app.json = OrjsonProvider(app)``.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        import orjson

        self._orjson = orjson

    def _options(self, indent: bool = False) -> int:
        orjson = self._orjson
        option = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
        if self.sort_keys:
            option |= orjson.OPT_SORT_KEYS
        if indent:
            option |= orjson.OPT_INDENT_2
        result: int = option
        return result

    def _encode(self, obj: t.Any, indent: bool = False) -> bytes:
        try:
            return self._orjson.dumps(obj, default=self.default, option=self._options(indent))
        except self._orjson.JSONEncodeError:
            text = super().dumps(obj, indent=2 if indent else None, ensure_ascii=False)
            return text.encode()

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise with orjson (falls back to the stdlib for options it lacks)."""
        if kwargs:
            return super().dumps(obj, **kwargs)
        return self._encode(obj).decode()

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse with orjson."""
        if kwargs:
            return super().loads(s, **kwargs)
        try:
            return self._orjson.loads(s)
        except self._orjson.JSONDecodeError as e:
            raise ValueError(str(e)) from None

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response encoded by orjson."""
        obj = self._prepare_response_obj(args, kwargs)
        indented = bool((self.compact is None and self._app.debug) or self.compact is False)
        return self._app.response_class(self._encode(obj, indented) + b"\n", mimetype=self.mimetype)
