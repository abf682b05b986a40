"""Form body parsing: ``multipart/form-data`` and ``application/x-www-form-urlencoded``.

The core calls :func:`parse_form_data` the first time a view touches ``request.form`` or
``request.files``; the test client calls :func:`encode_multipart` to build bodies.

Multipart bodies go through the streaming, sans-io ``multipart`` package (chosen over
``python-multipart`` by benchmark, see benchmarks/MULTIPART.md); this module adds what a
framework needs around it: request limits, spooling of file data to temporary files,
Werkzeug-compatible filename decoding, and a 4xx for every client mistake.

Deliberate differences from Werkzeug (whose parser Flask uses):

- a malformed body is a ``400 Bad Request`` with a short reason; Werkzeug silently returns an
  empty form. This covers: a missing boundary, a truncated body, oversized or too many part
  headers, part headers that are not UTF-8, a part without ``Content-Disposition: form-data``
  or without a ``name``, LF-only line endings, and text that is not valid UTF-8 (raw or
  percent-encoded) in a urlencoded body or a multipart text field (Werkzeug keeps ``%FF``
  escapes / substitutes U+FFFD);
- file data stays in memory only up to 500 kB per file *and* 2 MiB per request in total;
  beyond that it goes to an anonymous temporary file, so memory stays bounded however many
  files a request carries (Werkzeug bounds each file, not their sum);
- ``max_form_memory_size`` caps multipart *text fields* only, as Flask documents it;
  Werkzeug also applies it to each 64 KiB read of its parser, so there a limit below 64 KiB
  turns any larger upload into a 413.
"""

from __future__ import annotations

import tempfile
from io import BytesIO
from typing import IO, Any

import multipart

from .datastructures import FileStorage, Headers, MultiDict
from .exceptions import BadRequest, RequestEntityTooLarge
from .header_values import parse_options_header
from .multipart_encoding import encode_multipart, parse_content_disposition
from .urls import unquote_strict
from .wsgi import READ_CHUNK_SIZE, get_content_length, get_input_stream, read_bounded

__all__ = ["FormDataParser", "encode_multipart", "parse_form_data"]

#: A file part larger than this is moved from memory to a temporary file (as Werkzeug).
SPOOL_FILE_THRESHOLD = 500 * 1024
#: At most this many bytes of file data stay in memory per request, all files together.
SPOOL_REQUEST_BUDGET = 2 * 1024 * 1024
#: Limits on part headers (browsers send 1 or 2 short lines per part).
MAX_PART_HEADER_LINE = 8 * 1024
MAX_PART_HEADER_COUNT = 16
#: RFC 2046 allows 70 characters; be lenient, but not unbounded.
MAX_BOUNDARY_LENGTH = 256

# Part charsets honoured for text fields, as Werkzeug: modern clients only send UTF-8, and
# an unknown name must not reach codecs.lookup() (which would accept e.g. "utf-32" or "rot13").
_FIELD_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})

FormResult = tuple[MultiDict[str, str], MultiDict[str, FileStorage]]


def parse_form_data(
    stream: IO[bytes],
    mimetype: str,
    mimetype_params: dict[str, str],
    content_length: int | None,
    *,
    max_form_memory_size: int | None = None,
    max_form_parts: int | None = None,
    cls: type[MultiDict[str, Any]] | None = None,
) -> FormResult:
    """Parse a request body into ``(form, files)``.

    ``stream`` is the request body, already limited by the caller to Content-Length /
    MAX_CONTENT_LENGTH (errors it raises, such as ``RequestEntityTooLarge`` or
    ``ClientDisconnected``, propagate). ``mimetype`` is the lowercased Content-Type without
    parameters, ``mimetype_params`` its parameters (``boundary``). For any mimetype other
    than ``multipart/form-data`` and ``application/x-www-form-urlencoded`` both results are
    empty and the stream is not read.

    ``max_form_memory_size`` caps each multipart text field (across however many reads it
    spans) and a whole urlencoded body; ``max_form_parts`` caps the number of multipart
    parts. Exceeding either is ``413 Request Entity Too Large``; a malformed body is
    ``400 Bad Request`` with a short reason. ``cls`` is the MultiDict class of both results
    (the core passes ``ImmutableMultiDict``).

    On any error every temporary file created so far is closed before the error propagates.
    """
    make = cls or MultiDict
    mimetype = mimetype.lower()
    if mimetype == "multipart/form-data":
        boundary = _boundary(mimetype_params)
        fields, files = _MultipartReader(
            stream, boundary, max_form_memory_size, max_form_parts
        ).read_all()
        return make(fields), make(files)
    if mimetype == "application/x-www-form-urlencoded":
        return make(_parse_urlencoded(stream, content_length, max_form_memory_size)), make()
    return make(), make()


