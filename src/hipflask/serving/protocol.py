"""The development server's HTTP/1.1 engine: request parsing, environ, response framing.

Private module: :mod:`hipflask.serving` re-exports the public names (``WSGIRequestHandler``,
``DechunkedInput``). Everything a client sends is untrusted, so the parser is strict where
leniency has caused request smuggling elsewhere (CRLF line endings only, one framing per
request, no header folding) and every read is bounded in size and time.
"""

from __future__ import annotations

import io
import re
import socket
import sys
import time
import traceback
import typing as t
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote_to_bytes

from ..exceptions import BadRequest
from .log import _ansi_style, _iri_for_log, _log
from .streams import (
    DechunkedInput,
    _BodyInput,
    _ConnectionLost,
    _ConnectionTracker,
    _FileWrapper,
    _FixedLengthInput,
    _http_date_now,
    _Response,
    _SocketWriter,
)

if t.TYPE_CHECKING:
    from .server import BaseWSGIServer

    WSGIEnvironment = dict[str, t.Any]

try:
    import ssl

    _SSLError: tuple[type[BaseException], ...] = (ssl.SSLError,)
except ImportError:  # pragma: no cover - Python built without OpenSSL
    ssl = None  # type: ignore[assignment]
    _SSLError = ()

_HANDSHAKE_ERRORS: tuple[type[BaseException], ...] = (OSError, *_SSLError)
_DROPPED_ERRORS: tuple[type[BaseException], ...] = (
    _ConnectionLost,
    ConnectionError,
    TimeoutError,
    *_SSLError,
)

#: The request line and the header section are each limited to this many bytes. Over the
#: limit the answer is 414 (request line) or 431 (headers) and the connection is closed.
MAX_REQUEST_LINE = 65536
MAX_HEADER_BYTES = 65536
MAX_HEADER_COUNT = 256
#: A request body the application left unread is read and discarded up to this size so the
#: connection can serve the next request; anything bigger closes the connection instead.
MAX_DRAIN_BYTES = 1 << 20
_READ_BLOCK = 65536

