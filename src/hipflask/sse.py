"""Server-sent events: ``text/event-stream`` responses from a generator.

::

    from hipflask.sse import Event, sse_response

    @app.route("/ticks")
    def ticks():
        def events():
            for i in range(3):
                yield Event(data=f"tick {i}", event="tick", id=str(i))
        return sse_response(events())

The generator yields :class:`Event` objects, plain strings (an event with only ``data``)
or dicts/lists (sent as JSON ``data``). Each is written in the wire format of the HTML
standard: ``event:``, ``id:`` and ``retry:`` fields, one ``data:`` line per line of the
data (so multi-line data arrives intact), a blank line after each event. Under ASGI the
generator may also be an async generator; under WSGI it must be a sync one (a WSGI server
cannot iterate an async generator), which is checked when the response is made.

The response carries ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no`` (so nginx
passes events through as they come instead of buffering them). To keep ``request`` usable
inside a sync generator, wrap it in ``stream_with_context`` as for any streamed body.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from .globals import _cv_app, current_app

if t.TYPE_CHECKING:
    from .wrappers import Response

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class Event:
    """One server-sent event. ``data`` may span lines; ``retry`` is in milliseconds;
    ``comment`` is sent as a ``:`` line (clients ignore it; useful as a keep-alive)."""

    data: t.Any = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def encode(self) -> str:
        """The event in the ``text/event-stream`` wire format, ending with a blank line."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _LINE_BREAK.split(self.comment))
        if self.event is not None:
            lines.append(f"event: {_single_line('event', self.event)}")
        if self.id is not None:
            if "\0" in self.id:
                raise ValueError("An event id must not contain NUL.")
            lines.append(f"id: {_single_line('id', self.id)}")
        if self.retry is not None:
            if not isinstance(self.retry, int) or isinstance(self.retry, bool) or self.retry < 0:
                raise ValueError(
                    f"retry must be a non-negative int (milliseconds), not {self.retry!r}."
                )
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            data = self.data
            if not isinstance(data, str):
                # Read the context variable itself: while an ASGI response streams, the app
                # context is unset (None), which the ``current_app`` proxy cannot test.
                app_ctx = _cv_app.get(None)
                data = app_ctx.app.json.dumps(data) if app_ctx is not None else _json_dumps(data)
            lines.extend(f"data: {line}" for line in _LINE_BREAK.split(data))
        if not lines:
            return ""
        return "\n".join(lines) + "\n\n"


def _json_dumps(data: t.Any) -> str:
    import json

    return json.dumps(data, separators=(",", ":"))


def _single_line(field: str, value: str) -> str:
    if _LINE_BREAK.search(value):
        raise ValueError(f"The SSE {field!r} field must be one line, got {value!r}.")
    return value


def format_event(item: t.Any) -> str:
    """Encode one item a generator yielded: an :class:`Event`, a ``str`` (data) or other
    data (JSON)."""
    if isinstance(item, Event):
        return item.encode()
    return Event(data=item).encode()


class _SyncEvents:
    __slots__ = ("_source",)

    def __init__(self, source: t.Iterable[t.Any]) -> None:
        self._source = iter(source)

    def __iter__(self) -> _SyncEvents:
        return self

    def __next__(self) -> bytes:
        return format_event(next(self._source)).encode()

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()


async def _async_events(source: t.AsyncIterable[t.Any]) -> t.AsyncIterator[bytes]:
    iterator = source.__aiter__()
    try:
        async for item in iterator:
            yield format_event(item).encode()
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def sse_response(
    source: t.Iterable[t.Any] | t.AsyncIterable[t.Any],
    status: int = 200,
    headers: t.Mapping[str, str] | None = None,
) -> Response:
    """A streamed ``text/event-stream`` response of the events *source* yields."""
    body: t.Any
    if hasattr(source, "__aiter__"):
        # asyncio loads only for async event sources.
        from .asgi.bridge import _cv_loop

        if _cv_loop.get(None) is None:
            raise TypeError(
                "An async generator of server-sent events needs the app served over ASGI"
                " (app.asgi_app); under WSGI use a plain generator."
            )
        body = _async_events(t.cast(t.AsyncIterable[t.Any], source))
    else:
        body = _SyncEvents(source)
    response = current_app.response_class(body, status=status, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    if headers:
        response.headers.update(headers)
    return response


__all__ = ["Event", "format_event", "sse_response"]
