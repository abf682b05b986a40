"""The request object (the toolkit half: Werkzeug's ``Request``).

Built for the hot path: the constructor stores the environ and three strings, and every
other attribute is computed on first access and cached (``cached_property``), so a view that
never reads the query string, cookies, headers or body never pays for parsing them.
:class:`hipflask.wrappers.Request` adds Flask's routing and JSON behaviour on top.
"""

from __future__ import annotations

import io
import json
import typing as t
from datetime import datetime

from . import http
from ._internal import lazy_property
from .datastructures import (
    Accept,
    Authorization,
    CharsetAccept,
    CombinedMultiDict,
    EnvironHeaders,
    ETags,
    FileStorage,
    HeaderSet,
    IfRange,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
)
from .exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from .urls import parse_urlencoded_lists, unquote_strict
from .user_agent import UserAgent
from .wsgi import (
    READ_CHUNK_SIZE,
    bounded_input,
    get_content_length,
    get_current_url,
    get_host,
    read_bounded,
    read_exactly,
)

WSGIEnvironment = dict[str, t.Any]

# Labels a JSON body may carry: the UTF encodings json.loads detects, plus the legacy
# ASCII-compatible labels old clients put on what is really ASCII/UTF-8 text (the body is
# then parsed as UTF-8 and rejected if it is not). Anything else is refused unread.
_JSON_CHARSETS = frozenset(
    (
        "utf-8",
        "utf8",
        "utf-16",
        "utf-16le",
        "utf-16be",
        "utf-32",
        "utf-32le",
        "utf-32be",
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "latin-1",
        "latin1",
        "windows-1252",
        "cp1252",
    )
)
# Limits on the number of query parameters parsed, so a hostile URL costs bounded work.
MAX_QUERY_PAIRS = 10_000


def parse_query_string(query: str) -> list[tuple[str, str]]:
    """``a=1&b=x+y&c`` -> ``[("a", "1"), ("b", "x y"), ("c", "")]`` (a WSGI latin-1 str in).

    Written for speed on the common shape (ASCII, few escapes): ``urllib.parse.parse_qsl``
    spends more time on argument coercion than on parsing. Raw non-ASCII bytes must be UTF-8,
    as must ``%XX`` escapes; ``%`` not followed by two hex digits stays as is. Raises 400 on
    invalid UTF-8 or more than ``MAX_QUERY_PAIRS`` fields.
    """
    if query.count("&") >= MAX_QUERY_PAIRS:
        raise BadRequest(f"The query string has more than {MAX_QUERY_PAIRS} fields.")
    if not query.isascii():
        try:
            query = query.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The query string is not valid UTF-8.") from None
    pairs = []
    for field in query.split("&"):
        if not field:
            continue
        key, _, value = field.partition("=")
        if "+" in key or "%" in key:
            key = _unquote_plus(key)
        if "+" in value or "%" in value:
            value = _unquote_plus(value)
        pairs.append((key, value))
    return pairs


def _query_lists(query: str) -> dict[str, list[str]]:
    """:func:`parse_query_string`'s result grouped by key (``MultiDict`` storage), same errors."""
    if query.count("&") >= MAX_QUERY_PAIRS:
        raise BadRequest(f"The query string has more than {MAX_QUERY_PAIRS} fields.")
    try:
        if not query.isascii():
            query = query.encode("latin-1").decode("utf-8")
        return parse_urlencoded_lists(query)
    except UnicodeDecodeError:
        raise BadRequest("The query string is not valid UTF-8.") from None


def _unquote_plus(text: str) -> str:
    try:
        return unquote_strict(text.replace("+", " "))
    except UnicodeDecodeError:
        raise BadRequest("The query string is not valid UTF-8.") from None


def multidict_from_lists(
    cls: type[MultiDict[t.Any, t.Any]], lists: dict[t.Any, list[t.Any]]
) -> MultiDict[t.Any, t.Any]:
    """A *cls* holding *lists* (key -> values, as the parsers build them), taking the lists.

    For the two stock classes the dict is handed over as the storage itself (no pairs, no
    second pass): ``dict.update`` on an empty instance is exactly what their constructor ends
    with. Any other class (a user's ``parameter_storage_class``) gets the ``(key, value)``
    pairs through its own constructor.
    """
    if cls is ImmutableMultiDict or cls is MultiDict:
        # dict.__new__ + dict.update: what their __init__ does for a dict of lists, minus
        # the Python-level __init__ call and the copy of every list.
        result = _dict_new(cls)
        _dict_update(result, lists)
        return result
    if not lists:
        return cls()
    return cls([(key, value) for key, values in lists.items() for value in values])


