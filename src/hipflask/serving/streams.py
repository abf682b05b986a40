"""The development server's byte streams: ``wsgi.input`` bodies and the response writer.

Private module; :mod:`hipflask.serving` re-exports ``DechunkedInput``. Every read is bounded:
a stream never reads past the end of its own body, so the next request on a keep-alive
connection cannot be swallowed or smuggled.
"""

from __future__ import annotations

import io
import re
import select
import socket
import threading
import time
import typing as t
from email.utils import formatdate

from ..exceptions import BadRequest, ClientDisconnected

if t.TYPE_CHECKING:
    from .protocol import WSGIRequestHandler

_MAX_CHUNK_LINE = 4096
_MAX_TRAILER_BYTES = 16384
_READ_BLOCK = 65536
# Strict chunk-size line: hex digits only (no sign, no 0x), optional extension, CRLF.
_DIGITS = re.compile(r"[0-9]{1,18}\Z")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_STATUS = re.compile(r"[1-9][0-9]{2}(?: [^\r\n\x00]*)?\Z")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[\t\x20-\x7e\x80-\xff]*)?\r\n\Z")


class _ConnectionLost(Exception):
    """The client went away or stalled while the server was writing to it."""


class _BadChunkedBody(BadRequest):
    """The chunked request body is malformed; the connection cannot be reused."""


