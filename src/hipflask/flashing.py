"""Message flashing: a message recorded in one request and shown in the next one.

``flash()`` appends ``(category, message)`` to the list stored under ``session["_flashes"]``;
``get_flashed_messages()`` takes that list out of the session (so each message is shown once)
and keeps it on the request context, so every call during the same request (the layout template
and a view, say) sees the same messages. Storage format and behaviour are Flask's, so messages
flashed by a Flask app sharing the session cookie show up in a hipflask app and vice versa.

Both functions are re-exported by :mod:`hipflask` and :mod:`hipflask.helpers`, and
``get_flashed_messages`` is a Jinja global.
"""

from __future__ import annotations

import typing as t
from collections.abc import Collection

from .globals import current_app, request_ctx, session
from .signals import message_flashed

__all__ = ["flash", "get_flashed_messages"]

_FLASHES_KEY = "_flashes"


def flash(message: str, category: str = "message") -> None:
    """Record ``message`` for the user's next page view and send ``message_flashed``.

    ``category`` is free text; ``"message"``, ``"error"``, ``"info"`` and ``"warning"`` are the
    usual ones. Needs a request context and, since it writes the session, a secret key.
    """
    # Read, append and store back (rather than mutating the stored list in place) so that the
    # session sees a write: session backends only persist data they know has changed.
    flashes = session.get(_FLASHES_KEY, [])
    flashes.append((category, message))
    session[_FLASHES_KEY] = flashes
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    message_flashed.send(app, _async_wrapper=app.ensure_sync, message=message, category=category)


@t.overload
def get_flashed_messages(
    with_categories: t.Literal[False] = False, category_filter: t.Iterable[str] = ()
) -> list[str]: ...


@t.overload
def get_flashed_messages(
    with_categories: t.Literal[True], category_filter: t.Iterable[str] = ()
) -> list[tuple[str, str]]: ...


@t.overload
def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]: ...


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Return the messages flashed for this user and remove them from the session.

    Later calls during the same request return the same messages. ``with_categories=True``
    returns ``(category, message)`` pairs instead of bare messages. ``category_filter`` keeps
    only the messages of the given categories; the others are still consumed, as in Flask.
    The result is always a new list (Flask sometimes hands out its cached list, so a caller
    mutating it would change what later calls in the request see).
    """
    flashes: list[tuple[str, str]] | None = request_ctx.flashes
    if flashes is None:
        flashes = session.pop(_FLASHES_KEY) if _FLASHES_KEY in session else []
        request_ctx.flashes = flashes
    if category_filter:
        # A one-shot iterator would be exhausted by the first membership test.
        wanted = (
            category_filter if isinstance(category_filter, Collection) else tuple(category_filter)
        )
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return list(flashes)
    return [item[1] for item in flashes]