# --------------------------------------------------------------------------- urlencoded


def _parse_urlencoded(
    stream: IO[bytes], content_length: int | None, limit: int | None
) -> list[tuple[str, str]]:
    if limit is not None and content_length is not None and content_length > limit:
        raise RequestEntityTooLarge("The form body is larger than MAX_FORM_MEMORY_SIZE.")
    body = read_bounded(stream, limit)
    if not body:
        return []
    try:
        text = body.decode("utf-8")
        # Exactly ``parse_qsl(text, keep_blank_values=True, errors="strict")`` (strict
        # decoding of %XX escapes too: a wrong charset is reported, not guessed), but only a
        # field with a '%' is unquoted: most fields have none, and parse_qsl spends most of
        # its time coercing and unquoting them.
        pairs = []
        for field in text.split("&"):
            if not field:
                continue
            key, _, value = field.partition("=")
            if "+" in key:
                key = key.replace("+", " ")
            if "%" in key:
                key = unquote_strict(key)
            if "+" in value:
                value = value.replace("+", " ")
            if "%" in value:
                value = unquote_strict(value)
            pairs.append((key, value))
        return pairs
    except UnicodeDecodeError:
        raise BadRequest("The form body is not valid UTF-8.") from None


# --------------------------------------------------------------------------- multipart


def _boundary(params: dict[str, str]) -> str:
    boundary = params.get("boundary", "")
    if not boundary:
        raise BadRequest("Multipart body without a boundary in its Content-Type.")
    if len(boundary) > MAX_BOUNDARY_LENGTH or not boundary.isascii() or not boundary.isprintable():
        raise BadRequest("Invalid multipart boundary.")
    return boundary


# The multipart package's error messages, mapped to the short reasons clients see. Unknown
# messages fall back to a generic reason (never the library's internals).
_PARSER_REASONS = (
    ("end of multipart stream", "The multipart body is truncated."),
    ("header length", "A multipart part header is too large."),
    ("header count", "A multipart part has too many headers."),
    ("failed to decode", "A multipart part header is not valid UTF-8."),
    ("Content-Disposition", "A multipart part lacks 'Content-Disposition: form-data'."),
    ("line break", "The multipart body must use CRLF line breaks."),
)


def _bad_multipart(exc: multipart.MultipartError) -> BadRequest:
    message = str(exc.args[0]) if exc.args else ""
    for needle, reason in _PARSER_REASONS:
        if needle in message:
            return BadRequest(reason)
    return BadRequest("Malformed multipart body.")


