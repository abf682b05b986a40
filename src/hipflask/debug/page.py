"""The HTML of the debugger's pages (traceback page, console page) and their parts.

Every value that comes from the application (exception messages, file names, source
lines, reprs) is escaped here. The pages load their script and style sheet from the
debugger's resource URL and read their settings from a JSON data block, so they carry no
inline script or style and can be served with a strict Content-Security-Policy (see
:data:`SECURITY_HEADERS`): even a missed escape could not run script.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import urlencode

from markupsafe import escape

if t.TYPE_CHECKING:
    from .tbtools import DebugFrameSummary, DebugTraceback

#: Headers of every HTML page and fragment the debugger sends.
SECURITY_HEADERS: list[tuple[str, str]] = [
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]


def resource_url(name: str, secret: str, request_key: str) -> str:
    """The (unescaped) URL of a file under ``debug/shared``, relative to the current page."""
    return "?" + urlencode({request_key: "yes", "cmd": "resource", "f": name, "s": secret})


def _config_block(config: dict[str, t.Any]) -> str:
    # JSON inside <script> must not contain "</script>" or "<!--": escape the brackets.
    data = json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e")
    data = data.replace("&", "\\u0026")
    return f'<script type="application/json" id="hipflask-debugger-config">{data}</script>'


def _head(title: str, secret: str, request_key: str, config: dict[str, t.Any]) -> str:
    css = escape(resource_url("debugger.css", secret, request_key))
    js = escape(resource_url("debugger.js", secret, request_key))
    icon = escape(resource_url("console.svg", secret, request_key))
    return (
        "<!doctype html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)} · hipflask debugger</title>\n"
        f'<link rel="stylesheet" href="{css}">\n'
        f'<link rel="icon" type="image/svg+xml" href="{icon}">\n'
        f"{_config_block(config)}\n"
        f'<script src="{js}" defer></script>\n'
        "</head>\n<body>\n"
    )


_PIN_PROMPT = """\
<div class="pin-prompt" id="pin-prompt" hidden>
  <form class="pin-box" id="pin-form" autocomplete="off">
    <h2>Console locked</h2>
    <p>Enter the debugger PIN to unlock the consoles. The server printed it when it
    started, in the terminal that runs it: <code>* Debugger PIN: nnn-nnn-nnn</code>.</p>
    <p><label>PIN <input name="pin" id="pin-input" inputmode="numeric" size="14"
    autocomplete="off" spellcheck="false"></label>
    <button type="submit" id="pin-submit">Unlock</button>
    <button type="button" id="pin-cancel">Cancel</button></p>
    <p class="pin-error" id="pin-error" role="alert"></p>
  </form>
</div>
"""

_FOOTER = """\
<footer class="explanation">
  <p>{help}</p>
  <p class="warning">The debugger runs any Python code typed into it. Use it only on your
  own machine, never on a server others can reach.</p>
  <noscript><p>The consoles and frame toggles need JavaScript.</p></noscript>
