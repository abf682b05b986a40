"""HTML representations of Python objects for the debugger's consoles.

The interactive console shows the value of every expression it evaluates. The value may be
anything the application had lying around: a 50 MB string, a list with a million items, a
self-referencing dict, an object whose ``__repr__`` raises, or text an attacker put in a
request (``<script>``). Everything here therefore

* HTML-escapes every piece of text that comes from an object (the output is inserted into the
  debugger page as HTML);
* shows only a bounded amount: long strings and containers get a visible head, a collapsed
  tail the page can expand, and a hard cap after which the rest is only counted;
* survives broken ``__repr__`` methods and recursive containers.

This is hipflask's counterpart of ``werkzeug.debug.repr``; the output classes are hipflask's own
(the page's CSS and JavaScript know them), not Werkzeug's.
"""

from __future__ import annotations

import pydoc
import re
import sys
import typing as t
from collections import deque
from traceback import format_exception_only

from markupsafe import escape

__all__ = ["DebugReprGenerator", "debug_repr", "dump", "helper"]

_missing: t.Any = object()

# Reprs of types that print like their literal; subclasses get their class name around them.
_PLAIN_CONTAINERS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    deque: ("deque([", "])"),
}


def _shown_class_name(obj: object) -> str:
    """``module.Class`` for objects whose class is not a builtin, ``Class`` otherwise."""
    cls = type(obj)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


class DebugReprGenerator:
    """Turns objects into escaped, size-limited HTML.

    One generator renders one value (it tracks the containers it is inside of to detect
    recursion), so create a new one per value, or use :func:`debug_repr`.

    The limits are class attributes so a subclass (or a test) can change them:
    ``string_limit`` characters of a string are shown, up to ``max_string_length`` more are
    sent collapsed, the rest is counted; containers show ``items_limit`` items, send up to
    ``max_items`` collapsed and count the rest; nesting deeper than ``max_depth`` shows
    ``...``; a plain ``repr()`` longer than ``max_object_repr`` is cut.
    """

    string_limit = 120
    max_string_length = 20_000
    items_limit = 10
    max_items = 500
    max_depth = 8
    max_object_repr = 4_000

    def __init__(self) -> None:
        self._stack: list[int] = []

    # -- entry points ---------------------------------------------------------------------

    def repr(self, obj: object) -> str:
        """The HTML for *obj*; never raises for a broken ``__repr__``."""
        if id(obj) in self._stack:
            return self._recursive(obj)
        if len(self._stack) >= self.max_depth:
            return '<span class="ellipsis">...</span>'
        self._stack.append(id(obj))
        try:
            return self._dispatch(obj)
        except Exception:
            return self._broken(sys.exc_info()[1])
        finally:
            self._stack.pop()

    def dump_object(self, obj: object) -> str:
        """A table of the attributes of *obj* (or the items of a str-keyed dict)."""
        if isinstance(obj, dict) and all(isinstance(key, str) for key in obj):
            rows = [(key, self._fresh_repr(value)) for key, value in obj.items()]
            title = f"Contents of {object.__repr__(obj)[1:-1]}"
            return self.render_object_dump(rows, title)
        rows = []
        for name in dir(obj):
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            rows.append((name, self._fresh_repr(value)))
        title = f"Details for {object.__repr__(obj)[1:-1]}"
        return self.render_object_dump(rows, title, self._fresh_repr(obj))

    def dump_locals(self, namespace: t.Mapping[str, t.Any]) -> str:
        """A table of the variables in *namespace* (what ``dump()`` shows in a frame)."""
        rows = [(str(key), self._fresh_repr(value)) for key, value in namespace.items()]
        return self.render_object_dump(rows, "Local variables")

    def render_object_dump(
        self, rows: list[tuple[str, str]], title: str, value_html: str | None = None
    ) -> str:
        """Wrap already-rendered *rows* (name, value HTML) in the dump box markup."""
        cells = [
            f"<tr><th>{escape(name)}</th><td><pre class=repr>{html}</pre></td></tr>"
            for name, html in rows
        ] or ["<tr><td><em>nothing</em></td></tr>"]
        head = f"<pre class=repr>{value_html}</pre>" if value_html is not None else ""
        return (
            f'<div class="box"><h3>{escape(title)}</h3>{head}<table>{"".join(cells)}</table></div>'
        )

    # -- per type ---------------------------------------------------------------------------

    def _fresh_repr(self, obj: object) -> str:
        return type(self)().repr(obj)

    def _dispatch(self, obj: object) -> str:
        if obj is helper:
            return f'<span class="help">{escape(repr(helper))}</span>'
        if obj is None or isinstance(obj, bool):
            return f'<span class="keyword">{obj!r}</span>'
        if isinstance(obj, (int, float, complex)):
            return self._number(obj)
        if isinstance(obj, (str, bytes, bytearray)):
            return self._string(obj)
        if isinstance(obj, re.Pattern):
            return f're.compile(<span class="string regex">{escape(repr(obj.pattern))}</span>)'
        if isinstance(obj, dict):
            return self._dict(obj)
        for base, (left, right) in _PLAIN_CONTAINERS.items():
            if isinstance(obj, base):
                return self._sequence(t.cast(t.Iterable[t.Any], obj), base, left, right)
        return self._object(obj)

    def _number(self, obj: complex | float | int) -> str:
        text = repr(obj)
        if len(text) > self.max_object_repr:
            # Huge ints: repr itself is bounded by sys.int_info, but keep the page small.
            text = f"{text[: self.string_limit]}... ({len(text)} digits)"
        return f'<span class="number">{escape(text)}</span>'

    def _string(self, obj: str | bytes | bytearray) -> str:
        if len(obj) > self.max_string_length:
            hidden = len(obj) - self.max_string_length
            text = repr(obj[: self.max_string_length])
            tail = f'<span class="count"> ({hidden} more characters)</span>'
        else:
            text, tail = repr(obj), ""
        html = f'<span class="string">{self._collapse(text)}{tail}</span>'
        exact = type(obj) in (str, bytes, bytearray)
        return html if exact else f"{escape(_shown_class_name(obj))}({html})"

    def _collapse(self, text: str) -> str:
        """Escape *text*, hiding what is past ``string_limit`` in an expandable span."""
        # Only collapse when the hidden part is worth a click.
        if len(text) - self.string_limit <= 3:
            return str(escape(text))
        head, rest = text[: self.string_limit], text[self.string_limit :]
        return f'{escape(head)}<span class="extended">{escape(rest)}</span>'

    def _sequence(self, obj: t.Iterable[t.Any], base: type, left: str, right: str) -> str:
        parts: list[str] = []
        total = len(obj) if isinstance(obj, t.Sized) else None
        for index, item in enumerate(obj):
            if index == self.max_items:
                break
            parts.append(self.repr(item))
        body = self._join_items(parts, total)
        html = f"{escape(left)}{body}{escape(right)}"
        return html if type(obj) is base else f"{escape(_shown_class_name(obj))}({html})"

    def _dict(self, obj: dict[t.Any, t.Any]) -> str:
        parts: list[str] = []
        for index, (key, value) in enumerate(obj.items()):
            if index == self.max_items:
                break
            parts.append(
                f'<span class="pair"><span class="key">{self.repr(key)}</span>: '
                f'<span class="value">{self.repr(value)}</span></span>'
            )
        html = f"{{{self._join_items(parts, len(obj))}}}"
        return html if type(obj) is dict else f"{escape(_shown_class_name(obj))}({html})"

    def _join_items(self, parts: list[str], total: int | None) -> str:
        shown = ", ".join(parts[: self.items_limit])
        if len(parts) > self.items_limit:
            shown += f'<span class="extended">, {", ".join(parts[self.items_limit :])}</span>'
        if total is not None and total > len(parts):
            shown += f'<span class="count">, ... ({total - len(parts)} more)</span>'
        return shown

    def _object(self, obj: object) -> str:
        text = repr(obj)
        if len(text) > self.max_object_repr:
            hidden = len(text) - self.max_object_repr
            text = text[: self.max_object_repr]
            count = f'<span class="count"> ({hidden} more characters)</span>'
        else:
            count = ""
        return f'<span class="object">{self._collapse(text)}{count}</span>'

    def _recursive(self, obj: object) -> str:
        return f'<span class="ellipsis">&lt;recursive {escape(type(obj).__name__)}&gt;</span>'

    def _broken(self, error: BaseException | None) -> str:
        try:
            info = "".join(format_exception_only(type(error), error)).strip()
        except Exception:
            info = "?"
        return f'<span class="brokenrepr">&lt;repr failed: {escape(info)}&gt;</span>'


