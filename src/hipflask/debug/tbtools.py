"""Tracebacks the debugger can render and evaluate code in.

:class:`DebugTraceback` wraps an exception: it keeps every frame of the exception and of its
chained causes (``__cause__``, ``__context__``) together with the frame's globals and
locals, so the page can offer a console per frame, and renders the chain as HTML (for the
debugger page and the console) or as the usual plain text.

Frames may hide themselves the way Paste and Werkzeug let them: a local variable
``__traceback_hide__`` set to ``True`` hides that frame; ``"before"`` / ``"after"`` hide every
frame before / after it, ``"reset"`` stops an ``"after"``, and the ``"..._and_this"`` forms
hide the frame as well. A local ``__traceback_info__`` is shown next to the frame.

hipflask's counterpart of ``werkzeug.debug.tbtools``; it differs in that frames of the
hipflask package itself count as library frames (collapsed on the page) even when hipflask
is installed in development mode, the failing expression inside the marked line is
highlighted, and lines carry their numbers.
"""

from __future__ import annotations

import itertools
import linecache
import os
import sys
import sysconfig
import traceback
import typing as t
from types import FrameType

from . import page

if t.TYPE_CHECKING:
    from .console import Console

__all__ = ["DebugFrameSummary", "DebugTraceback", "render_console_html"]

CAUSE_MESSAGE = "The above exception was the direct cause of the following exception:"
CONTEXT_MESSAGE = "During handling of the above exception, another exception occurred:"

# Frame ids are handed out by one counter so they are unique for the life of the process
# (ids of freed objects, as id() would give, could be reused). 0 is the app-wide console.
_frame_ids = itertools.count(1)

_HIPFLASK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _library_prefixes() -> tuple[str, ...]:
    paths = {p for p in sysconfig.get_paths().values() if p}
    paths |= {os.path.realpath(p) for p in paths}
    paths.add(_HIPFLASK_DIR)
    paths.add(os.path.realpath(_HIPFLASK_DIR))
    return tuple(os.path.join(p, "") for p in sorted(paths))


_LIBRARY_PREFIXES = _library_prefixes()


