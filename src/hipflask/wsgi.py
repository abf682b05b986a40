"""WSGI environ helpers (the equivalent of ``werkzeug.wsgi``).

The request body is the dangerous part of a WSGI request: ``wsgi.input`` may block forever
if read past what the client sent. :func:`get_input_stream` therefore always hands out a
stream bounded by ``Content-Length`` (or by the app's maximum), and :class:`LimitedStream`
turns a body that ends early into a 400 ``ClientDisconnected`` instead of a hang.
"""

from __future__ import annotations

import io
import re
import typing as t
from functools import partial, update_wrapper
from urllib.parse import quote

from .exceptions import BadHost, BadRequest, ClientDisconnected, RequestEntityTooLarge
from .urls import uri_to_iri

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[..., t.Iterable[bytes]]


def responder(f: t.Callable[..., WSGIApplication]) -> WSGIApplication:
    """Decorator: the function returns a WSGI app (e.g. a Response), which is then called
    with the same ``(environ, start_response)``."""
    return update_wrapper(lambda *a: f(*a)(*a[-2:]), f)


# -- host and URL ------------------------------------------------------------------------

_host_re = re.compile(
    r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?", re.ASCII | re.IGNORECASE
)


def _host_is_valid(host: str) -> bool:
    # A port past 65535 passes the character check but makes every URL built from the
    # host unparsable (urllib raises ValueError), so it is refused here too.
    match = _host_re.fullmatch(host)
    if match is None:
        return False
    port = match.group(1)
    return port is None or len(port) < 5 or int(port) <= 65535


def host_is_trusted(hostname: str | None, trusted_list: t.Collection[str] | None = None) -> bool:
    """True if *hostname* (``host[:port]``) is made of valid characters and, when
    *trusted_list* is given, matches one of its names (a leading ``.`` matches
    subdomains too). The port is ignored."""
    if not hostname or not _host_is_valid(hostname):
        return False
    if hostname[0] == "[":
        hostname = hostname[: hostname.index("]") + 1]
    else:
        hostname = hostname.partition(":")[0]
    if not trusted_list:
        return True
    if isinstance(trusted_list, str):
        trusted_list = [trusted_list]
    for ref in trusted_list:
        suffix_match = ref.startswith(".")
        if suffix_match:
            ref = ref[1:]
        try:
            ref = ref.partition(":")[0].encode("idna").decode("ascii")
        except UnicodeError:
            return False
        if ref == hostname or (suffix_match and hostname.endswith(f".{ref}")):
            return True
    return False


def get_host(environ: WSGIEnvironment, trusted_hosts: t.Collection[str] | None = None) -> str:
    """The request's ``host[:port]``: the ``Host`` header, else ``SERVER_NAME`` and
    ``SERVER_PORT``; the scheme's default port is dropped.

    A host made of invalid characters, or with a port past 65535, gives ``""`` (URL
    building then refuses it with a 400; Werkzeug keeps such a port, and its URLs then
    raise ``ValueError``).
    With *trusted_hosts*, any other host raises :class:`~hipflask.exceptions.BadHost`
    (400; Werkzeug raises ``SecurityError``, also a 400).
    """
    host = environ.get("HTTP_HOST")
    if host is None:
        name = environ.get("SERVER_NAME")
        if name is None:
            return ""
        try:
            port = int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return ""  # a Unix socket has no useful host
        if ":" in name and name[0] != "[":
            name = f"[{name}]"  # IPv6, written as in a Host header
        host = f"{name}:{port}"
    scheme = environ.get("wsgi.url_scheme")
    if scheme == "http" or scheme == "ws":
        if host.endswith(":80"):
            host = host[:-3]
    elif (scheme == "https" or scheme == "wss") and host.endswith(":443"):
        host = host[:-4]
    # Hot path: no trusted list, a valid host: one precompiled fullmatch.
    if not trusted_hosts:
        return host if _host_is_valid(host) else ""
    if not host_is_trusted(host, trusted_hosts):
        raise BadHost(f"Host {host!r} is not trusted.")
    return host