_dict_new = dict.__new__
_dict_update = dict.update


def wsgi_to_text(value: str) -> str:
    """Undo PEP 3333's latin-1 decoding of a URL part and decode it as UTF-8.

    Raises ``UnicodeDecodeError`` when the bytes are not UTF-8.
    """
    if value.isascii():
        return value
    return value.encode("latin-1").decode("utf-8")


class _EnvironHeader:
    """A read-only header attribute read straight from the environ (no Headers object)."""

    __slots__ = ("key", "parse")

    def __init__(self, name: str, parse: t.Callable[[str], t.Any] | None = None) -> None:
        self.key = "HTTP_" + name.upper().replace("-", "_")
        self.parse = parse

    def __get__(self, obj: Request | None, owner: type) -> t.Any:
        if obj is None:
            return self
        value = obj.environ.get(self.key)
        if value is None or self.parse is None:
            return value
        try:
            return self.parse(value)
        except (ValueError, TypeError):
            return None


_parse_form_data: t.Callable[..., t.Any] | None = None


def _form_parser() -> t.Callable[..., t.Any]:
    """:func:`hipflask.formparser.parse_form_data`, imported on first use.

    The multipart parser loads with the first form body, not with every request; kept in a
    global afterwards, because an import statement in a function costs about a microsecond
    on every call.
    """
    global _parse_form_data
    if _parse_form_data is None:
        from .formparser import parse_form_data

        _parse_form_data = parse_form_data
    return _parse_form_data