class DebugFrameSummary(traceback.FrameSummary):
    """One traceback frame plus its namespaces, so code can be evaluated in it.

    ``id`` identifies the frame in the debugger's URLs; ``qualname`` is the function's
    qualified name (``Class.method``) where Python knows it.
    """

    __slots__ = ("_console", "global_ns", "id", "local_ns", "qualname")

    def __init__(
        self,
        *,
        locals: t.Mapping[str, t.Any],
        globals: dict[str, t.Any],
        qualname: str | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(lookup_line=False, locals=None, **kwargs)
        self.local_ns = locals
        self.global_ns = globals
        self.qualname = qualname or self.name
        self.id = next(_frame_ids)
        self._console: Console | None = None
        # Register the module's loader so source from zip imports etc. can be shown later.
        linecache.lazycache(self.filename, globals)

    @property
    def info(self) -> str | None:
        """The frame's ``__traceback_info__`` as text, if it set one."""
        value = self.local_ns.get("__traceback_info__")
        return None if value is None else str(value)

    @property
    def is_library(self) -> bool:
        """True for frames of installed packages, the standard library or hipflask itself."""
        return os.path.abspath(self.filename).startswith(_LIBRARY_PREFIXES)

    @property
    def console(self) -> Console:
        """The console over this frame's namespace, created on first use and then kept."""
        if self._console is None:
            # See debug/console.py: the two modules refer to each other.
            from .console import Console

            self._console = Console(self.global_ns, self.local_ns)
        return self._console

    def eval(self, code: str) -> str:
        """Evaluate one console line in this frame; returns the HTML of the result."""
        return self.console.eval(code)

    def source_lines(self) -> list[str]:
        """The lines of the frame's source file (empty when the source is unknown)."""
        return linecache.getlines(self.filename, self.global_ns)

    def render_html(self, mark_library: bool, context: int = 5) -> str:
        """The frame as HTML: a collapsible block with *context* lines around the current
        one. Library frames start collapsed when *mark_library* is set."""
        return page.render_frame(self, mark_library and self.is_library, context)

    def marked_span(self, line: str) -> tuple[int, int] | None:
        """The character range of the failing expression in *line* (the current line), or
        None when Python did not record one or it is the whole line."""
        colno = getattr(self, "colno", None)
        end_colno = getattr(self, "end_colno", None)
        if colno is None or end_colno is None:
            return None
        encoded = line.encode("utf-8", "replace")
        # Python records byte offsets into the UTF-8 line; the page needs characters.
        start = len(encoded[:colno].decode("utf-8", "replace"))
        if getattr(self, "end_lineno", self.lineno) != self.lineno:
            end = len(line.rstrip())
        else:
            end = len(encoded[:end_colno].decode("utf-8", "replace"))
        stripped = line.strip()
        if not 0 <= start < end <= len(line) or line[start:end].strip() == stripped:
            return None
        return start, end


class _ChainLink(t.NamedTuple):
    message: str | None  # how this exception relates to the older one before it
    exception: BaseException
    te: traceback.TracebackException
    frames: list[DebugFrameSummary]


def _hide_frames(
    pairs: list[tuple[FrameType, traceback.FrameSummary]],
) -> list[tuple[FrameType, traceback.FrameSummary]]:
    kept: list[tuple[FrameType, traceback.FrameSummary]] = []
    hiding = False
    for frame, summary in pairs:
        rule = frame.f_locals.get("__traceback_hide__", False)
        if rule in ("before", "before_and_this"):
            kept, hiding = [], False
            if rule == "before_and_this":
                continue
        elif rule in ("reset", "reset_and_this"):
            hiding = False
            if rule == "reset_and_this":
                continue
        elif rule in ("after", "after_and_this"):
            hiding = True
            if rule == "after_and_this":
                continue
        elif rule or hiding:
            continue
        kept.append((frame, summary))
    return kept


def _debug_frames(
    exc: BaseException, te: traceback.TracebackException, skip: int, hide: bool
) -> list[DebugFrameSummary]:
    # te.stack was extracted from the same walk (honouring sys.tracebacklimit from the
    # start), so zip pairs each live frame with its summary.
    pairs = list(zip([f for f, _ in traceback.walk_tb(exc.__traceback__)], te.stack, strict=False))[
        skip:
    ]
    if hide:
        # A traceback that hides every frame would explain nothing: then show them all.
        pairs = _hide_frames(pairs) or pairs
    frames = []
    for frame, summary in pairs:
        extra: dict[str, t.Any] = {}
        if sys.version_info >= (3, 11):
            extra = {
                "end_lineno": summary.end_lineno,
                "colno": summary.colno,
                "end_colno": summary.end_colno,
            }
        frames.append(
            DebugFrameSummary(
                filename=summary.filename,
                lineno=summary.lineno,
                name=summary.name,
                locals=frame.f_locals,
                globals=frame.f_globals,
                qualname=getattr(frame.f_code, "co_qualname", None),
                **extra,
            )
        )
    # The plain-text rendering then shows the same frames as the HTML.
    te.stack[:] = frames
    return frames


def _build_chain(
    exc: BaseException, te: traceback.TracebackException, skip: int, hide: bool
) -> list[_ChainLink]:
    """The exception and its causes, newest first. The TracebackException tree already
    dropped cycles, so it drives the walk and the live exceptions follow along."""
    links: list[_ChainLink] = []
    current_exc: BaseException | None = exc
    current_te: traceback.TracebackException | None = te
    while current_exc is not None and current_te is not None:
        frames = _debug_frames(current_exc, current_te, skip, hide)
        skip = 0  # only the caught exception's traceback starts in the caller's frames
        next_exc: BaseException | None
        if current_te.__cause__ is not None:
            message, next_exc, next_te = CAUSE_MESSAGE, current_exc.__cause__, current_te.__cause__
        elif current_te.__context__ is not None and not current_te.__suppress_context__:
            message = CONTEXT_MESSAGE
            next_exc, next_te = current_exc.__context__, current_te.__context__
        else:
            message, next_exc, next_te = None, None, None
        links.append(_ChainLink(message, current_exc, current_te, frames))
        current_exc, current_te = next_exc, next_te
    return links


def exception_type_name(exc: BaseException) -> str:
    """``ValueError`` for builtins, ``package.module.Error`` otherwise (as Python prints)."""
    cls = type(exc)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


class DebugTraceback:
    """An exception with its chain and frames, ready to render or evaluate code in.

    ``skip`` drops that many outer frames of the caught exception (the debugger's own);
    ``hide=False`` ignores ``__traceback_hide__``.
    """

    __slots__ = ("_chain", "_exc", "_te")

    def __init__(
        self,
        exc: BaseException,
        te: traceback.TracebackException | None = None,
        *,
        skip: int = 0,
        hide: bool = True,
    ) -> None:
        if te is None:
            te = traceback.TracebackException.from_exception(exc, lookup_lines=False)
        self._exc = exc
        self._te = te
        self._chain = _build_chain(exc, te, skip, hide)

    def __str__(self) -> str:
        return f"<{type(self).__name__} {exception_type_name(self._exc)}>"

    @property
    def exception(self) -> BaseException:
        """The exception this traceback was built for (the newest of the chain)."""
        return self._exc

    @property
    def exception_type(self) -> str:
        """The exception's type name, module-qualified unless it is a builtin."""
        return exception_type_name(self._exc)

    @property
    def all_tracebacks(self) -> list[tuple[str | None, traceback.TracebackException]]:
        """``(relation to the older exception, traceback)`` pairs, newest first."""
        return [(link.message, link.te) for link in self._chain]

    @property
    def chain(self) -> list[_ChainLink]:
        """The exceptions of the chain with their frames, newest first."""
        return list(self._chain)

    @property
    def all_frames(self) -> list[DebugFrameSummary]:
        """Every frame of every exception in the chain."""
        return [frame for link in self._chain for frame in link.frames]

    def render_exception_only(self) -> list[str]:
        """The ``Type: message`` lines of the newest exception, as Python prints them."""
        return list(self._te.format_exception_only())

    def render_traceback_text(self) -> str:
        """The whole chain as Python's plain-text traceback (visible frames only)."""
        return "".join(self._te.format())

    def render_traceback_html(self, include_title: bool = True, context: int = 0) -> str:
        """The chain as HTML, oldest exception first as Python prints it. Used for errors
        raised by console input (*context* lines around each current line)."""
        return page.render_chain(self, include_title=include_title, context=context)

    def render_debugger_html(
        self,
        evalex: bool,
        secret: str,
        evalex_trusted: bool,
        request_key: str = "__debugger__",
    ) -> str:
        """The full debugger page. *evalex* offers consoles, *evalex_trusted* says the
        browser already entered the PIN, *secret* goes into the debugger's URLs."""
        return page.render_traceback_page(
            self,
            evalex=evalex,
            secret=secret,
            evalex_trusted=evalex_trusted,
            request_key=request_key,
        )


def render_console_html(
    secret: str, evalex_trusted: bool, request_key: str = "__debugger__"
) -> str:
    """The page of the application-wide console."""
    return page.render_console_page(
        secret=secret, evalex_trusted=evalex_trusted, request_key=request_key
    )