_PATH_SAFE = "!$&'()*+,/:;=@%"
_QUERY_SAFE = "!$&'()*+,/:;=?@%"


def _decode_path(value: str) -> str:
    # WSGI paths are latin-1 text of the raw bytes; URLs carry UTF-8.
    if value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def get_current_url(
    environ: WSGIEnvironment,
    root_only: bool = False,
    strip_querystring: bool = False,
    host_only: bool = False,
    trusted_hosts: t.Collection[str] | None = None,
) -> str:
    """The URL of the request as an IRI (may contain Unicode): scheme, host,
    ``SCRIPT_NAME``, ``PATH_INFO`` and query string; the flags cut it shorter.

    The result equals Werkzeug's ``Request.url`` (``base_url``, ``url_root``,
    ``host_url`` for the flags). Werkzeug's ``wsgi.get_current_url`` differs for
    non-ASCII paths: it quotes the latin-1 environ text without decoding it first, which
    turns ``/€`` into mojibake; hipflask decodes the UTF-8 path first.
    """
    url = [environ["wsgi.url_scheme"], "://", get_host(environ, trusted_hosts)]
    if host_only:
        url.append("/")
        return uri_to_iri("".join(url))
    url.append(quote(_decode_path(environ.get("SCRIPT_NAME", "")).rstrip("/"), safe=_PATH_SAFE))
    url.append("/")
    if root_only:
        return uri_to_iri("".join(url))
    url.append(quote(_decode_path(environ.get("PATH_INFO", "")).lstrip("/"), safe=_PATH_SAFE))
    if not strip_querystring:
        query_string = environ.get("QUERY_STRING", "").encode("latin1")
        if query_string:
            url.append("?")
            url.append(quote(query_string, safe=_QUERY_SAFE))
    return uri_to_iri("".join(url))


def get_path_info(environ: WSGIEnvironment) -> str:
    """``PATH_INFO`` decoded as UTF-8 (invalid bytes replaced)."""
    path: bytes = environ.get("PATH_INFO", "").encode("latin1")
    return path.decode(errors="replace")


# -- request body ------------------------------------------------------------------------


def get_content_length(environ: WSGIEnvironment) -> int | None:
    """``Content-Length`` as an int; None when absent or the body is chunked.

    A non-numeric or negative value raises :class:`~hipflask.exceptions.BadRequest`
    (Werkzeug silently reads it as 0, which hides a broken client).
    """
    value = environ.get("CONTENT_LENGTH")
    if value is None:
        return None
    transfer_encoding = environ.get("HTTP_TRANSFER_ENCODING")
    if transfer_encoding is not None and "chunked" in {
        token.strip().lower() for token in transfer_encoding.split(",")
    }:
        return None
    value = value.strip()
    if value == "":
        return 0  # an empty header means no body (as Werkzeug reads it)
    if not value.isdigit() or not value.isascii():
        raise BadRequest("The Content-Length header must be a non-negative integer.")
    return int(value)


def get_input_stream(
    environ: WSGIEnvironment, safe_fallback: bool = True, max_content_length: int | None = None
) -> t.IO[bytes]:
    """``wsgi.input`` wrapped so reading it never goes past ``Content-Length`` or
    *max_content_length*.

    A ``Content-Length`` over *max_content_length* raises ``RequestEntityTooLarge``
    before anything is read. Without a length the stream is empty (so a read can never
    hang) unless the server terminates input itself (``wsgi.input_terminated``) or
    *safe_fallback* is False.
    """
    return bounded_input(environ, get_content_length(environ), max_content_length, safe_fallback)