# Precompiled because they run on every request line and header line.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_TARGET_CHAR = re.compile(r"[\x00-\x20\x7f]")
_VERSION = re.compile(r"HTTP/([0-9])\.([0-9])\Z")
_DIGITS = re.compile(r"[0-9]{1,18}\Z")
_HOST = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:\[\]-]*\Z")
_STATUS = re.compile(r"[1-9][0-9]{2}(?: [^\r\n\x00]*)?\Z")
_CONTROL_CHARS = str.maketrans(
    {c: rf"\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]} | {ord("\\"): r"\\"}
)

_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    414: "URI Too Long",
    417: "Expectation Failed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class _HTTPError(Exception):
    """A request the server refuses before the application sees it."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------------------------------
# the request headers as the handler sees them


class _RequestHeaders:
    """Read-only, case-insensitive view of the request headers (``handler.headers``)."""

    __slots__ = ("_list",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._list = pairs

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self._list:
            if key.lower() == name:
                return value
        return default

    def get_all(self, name: str, failobj: t.Any = None) -> list[str] | t.Any:
        name = name.lower()
        values = [value for key, value in self._list if key.lower() == name]
        return values or failobj

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._list)

    def keys(self) -> list[str]:
        return [key for key, _ in self._list]

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)


# ---------------------------------------------------------------------------------------
# the handler


class WSGIRequestHandler(BaseHTTPRequestHandler):
    """Serve WSGI over HTTP/1.1 with keep-alive, chunked bodies both ways and strict parsing.

    One instance handles one connection. Differences from Werkzeug's handler of the same
    name: connections are kept alive (Werkzeug closes every one) because unread bodies are
    drained or the connection closed; malformed framing is refused instead of guessed at;
    the header section is limited to 64 kB (431); a client that stalls is dropped.
    Tunables are class attributes so a subclass (``request_handler=``) can change them.
    """

    server: BaseWSGIServer
    protocol_version = "HTTP/1.1"
    #: Seconds a socket operation may block while a request is in flight (stalled client).
    timeout: t.ClassVar[float | None] = 60.0
    #: Seconds allowed for the whole request line and header section to arrive.
    request_header_timeout = 30.0
    #: Seconds an idle keep-alive connection is kept open.
    keep_alive_timeout = 15.0
    max_drain_bytes = MAX_DRAIN_BYTES

    def setup(self) -> None:
        """Prepare the connection: TCP_NODELAY, the TLS handshake (under a timeout), streams."""
        self.peer_gone = False
        self.environ: WSGIEnvironment | None = None
        self._linger = False
        self._requests = 0
        self._handshake_failed = False
        self._tracker: _ConnectionTracker | None = getattr(self.server, "_tracker", None)
        conn = self.request
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = getattr(self.server, "ssl_context", None)
        if context is not None:
            # The handshake runs here, in the connection's own thread and under a timeout,
            # so a client that never finishes it cannot block the accept loop.
            conn = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            conn.settimeout(self.request_header_timeout)
            try:
                conn.do_handshake()
            except _HANDSHAKE_ERRORS as e:
                self._handshake_failed = True
                self.log_error("TLS handshake failed: %s", e)
        self.connection = conn
        self.rfile = conn.makefile("rb", _READ_BLOCK)
        self.wfile = _SocketWriter(conn)

    def finish(self) -> None:
        """Release the streams (and the TLS wrapper) of the connection."""
        try:
            self.rfile.close()
        finally:
            if self.connection is not self.request:
                self.connection.close()  # the TLS wrapper owns the socket now

    @property
    def server_version(self) -> str:  # type: ignore[override]
        """``hipflask/<version> Python/<version>``, sent as the ``Server`` header."""
        return getattr(self.server, "_server_version", "hipflask")

    def version_string(self) -> str:
        """The ``Server`` header value."""
        return self.server_version

    # -- reading the head -------------------------------------------------------------

    def _timeout_until(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request header timeout")
        self.connection.settimeout(remaining)

    def _read_line(self, limit: int, deadline: float, too_long: _HTTPError) -> bytes:
        """One CRLF-terminated line of at most *limit* bytes, within *deadline*.

        Uses ``peek`` so each wait is a single ``recv`` bounded by the time left: a client
        sending one byte at a time still runs out of time.
        """
        rfile = t.cast(io.BufferedReader, self.rfile)
        parts: list[bytes] = []
        size = 0
        while True:
            self._timeout_until(deadline)
            chunk = rfile.peek(1)
            if not chunk:
                return b"".join(parts)
            end = chunk.find(b"\n")
            take = len(chunk) if end < 0 else end + 1
            size += take
            if size > limit:
                raise too_long
            parts.append(rfile.read(take))
            if end >= 0:
                return b"".join(parts)

    def _read_head(self) -> list[str] | None:
        """The request line and header lines (CRLF stripped), or None if the client left."""
        first_wait = self.keep_alive_timeout if self._requests else self.request_header_timeout
        self.connection.settimeout(first_wait)
        tracker = self._tracker
        if tracker is not None and not tracker.idle(self.connection, fresh=not self._requests):
            return None  # the server is stopping: do not wait for another request
        try:
            if not t.cast(io.BufferedReader, self.rfile).peek(1):
                return None
        except (TimeoutError, OSError):
            return None
        finally:
            if tracker is not None:
                tracker.busy(self.connection)
        deadline = time.monotonic() + self.request_header_timeout
        line_too_long = _HTTPError(414, "The request line is too long.")
        headers_too_long = _HTTPError(431, "The request header section is over 64 kB.")
        for _ in range(4):  # RFC 9112 2.2: ignore a few empty lines before a request
            line = self._read_line(MAX_REQUEST_LINE, deadline, line_too_long)
            if line != b"\r\n":
                break
        lines: list[str] = []
        total = 0
        while True:
            if not line.endswith(b"\n"):
                return None  # the client closed mid-request
            if not line.endswith(b"\r\n"):
                raise _HTTPError(400, "Lines must end with CRLF.")
            lines.append(line[:-2].decode("latin-1"))
            line = self._read_line(MAX_HEADER_BYTES - total, deadline, headers_too_long)
            if line == b"\r\n":
                return lines
            total += len(line)
            if len(lines) > MAX_HEADER_COUNT:
                raise headers_too_long

    def _parse_request_line(self, line: str) -> None:
        self.requestline = line
        parts = line.split(" ")
        if len(parts) != 3:
            raise _HTTPError(400, "Malformed request line.")
        method, target, version = parts
        if _TOKEN.match(method) is None:
            raise _HTTPError(400, "Malformed request method.")
        match = _VERSION.match(version)
        if match is None:
            raise _HTTPError(400, "Malformed HTTP version.")
        if match.group(1) != "1":
            raise _HTTPError(505, "Only HTTP/1.0 and HTTP/1.1 are supported.")
        if not target or _BAD_TARGET_CHAR.search(target):
            raise _HTTPError(400, "Malformed request target.")
        self.command = method
        self.path = target
        self.request_version = "HTTP/1.0" if match.group(2) == "0" else "HTTP/1.1"

    def _parse_headers(self, lines: list[str]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for line in lines:
            name, sep, value = line.partition(":")
            if not sep or _TOKEN.match(name) is None:
                # Also catches obsolete line folding and whitespace before the colon,
                # both classic ways to make two servers disagree about a header.
                raise _HTTPError(400, "Malformed header line.")
            value = value.strip(" \t")
            if _BAD_VALUE_CHAR.search(value):
                raise _HTTPError(400, f"Invalid character in header {name!r}.")
            pairs.append((name, value))
        return pairs

    def _body_framing(self, pairs: list[tuple[str, str]]) -> tuple[str, int]:
        """Return ``("length", n)``, ``("chunked", 0)``, refusing ambiguous framing."""
        lengths = {value for name, value in pairs if name.lower() == "content-length"}
        codings = [value for name, value in pairs if name.lower() == "transfer-encoding"]
        if codings:
            if lengths:
                raise _HTTPError(400, "Both Content-Length and Transfer-Encoding were sent.")
            if self.request_version == "HTTP/1.0":
                raise _HTTPError(400, "Transfer-Encoding is not allowed in HTTP/1.0.")
            names = [part.strip().lower() for value in codings for part in value.split(",")]
            if names != ["chunked"]:
                raise _HTTPError(501, "Only 'Transfer-Encoding: chunked' is supported.")
            return "chunked", 0
        if not lengths:
            return "length", 0
        if len(lengths) > 1:
            raise _HTTPError(400, "Conflicting Content-Length headers.")
        value = lengths.pop()
        if _DIGITS.match(value) is None:
            raise _HTTPError(400, "Invalid Content-Length header.")
        return "length", int(value)

    # -- the request/response cycle ---------------------------------------------------

    def handle(self) -> None:
        """Serve requests on this connection until it is closed, dropped or idle."""
        self.close_connection = True
        if self._handshake_failed:
            return
        try:
            self.handle_one_request()
            while not self.close_connection:
                self.handle_one_request()
            if self._linger:
                self._lingering_close()
        except _DROPPED_ERRORS as e:
            self.connection_dropped(e, self.environ)

    def handle_one_request(self) -> None:
        """Read, check and answer one request."""
        self.close_connection = True
        self.environ = None
        self.requestline = ""
        self.command = ""
        self.path = ""
        self.request_version = "HTTP/1.1"
        try:
            lines = self._read_head()
            if lines is None:
                return
            self._parse_request_line(lines[0])
            pairs = self._parse_headers(lines[1:])
            framing = self._body_framing(pairs)
            self.headers = _RequestHeaders(pairs)  # type: ignore[assignment]
            self.environ = self.make_environ()
            self._attach_body(self.environ, framing)
        except TimeoutError:
            # The first byte arrived (else _read_head returns None), the rest did not.
            self.send_error_response(408, "The request took too long to arrive.")
            return
        except _HTTPError as e:
            self.send_error_response(e.code, e.reason)
            return
        self._requests += 1
        self.close_connection = not self._wants_keep_alive()
        self.connection.settimeout(self.timeout)
        self.run_wsgi()

    def _wants_keep_alive(self) -> bool:
        if self._tracker is not None and self._tracker.draining:
            return False
        if not (self.server.multithread or self.server.multiprocess):
            return False  # one connection at a time: keep-alive would starve other clients
        if self.protocol_version < "HTTP/1.1" or self.request_version != "HTTP/1.1":
            return False
        connection = (self.headers.get("Connection") or "").lower()
        return "close" not in connection

    def _attach_body(self, environ: WSGIEnvironment, framing: tuple[str, int]) -> None:
        expect = self.headers.get("Expect")
        send_continue = None
        if expect is not None:
            if expect.lower() != "100-continue":
                raise _HTTPError(417, "Only 'Expect: 100-continue' is supported.")
            if self.request_version == "HTTP/1.1" and (framing[0] == "chunked" or framing[1]):
                send_continue = self._send_continue
        self._expect_pending = send_continue is not None
        body: _BodyInput
        if framing[0] == "chunked":
            body = DechunkedInput(self.rfile, send_continue)
            environ["wsgi.input_terminated"] = True
            environ.pop("CONTENT_LENGTH", None)
        else:
            body = _FixedLengthInput(self.rfile, framing[1], send_continue)
            if "CONTENT_LENGTH" in environ:
                environ["CONTENT_LENGTH"] = str(framing[1])
        environ["wsgi.input"] = body
        self._body = body

    def _send_continue(self) -> None:
        self._expect_pending = False
        self.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def decide_keep_alive(self) -> None:
        """Called as the headers go out: close if the unread body cannot be drained."""
        if self._tracker is not None and self._tracker.draining:
            self.close_connection = True
        body = self._body
        if body.finished:
            return
        if self._expect_pending:
            # The client waits for a 100 Continue that will never come; it may or may not
            # send the body, so the connection cannot be reused safely.
            self.close_connection = True
        elif isinstance(body, _FixedLengthInput) and body.remaining > self.max_drain_bytes:
            self.close_connection = True
        if self.close_connection:
            self._linger = True

    def make_environ(self) -> WSGIEnvironment:
        """Build the WSGI environ for the parsed request line and headers."""
        target = self.path
        host_from_target = None
        if target.startswith("/"):
            path, _, query = target.partition("?")
        elif target == "*" and self.command == "OPTIONS":
            path, query = "*", ""
        else:
            scheme, sep, rest = target.partition("://")
            if not sep or scheme.lower() not in ("http", "https"):
                raise _HTTPError(400, "Malformed request target.")
            authority_end = len(rest)
            for mark in "/?":
                pos = rest.find(mark)
                if pos >= 0:
                    authority_end = min(authority_end, pos)
            host_from_target = rest[:authority_end]
            path, _, query = rest[authority_end:].partition("?")
            path = path or "/"
            if not host_from_target or _HOST.match(host_from_target) is None:
                raise _HTTPError(400, "Malformed request target.")
        if "%" in path:
            # Percent-decoding yields bytes; WSGI carries them as latin-1 characters.
            path = unquote_to_bytes(path.encode("latin-1")).decode("latin-1")

        server = self.server
        address = server.server_address
        if isinstance(address, tuple):
            server_name, server_port = str(address[0]), str(address[1])
        else:
            server_name, server_port = "localhost", ""
        client = self.client_address
        if isinstance(client, tuple) and client:
            remote_addr, remote_port = str(client[0]), int(client[1])
        else:
            remote_addr, remote_port = "<local>", 0
        environ: WSGIEnvironment = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http" if server.ssl_context is None else "https",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": server.multithread,
            "wsgi.multiprocess": server.multiprocess,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": _FileWrapper,
            "hipflask.socket": self.connection,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "REMOTE_ADDR": remote_addr,
            "REMOTE_PORT": remote_port,
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": self.request_version,
        }
        hosts = 0
        for name, value in self.headers.items():
            if "_" in name:
                continue  # would be indistinguishable from the dash form in the environ
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
                if key == "HTTP_HOST":
                    hosts += 1
                    if _HOST.match(value) is None:
                        raise _HTTPError(400, "Invalid Host header.")
                if key in environ:
                    value = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
            environ[key] = value
        if hosts > 1:
            raise _HTTPError(400, "More than one Host header.")
        if hosts == 0 and self.request_version == "HTTP/1.1" and host_from_target is None:
            raise _HTTPError(400, "HTTP/1.1 requests must have a Host header.")
        if host_from_target is not None:
            environ["HTTP_HOST"] = host_from_target
        self._add_peer_cert(environ)
        return environ

    def _add_peer_cert(self, environ: WSGIEnvironment) -> None:
        getpeercert = getattr(self.connection, "getpeercert", None)
        if getpeercert is None or ssl is None:
            return
        try:
            der = getpeercert(binary_form=True)
        except ValueError:
            return
        if der:
            environ["SSL_CLIENT_CERT"] = ssl.DER_cert_to_PEM_cert(der)

    def send(self, data: bytes) -> None:
        """Write to the client; a failure means the client is gone, not an app error."""
        try:
            self.connection.sendall(data)
        except OSError as e:
            self.peer_gone = True
            raise _ConnectionLost() from e

    def run_wsgi(self) -> None:
        """Call the application and send its response, then restore the connection state."""
        environ = t.cast("WSGIEnvironment", self.environ)
        response = _Response(self)
        app_iter: t.Any = None
        try:
            app_iter = self.server.app(environ, response.start_response)
            if type(app_iter) is _FileWrapper and response.send_file(app_iter):
                pass
            else:
                for data in app_iter:
                    response.write(data)
            response.finish()
        except Exception as e:
            self._handle_app_error(e, response)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    self.log_error("Error closing the response:\n%s", traceback.format_exc())
        if self.peer_gone:
            raise _ConnectionLost()
        body = self._body
        if body.broken:
            self.close_connection = True
        elif (
            not self.close_connection and not body.finished and not body.drain(self.max_drain_bytes)
        ):
            self.close_connection = True
            self._linger = True

    def _handle_app_error(self, error: Exception, response: _Response) -> None:
        if self.peer_gone or isinstance(error, _ConnectionLost):
            raise _ConnectionLost() from error
        if self._body.broken and isinstance(error, BadRequest):
            # The client's body was malformed or cut short: its mistake, not a 500.
            if not response.headers_sent:
                self.send_error_response(400, error.description or "Bad request body.")
            self.close_connection = True
            return
        if self.server.passthrough_errors:
            raise error
        self.close_connection = True
        if not response.headers_sent:
            self.send_error_response(500, "The server hit an internal error.", log=False)
        self.log_error("Error on request:\n%s", traceback.format_exc())

    def send_error_response(self, code: int, reason: str, log: bool = True) -> None:
        """Send a small HTML error page and mark the connection to be closed."""
        self.close_connection = True
        name = _REASONS.get(code, "Error")
        body = (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{code} {name}</title>\n<h1>{name}</h1>\n"
            f"<p>{_html_escape(reason)}</p>\n"
        ).encode()
        head = (
            f"HTTP/1.1 {code} {name}\r\n"
            f"Server: {self.version_string()}\r\n"
            f"Date: {_http_date_now()}\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1")
        if log:
            self.log_request(code)
        self._linger = True
        try:
            self.send(head + (b"" if self.command == "HEAD" else body))
        except _ConnectionLost:
            pass

    def _lingering_close(self) -> None:
        # Closing a socket with unread input makes the kernel send RST, which can destroy
        # the response before the client reads it. Stop sending, then discard what the
        # client still sends for a short, bounded while.
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 2.0
            received = 0
            while received < self.max_drain_bytes:
                self._timeout_until(deadline)
                data = self.connection.recv(_READ_BLOCK)
                if not data:
                    break
                received += len(data)
        except (OSError, ValueError):
            pass

    def connection_dropped(
        self, error: BaseException, environ: WSGIEnvironment | None = None
    ) -> None:
        """Called when the client went away or stalled; by default does nothing."""

    # -- logging ------------------------------------------------------------------------

    def address_string(self) -> str:
        """The client address shown in the log."""
        environ = getattr(self, "environ", None)
        if environ:
            return str(environ["REMOTE_ADDR"])
        client = self.client_address
        if isinstance(client, tuple) and client:
            return str(client[0])
        return "<local>"

    def port_integer(self) -> int:
        """The client port (0 for Unix sockets)."""
        client = self.client_address
        return int(client[1]) if isinstance(client, tuple) and len(client) > 1 else 0

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log ``"GET / HTTP/1.1" 200 -`` as Werkzeug does, coloured by status on a TTY."""
        if self.command and getattr(self, "path", None):
            msg = f"{self.command} {_iri_for_log(self.path)} {self.request_version}"
        else:
            msg = self.requestline
        msg = msg.translate(_CONTROL_CHARS)
        code = str(code)
        if code[0] == "1":
            msg = _ansi_style(msg, "bold")
        elif code == "200":
            pass
        elif code == "304":
            msg = _ansi_style(msg, "cyan")
        elif code[0] == "3":
            msg = _ansi_style(msg, "green")
        elif code == "404":
            msg = _ansi_style(msg, "yellow")
        elif code[0] == "4":
            msg = _ansi_style(msg, "bold", "red")
        else:
            msg = _ansi_style(msg, "bold", "magenta")
        self.log("info", '"%s" %s %s', msg, code, size)

    def log_error(self, format: str, *args: t.Any) -> None:
        """Log an error line prefixed like the access log."""
        self.log("error", format, *args)

    def log_message(self, format: str, *args: t.Any) -> None:
        """Log an info line prefixed like the access log."""
        self.log("info", format, *args)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        """Prefix *message* with the client address and time, as the access log does."""
        address = self.address_string().replace("%", "%%")
        _log(type, f"{address} - - [{self.log_date_time_string()}] {message}\n", *args)


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