def debug_repr(obj: object) -> str:
    """The escaped, size-limited HTML representation of *obj* (what the console displays)."""
    return DebugReprGenerator().repr(obj)


def dump(obj: object = _missing) -> None:
    """Console helper: ``dump()`` lists the current frame's variables, ``dump(x)`` the
    attributes of *x*. Writes HTML to the console's output, so it only works inside one."""
    # The console imports this module for its reprs; its output sink is looked up here.
    from .console import write_html

    generator = DebugReprGenerator()
    if obj is _missing:
        html = generator.dump_locals(sys._getframe(1).f_locals)
    else:
        html = generator.dump_object(obj)
    write_html(html)


class _Helper:
    """Console helper: ``help(x)`` shows pydoc's text for *x* inside the console output."""

    def __repr__(self) -> str:
        return "Type help(object) for help about object."

    def __call__(self, topic: t.Any = _missing) -> None:
        from .console import write_html  # see dump()

        if topic is _missing:
            write_html(f'<span class="help">{escape(repr(self))}</span>')
            return
        try:
            text = pydoc.render_doc(topic, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
        except Exception as error:  # e.g. help("no.such.module")
            text = f"No help available\n{error}"
        title, _, body = text.partition("\n")
        write_html(
            f'<div class="box"><h3>{escape(title)}</h3><pre class="help">{escape(body)}</pre></div>'
        )


helper = _Helper()
