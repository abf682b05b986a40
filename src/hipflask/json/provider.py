"""JSON providers: how the app serialises ``jsonify`` output and parses request bodies.

Replace ``app.json`` (or set ``Flask.json_provider_class``) to change the library or its
options, e.g. :class:`OrjsonProvider` for speed.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
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
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


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
        # Encoders by options: json.dumps(obj, **options) builds a new encoder on every call,
        # which costs more than encoding a small dict.
        self._encoders: dict[tuple[t.Any, ...], json.JSONEncoder] = {}

    def _encoder(self, indent: int | None) -> json.JSONEncoder:
        key = (self.default, self.ensure_ascii, self.sort_keys, indent)
        encoder = self._encoders.get(key)
        if encoder is None:
            encoder = self._encoders[key] = json.JSONEncoder(
                default=self.default,
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                indent=indent,
                separators=(",", ": ") if indent is not None else (",", ":"),
            )
        return encoder

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """``json.dumps`` with this provider's ``default``, ``ensure_ascii`` and ``sort_keys``."""
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """``json.loads``."""
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response, indented in debug mode, compact otherwise, ending in a newline."""
        obj = self._prepare_response_obj(args, kwargs)
        indented = (self.compact is None and self._app.debug) or self.compact is False
        body = self._encoder(2 if indented else None).encode(obj)
        return self._app.response_class(f"{body}\n", mimetype=self.mimetype)


class OrjsonProvider(DefaultJSONProvider):
    """A faster provider on ``orjson`` (``pip install hipflask[orjson]``).

    Same defaults as :class:`DefaultJSONProvider` except that non-ASCII text is written as
    UTF-8 rather than ``\\u`` escapes (orjson cannot escape it). Enable it with
    ``app.json = OrjsonProvider(app)``.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        import orjson

        self._orjson = orjson

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialise with orjson (falls back to the stdlib for options it lacks)."""
        if kwargs:
            return super().dumps(obj, **kwargs)
        option = self._orjson.OPT_SORT_KEYS if self.sort_keys else 0
        return self._orjson.dumps(obj, default=self.default, option=option).decode()

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
        indented = (self.compact is None and self._app.debug) or self.compact is False
        option = self._orjson.OPT_SORT_KEYS if self.sort_keys else 0
        if indented:
            option |= self._orjson.OPT_INDENT_2
        body = self._orjson.dumps(obj, default=self.default, option=option)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)