def bounded_input(
    environ: WSGIEnvironment,
    content_length: int | None,
    max_content_length: int | None,
    safe_fallback: bool = True,
) -> t.IO[bytes]:
    """:func:`get_input_stream` given ``get_content_length(environ)``, which the request has
    already computed (and cached) when it builds its stream: parsing the header twice was a
    measurable part of every request with a body."""
    stream: t.IO[bytes] = environ["wsgi.input"]
    if (
        content_length is not None
        and max_content_length is not None
        and content_length > max_content_length
    ):
        raise RequestEntityTooLarge()
    # No typing.cast on this path: a cast is a real function call per request.
    if "wsgi.input_terminated" in environ:
        if max_content_length is not None:
            return LimitedStream(stream, max_content_length, is_max=True)  # type: ignore[return-value]
        return stream
    if content_length is None:
        return io.BytesIO() if safe_fallback else stream
    return LimitedStream(stream, content_length)  # type: ignore[return-value]


#: Bytes requested per read when a body is read whole (form bodies).
READ_CHUNK_SIZE = 64 * 1024


def read_exactly(stream: t.IO[bytes], length: int) -> bytes:
    """At most *length* bytes of *stream*, read in chunks of ``READ_CHUNK_SIZE``; less only
    if the stream ends first (a Content-Length-bounded :class:`LimitedStream` raises 400
    instead). Chunked, so a huge declared length never allocates more than arrives."""
    parts = []
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(remaining, READ_CHUNK_SIZE))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def read_bounded(stream: t.IO[bytes], limit: int | None) -> bytes:
    """Read *stream* to its end, or raise 413 as soon as more than *limit* bytes arrive
    (a chunked body has no Content-Length to check up front)."""
    parts: list[bytes] = []
    size = 0
    read = stream.read
    while True:
        chunk = read(READ_CHUNK_SIZE)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if limit is not None and size > limit:
            raise RequestEntityTooLarge("The form body is larger than MAX_FORM_MEMORY_SIZE.")
        parts.append(chunk)