</footer>
</main>
{pin}</body>
</html>
"""

_TRACEBACK_HELP = (
    "The debugger caught an exception in your application. Frames of your code are"
    " expanded; frames of libraries, the standard library and hipflask are collapsed:"
    " click a frame's header to toggle it."
)
_CONSOLE_HELP = (
    " The <b>&gt;_</b> button on a frame opens a Python console running in that frame:"
    " <code>dump()</code> lists its variables, <code>dump(obj)</code> the attributes of"
    " an object."
)


def render_traceback_page(
    tb: DebugTraceback,
    *,
    evalex: bool,
    secret: str,
    evalex_trusted: bool,
    request_key: str,
) -> str:
    """The debugger page for an unhandled exception."""
    exception_text = "".join(tb.render_exception_only()).rstrip("\n")
    title = exception_text.splitlines()[0] if exception_text else tb.exception_type
    config = {
        "evalex": evalex,
        "trusted": evalex_trusted,
        "secret": secret,
        "key": request_key,
        "consolePage": False,
    }
    return (
        _head(title, secret, request_key, config)
        + '<main class="debugger">\n<header class="banner">\n'
        + '<p class="brand">hipflask debugger</p>\n'
        + f'<h1 class="exc-type">{escape(tb.exception_type)}</h1>\n'
        + f'<pre class="exc-message">{escape(exception_text)}</pre>\n</header>\n'
        + '<section class="traceback-section">\n'
        + '<div class="section-head"><h2>Traceback <small>(most recent call last)</small></h2>'
        + "</div>\n"
        + render_chain(tb, include_title=False, context=5)
        + "</section>\n"
        + '<section class="plain-section">\n<details class="plain" id="plain">'
        + "<summary>Plain-text traceback, to copy and paste</summary>\n"
        + '<textarea readonly rows="16" spellcheck="false" aria-label="Plain-text traceback">'
        + f"{escape(tb.render_traceback_text())}</textarea>\n</details>\n</section>\n"
        + _FOOTER.format(
            help=_TRACEBACK_HELP + (_CONSOLE_HELP if evalex else ""),
            pin=_PIN_PROMPT if evalex else "",
        )
    )


def render_console_page(*, secret: str, evalex_trusted: bool, request_key: str) -> str:
    """The page of the application-wide console."""
    config = {
        "evalex": True,
        "trusted": evalex_trusted,
        "secret": secret,
        "key": request_key,
        "consolePage": True,
    }
    return (
        _head("Console", secret, request_key, config)
        + '<main class="debugger">\n<header class="banner">\n'
        + '<p class="brand">hipflask debugger</p>\n<h1>Interactive console</h1>\n</header>\n'
        + '<section class="console-section">\n'
        + "<p>Python typed here runs inside the server process. The namespace starts with"
        + " <code>app</code>, the application being debugged.</p>\n"
        + '<div class="app-console" id="app-console" data-frame-id="0"></div>\n'
        + "</section>\n"
        + _FOOTER.format(
            help="<code>dump(obj)</code> lists the attributes of an object,"
            " <code>help(obj)</code> shows its documentation.",
            pin=_PIN_PROMPT,
        )
    )


def render_chain(tb: DebugTraceback, *, include_title: bool, context: int) -> str:
    """Every exception of the chain with its frames, oldest first as Python prints it."""
    flags = [frame.is_library for frame in tb.all_frames]
    # Collapse library frames only when some frames are the user's: all collapsed hides all.
    mark_library = 0 < sum(flags) < len(flags)
    parts = ['<div class="traceback">']
    if include_title:
        parts.append("<h3>Traceback <small>(most recent call last)</small></h3>")
    for link in reversed(tb.chain):
        if link.message is not None:
            parts.append(f'<p class="chain-divider">{escape(link.message)}</p>')
        parts.append('<div class="exception-block">')
        if not link.frames:
            parts.append('<p class="no-frames">(no Python frames)</p>')
        for frame in link.frames:
            parts.append(frame.render_html(mark_library, context))
        line = "".join(link.te.format_exception_only()).rstrip("\n")
        parts.append(f'<pre class="exception-line">{escape(line)}</pre></div>')
    parts.append("</div>")
    return "\n".join(parts)


def render_frame(frame: DebugFrameSummary, collapsed: bool, context: int) -> str:
    """One frame as a ``<details>`` block (collapsed for library frames)."""
    info = frame.info
    info_html = f'<p class="frame-info">{escape(info)}</p>' if info else ""
    classes = "frame library" if collapsed else "frame"
    return (
        f'<details class="{classes}" id="frame-{frame.id}" data-frame-id="{frame.id}"'
        f"{'' if collapsed else ' open'}>"
        f'<summary><code class="function">{escape(frame.qualname)}</code>'
        f' <span class="location"><cite class="filename">{escape(frame.filename)}</cite>,'
        f' line <em class="lineno">{frame.lineno}</em></span></summary>'
        f"{info_html}{_render_source(frame, context)}</details>"
    )


def _render_source(frame: DebugFrameSummary, context: int) -> str:
    lines = frame.source_lines()
    current = frame.lineno or 0
    if not 1 <= current <= len(lines):
        return '<pre class="source missing">(source not available)</pre>'
    first, last = max(1, current - context), min(len(lines), current + context)
    width = len(str(last))
    rows = []
    for number in range(first, last + 1):
        text = lines[number - 1].rstrip("\r\n")
        if number == current:
            body, cls = _mark_failing_part(frame, text), "line current"
        else:
            body, cls = str(escape(text)), "line"
        rows.append(
            f'<span class="{cls}"><span class="lineno">{number:>{width}}</span>{body or " "}</span>'
        )
    return f'<pre class="source">{"".join(rows)}</pre>'


def _mark_failing_part(frame: DebugFrameSummary, text: str) -> str:
    span = frame.marked_span(text)
    if span is None:
        return str(escape(text))
    start, end = span
    return f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}"