class _MultipartReader:
    """One multipart body being read: drives the sans-io parser over the stream and builds
    the field list and the FileStorage list. Single use.

    The event loop in :meth:`_run` is the hot path (it runs once per part and per chunk):
    the current part is plain attributes, not a closure or object per part, because forms
    with thousands of small fields are common.
    """

    __slots__ = (
        "_budget",
        "_containers",
        "_fields",
        "_files",
        "_max_field",
        "_max_parts",
        "_parser",
        "_parts",
        "_stream",
    )

    def __init__(
        self, stream: IO[bytes], boundary: str, max_field: int | None, max_parts: int | None
    ) -> None:
        self._stream = stream
        self._max_field = max_field
        self._max_parts = max_parts
        self._parts = 0
        self._budget = SPOOL_REQUEST_BUDGET
        self._fields: list[tuple[str, str]] = []
        self._files: list[tuple[str, FileStorage]] = []
        self._containers: list[IO[bytes]] = []  # every file buffer, closed on error
        try:
            self._parser = multipart.PushMultipartParser(
                boundary,
                max_header_size=MAX_PART_HEADER_LINE,
                max_header_count=MAX_PART_HEADER_COUNT,
            )
        except multipart.MultipartError:
            raise BadRequest("Invalid multipart boundary.") from None

    def read_all(self) -> tuple[list[tuple[str, str]], list[tuple[str, FileStorage]]]:
        try:
            self._run()
        except multipart.MultipartError as exc:
            self._close_containers()
            if self._parts == 0 and "end of multipart stream" in str(exc):
                # Nothing recognisable at all: most likely a boundary that does not match.
                raise BadRequest("No multipart part found (does the boundary match?).") from None
            raise _bad_multipart(exc) from None
        except BaseException:
            # 413 from our limits or the core's stream, ClientDisconnected, ...: never
            # leave temporary files behind.
            self._close_containers()
            raise
        return self._fields, self._files

    def _close_containers(self) -> None:
        for container in self._containers:
            try:
                container.close()
            except Exception:  # best effort while an error is already propagating
                pass

    def _run(self) -> None:
        parser = self._parser
        read = self._stream.read
        limit = self._max_field
        segment_class = multipart.MultipartSegment
        segment: multipart.MultipartSegment | None = None
        name = ""
        filename: str | None = None
        # The current part is a text field (chunks is a list) or a file (container).
        chunks: list[bytes] | None = None
        size = 0
        container: IO[bytes] | None = None
        with parser:
            # Read to the end even after the closing boundary (the parser ignores the
            # epilogue cheaply): the stream is bounded by the core, and a drained body
            # keeps a keep-alive connection in sync.
            while True:
                chunk = read(READ_CHUNK_SIZE)
                # An empty chunk tells the parser the input ended: it raises if the
                # closing boundary was not seen (a truncated body).
                for event in parser.parse(chunk):
                    if event is None:  # end of the current part
                        assert segment is not None
                        if chunks is not None:
                            self._add_field(name, chunks, segment.headerlist)
                        else:
                            assert container is not None and filename is not None
                            self._add_file(name, filename, container, segment.headerlist)
                    elif isinstance(event, segment_class):  # start of a part
                        segment = event
                        name, filename = self._start_part(event)
                        if filename is None:
                            chunks, size, container = [], 0, None
                        else:
                            chunks, container = None, self._new_container()
                    elif chunks is not None:  # data (bytes, or bytearray in multipart 1.x)
                        size += len(event)
                        # Checked per chunk: a field spread over many reads is capped.
                        if limit is not None and size > limit:
                            raise RequestEntityTooLarge(
                                "A form field is larger than MAX_FORM_MEMORY_SIZE."
                            )
                        chunks.append(event)
                    else:
                        container.write(event)  # type: ignore[union-attr]
                if not chunk:
                    break

    def _start_part(self, segment: multipart.MultipartSegment) -> tuple[str, str | None]:
        self._parts += 1
        if self._max_parts is not None and self._parts > self._max_parts:
            raise RequestEntityTooLarge("The form has more parts than MAX_FORM_PARTS.")
        disposition = _header(segment.headerlist, "Content-Disposition")
        name, filename = parse_content_disposition(disposition)
        if name is None:
            raise BadRequest("A multipart part has no name in its Content-Disposition.")
        return name, filename

    def _add_field(self, name: str, chunks: list[bytes], headerlist: list[tuple[str, str]]) -> None:
        charset = _field_charset(headerlist)
        try:
            value = b"".join(chunks).decode(charset)
        except UnicodeDecodeError:
            raise BadRequest(f"Form field {name!r} is not valid {charset}.") from None
        self._fields.append((name, value))

    def _add_file(
        self, name: str, filename: str, container: IO[bytes], headerlist: list[tuple[str, str]]
    ) -> None:
        if _in_memory(container):
            self._budget -= container.tell()
        container.seek(0)
        storage = FileStorage(container, filename, name, headers=_make_headers(headerlist))
        self._files.append((name, storage))

    def _new_container(self) -> IO[bytes]:
        # Small files stay in memory until the request's in-memory budget is spent; after
        # that every file goes straight to disk. TemporaryFile is anonymous on POSIX (no
        # path to clean up): closing it frees the space.
        threshold = min(SPOOL_FILE_THRESHOLD, self._budget)
        # Not `with`: the file outlives this call; FileStorage.close() / request.close()
        # (or _close_containers on error) closes it.
        container: IO[bytes]
        if threshold <= 0:
            container = tempfile.TemporaryFile("w+b")  # noqa: SIM115
        else:
            container = tempfile.SpooledTemporaryFile(max_size=threshold, mode="w+b")  # noqa: SIM115
        self._containers.append(container)
        return container