class LimitedStream(io.RawIOBase):
    """A read-only stream that never reads more than *limit* bytes from *stream*.

    With ``is_max=False`` (*limit* is the ``Content-Length``): reading at the limit gives
    ``b""``, and a stream that ends or fails before it raises
    :class:`~hipflask.exceptions.ClientDisconnected` (400). With ``is_max=True`` (*limit*
    is the app's maximum): reading past it raises ``RequestEntityTooLarge`` (413) and an
    early end is simply the end of the body.
    """

    # Slots: one of these is made (and finalised, as every IOBase) per request with a body,
    # and slot attributes make that cheaper. Instances still take other attributes: IOBase
    # gives every subclass a __dict__.
    __slots__ = ("_limit_is_max", "_pos", "_stream", "limit")

    def __del__(self) -> None:
        # IOBase's finalizer looks up `closed`, sets `_finalizing` (creating the instance
        # dict) and calls close(): about a quarter of a microsecond per request with a body,
        # to mark closed a stream no one can see any more. Skipping it is invisible: this
        # close() releases nothing (wsgi.input belongs to the server). A subclass that
        # overrides close() gets IOBase's finalizer back (__init_subclass__).
        pass

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.close is not LimitedStream.close:
            cls.__del__ = io.IOBase.__del__  # type: ignore[method-assign]

    def __init__(self, stream: t.IO[bytes], limit: int, is_max: bool = False) -> None:
        self._stream = stream
        self._pos = 0
        self.limit = limit
        self._limit_is_max = is_max

    @property
    def is_exhausted(self) -> bool:
        """True once *limit* bytes were read."""
        return self._pos >= self.limit

    def on_exhausted(self) -> None:
        """Called on a read at the limit: 413 for a maximum, else nothing."""
        if self._limit_is_max:
            raise RequestEntityTooLarge()

    def on_disconnect(self, error: Exception | None = None) -> None:
        """Called when the stream ends or fails before the limit: raises
        ``ClientDisconnected`` unless the limit is a maximum and nothing failed."""
        if not self._limit_is_max or error is not None:
            raise ClientDisconnected()

    def exhaust(self) -> bytes:
        """Read and return whatever is left up to the limit."""
        if not self.is_exhausted:
            return self.readall()
        return b""

    def readinto(self, b: t.Any) -> int:
        """Read into the buffer *b*, never past the limit; the number of bytes read."""
        size = len(b)
        remaining = self.limit - self._pos
        if remaining <= 0:
            self.on_exhausted()
            return 0
        try:
            data = self._stream.read(min(size, remaining))
        except (OSError, ValueError) as e:
            self.on_disconnect(error=e)
            return 0
        out_size = len(data)
        if not out_size:
            self.on_disconnect()
            return 0
        b[:out_size] = data
        self._pos += out_size
        return out_size

    def read(self, size: int | None = -1) -> bytes:
        """Read up to *size* bytes (all that is left when negative)."""
        if size is None or size < 0:
            return self.readall()
        remaining = self.limit - self._pos
        if remaining <= 0:
            self.on_exhausted()
            return b""
        if size == 0:
            return b""
        # Read straight into bytes: no intermediate buffer copy on the body path.
        try:
            data = self._stream.read(min(size, remaining))
        except (OSError, ValueError) as e:
            self.on_disconnect(error=e)
            return b""
        if not data:
            self.on_disconnect()
            return b""
        self._pos += len(data)
        return data

    def readall(self) -> bytes:
        """Read everything up to the limit."""
        if self._pos >= self.limit:
            self.on_exhausted()
            return b""
        data = self.read(64 * 1024)
        if data and self._pos < self.limit:
            # More than one read: collect. A body that came in one read (the usual JSON
            # or form body) is returned as it is, without the bytearray and its copy.
            out = bytearray(data)
            while self._pos < self.limit:
                data = self.read(64 * 1024)
                if not data:
                    break
                out += data
            data = bytes(out)
        if self._limit_is_max and self._pos >= self.limit and self._has_more():
            # The body is larger than the maximum: refuse it rather than hand out a
            # silently truncated body (Werkzeug returns the first `limit` bytes).
            self.on_exhausted()
        return data

    def _has_more(self) -> bool:
        # Only used with a maximum, i.e. on streams the server terminates itself, where
        # one more read cannot block on a client that is done sending.
        try:
            return bool(self._stream.read(1))
        except (OSError, ValueError):
            return False

    def readline(self, size: int | None = -1) -> bytes:
        """Read one line (at most *size* bytes), never past the limit."""
        remaining = self.limit - self._pos
        if remaining <= 0:
            self.on_exhausted()
            return b""
        if size is not None and 0 <= size < remaining:
            remaining = size
        if remaining == 0:
            return b""
        try:
            line = self._stream.readline(remaining)
        except (OSError, ValueError) as e:
            self.on_disconnect(error=e)
            return b""
        if not line:
            self.on_disconnect()
            return b""
        self._pos += len(line)
        return line

    def tell(self) -> int:
        """Bytes read so far."""
        return self._pos

    def readable(self) -> bool:
        """Always True: this is a read-only stream."""
        return True


# -- response helpers --------------------------------------------------------------------


class ClosingIterator:
    """Wraps a response iterable and calls *callbacks* (and the iterable's own ``close``)
    when the server closes it, as PEP 3333 requires."""

    def __init__(
        self,
        iterable: t.Iterable[bytes],
        callbacks: t.Callable[[], None] | t.Iterable[t.Callable[[], None]] | None = None,
    ) -> None:
        iterator = iter(iterable)
        self._next = t.cast(t.Callable[[], bytes], partial(next, iterator))
        if callbacks is None:
            callback_list = []
        elif callable(callbacks):
            callback_list = [callbacks]
        else:
            callback_list = list(callbacks)
        iterable_close = getattr(iterable, "close", None)
        if iterable_close:
            callback_list.insert(0, iterable_close)
        self._callbacks = callback_list

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return self._next()

    def close(self) -> None:
        """Run every callback, even if one fails (the first error is re-raised)."""
        error: BaseException | None = None
        for callback in self._callbacks:
            try:
                callback()
            except BaseException as e:
                if error is None:
                    error = e
        if error is not None:
            raise error