class _BodyInput(io.RawIOBase):
    """Base of the ``wsgi.input`` streams: sends ``100 Continue`` on the first read."""

    def __init__(self, rfile: t.Any, send_continue: t.Callable[[], None] | None = None) -> None:
        super().__init__()
        self._rfile = rfile
        self._send_continue = send_continue
        self.broken = False

    @property
    def finished(self) -> bool:
        """True once the whole body has been read."""
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def _before_read(self) -> None:
        if self._send_continue is not None:
            send, self._send_continue = self._send_continue, None
            send()

    def _recv(self, size: int) -> bytes:
        try:
            data: bytes = self._rfile.read(size)
        except OSError as e:
            self.broken = True
            raise ClientDisconnected("The client stalled or closed the connection.") from e
        if len(data) < size:
            self.broken = True
            raise ClientDisconnected("The client closed the connection before the end of the body.")
        return data

    def _recv_line(self, limit: int) -> bytes:
        try:
            line: bytes = self._rfile.readline(limit)
        except OSError as e:
            self.broken = True
            raise ClientDisconnected("The client stalled or closed the connection.") from e
        if not line.endswith(b"\n") and len(line) < limit:
            self.broken = True
            raise ClientDisconnected("The client closed the connection before the end of the body.")
        return line

    def readinto(self, buffer: t.Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def drain(self, limit: int) -> bool:
        """Read and discard the rest of the body if it is at most *limit* bytes.

        Returns True when the body is finished and the connection can be reused.
        """
        raise NotImplementedError


class _FixedLengthInput(_BodyInput):
    """``wsgi.input`` for a body framed by ``Content-Length``: EOF exactly at the end."""

    def __init__(
        self, rfile: t.Any, length: int, send_continue: t.Callable[[], None] | None = None
    ) -> None:
        super().__init__(rfile, send_continue)
        self.remaining = length

    @property
    def finished(self) -> bool:
        return self.remaining == 0

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0 or size == 0:
            return b""
        self._before_read()
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self._recv(size)
        self.remaining -= size
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0 or size == 0:
            return b""
        self._before_read()
        limit = self.remaining if size is None or size < 0 else min(size, self.remaining)
        line = self._recv_line(limit)
        self.remaining -= len(line)
        return line

    def drain(self, limit: int) -> bool:
        if self.remaining > limit:
            return False
        try:
            while self.remaining:
                self.read(min(self.remaining, _READ_BLOCK))
        except ClientDisconnected:
            return False
        return True


class DechunkedInput(_BodyInput):
    """``wsgi.input`` for a ``Transfer-Encoding: chunked`` body.

    Unlike Werkzeug's class of the same name it is strict: chunk sizes are bare hex digits,
    every line ends in CRLF, trailers are bounded. A malformed body raises ``BadRequest``
    (so the application answers 400, not 500) and marks the connection as unusable.
    """

    def __init__(self, rfile: t.Any, send_continue: t.Callable[[], None] | None = None) -> None:
        super().__init__(rfile, send_continue)
        self._left = 0
        self._done = False

    @property
    def finished(self) -> bool:
        return self._done

    def _fail(self, reason: str) -> t.NoReturn:
        self.broken = True
        raise _BadChunkedBody(f"Malformed chunked request body: {reason}.")

    def _next_chunk(self) -> None:
        line = self._recv_line(_MAX_CHUNK_LINE)
        match = _CHUNK_SIZE.match(line)
        if match is None:
            self._fail("bad chunk size line")
        self._left = int(match.group(1), 16)
        if self._left == 0:
            self._read_trailers()

    def _read_trailers(self) -> None:
        total = 0
        while True:
            line = self._recv_line(_MAX_TRAILER_BYTES)
            if line == b"\r\n":
                break
            total += len(line)
            if total > _MAX_TRAILER_BYTES or not line.endswith(b"\r\n") or b":" not in line:
                self._fail("bad trailer section")
        self._done = True

    def _end_chunk(self) -> None:
        if self._recv(2) != b"\r\n":
            self._fail("chunk data not followed by CRLF")

    def read(self, size: int | None = -1) -> bytes:
        if self._done or size == 0:
            return b""
        self._before_read()
        want = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        while want != 0 and not self._done:
            if self._left == 0:
                self._next_chunk()
                continue
            n = self._left if want < 0 else min(self._left, want)
            parts.append(self._recv(n))
            self._left -= n
            if want > 0:
                want -= n
            if self._left == 0:
                self._end_chunk()
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        if self._done or size == 0:
            return b""
        self._before_read()
        want = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        while want != 0 and not self._done:
            if self._left == 0:
                self._next_chunk()
                continue
            limit = self._left if want < 0 else min(self._left, want)
            line = self._recv_line(limit)
            parts.append(line)
            self._left -= len(line)
            if want > 0:
                want -= len(line)
            if self._left == 0:
                self._end_chunk()
            if line.endswith(b"\n"):
                break
        return b"".join(parts)

    def drain(self, limit: int) -> bool:
        try:
            while not self._done:
                limit -= len(self.read(min(_READ_BLOCK, limit + 1)))
                if limit < 0:
                    return False
        except (BadRequest, OSError):
            return False
        return True


class _SocketWriter(io.BufferedIOBase):
    """``handler.wfile``: every write is a ``sendall`` (no buffering, no partial writes)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: t.Any) -> int:
        self._sock.sendall(data)
        return len(data)


class _FileWrapper:
    """``wsgi.file_wrapper``: iterates a file in blocks; the server may ``sendfile`` it."""

    __slots__ = ("blksize", "file")

    def __init__(self, file: t.Any, blksize: int = 8192) -> None:
        self.file = file
        self.blksize = blksize

    def __iter__(self) -> t.Iterator[bytes]:
        read = self.file.read
        while True:
            data = read(self.blksize)
            if not data:
                return
            yield data

    def close(self) -> None:
        close = getattr(self.file, "close", None)
        if close is not None:
            close()


# ---------------------------------------------------------------------------------------
# the response side


class _Response:
    """The state of one response: what ``start_response`` set and what was sent."""

    __slots__ = (
        "chunked",
        "code",
        "handler",
        "headers",
        "headers_sent",
        "length",
        "no_body",
        "status",
        "written",
    )

    def __init__(self, handler: WSGIRequestHandler) -> None:
        self.handler = handler
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self.chunked = False
        self.length: int | None = None
        self.written = 0
        self.code = 0
        self.no_body = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], None]:
        if exc_info:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response() was called twice without exc_info.")
        if not isinstance(status, str) or _STATUS.match(status) is None:
            raise ValueError(f"Invalid WSGI status line {status!r}: expected '200 OK' form.")
        for name, value in headers:
            if not isinstance(name, str) or _TOKEN.match(name) is None:
                raise ValueError(f"Invalid response header name {name!r}.")
            if not isinstance(value, str) or _BAD_VALUE_CHAR.search(value):
                raise ValueError(f"Invalid value for response header {name!r}: {value!r}.")
        self.status = status
        self.headers = headers
        return self.write

    def _head_bytes(self) -> bytes:
        handler = self.handler
        status = self.status
        if status is None:
            raise AssertionError("The application did not call start_response().")
        code = self.code = int(status[:3])
        seen: set[str] = set()
        lines = [f"{handler.protocol_version} {status}\r\n"]
        for name, value in self.headers:
            lower = name.lower()
            seen.add(lower)
            if lower == "content-length":
                self.length = int(value) if _DIGITS.match(value.strip()) else None
                if self.length is None:
                    handler.close_connection = True
            elif lower == "connection" and "close" in value.lower():
                handler.close_connection = True
            lines.append(f"{name}: {value}\r\n")
        if "server" not in seen:
            lines.append(f"Server: {handler.version_string()}\r\n")
        if "date" not in seen:
            lines.append(f"Date: {_http_date_now()}\r\n")
        self.no_body = handler.command == "HEAD" or code < 200 or code in (204, 304)
        if "transfer-encoding" in seen:
            # The application framed the body itself; the server cannot vouch for it.
            handler.close_connection = True
        elif self.length is None and not self.no_body:
            if handler.request_version == "HTTP/1.1" and handler.protocol_version >= "HTTP/1.1":
                self.chunked = True
                lines.append("Transfer-Encoding: chunked\r\n")
            else:
                handler.close_connection = True
        handler.decide_keep_alive()
        if handler.close_connection and "connection" not in seen:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        handler.log_request(code)
        return head

    def write(self, data: bytes) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"A WSGI application must yield bytes, not {type(data).__name__}.")
        if self.headers_sent:
            if data:
                self.handler.send(self._frame(data))
            return
        if not data:
            return
        head = self._head_bytes()
        self.headers_sent = True
        self.handler.send(head + self._frame(data))

    def _frame(self, data: bytes | bytearray | memoryview) -> bytes:
        if self.no_body or not data:
            return b""
        if self.length is not None:
            room = self.length - self.written
            if len(data) > room:
                self.handler.close_connection = True
                self.handler.log_error(
                    "The application sent more bytes than its Content-Length (%d); the"
                    " excess was dropped.",
                    self.length,
                )
                data = data[:room]
        self.written += len(data)
        if self.chunked:
            return b"%x\r\n%s\r\n" % (len(data), data)
        return bytes(data)

    def finish(self) -> None:
        """Send whatever is still owed: the headers of an empty body, the last chunk."""
        if not self.headers_sent:
            head = self._head_bytes()
            self.headers_sent = True
            self.handler.send(head + b"0\r\n\r\n" if self.chunked else head)
        elif self.chunked:
            self.handler.send(b"0\r\n\r\n")
        if self.length is not None and not self.no_body and self.written < self.length:
            # The body is shorter than announced: only closing tells the client.
            self.handler.close_connection = True

    def send_file(self, wrapper: _FileWrapper) -> bool:
        """Send a ``wsgi.file_wrapper`` with ``sendfile`` when the framing allows it."""
        try:
            wrapper.file.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            return False
        self.handler.send(self._head_bytes())
        self.headers_sent = True
        if self.no_body:
            return True
        if self.length is None or self.chunked:
            return False
        try:
            file = wrapper.file
            sent = self.handler.connection.sendfile(file, offset=file.tell(), count=self.length)
        except OSError as e:
            self.handler.peer_gone = True
            raise _ConnectionLost() from e
        self.written = sent
        return True


_date_cache: tuple[int, str] = (0, "")


def _http_date_now() -> str:
    # Formatting a date is slow next to the rest of a small response; do it once a second.
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


# ---------------------------------------------------------------------------------------
# connection bookkeeping for a graceful stop


class _ConnectionTracker:
    """Connections that owe a response, and idle ones, so a server can stop gracefully.

    The reloader restarts without dropping a request: stop accepting, close idle
    keep-alive connections, give fresh connections a moment to send their request, let
    requests in flight finish (bounded), then exit. Accounting: a connection counts as
    busy from ``opened`` (accept) to ``closed`` except while it waits in ``idle``.
    """

    #: How long a just-accepted connection may take to send its first byte during a stop.
    fresh_grace = 0.25

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[socket.socket, bool] = {}  # connection -> fresh (no request yet)
        self._busy = 0
        self.draining = False

    def opened(self) -> None:
        with self._lock:
            self._busy += 1

    def closed(self) -> None:
        with self._lock:
            self._busy -= 1

    def idle(self, conn: socket.socket, fresh: bool) -> bool:
        """*conn* waits for a request. False (keep-alive while stopping): close it."""
        with self._lock:
            if self.draining and not fresh:
                return False
            self._idle[conn] = fresh
            self._busy -= 1
            return True

    def busy(self, conn: socket.socket) -> None:
        """The wait of *conn* ended (a request arrived, or the client left)."""
        with self._lock:
            if self._idle.pop(conn, None) is not None:
                self._busy += 1

    def in_flight(self) -> int:
        """Connections owing a response, counting fresh ones that may still send one."""
        with self._lock:
            return self._busy + sum(self._idle.values())

    @staticmethod
    def _close(conns: list[socket.socket]) -> None:
        for conn in conns:
            try:
                if select.select([conn], [], [], 0)[0]:
                    continue  # a request is already arriving: let it be served
                conn.shutdown(socket.SHUT_RDWR)  # wakes the handler blocked on it
            except (OSError, ValueError):
                pass

    def drain(self, timeout: float) -> bool:
        """Close idle connections, then wait up to *timeout* s for the busy ones.

        Returns False if requests were still running when the time was up.
        """
        start = time.monotonic()
        with self._lock:
            self.draining = True
        while True:
            with self._lock:
                keep_alive = [conn for conn, fresh in self._idle.items() if not fresh]
                fresh = [conn for conn, is_fresh in self._idle.items() if is_fresh]
                busy = self._busy
            self._close(keep_alive)
            if busy <= 0 and not fresh:
                return True
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                return False
            if fresh and elapsed >= self.fresh_grace:
                self._close(fresh)  # connected but silent (e.g. a browser's preconnect)
            time.sleep(0.01)
