"""The interactive Python console behind the debugger's prompts.

A :class:`Console` owns one namespace and evaluates the lines a browser sends, one request
per line, keeping variables between lines and collecting an incomplete block (``if x:``)
until it is complete, as the ``python`` prompt does. Each call returns an HTML fragment:
the echoed input, whatever the code printed (escaped) and the value of a trailing
expression (rendered by :mod:`.repr`).

Why not ``code.InteractiveInterpreter`` with a patched ``sys.displayhook`` (Werkzeug's
approach): the display hook is process-global; instead the last statement of the input is
split off with :mod:`ast` when it is an expression and its value is rendered directly.

``print()`` output: ``sys.stdout`` is process-global too. While at least one console is
running code, ``sys.stdout`` is replaced by a router that sends text written by the thread
running console code to that console's buffer, and everything else to the stream that was
there before; the original is put back when the last running console finishes.
"""

from __future__ import annotations

import ast
import codeop
import itertools
import linecache
import sys
import threading
import traceback
import typing as t
from contextvars import ContextVar
from types import CodeType

from markupsafe import escape

from .repr import debug_repr, dump, helper

__all__ = ["Console", "write_html"]

# The buffer of the console running in the current thread (None: not inside a console).
_capture: ContextVar[list[str] | None] = ContextVar("hipflask.debug.capture", default=None)

_router_lock = threading.Lock()
_router_users = 0
_saved_stdout: t.Any = None

# Every evaluated input gets its own pseudo file name so tracebacks of functions defined in
# the console can show their source later (the text is registered with linecache).
_input_numbers = itertools.count(1)


class _StdoutRouter:
    """Stands in for ``sys.stdout`` while console code runs (see the module docstring)."""

    def __init__(self, fallback: t.Any) -> None:
        self._fallback = fallback

    def write(self, text: str) -> int:
        buffer = _capture.get()
        if buffer is None:
            return t.cast(int, self._fallback.write(text))
        buffer.append(str(escape(text)))
        return len(text)

    def writelines(self, lines: t.Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if _capture.get() is None:
            self._fallback.flush()

    def isatty(self) -> bool:
        return False if _capture.get() is not None else bool(self._fallback.isatty())

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._fallback, name)


def _start_capture(buffer: list[str]) -> object:
    global _router_users, _saved_stdout
    with _router_lock:
        if _router_users == 0:
            _saved_stdout = sys.stdout
            sys.stdout = t.cast(t.TextIO, _StdoutRouter(sys.stdout))
        _router_users += 1
    return _capture.set(buffer)


def _stop_capture(token: t.Any) -> None:
    global _router_users, _saved_stdout
    _capture.reset(token)
    with _router_lock:
        _router_users -= 1
        if _router_users == 0:
            # Someone may have replaced sys.stdout meanwhile (a test's capture); keep theirs.
            if isinstance(sys.stdout, _StdoutRouter):
                sys.stdout = _saved_stdout
            _saved_stdout = None


def write_html(html: str) -> None:
    """Append trusted HTML to the output of the console running in this thread.

    Used by the console helpers (``dump``, ``help``) whose output is markup; outside a
    console the HTML goes to ``sys.stdout`` as text.
    """
    buffer = _capture.get()
    if buffer is None:
        sys.stdout.write(html)
    else:
        buffer.append(html)


class Console:
    """An interactive console over one namespace.

    ``Console(globals, locals)`` starts from a merged copy of both (locals win), plus the
    helpers ``dump`` and ``help``. Assignments stay in the console: like Werkzeug's, it does
    not write back into the frame it was opened on. Evaluation is serialised per console
    (one namespace, one pending block), different consoles run in parallel.
    """

    def __init__(
        self,
        globals: t.Mapping[str, t.Any] | None = None,
        locals: t.Mapping[str, t.Any] | None = None,
    ) -> None:
        namespace: dict[str, t.Any] = {**(globals or {}), **(locals or {})}
        namespace.setdefault("__builtins__", __builtins__)
        namespace["dump"] = dump
        namespace["help"] = helper
        self.namespace = namespace
        self._pending: list[str] = []
        self._lock = threading.Lock()

    @property
    def more(self) -> bool:
        """True while an incomplete block waits for more lines (the prompt is ``...``)."""
        return bool(self._pending)

    def eval(self, source: str) -> str:
        """Feed one line (or a pasted block) and return the HTML of what happened."""
        with self._lock:
            prompt = "... " if self._pending else ">>> "
            line = source.rstrip("\r\n")
            echo = f'<span class="prompt">{escape(prompt)}</span>{escape(line)}\n'
            return echo + self._feed(line)

    def _feed(self, line: str) -> str:
        text = "\n".join([*self._pending, line])
        try:
            complete = codeop.compile_command(text, "<console>", "single")
        except (SyntaxError, OverflowError, ValueError):
            self._pending.clear()
            return _render_exception(sys.exc_info()[1], skip=0)
        if complete is None:
            self._pending.append(line)
            return ""
        self._pending.clear()
        return self._run(text)

    def _run(self, text: str) -> str:
        filename = f"<console input {next(_input_numbers)}>"
        lines = [f"{part}\n" for part in text.split("\n")]
        linecache.cache[filename] = (len(text), None, lines, filename)
        try:
            body, last = _split_last_expression(text, filename)
        except (SyntaxError, OverflowError, ValueError):
            return _render_exception(sys.exc_info()[1], skip=0)

        buffer: list[str] = []
        token = _start_capture(buffer)
        try:
            value = self._execute(body, last)
            if value is not None:
                self.namespace["_"] = value
                buffer.append(debug_repr(value))
        except (Exception, SystemExit):
            # SystemExit too: exit() typed in a console must not stop a server thread.
            # skip=2: the first two frames are _run and _execute, not the user's code.
            buffer.append(_render_exception(sys.exc_info()[1], skip=2))
        finally:
            _stop_capture(token)
        return "".join(buffer)

    def _execute(self, body: CodeType | None, last: CodeType | None) -> t.Any:
        if body is not None:
            exec(body, self.namespace)
        if last is not None:
            return eval(last, self.namespace)
        return None


def _split_last_expression(text: str, filename: str) -> tuple[CodeType | None, CodeType | None]:
    """Compile *text* as statements, with a trailing expression compiled separately so its
    value can be shown."""
    tree = ast.parse(text, filename, "exec")
    last: CodeType | None = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        expression = ast.Expression(t.cast(ast.Expr, tree.body.pop()).value)
        last = compile(expression, filename, "eval")
    body = compile(tree, filename, "exec") if tree.body else None
    return body, last


def _render_exception(error: BaseException | None, skip: int) -> str:
    """HTML for an error raised by console input: the traceback without hipflask's frames."""
    # console and tbtools refer to each other (a traceback holds consoles, a console shows
    # tracebacks); both load together with the debugger.
    from .tbtools import DebugTraceback

    if error is None:  # pragma: no cover - always called inside an except block
        return ""
    if isinstance(error, SyntaxError):
        # The frames are the compiler's, not the user's: the message and caret say it all.
        text = "".join(traceback.format_exception_only(type(error), error))
        return f'<pre class="syntaxerror">{escape(text)}</pre>'
    return DebugTraceback(error, skip=skip).render_traceback_html(include_title=False)