def wrap_file(
    environ: WSGIEnvironment, file: t.IO[bytes], buffer_size: int = 8192
) -> t.Iterable[bytes]:
    """The server's ``wsgi.file_wrapper`` for *file* if it has one, else :class:`FileWrapper`.

    Pass the result through unchanged (``direct_passthrough``) so the server can use
    ``sendfile``.
    """
    wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
    result: t.Iterable[bytes] = wrapper(file, buffer_size)
    return result


class FileWrapper:
    """Iterates a file in *buffer_size* blocks and closes it with ``close()``."""

    def __init__(self, file: t.IO[bytes], buffer_size: int = 8192) -> None:
        self.file = file
        self.buffer_size = buffer_size

    def close(self) -> None:
        """Close the file."""
        if hasattr(self.file, "close"):
            self.file.close()

    def seekable(self) -> bool:
        """True if the file can seek."""
        if hasattr(self.file, "seekable"):
            return bool(self.file.seekable())
        return hasattr(self.file, "seek")

    def seek(self, *args: t.Any) -> None:
        """Seek the file."""
        if hasattr(self.file, "seek"):
            self.file.seek(*args)

    def tell(self) -> int | None:
        """The file position, if known."""
        if hasattr(self.file, "tell"):
            return self.file.tell()
        return None

    def __iter__(self) -> FileWrapper:
        return self

    def __next__(self) -> bytes:
        data = self.file.read(self.buffer_size)
        if data:
            return data
        raise StopIteration()


class _RangeWrapper:
    """Iterates bytes ``[start_byte, start_byte + byte_range)`` of an iterable or file."""

    def __init__(
        self,
        iterable: t.Iterable[bytes] | t.IO[bytes],
        start_byte: int = 0,
        byte_range: int | None = None,
    ) -> None:
        self.iterable = iter(iterable)
        self.byte_range = byte_range
        self.start_byte = start_byte
        self.end_byte = None if byte_range is None else start_byte + byte_range
        self.read_length = 0
        self.seekable = hasattr(iterable, "seekable") and iterable.seekable()
        self.end_reached = False

    def __iter__(self) -> _RangeWrapper:
        return self

    def _next_chunk(self) -> bytes:
        try:
            chunk = next(self.iterable)
        except StopIteration:
            self.end_reached = True
            raise
        self.read_length += len(chunk)
        return chunk

    def _first_iteration(self) -> tuple[bytes | None, int]:
        chunk = None
        if self.seekable:
            self.iterable.seek(self.start_byte)  # type: ignore[attr-defined]
            self.read_length = self.iterable.tell()  # type: ignore[attr-defined]
            contextual_read_length = self.read_length
        else:
            while self.read_length <= self.start_byte:
                chunk = self._next_chunk()
            if chunk is not None:
                chunk = chunk[self.start_byte - self.read_length :]
            contextual_read_length = self.start_byte
        return chunk, contextual_read_length

    def _next(self) -> bytes:
        if self.end_reached:
            raise StopIteration()
        chunk = None
        contextual_read_length = self.read_length
        if self.read_length == 0:
            chunk, contextual_read_length = self._first_iteration()
        if chunk is None:
            chunk = self._next_chunk()
        if self.end_byte is not None and self.read_length >= self.end_byte:
            self.end_reached = True
            return chunk[: self.end_byte - contextual_read_length]
        return chunk

    def __next__(self) -> bytes:
        chunk = self._next()
        if chunk:
            return chunk
        self.end_reached = True
        raise StopIteration()

    def close(self) -> None:
        """Close the wrapped iterable."""
        if hasattr(self.iterable, "close"):
            self.iterable.close()


__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "host_is_trusted",
    "responder",
    "wrap_file",
]