class Request:
    """An incoming WSGI request, parsed lazily.

    ``path`` is the URL path below the application root, decoded from UTF-8 (bytes that are
    not UTF-8 become U+FFFD and ``path_is_valid`` is false; the application answers 400).
    """

    __slots__ = ("__dict__", "environ", "method", "path", "path_is_valid", "shallow")

    parameter_storage_class: type[MultiDict[t.Any, t.Any]] = ImmutableMultiDict
    dict_storage_class: type[MultiDict[t.Any, t.Any]] = ImmutableMultiDict
    list_storage_class: type[list[t.Any]] = list
    user_agent_class: type[UserAgent] = UserAgent
    trusted_hosts: list[str] | None = None
    #: Bodies above this many bytes get 413 (``None``: no limit).
    max_content_length: int | None = None
    #: Text fields of a form above this many bytes get 413.
    max_form_memory_size: int | None = 500_000
    #: Multipart bodies with more parts than this get 413.
    max_form_parts: int | None = 1000

    def __init__(
        self, environ: WSGIEnvironment, populate_request: bool = True, shallow: bool = False
    ) -> None:
        self.environ = environ
        self.shallow = shallow
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or ""
        self.path_is_valid = True
        if not path.isascii():
            raw = path.encode("latin-1")
            try:
                path = raw.decode("utf-8")
            except UnicodeDecodeError:
                path = raw.decode("utf-8", "replace")
                self.path_is_valid = False
        self.path = path if path[:1] == "/" and path[1:2] != "/" else "/" + path.lstrip("/")
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception as e:
            url = f"(invalid URL: {e})"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"

    @classmethod
    def from_values(cls, *args: t.Any, **kwargs: t.Any) -> Request:
        """A request built from ``EnvironBuilder`` arguments (for tests and scripts)."""
        # Deliberately upward (ARCHITECTURE.md): a convenience built on the test toolkit.
        from .test.environ import EnvironBuilder

        builder = EnvironBuilder(*args, **kwargs)
        try:
            result: Request = builder.get_request(cls)
            return result
        finally:
            builder.close()

    # -- URL --------------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        """``http`` or ``https`` (``wsgi.url_scheme``)."""
        return t.cast(str, self.environ.get("wsgi.url_scheme", "http"))

    @property
    def is_secure(self) -> bool:
        """Whether the request came over HTTPS (or WSS)."""
        return self.scheme in ("https", "wss")

    @lazy_property
    def root_path(self) -> str:
        """Where the application is mounted (``SCRIPT_NAME``), without a trailing slash."""
        return wsgi_to_text(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @property
    def script_root(self) -> str:
        """Alias of :attr:`root_path`: where the application is mounted."""
        return self.root_path

    @lazy_property
    def query_string(self) -> bytes:
        """The raw query string, as bytes."""
        return t.cast(str, self.environ.get("QUERY_STRING", "")).encode("latin-1")

    @lazy_property
    def args(self) -> MultiDict[str, str]:
        """The query parameters as an ``ImmutableMultiDict``.

        .. note:: Differs from Werkzeug: a query string that is not valid UTF-8 raises
           400 Bad Request instead of keeping the bytes percent-encoded.
        """
        query = self.environ.get("QUERY_STRING")
        lists = _query_lists(query) if query else {}
        cls = self.parameter_storage_class
        if cls is ImmutableMultiDict:
            # multidict_from_lists' stock-class branch, inline: every request reading
            # request.args runs it, and a call is a measurable part of that.
            result = _dict_new(cls)
            _dict_update(result, lists)
            return result
        return multidict_from_lists(cls, lists)

    @lazy_property
    def full_path(self) -> str:
        """Path and query string, e.g. ``/search?q=x`` (``?`` is always present, as Flask)."""
        return f"{self.path}?{self.query_string.decode('utf-8', 'replace')}"

    @lazy_property
    def host(self) -> str:
        """The host (with a non-default port) the request was sent to, checked against
        :attr:`trusted_hosts`."""
        return get_host(self.environ, self.trusted_hosts)

    @lazy_property
    def url(self) -> str:
        """The full URL: scheme, host, root path, path and query string."""
        return get_current_url(self.environ, trusted_hosts=self.trusted_hosts)

    @lazy_property
    def base_url(self) -> str:
        """:attr:`url` without the query string."""
        return get_current_url(
            self.environ, strip_querystring=True, trusted_hosts=self.trusted_hosts
        )

    @lazy_property
    def root_url(self) -> str:
        """Scheme, host and root path: where the application lives."""
        return get_current_url(self.environ, root_only=True, trusted_hosts=self.trusted_hosts)

    @property
    def url_root(self) -> str:
        """Alias of :attr:`root_url`."""
        return self.root_url

    @lazy_property
    def host_url(self) -> str:
        """Scheme and host only, with a trailing slash."""
        return get_current_url(self.environ, host_only=True, trusted_hosts=self.trusted_hosts)

    @property
    def server(self) -> tuple[str, int | None] | None:
        """``(SERVER_NAME, SERVER_PORT)`` of the WSGI server, if known."""
        name = self.environ.get("SERVER_NAME")
        if name is None:
            return None
        try:
            port: int | None = int(self.environ.get("SERVER_PORT", ""))
        except ValueError:
            port = None
        return name, port

    @property
    def remote_addr(self) -> str | None:
        """The client's address (``REMOTE_ADDR``; use ProxyFix behind a proxy)."""
        return self.environ.get("REMOTE_ADDR")

    @lazy_property
    def access_route(self) -> list[str]:
        """Client and proxy addresses from ``X-Forwarded-For``, else ``[remote_addr]``."""
        forwarded = self.environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            return self.list_storage_class(http.parse_list_header(forwarded))
        if self.remote_addr is not None:
            return self.list_storage_class([self.remote_addr])
        return self.list_storage_class()

    # -- headers ----------------------------------------------------------------------------

    @lazy_property
    def headers(self) -> EnvironHeaders:
        """The request headers: a read-only, case-insensitive view of the environ."""
        return EnvironHeaders(self.environ)

    @lazy_property
    def cookies(self) -> MultiDict[str, str]:
        """Cookies sent by the client; a malformed pair is skipped, never an error."""
        header = self.environ.get("HTTP_COOKIE")
        if not header:
            return self.dict_storage_class()
        # Built once, straight into the storage class (no intermediate MultiDict).
        return http.parse_cookie(header, cls=self.dict_storage_class)

    @property
    def content_type(self) -> str | None:
        """The raw ``Content-Type`` header."""
        return self.environ.get("CONTENT_TYPE") or None

    @lazy_property
    def content_length(self) -> int | None:
        """``Content-Length`` as an int; ``None`` when absent or the body is chunked.

        A non-numeric or negative value raises 400 Bad Request.
        """
        return get_content_length(self.environ)

    @lazy_property
    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        return http.parse_options_header(self.environ.get("CONTENT_TYPE", ""))

    @property
    def mimetype(self) -> str:
        """The media type without parameters, lower-cased: ``text/html``."""
        return self._parsed_content_type[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The media type's parameters: ``{'charset': 'utf-8'}``."""
        return self._parsed_content_type[1]

    @property
    def is_json(self) -> bool:
        """Whether the body is declared as JSON (``application/json`` or ``+json``)."""
        mimetype = self.mimetype
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    content_encoding = _EnvironHeader("Content-Encoding")
    content_md5 = _EnvironHeader("Content-MD5")
    referrer = _EnvironHeader("Referer")
    origin = _EnvironHeader("Origin")
    access_control_request_method = _EnvironHeader("Access-Control-Request-Method")
    date = _EnvironHeader("Date", http.parse_date)
    max_forwards = _EnvironHeader("Max-Forwards", int)

    @lazy_property
    def access_control_request_headers(self) -> HeaderSet | None:
        """Headers a CORS preflight announces."""
        value = self.environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
        return http.parse_set_header(value) if value is not None else None

    @lazy_property
    def pragma(self) -> HeaderSet:
        """The ``Pragma`` header as a set."""
        return http.parse_set_header(self.environ.get("HTTP_PRAGMA", ""))

    @lazy_property
    def accept_mimetypes(self) -> MIMEAccept:
        """``Accept`` parsed; ``best_match(['application/json', 'text/html'])``."""
        return t.cast(
            MIMEAccept, http.parse_accept_header(self.environ.get("HTTP_ACCEPT"), MIMEAccept)
        )

    @lazy_property
    def accept_charsets(self) -> CharsetAccept:
        """``Accept-Charset`` parsed."""
        return t.cast(
            CharsetAccept,
            http.parse_accept_header(self.environ.get("HTTP_ACCEPT_CHARSET"), CharsetAccept),
        )

    @lazy_property
    def accept_encodings(self) -> Accept:
        """``Accept-Encoding`` parsed."""
        result: Accept = http.parse_accept_header(self.environ.get("HTTP_ACCEPT_ENCODING"))
        return result

    @lazy_property
    def accept_languages(self) -> LanguageAccept:
        """``Accept-Language`` parsed."""
        return t.cast(
            LanguageAccept,
            http.parse_accept_header(self.environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept),
        )

    @lazy_property
    def cache_control(self) -> RequestCacheControl:
        """``Cache-Control`` of the request."""
        return t.cast(
            RequestCacheControl,
            http.parse_cache_control_header(
                self.environ.get("HTTP_CACHE_CONTROL"), None, RequestCacheControl
            ),
        )

    @lazy_property
    def if_match(self) -> ETags:
        """``If-Match`` ETags."""
        return http.parse_etags(self.environ.get("HTTP_IF_MATCH"))

    @lazy_property
    def if_none_match(self) -> ETags:
        """``If-None-Match`` ETags."""
        return http.parse_etags(self.environ.get("HTTP_IF_NONE_MATCH"))

    @lazy_property
    def if_modified_since(self) -> datetime | None:
        """``If-Modified-Since`` as an aware datetime."""
        return http.parse_date(self.environ.get("HTTP_IF_MODIFIED_SINCE"))

    @lazy_property
    def if_unmodified_since(self) -> datetime | None:
        """``If-Unmodified-Since`` as an aware datetime."""
        return http.parse_date(self.environ.get("HTTP_IF_UNMODIFIED_SINCE"))

    @lazy_property
    def if_range(self) -> IfRange:
        """``If-Range`` parsed."""
        return http.parse_if_range_header(self.environ.get("HTTP_IF_RANGE"))

    @lazy_property
    def range(self) -> Range | None:
        """``Range`` parsed, or None."""
        return http.parse_range_header(self.environ.get("HTTP_RANGE"))

    @lazy_property
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header; ``str(request.user_agent)`` is the raw string."""
        return self.user_agent_class(self.environ.get("HTTP_USER_AGENT", ""))

    @lazy_property
    def authorization(self) -> Authorization | None:
        """``Authorization`` parsed (Basic, Bearer, Digest...), or None."""
        return Authorization.from_header(self.environ.get("HTTP_AUTHORIZATION"))

    # -- WSGI flags -------------------------------------------------------------------------

    @property
    def is_multithread(self) -> bool:
        """``wsgi.multithread``."""
        return bool(self.environ.get("wsgi.multithread"))

    @property
    def is_multiprocess(self) -> bool:
        """``wsgi.multiprocess``."""
        return bool(self.environ.get("wsgi.multiprocess"))

    @property
    def is_run_once(self) -> bool:
        """``wsgi.run_once``."""
        return bool(self.environ.get("wsgi.run_once"))

    # -- body -------------------------------------------------------------------------------

    @property
    def input_stream(self) -> t.IO[bytes]:
        """The raw ``wsgi.input``; prefer :attr:`stream`, which is bounded."""
        return t.cast(t.IO[bytes], self.environ["wsgi.input"])

    @lazy_property
    def stream(self) -> t.IO[bytes]:
        """The body, bounded by Content-Length and :attr:`max_content_length`.

        Reading past ``max_content_length`` raises 413; a body shorter than its
        Content-Length raises 400. A body with neither length nor a terminated input reads
        as empty, so a read can never hang waiting for bytes that will not come.
        """
        if self.shallow:
            raise RuntimeError(
                "This request was created with shallow=True and must not read the body."
            )
        # content_length validates the header (400 when malformed) and is cached; passing
        # it on spares parsing it again.
        return bounded_input(self.environ, self.content_length, self.max_content_length)

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> t.Any:
        """The whole body as bytes (or text with ``as_text``), read once and cached.

        With ``parse_form_data`` form bodies are parsed first, so form data is not read as
        raw bytes (and :attr:`form` keeps working).
        """
        data = self.__dict__.get("_cached_data")
        if data is None:
            if parse_form_data:
                self._load_form_data()
            data = self.stream.read()
            if cache:
                self.__dict__["_cached_data"] = data
        return data.decode("utf-8", "replace") if as_text else data

    @property
    def data(self) -> bytes:
        """The raw body, unless it was a form (then :attr:`form` has it)."""
        return t.cast(bytes, self.get_data(parse_form_data=True))

    def _stream_for_parsing(self) -> t.IO[bytes]:
        cached = self.__dict__.get("_cached_data")
        if cached is not None:
            return io.BytesIO(cached)
        return self.stream

    def _load_form_data(self) -> None:
        d = self.__dict__
        if "form" in d:
            return
        # The usual header is exactly this media type (no parameters, nothing to lower-case
        # or strip), which then is its own mimetype: no parsing, no property chain.
        mimetype = self.environ.get("CONTENT_TYPE")
        if mimetype != "application/x-www-form-urlencoded" or type(self).mimetype is not _MIMETYPE:
            mimetype = self.mimetype
        form: MultiDict[str, t.Any]
        files: MultiDict[str, t.Any]
        if mimetype == "application/x-www-form-urlencoded":
            # Parsed here rather than by formparser.parse_form_data (same checks, same
            # errors, same result): a urlencoded body needs neither the multipart parser's
            # import nor its layers, and is the common form on the hot path.
            cls = self.parameter_storage_class
            form = multidict_from_lists(cls, self._urlencoded_lists())
            files = multidict_from_lists(cls, {})
        elif mimetype == "multipart/form-data":
            form, files = _form_parser()(
                self._stream_for_parsing(),
                mimetype,
                self.mimetype_params,
                self.content_length,
                max_form_memory_size=self.max_form_memory_size,
                max_form_parts=self.max_form_parts,
                cls=self.parameter_storage_class,
            )
        else:
            form = self.parameter_storage_class()
            files = self.parameter_storage_class()
        d["form"] = form
        d["files"] = files

    def _urlencoded_lists(self) -> dict[str, list[str]]:
        """The urlencoded body parsed: 400/413 exactly as ``formparser.parse_form_data``."""
        cached = self.__dict__.get("_cached_data")
        # The stream first, as _stream_for_parsing: 400 for a bad Content-Length, 413 over
        # the maximum, RuntimeError for a shallow request.
        stream = self.stream if cached is None else io.BytesIO(cached)
        length = self.content_length
        limit = self.max_form_memory_size
        if length is not None and limit is not None and length > limit:
            raise RequestEntityTooLarge("The form body is larger than MAX_FORM_MEMORY_SIZE.")
        if length is not None and cached is None and "wsgi.input_terminated" not in self.environ:
            # Here the stream is wsgi.input bounded to Content-Length, which raises
            # ClientDisconnected (never returns b"") on a short body: reading exactly
            # `length` bytes is the whole body, without a last read to see its end. One read
            # for the common small body; a short read (wsgi.input may give one) or a body
            # over one chunk continues in read_exactly, in chunks, so a huge Content-Length
            # over a short body never allocates what does not arrive.
            body = stream.read(min(length, READ_CHUNK_SIZE)) if length else b""
            if len(body) < length:
                body += read_exactly(stream, length - len(body))
        else:
            # Chunked or server-terminated input, or the cached body: read to the end,
            # 413 as soon as it grows past the limit.
            body = read_bounded(stream, limit)
        if not body:
            return {}
        try:
            return parse_urlencoded_lists(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise BadRequest("The form body is not valid UTF-8.") from None

    @lazy_property
    def form(self) -> MultiDict[str, t.Any]:
        """Fields of a urlencoded or multipart body (an ``ImmutableMultiDict``).

        A missing key raises 400 Bad Request (``BadRequestKeyError``).
        """
        self._load_form_data()
        form: MultiDict[str, t.Any] = self.__dict__["form"]  # (no cast: a call per request)
        return form

    @lazy_property
    def files(self) -> MultiDict[str, t.Any]:
        """Uploaded files of a multipart body: ``FileStorage`` objects by field name."""
        self._load_form_data()
        files: MultiDict[str, t.Any] = self.__dict__["files"]
        return files

    @lazy_property
    def values(self) -> CombinedMultiDict[str, t.Any]:
        """:attr:`args` and :attr:`form` together (only args for GET, as Werkzeug)."""
        sources = [self.args]
        if self.method != "GET":
            sources.append(self.form)
        return CombinedMultiDict(sources)

    # -- JSON -------------------------------------------------------------------------------

    json_module: t.Any = json

    @property
    def json(self) -> t.Any:
        """The parsed JSON body; 415 if the body is not declared JSON, 400 if invalid."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> t.Any:
        """Parse the body as JSON.

        ``force`` ignores the Content-Type; ``silent`` returns None instead of raising.
        Only UTF-8, UTF-16 and UTF-32 bodies are accepted (RFC 8259).
        """
        if cache and "_cached_json" in self.__dict__:
            return self.__dict__["_cached_json"]
        # The usual header is exactly "application/json": JSON without a charset parameter,
        # known without parsing it (unless a subclass redefines is_json or mimetype_params).
        plain = (
            self.environ.get("CONTENT_TYPE") == "application/json"
            and type(self).is_json is _IS_JSON
            and type(self).mimetype_params is _MIMETYPE_PARAMS
        )
        if not (force or plain or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        try:
            if not plain:
                # The charset is checked before reading, so a rejected body is never read.
                charset = self.mimetype_params.get("charset", "utf-8").lower().replace("_", "-")
                if charset not in _JSON_CHARSETS:
                    raise ValueError(f"JSON must be UTF-8, UTF-16 or UTF-32, not {charset!r}")
            data = self.get_data(cache=cache)
            try:
                rv = self.json_module.loads(data)
            except RecursionError:
                raise ValueError("JSON nested too deeply") from None
        except ValueError as e:
            if silent:
                return None
            return self.on_json_loading_failed(e)
        if cache:
            self.__dict__["_cached_json"] = rv
        return rv

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Called when JSON cannot be loaded; raises 400 (415 without a JSON Content-Type)."""
        if e is not None:
            raise BadRequest(f"The request body is not valid JSON: {e}")
        raise UnsupportedMediaType(
            "The request body was not read as JSON because its Content-Type is not"
            " 'application/json'."
        )

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close uploaded files (removing their temporary files)."""
        files = self.__dict__.get("files")
        if files:
            for _key, value in files.items(multi=True):
                if isinstance(value, FileStorage):
                    value.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Request's own content-type properties: the shortcuts above apply only when a subclass has
# not redefined them.
_MIMETYPE = Request.mimetype
_MIMETYPE_PARAMS = Request.mimetype_params
_IS_JSON = Request.is_json

__all__ = ["Request", "parse_query_string", "wsgi_to_text"]