def _in_memory(container: IO[bytes]) -> bool:
    return isinstance(getattr(container, "_file", None), BytesIO)


def _header(headerlist: list[tuple[str, str]], name: str) -> str:
    # The parser title-cases header names, so an exact comparison is enough.
    for key, value in headerlist:
        if key == name:
            return value
    return ""


def _field_charset(headerlist: list[tuple[str, str]]) -> str:
    content_type = _header(headerlist, "Content-Type")
    if not content_type or "charset" not in content_type.lower():
        return "utf-8"
    charset = parse_options_header(content_type)[1].get("charset", "").lower()
    return charset if charset in _FIELD_CHARSETS else "utf-8"


def _make_headers(headerlist: list[tuple[str, str]]) -> Headers:
    # Part headers are request input: browsers send raw UTF-8 file names, so only control
    # characters are refused (Headers() itself also insists on latin-1, for responses).
    pairs = [(key, value.strip()) for key, value in headerlist]
    for key, value in pairs:
        if any(ch in key or ch in value for ch in "\r\n\0"):
            raise BadRequest("A multipart part header contains invalid characters.")
    return Headers.from_list(pairs)


class FormDataParser:
    """Werkzeug's form parser object, over :func:`parse_form_data`.

    ``parse_from_environ(environ)`` and ``parse(stream, mimetype, content_length, options)``
    return ``(stream, form, files)``. A body over *max_content_length* is 413 before it is
    read. With *silent* (the default) a ``ValueError`` from parsing gives empty results;
    HTTP errors (400, 413) always propagate. *stream_factory* is accepted for compatibility
    and not used: file parts are spooled by hipflask's own rules.
    """

    def __init__(
        self,
        stream_factory: Any = None,
        max_form_memory_size: int | None = None,
        max_content_length: int | None = None,
        cls: type[MultiDict[str, Any]] | None = None,
        silent: bool = True,
        *,
        max_form_parts: int | None = None,
    ) -> None:
        self.stream_factory = stream_factory
        self.max_form_memory_size = max_form_memory_size
        self.max_content_length = max_content_length
        self.max_form_parts = max_form_parts
        self.cls = cls or MultiDict
        self.silent = silent

    def parse_from_environ(
        self, environ: dict[str, Any]
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, Any]]:
        """Parse the body of the request *environ* describes."""
        stream = get_input_stream(environ, max_content_length=self.max_content_length)
        mimetype, options = parse_options_header(environ.get("CONTENT_TYPE"))
        return self.parse(stream, mimetype, get_content_length(environ), options)

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, Any]]:
        """Parse *stream* as a body of *mimetype* (with its Content-Type *options*)."""
        if (
            self.max_content_length is not None
            and content_length is not None
            and content_length > self.max_content_length
        ):
            raise RequestEntityTooLarge()
        try:
            form, files = parse_form_data(
                stream,
                mimetype,
                options or {},
                content_length,
                max_form_memory_size=self.max_form_memory_size,
                max_form_parts=self.max_form_parts,
                cls=self.cls,
            )
        except ValueError:
            if not self.silent:
                raise
            form, files = self.cls(), self.cls()
        return stream, form, files
