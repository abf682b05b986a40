"""The in-browser debugger: a WSGI middleware that turns unhandled exceptions into an
interactive traceback page (hipflask's counterpart of ``werkzeug.debug``).

``DebuggedApplication(app, evalex=True)`` wraps a WSGI application. When the application
raises, the browser gets a 500 page with the traceback, the source around every frame and,
with ``evalex``, a Python console per frame; ``console_path`` serves a console over the
whole application. The development server (``hipflask run --debug``) wraps the app in it.

Protocol: the page talks to the middleware with URLs carrying ``?__debugger__=yes`` (the
``request_key``), a ``cmd`` and the per-process ``secret`` (``s``). Resources are fetched
with GET; PIN entry and console input are POSTed as form data, so neither the PIN nor the
code typed appears in access logs (Werkzeug sends both in the query string).

Security (see :mod:`.auth`): debugger URLs answer only to trusted ``Host`` headers and the
right secret; code runs only after the PIN was entered in this browser (signed cookie with
a per-run key); ten wrong PINs lock the debugger until restart. For a request with an
untrusted ``Host`` an exception gives the plain 500 page, without code or paths (Werkzeug
still shows the traceback there, without consoles).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
import typing as t
from contextlib import AbstractContextManager, ExitStack
from functools import cache
from hashlib import sha256
from importlib import resources
from urllib.parse import parse_qsl

from markupsafe import escape

from ..exceptions import InternalServerError, NotFound
from .auth import (
    DEFAULT_TRUSTED_HOSTS,
    PIN_TIME,
    RUN_MAIN_ENV,
    PinAttempts,
    PinCookie,
    host_is_trusted,
    pins_equal,
)
from .console import Console
from .page import SECURITY_HEADERS
from .pin import get_machine_id, get_pin_and_cookie_name, hash_pin
from .tbtools import DebugFrameSummary, DebugTraceback, render_console_html

__all__ = [
    "PIN_TIME",
    "DebugTraceback",
    "DebuggedApplication",
    "get_machine_id",
    "get_pin_and_cookie_name",
    "hash_pin",
]

if t.TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger("hipflask.debug")

#: Largest POST body the debugger reads (a pasted block of code).
MAX_COMMAND_BYTES = 256 * 1024

_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]+")

_RESOURCES = {
    "debugger.css": "text/css; charset=utf-8",
    "debugger.js": "text/javascript; charset=utf-8",
    "console.svg": "image/svg+xml",
}

_STATUS = {
    200: "200 OK",
    204: "204 No Content",
    304: "304 Not Modified",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    411: "411 Length Required",
    413: "413 Content Too Large",
    500: "500 Internal Server Error",
}


class _Reply(t.NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _text(status: int, message: str, *extra: tuple[str, str]) -> _Reply:
    body = f"{_STATUS[status][4:]}: {message}\n".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        *extra,
    ]
    return _Reply(status, headers, body)


def _html(html: str, status: int = 200) -> _Reply:
    headers = [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS]
    return _Reply(status, headers, html.encode("utf-8"))


def _json(data: dict[str, t.Any], *extra: tuple[str, str]) -> _Reply:
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *extra]
    return _Reply(200, headers, json.dumps(data).encode())


def _not_found() -> _Reply:
    # The same body the application's own 404 has: an untrusted client learns nothing.
    error = NotFound()
    return _Reply(
        404, [*error.get_headers(), ("Cache-Control", "no-store")], error.get_body().encode()
    )


def _log(level: str, message: str, *args: t.Any) -> None:
    """Log through the ``hipflask.debug`` logger, making sure the message is seen even when
    logging was never configured (the PIN must reach the terminal)."""
    if not logger.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    getattr(logger, level)(message, *args)


def _write_errors(environ: WSGIEnvironment, text: str) -> None:
    stream = environ.get("wsgi.errors") or sys.stderr
    try:
        stream.write(text if text.endswith("\n") else text + "\n")
    except Exception:  # a closed error stream must not turn into a second failure
        pass


@cache
def _resource(name: str) -> bytes:
    return resources.files(__name__).joinpath("shared").joinpath(name).read_bytes()


class _ConsoleFrame:
    """The application-wide console, looked up like a frame (id 0)."""

    def __init__(self, namespace: dict[str, t.Any]) -> None:
        self.console = Console(namespace)
        self.id = 0

    def eval(self, code: str) -> str:
        return self.console.eval(code)


class _ResponseState:
    __slots__ = ("body_sent", "headers")

    def __init__(self) -> None:
        self.body_sent = False
        self.headers: list[tuple[str, str]] | None = None


class DebuggedApplication:
    """WSGI middleware showing an interactive traceback page when *app* raises.

    :param app: the WSGI application to debug.
    :param evalex: offer Python consoles in the traceback frames (needs a server that
        runs every request in one process: frames live in memory).
    :param request_key: the query-string key that marks the debugger's own URLs.
        Werkzeug accepts this parameter and ignores it; hipflask uses it as the marker.
    :param console_path: URL path of the application-wide console (``evalex`` only), or
        None for no console page.
    :param console_init_func: called (once, after the PIN was entered) to build the
        console page's namespace; ``app`` is added unless it sets one.
    :param show_hidden_frames: also show frames that set ``__traceback_hide__``.
    :param pin_security: require the PIN before running code. ``False`` means anyone
        who can load a page can run code.
    :param pin_logging: log the PIN at start-up and when a browser asks for it.

    ``trusted_hosts`` lists the host names the debugger answers to (a leading dot allows
    subdomains); the development server appends the host it binds to.

    Unlike Werkzeug's, the helper methods (``pin_auth``, ``get_resource``,
    ``execute_command``, ...) take the WSGI environ and return a ``(status, headers,
    body)`` tuple instead of Request/Response objects, so the debugger does not depend on
    the request and response code it may be debugging.
    """

    #: Seconds a wrong PIN is held back (four times that after five wrong PINs).
    pin_failure_delay = 0.5
    #: Frames kept for the consoles; the oldest are dropped past this (Werkzeug keeps all).
    max_frames = 2000

    def __init__(
        self,
        app: WSGIApplication,
        evalex: bool = False,
        request_key: str = "__debugger__",
        console_path: str | None = "/console",
        console_init_func: t.Callable[[], dict[str, t.Any]] | None = None,
        show_hidden_frames: bool = False,
        pin_security: bool = True,
        pin_logging: bool = True,
    ) -> None:
        if not _URL_SAFE.fullmatch(request_key or ""):
            raise ValueError(
                f"DebuggedApplication: request_key {request_key!r} must be a non-empty"
                " string of letters, digits and '_.-~' (it is used in URLs as is)"
            )
        self.app = app
        self.evalex = evalex
        self.request_key = request_key
        self.console_path = console_path
        self.console_init_func = console_init_func or None
        self.show_hidden_frames = show_hidden_frames
        self.pin_logging = pin_logging
        #: Per-process token every debugger URL must carry (``s=``); shown in the page.
        self.secret = secrets.token_hex(16)
        self.frames: dict[int, DebugFrameSummary | _ConsoleFrame] = {}
        self.frame_contexts: dict[int, list[AbstractContextManager[t.Any]]] = {}
        self.trusted_hosts: list[str] = list(DEFAULT_TRUSTED_HOSTS)
        self._frames_lock = threading.Lock()
        self._attempts = PinAttempts()
        self._announced = False
        self._pin_computed = False
        self._pin: str | None = None
        self._pin_cookie = ""
        # Make the signing key now: a reloading parent must put it in the environment
        # before it starts the child that serves (see auth._cookie_key).
        self._cookie = PinCookie(name="")  # named once the PIN facts are computed
        if not pin_security:
            self.pin = None
        if os.environ.get(RUN_MAIN_ENV) == "true":
            self.log_startup()

    # -- PIN ------------------------------------------------------------------------------

    def _compute_pin(self) -> None:
        if not self._pin_computed:
            pin, cookie_name = get_pin_and_cookie_name(self.app)
            self._pin, self._pin_cookie, self._pin_computed = pin, cookie_name, True
            self._cookie.name = cookie_name

    @property
    def pin(self) -> str | None:
        """The PIN to enter, or None when PIN security is off."""
        self._compute_pin()
        return self._pin

    @pin.setter
    def pin(self, value: str | None) -> None:
        self._compute_pin()
        self._pin = value

    @property
    def pin_cookie_name(self) -> str:
        """The name of the cookie that remembers the PIN was entered."""
        self._compute_pin()
        return self._pin_cookie

    @property
    def pin_cookie(self) -> PinCookie:
        """Signs and checks the PIN cookie (per-process key)."""
        self._compute_pin()
        return self._cookie

    @property
    def failed_pin_attempts(self) -> int:
        """Wrong PINs entered since start; at 10 the debugger locks until restart."""
        return self._attempts.failures

    def log_startup(self) -> None:
        """Log ``* Debugger is active!`` and ``* Debugger PIN: nnn-nnn-nnn`` (once).

        The development server calls this when it starts serving. The constructor calls it
        itself in a reloader child (``HIPFLASK_RUN_MAIN=true``), as Werkzeug does.
        """
        if self._announced or not self.pin_logging:
            return
        self._announced = True
        _log("warning", " * Debugger is active!")
        if self.pin is None:
            _log(
                "warning", " * Debugger PIN is off: anyone who can reach this server can run code!"
            )
        else:
            _log("info", " * Debugger PIN: %s", self.pin)

    # -- trust ----------------------------------------------------------------------------

    def check_host_trust(self, environ: WSGIEnvironment) -> bool:
        """True if the request's ``Host`` header is one of ``trusted_hosts``."""
        return host_is_trusted(environ.get("HTTP_HOST"), self.trusted_hosts)

    def check_pin_trust(self, environ: WSGIEnvironment) -> bool:
        """True if this browser entered the PIN (valid cookie) and the debugger is not
        locked; always True when PIN security is off."""
        pin = self.pin
        if pin is None:
            return True
        if self._attempts.exhausted:
            return False
        cookie = self.pin_cookie
        return cookie.is_valid(cookie.read(environ.get("HTTP_COOKIE")), pin)

    def _secret_matches(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.secret.encode())

    # -- dispatch -------------------------------------------------------------------------

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        # Substring test first: ordinary requests never parse their query string here.
        if self.request_key in query:
            args = dict(parse_qsl(query, keep_blank_values=True))
            if args.get(self.request_key) == "yes":
                return self._send(self._debugger_request(environ, args), start_response)
        if (
            self.evalex
            and self.console_path is not None
            and environ.get("PATH_INFO") == self.console_path
            and self.check_host_trust(environ)
        ):
            return self._send(self.display_console(environ), start_response)
        return self.debug_application(environ, start_response)

    def _send(self, reply: _Reply, start_response: StartResponse) -> list[bytes]:
        headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
        start_response(_STATUS[reply.status], headers)
        return [reply.body]

    def _debugger_request(self, environ: WSGIEnvironment, args: dict[str, str]) -> _Reply:
        if not self.check_host_trust(environ):
            return _not_found()
        cmd = args.get("cmd")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if cmd == "resource":
            if method not in ("GET", "HEAD"):
                return _text(405, "use GET for debugger resources", ("Allow", "GET, HEAD"))
            if not self._secret_matches(args.get("s")):
                return _text(404, "the debugger secret does not match this server process")
            return self.get_resource(environ, args.get("f", ""))
        if cmd not in ("pinauth", "printpin", "eval"):
            return _text(400, "unknown debugger command")
        if method != "POST":
            return _text(405, "debugger commands are sent with POST", ("Allow", "POST"))
        form = self._read_form(environ)
        if isinstance(form, _Reply):
            return form
        if not self._secret_matches(form.get("s")):
            return _text(404, "the debugger secret does not match this server process")
        if cmd == "pinauth":
            return self.pin_auth(environ, form)
        if cmd == "printpin":
            return self.log_pin_request(environ)
        return self._eval_request(environ, form)

    def _read_form(self, environ: WSGIEnvironment) -> dict[str, str] | _Reply:
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if not raw_length.strip():
            return _text(411, "send the form with a Content-Length")
        try:
            length = int(raw_length)
        except ValueError:
            return _text(400, "invalid Content-Length")
        if length < 0:
            return _text(400, "invalid Content-Length")
        if length > MAX_COMMAND_BYTES:
            return _text(413, f"debugger input is limited to {MAX_COMMAND_BYTES} bytes")
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            return _text(400, "the request body ended early")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=16)
        except (UnicodeDecodeError, ValueError):
            return _text(400, "the form must be UTF-8, URL-encoded, with few fields")
        return dict(pairs)

    # -- commands -------------------------------------------------------------------------

    def get_resource(self, environ: WSGIEnvironment, filename: str) -> _Reply:
        """A file of the debugger's own CSS/JS/icon (by exact name; nothing else is served)."""
        content_type = _RESOURCES.get(filename)
        if content_type is None:
            return _text(404, "no such debugger resource")
        data = _resource(filename)
        etag = f'"{sha256(data).hexdigest()[:20]}"'
        headers = [
            ("Content-Type", content_type),
            ("ETag", etag),
            ("Cache-Control", "private, no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            return _Reply(304, headers[1:], b"")
        if environ.get("REQUEST_METHOD") == "HEAD":
            return _Reply(200, headers, b"")
        return _Reply(200, headers, data)

    def pin_auth(self, environ: WSGIEnvironment, form: t.Mapping[str, str]) -> _Reply:
        """Check an entered PIN: JSON ``{"auth": bool, "exhausted": bool}``, and the
        cookie when it was right. Wrong PINs are counted and held back."""
        pin = self.pin
        if pin is None:
            return _json({"auth": True, "exhausted": False})
        if self._attempts.exhausted:
            return _json({"auth": False, "exhausted": True})
        cookie = self.pin_cookie
        if self.check_pin_trust(environ):
            return _json({"auth": True, "exhausted": False})
        secure = environ.get("wsgi.url_scheme") == "https"
        # A stale or forged cookie is dropped; guessing the key is hopeless, so unlike a
        # wrong PIN it is not counted.
        stale = (
            ()
            if cookie.read(environ.get("HTTP_COOKIE")) is None
            else (("Set-Cookie", cookie.deletion_header()),)
        )
        entered = form.get("pin", "")
        if not entered.strip():
            return _json({"auth": False, "exhausted": False}, *stale)
        if not self._attempts.begin():
            return _json({"auth": False, "exhausted": True}, *stale)
        correct = len(entered) <= 64 and pins_equal(entered, pin)
        failures = self._attempts.end(correct)
        if correct:
            return _json(
                {"auth": True, "exhausted": False}, ("Set-Cookie", cookie.header(pin, secure))
            )
        # Slow guessing down; after five wrong PINs, more so.
        time.sleep(self.pin_failure_delay * (4 if failures > 5 else 1))
        return _json({"auth": False, "exhausted": self._attempts.exhausted}, *stale)

    def log_pin_request(self, environ: WSGIEnvironment) -> _Reply:
        """Log the PIN again (the page asks when it shows the PIN prompt)."""
        if self.pin_logging and self.pin is not None:
            _log("info", " * To unlock the debugger console, enter the PIN: %s", self.pin)
        return _Reply(204, [("Cache-Control", "no-store")], b"")

    def _eval_request(self, environ: WSGIEnvironment, form: t.Mapping[str, str]) -> _Reply:
        if not self.evalex:
            return _text(403, "the interactive console is disabled (evalex=False)")
        if not self.check_pin_trust(environ):
            return _text(403, "the console is locked: enter the debugger PIN")
        try:
            frame_id = int(form.get("frm", ""))
        except ValueError:
            return _text(400, "frm must be a frame number")
        frame = self._find_frame(frame_id)
        if frame is None:
            return _text(404, "no such frame here (the server restarted or dropped it)")
        return self.execute_command(environ, form.get("code", ""), frame)

    def _find_frame(self, frame_id: int) -> DebugFrameSummary | _ConsoleFrame | None:
        with self._frames_lock:
            frame = self.frames.get(frame_id)
            if frame is None and frame_id == 0 and self.console_path is not None:
                frame = self.frames[0] = _ConsoleFrame(self._console_namespace())
            return frame

    def _console_namespace(self) -> dict[str, t.Any]:
        namespace = dict(self.console_init_func()) if self.console_init_func else {}
        namespace.setdefault("app", self.app)
        return namespace

    def execute_command(
        self,
        environ: WSGIEnvironment,
        command: str,
        frame: DebugFrameSummary | _ConsoleFrame,
    ) -> _Reply:
        """Run one console line in *frame*, inside the contexts the app asked to preserve
        (``hipflask.debug.preserve_context``); returns the output as an HTML fragment."""
        contexts = self.frame_contexts.get(frame.id, [])
        with ExitStack() as stack:
            try:
                for context in contexts:
                    stack.enter_context(context)
            except Exception as error:
                message = f"could not restore the request's context: {error!r}"
                return _html(f'<pre class="console-error">{escape(message)}</pre>')
            reply = _html(frame.eval(command))
        # Tells the page whether the console waits for the rest of a block ("..." prompt).
        reply.headers.append(("X-Console-More", "1" if frame.console.more else "0"))
        return reply

    def display_console(self, environ: WSGIEnvironment) -> _Reply:
        """The application-wide console page. Its namespace is only built once the PIN
        was entered and the first line is run."""
        html = render_console_html(
            secret=self.secret,
            evalex_trusted=self.check_pin_trust(environ),
            request_key=self.request_key,
        )
        return _html(html)

    # -- the wrapped application --------------------------------------------------------

    def debug_application(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterator[bytes]:
        """Run the application; if it raises, answer with the debugger page instead."""
        contexts: list[AbstractContextManager[t.Any]] = []
        if self.evalex:
            # Frameworks hand over their request context so consoles can re-enter it.
            environ["hipflask.debug.preserve_context"] = contexts.append
            environ["werkzeug.debug.preserve_context"] = contexts.append
        state = _ResponseState()

        def tracking_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> t.Callable[[bytes], object]:
            state.headers = headers
            write = start_response(status, headers, exc_info)

            def tracking_write(data: bytes) -> object:
                if data:
                    state.body_sent = True
                return write(data)

            return tracking_write

        app_iter: t.Iterable[bytes] | None = None
        error: Exception | None = None
        try:
            app_iter = self.app(environ, tracking_start_response)
            for chunk in app_iter:
                if chunk:
                    state.body_sent = True
                yield chunk
        except Exception as exc:
            error = exc
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                try:
                    close()
                except Exception as exc:
                    error = error or exc
        if error is not None:
            yield from self._error_response(error, environ, start_response, state, contexts)

    def _error_response(
        self,
        error: Exception,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        state: _ResponseState,
        contexts: list[AbstractContextManager[t.Any]],
    ) -> t.Iterator[bytes]:
        tb = DebugTraceback(error, skip=1, hide=not self.show_hidden_frames)
        _write_errors(environ, tb.render_traceback_text())
        if state.body_sent:
            yield from self._late_error(environ, state)
            return
        if self.check_host_trust(environ):
            if self.evalex:
                self._remember(tb.all_frames, contexts)
            reply = _html(
                tb.render_debugger_html(
                    evalex=self.evalex,
                    secret=self.secret,
                    evalex_trusted=self.evalex and self.check_pin_trust(environ),
                    request_key=self.request_key,
                ),
                status=500,
            )
        else:
            _write_errors(
                environ,
                f"hipflask debugger: Host {environ.get('HTTP_HOST')!r} is not in trusted_hosts,"
                " so the plain 500 page was sent instead of the traceback.",
            )
            plain = InternalServerError()
            reply = _Reply(
                500,
                [*plain.get_headers(), ("Cache-Control", "no-store")],
                plain.get_body().encode(),
            )
        headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
        try:
            # exc_info lets the server replace headers the app set but did not send yet.
            exc_info = t.cast("OptExcInfo", (type(error), error, error.__traceback__))
            start_response(_STATUS[500], headers, exc_info)
        except Exception:
            _write_errors(environ, "hipflask debugger: could not send the error page.")
            return
        yield reply.body

    def _late_error(self, environ: WSGIEnvironment, state: _ResponseState) -> t.Iterator[bytes]:
        _write_errors(
            environ,
            "hipflask debugger: the application failed after its response had started;"
            " the traceback above is all there is (the client got a truncated response).",
        )
        headers = {name.lower(): value for name, value in state.headers or []}
        # A note can only be appended where it cannot corrupt the framing or the format.
        if "content-length" not in headers and headers.get("content-type", "").startswith(
            "text/html"
        ):
            yield (
                b"\n<hr><p><b>hipflask debugger:</b> the application failed while sending"
                b" this page; see the server log for the traceback.</p>\n"
            )

    def _remember(
        self, frames: list[DebugFrameSummary], contexts: list[AbstractContextManager[t.Any]]
    ) -> None:
        with self._frames_lock:
            for frame in frames:
                self.frames[frame.id] = frame
                self.frame_contexts[frame.id] = contexts
            excess = len(self.frames) - self.max_frames
            if excess > 0:
                for frame_id in [k for k in self.frames if k != 0][:excess]:
                    del self.frames[frame_id]
                    self.frame_contexts.pop(frame_id, None)
