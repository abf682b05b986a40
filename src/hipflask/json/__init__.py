"""JSON helpers that follow the current app's JSON provider (``app.json``)."""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app, current_app
from .provider import _default

if t.TYPE_CHECKING:
    from ..wrappers import Response


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialise *obj* with the current app's provider, or the stdlib outside an app."""
    # The app context read directly (not through ``current_app``, two calls per access):
    # sessions and request bodies come through here on every request that uses them.
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialise *obj* into the text file *fp*."""
    if current_app:
        current_app.json.dump(obj, fp, **kwargs)
    else:
        kwargs.setdefault("default", _default)
        _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Parse JSON with the current app's provider, or the stdlib outside an app."""
    app_ctx = _cv_app.get(None)  # see dumps()
    if app_ctx is not None:
        return app_ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Parse the JSON in file *fp*."""
    if current_app:
        return current_app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """A JSON response: one argument as is, several as a list, keyword arguments as a dict.

    Needs an application context (it uses ``current_app.json``).
    """
    return current_app.json.response(*args, **kwargs)


__all__ = ["dump", "dumps", "jsonify", "load", "loads"]
