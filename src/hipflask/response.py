"""The response object (the toolkit half: Werkzeug's ``Response``).

A response is a status, a :class:`Headers` list and a body iterable, and is itself a WSGI
application. The common case, a str or bytes body, is special-cased in the constructor and
in :meth:`Response.__call__`: no header copy and no generator on the way out.
:class:`hipflask.wrappers.Response` adds Flask's JSON defaults.
"""

from __future__ import annotations

import json
import typing as t
import warnings
from datetime import datetime, timedelta
from http import HTTPStatus
from urllib.parse import urljoin

from . import http
from .conditional import make_conditional
from .datastructures import (
    CallbackDict,
    ContentRange,
    Headers,
    HeaderSet,
    ResponseCacheControl,
    WWWAuthenticate,
)
from .datastructures.headers import _check_header
from .header_values import get_content_type
from .urls import iri_to_uri
from .wsgi import ClosingIterator, get_current_url

if t.TYPE_CHECKING:
    from .request import Request

    WSGIEnvironment = dict[str, t.Any]
    StartResponse = t.Callable[..., t.Any]

# "404 NOT FOUND", precomputed because every response needs one (upper case, as Werkzeug).
_STATUS_LINES = {
    code: f"{code} {phrase.upper()}" for code, phrase in http.HTTP_STATUS_CODES.items()
}
_EMPTY_BODY_STATUS = frozenset((204, 304))


class _HeaderAttr:
    """A response header exposed as an attribute, with optional parse/dump functions."""

    __slots__ = ("dump", "name", "parse")

    def __init__(
        self,
        name: str,
        parse: t.Callable[[str], t.Any] | None = None,
        dump: t.Callable[[t.Any], str] | None = None,
    ) -> None:
        self.name = name
        self.parse = parse
        self.dump = dump

    def __get__(self, obj: Response | None, owner: type) -> t.Any:
        if obj is None:
            return self
        value = obj.headers.get(self.name)
        if value is None or self.parse is None:
            return value
        try:
            return self.parse(value)
        except (ValueError, TypeError):
            return None

    def __set__(self, obj: Response, value: t.Any) -> None:
        if value is None:
            obj.headers.pop(self.name, None)
        else:
            obj.headers[self.name] = self.dump(value) if self.dump else value

    def __delete__(self, obj: Response) -> None:
        obj.headers.pop(self.name, None)


def _set_header_attr(name: str, doc: str) -> property:
    """A header holding a comma-separated set (``Vary``, ``Allow``...) as a live HeaderSet."""

    def fget(self: Response) -> HeaderSet:
        def on_update(header_set: HeaderSet) -> None:
            if not header_set and name in self.headers:
                del self.headers[name]
            elif header_set:
                self.headers[name] = header_set.to_header()

        return http.parse_set_header(self.headers.get(name), on_update)

    def fset(self: Response, value: str | t.Iterable[str] | None) -> None:
        if not value:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = http.dump_header(value)

    return property(fget, fset, doc=doc)


_new_headers = object.__new__
_content_types: dict[str, str] = {}


def _content_type_for(mimetype: str) -> str:
    """``get_content_type`` memoised: every response asks for the same few mimetypes."""
    content_type = _content_types.get(mimetype)
    if content_type is None:
        content_type = get_content_type(mimetype, "utf-8")
        _check_header("Content-Type", content_type)
        if len(_content_types) < 256:
            _content_types[mimetype] = content_type
    return content_type


def _dump_date(value: datetime | int | float | str) -> str:
    return value if isinstance(value, str) else http.http_date(value)


class Response:
    """An HTTP response and a WSGI application.

    ``Response(response=None, status=None, headers=None, mimetype=None, content_type=None,
    direct_passthrough=False)``: *response* is str, bytes or an iterable of them (streamed);
    str is encoded as UTF-8. ``status`` is an int, ``"404 NOT FOUND"`` or an ``HTTPStatus``.
    """

    # No __slots__: the state lives in the instance __dict__, as on Werkzeug, so subclasses
    # mixing in plain classes can take ``__class__`` assignment (force_type, abort) and
    # code copying one response's ``__dict__`` into another (Flask-Caching) copies the body.

    charset = "utf-8"
    default_status = 200
    default_mimetype: str | None = "text/plain"
    implicit_sequence_conversion = True
    autocorrect_location_header = False
    automatically_set_content_length = True
    max_cookie_size = 4093
    json_module: t.Any = json

    def __init__(
        self,
        response: t.Iterable[bytes] | t.Iterable[str] | bytes | str | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: t.Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        self.direct_passthrough = direct_passthrough
        self._on_close: list[t.Callable[[], t.Any]] | tuple[()] = ()
        if status is None:
            status = self.default_status
        if status == 200:
            self._status = "200 OK"
            self._status_code = 200
        else:
            self.status = status
        if headers is None:
            # Hot path: the header list is built directly; content types derived from a
            # mimetype come from a cache of checked values, only an explicit one is checked.
            if content_type is None:
                if mimetype is None:
                    mimetype = self.default_mimetype
                if mimetype is not None:
                    content_type = _content_types.get(mimetype) or _content_type_for(mimetype)
            else:
                _check_header("Content-Type", content_type)
            header_list: list[tuple[str, str]] = (
                [("Content-Type", content_type)] if content_type is not None else []
            )
            headers_obj = _new_headers(Headers)
            headers_obj._list = header_list
            self.headers = headers_obj
            if type(response) is str:
                body = response.encode()
                self.response: t.Any = [body]
                if self.automatically_set_content_length:
                    header_list.append(("Content-Length", str(len(body))))
                return
        else:
            self.headers = headers if isinstance(headers, Headers) else Headers(headers)
            if content_type is None:
                if mimetype is None and "content-type" not in self.headers:
                    mimetype = self.default_mimetype
                if mimetype is not None:
                    content_type = _content_type_for(mimetype)
            if content_type is not None:
                self.headers["Content-Type"] = content_type
        if response is None:
            self.response = []
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        else:
            self.response = response

    @classmethod
    def text_header_list(cls, body: bytes, mimetype: str | None = None) -> list[tuple[str, str]]:
        """The headers ``cls(text, mimetype=mimetype)`` sends for a text body that encodes
        to *body*.

        The request paths answer a view's plain ``str`` (or JSON) with this list when
        nothing (no after-request function, session or signal) could see the response
        object, so they need not build one: the object would only be read back into this
        same list.
        """
        if mimetype is None:
            mimetype = cls.default_mimetype
        length = ("Content-Length", str(len(body)))
        if mimetype is None:
            return [length]
        return [
            ("Content-Type", _content_types.get(mimetype) or _content_type_for(mimetype)),
            length,
        ]

    def __repr__(self) -> str:
        if self.is_sequence:
            body = f"{self.calculate_content_length()} bytes"
        else:
            body = "streamed" if self.is_streamed else "likely-streamed"
        return f"<{type(self).__name__} {body} [{self.status}]>"

    # -- status -----------------------------------------------------------------------------

    @property
    def status_code(self) -> int:
        """The status as an int."""
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        self.status = code

    @property
    def status(self) -> str:
        """The status line, e.g. ``"200 OK"``; accepts an int, a string or HTTPStatus."""
        return self._status

    @status.setter
    def status(self, value: str | int | HTTPStatus) -> None:
        self._status, self._status_code = _clean_status(value)

    # -- body -------------------------------------------------------------------------------

    def set_data(self, value: bytes | str) -> None:
        """Replace the body with *value* (str is encoded as UTF-8) and set Content-Length."""
        if isinstance(value, str):
            value = value.encode()
        elif isinstance(value, (bytearray, memoryview)):
            value = bytes(value)
        elif not isinstance(value, bytes):
            raise TypeError(f"The response body must be str or bytes, not {type(value).__name__}.")
        self.response = [value]
        if self.automatically_set_content_length:
            self.headers["Content-Length"] = str(len(value))

    def get_data(self, as_text: bool = False) -> t.Any:
        """The whole body (buffers a streamed body first)."""
        self._ensure_sequence()
        data = b"".join(self.iter_encoded())
        return data.decode() if as_text else data

    data = property(get_data, set_data, doc="The body as bytes (get/set).")

    def calculate_content_length(self) -> int | None:
        """The body length if the body is a sequence, else None."""
        try:
            self._ensure_sequence()
        except RuntimeError:
            return None
        return sum(len(chunk) for chunk in self.iter_encoded())

    def _ensure_sequence(self, mutable: bool = False) -> None:
        if self.is_sequence:
            if mutable and not isinstance(self.response, list):
                self.response = list(self.response)
            return
        if self.direct_passthrough:
            raise RuntimeError(
                "Attempted implicit sequence conversion but the response object is in"
                " direct passthrough mode."
            )
        if not self.implicit_sequence_conversion:
            raise RuntimeError(
                "The response object required the iterable to be a sequence, but the"
                " implicit conversion was disabled. Call make_sequence() yourself."
            )
        self.make_sequence()

    def make_sequence(self) -> None:
        """Read a streamed body into a list (closing the original iterable)."""
        if not self.is_sequence:
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                self.call_on_close(close)

    def iter_encoded(self) -> t.Iterator[bytes]:
        """The body chunks as bytes (str chunks are encoded as UTF-8)."""
        for chunk in self.response:
            yield chunk.encode() if isinstance(chunk, str) else chunk

    @property
    def is_streamed(self) -> bool:
        """Whether the body length is unknown (a generator, not a list)."""
        try:
            len(self.response)
        except (TypeError, AttributeError):
            return True
        return False

    @property
    def is_sequence(self) -> bool:
        """Whether the body is a list or tuple (buffered)."""
        return isinstance(self.response, (tuple, list))

    @property
    def stream(self) -> ResponseStream:
        """A file-like object whose ``write()`` appends to the body."""
        return ResponseStream(self)

    def call_on_close(self, func: t.Callable[[], t.Any]) -> t.Callable[[], t.Any]:
        """Run *func* when the response is closed (after it was sent); returns *func*."""
        if not self._on_close:
            self._on_close = []
        self._on_close.append(func)
        return func

    def close(self) -> None:
        """Close the body iterable and run the ``call_on_close`` functions."""
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        for func in self._on_close:
            func()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def freeze(self) -> None:
        """Buffer the body and set Content-Length (for caching or pickling)."""
        self.response = list(self.iter_encoded())
        self.headers["Content-Length"] = str(sum(map(len, self.response)))

    # -- JSON -------------------------------------------------------------------------------

    @property
    def is_json(self) -> bool:
        """Whether the mimetype is ``application/json`` or ``application/*+json``."""
        mimetype = self.mimetype
        return mimetype is not None and (
            mimetype == "application/json"
            or (mimetype.startswith("application/") and mimetype.endswith("+json"))
        )

    @property
    def json(self) -> t.Any:
        """The body parsed as JSON (None if the mimetype is not JSON)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> t.Any:
        """Parse the body as JSON; ``force`` ignores the mimetype, ``silent`` hides errors."""
        if not (force or self.is_json):
            return None
        try:
            return self.json_module.loads(self.get_data())
        except ValueError:
            if not silent:
                raise
            return None

    # -- headers ----------------------------------------------------------------------------

    @property
    def mimetype(self) -> str | None:
        """The Content-Type without parameters."""
        content_type = self.headers.get("content-type")
        return content_type.split(";")[0].strip() if content_type else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = get_content_type(value, "utf-8")

    @property
    def mimetype_params(self) -> dict[str, str]:
        """Content-Type parameters as a live dict (changes rewrite the header)."""

        def on_update(params: CallbackDict[str, t.Any]) -> None:
            self.headers["Content-Type"] = http.dump_options_header(self.mimetype, params)

        params = http.parse_options_header(self.headers.get("content-type", ""))[1]
        return t.cast("dict[str, t.Any]", CallbackDict(params, on_update))

    content_type = _HeaderAttr("Content-Type")
    content_length = _HeaderAttr("Content-Length", int, str)
    location = _HeaderAttr("Location")
    content_location = _HeaderAttr("Content-Location")
    content_encoding = _HeaderAttr("Content-Encoding")
    content_md5 = _HeaderAttr("Content-MD5")
    age = _HeaderAttr(
        "Age",
        lambda v: timedelta(seconds=int(v)),
        lambda v: str(int(v.total_seconds()) if isinstance(v, timedelta) else int(v)),
    )
    date = _HeaderAttr("Date", http.parse_date, _dump_date)
    expires = _HeaderAttr("Expires", http.parse_date, _dump_date)
    last_modified = _HeaderAttr("Last-Modified", http.parse_date, _dump_date)
    accept_ranges = _HeaderAttr("Accept-Ranges")
    access_control_allow_origin = _HeaderAttr("Access-Control-Allow-Origin")
    access_control_max_age = _HeaderAttr("Access-Control-Max-Age", int, str)
    access_control_allow_headers = _set_header_attr(
        "Access-Control-Allow-Headers", "CORS allowed headers."
    )
    access_control_allow_methods = _set_header_attr(
        "Access-Control-Allow-Methods", "CORS allowed methods."
    )
    access_control_expose_headers = _set_header_attr(
        "Access-Control-Expose-Headers", "CORS exposed headers."
    )
    vary = _set_header_attr("Vary", "Request headers that select this representation.")
    content_language = _set_header_attr("Content-Language", "Languages of the body.")
    allow = _set_header_attr("Allow", "Methods the resource accepts.")

    @property
    def access_control_allow_credentials(self) -> bool:
        """Whether ``Access-Control-Allow-Credentials: true`` is set."""
        result: bool = self.headers.get("Access-Control-Allow-Credentials") == "true"
        return result

    @access_control_allow_credentials.setter
    def access_control_allow_credentials(self, value: bool | None) -> None:
        if value is True:
            self.headers["Access-Control-Allow-Credentials"] = "true"
        else:
            self.headers.pop("Access-Control-Allow-Credentials", None)

    @property
    def retry_after(self) -> datetime | None:
        """``Retry-After`` as a datetime (seconds are added to now)."""
        value = self.headers.get("Retry-After")
        if value is None:
            return None
        if value.isdigit():
            from datetime import timezone

            return datetime.now(timezone.utc) + timedelta(seconds=int(value))
        return http.parse_date(value)

    @retry_after.setter
    def retry_after(self, value: datetime | int | str | None) -> None:
        if value is None:
            self.headers.pop("Retry-After", None)
        elif isinstance(value, datetime):
            self.headers["Retry-After"] = http.http_date(value)
        else:
            self.headers["Retry-After"] = str(value)

    @property
    def cache_control(self) -> ResponseCacheControl:
        """``Cache-Control`` as a live object: ``response.cache_control.max_age = 60``."""

        def on_update(cache_control: t.Any) -> None:
            if not cache_control and "cache-control" in self.headers:
                del self.headers["cache-control"]
            elif cache_control:
                self.headers["Cache-Control"] = cache_control.to_header()

        return t.cast(
            ResponseCacheControl,
            http.parse_cache_control_header(
                self.headers.get("cache-control"), on_update, ResponseCacheControl
            ),
        )

    @property
    def content_range(self) -> ContentRange:
        """``Content-Range`` as a live object."""

        def on_update(rng: ContentRange) -> None:
            if not rng:
                self.headers.pop("content-range", None)
            else:
                self.headers["Content-Range"] = rng.to_header()

        parsed = http.parse_content_range_header(self.headers.get("content-range"), on_update)
        return parsed if parsed is not None else ContentRange(None, None, None, on_update=on_update)

    @content_range.setter
    def content_range(self, value: ContentRange | str | None) -> None:
        if not value:
            self.headers.pop("content-range", None)
        elif isinstance(value, str):
            self.headers["Content-Range"] = value
        else:
            self.headers["Content-Range"] = value.to_header()

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The first ``WWW-Authenticate`` challenge (created empty if missing)."""
        value = self.headers.get("WWW-Authenticate")
        challenge = WWWAuthenticate.from_header(value) if value else None
        if challenge is None:
            challenge = WWWAuthenticate("basic")

        def on_update(updated: WWWAuthenticate) -> None:
            self.headers["WWW-Authenticate"] = updated.to_header()

        challenge._on_update = on_update
        return challenge

    @www_authenticate.setter
    def www_authenticate(self, value: WWWAuthenticate | list[WWWAuthenticate] | None) -> None:
        self.headers.pop("WWW-Authenticate", None)
        if value is None:
            return
        for challenge in value if isinstance(value, list) else [value]:
            self.headers.add("WWW-Authenticate", challenge.to_header())

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ``ETag`` header, quoting *etag*."""
        self.headers["ETag"] = http.quote_etag(etag, weak)

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """``(etag, is_weak)`` or ``(None, None)``."""
        return http.unquote_etag(self.headers.get("ETag"))

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Add an ETag computed from the body (unless one is set and not *overwrite*)."""
        if overwrite or "etag" not in self.headers:
            self.set_etag(http.generate_etag(self.get_data()), weak)

    def make_conditional(
        self,
        request_or_environ: WSGIEnvironment | Request,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer 304/412/206/416 from the request's conditional and Range headers."""
        result: Response = make_conditional(
            self, request_or_environ, accept_ranges, complete_length
        )
        return result

    # -- cookies ----------------------------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header; warns when it exceeds :attr:`max_cookie_size`.

        An invalid name, or a path or domain that would inject attributes, raises
        ``ValueError``.
        """
        header = http.dump_cookie(
            key,
            value=value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            max_size=0,
            samesite=samesite,
            partitioned=partitioned,
        )
        limit = self.max_cookie_size
        if limit and len(header) > limit:
            self.cookie_too_large(key, len(header), limit)
        self.headers.add("Set-Cookie", header)

    def cookie_too_large(self, key: str, size: int, limit: int) -> None:
        """Called when a Set-Cookie header exceeds *limit* bytes: warns (browsers may drop
        such cookies silently). The app's response class also logs it."""
        warnings.warn(_cookie_size_message(key, size, limit), stacklevel=3)

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Expire a cookie on the client (path and domain must match how it was set)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # -- WSGI -------------------------------------------------------------------------------

    @classmethod
    def force_type(cls, response: t.Any, environ: WSGIEnvironment | None = None) -> Response:
        """Turn another response object (or a WSGI app, given *environ*) into this class."""
        if not isinstance(response, Response):
            if environ is None:
                raise TypeError("Converting a WSGI application into a response needs the environ.")
            response = Response.from_app(response, environ)
        response.__class__ = cls
        return t.cast(Response, response)

    @classmethod
    def from_app(
        cls,
        app: t.Callable[..., t.Iterable[bytes]],
        environ: WSGIEnvironment,
        buffered: bool = False,
    ) -> Response:
        """Call a WSGI application and wrap what it returns."""
        # Deliberately upward (ARCHITECTURE.md): a convenience built on the test toolkit.
        from .test.environ import run_wsgi_app

        return cls(*run_wsgi_app(app, environ, buffered))

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """The headers to send for *environ*: Location made a URI, Content-Length fixed.

        Returns the response's own Headers when nothing needs changing (the common case),
        else a modified copy; the response object itself is never altered.
        """
        headers = self.headers
        status = self._status_code
        location = content_location = None
        has_length = False
        for key, _ in headers._list:
            lower = key.lower()
            if lower == "location":
                location = True
            elif lower == "content-location":
                content_location = True
            elif lower == "content-length":
                has_length = True
        no_body = status in _EMPTY_BODY_STATUS or 100 <= status < 200
        needs_length = (
            not has_length
            and not no_body
            and self.automatically_set_content_length
            and self.is_sequence
        )
        if not (location or content_location or needs_length or (no_body and has_length)):
            return headers
        headers = Headers(headers)
        if location:
            value = iri_to_uri(headers["Location"])
            if self.autocorrect_location_header:
                value = urljoin(iri_to_uri(get_current_url(environ, strip_querystring=True)), value)
            headers["Location"] = value
        if content_location:
            headers["Content-Location"] = iri_to_uri(headers["Content-Location"])
        if no_body:
            if status == 304:
                http.remove_entity_headers(headers)
            else:
                headers.remove("Content-Length")
        elif needs_length:
            headers["Content-Length"] = str(sum(len(x) for x in self.iter_encoded()))
        return headers

    def get_app_iter(self, environ: WSGIEnvironment) -> t.Iterable[bytes]:
        """The body to send: empty for HEAD and for 1xx/204/304, else the encoded body."""
        status = self._status_code
        if (
            environ["REQUEST_METHOD"] == "HEAD"
            or 100 <= status < 200
            or status in _EMPTY_BODY_STATUS
        ):
            body: t.Iterable[bytes] = ()
        elif self.direct_passthrough:
            return t.cast(t.Iterable[bytes], self.response)
        else:
            body = self.iter_encoded()
        return ClosingIterator(body, self.close)

    def get_wsgi_response(
        self, environ: WSGIEnvironment
    ) -> tuple[t.Iterable[bytes], str, list[tuple[str, str]]]:
        """``(app_iter, status, header list)`` for *environ*."""
        headers = self.get_wsgi_headers(environ)
        return self.get_app_iter(environ), self._status, list(headers.to_wsgi_list())

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_wsgi = all(
            getattr(cls, name) is getattr(Response, name)
            for name in ("get_wsgi_headers", "get_app_iter", "iter_encoded", "get_wsgi_response")
        )

    #: Whether the WSGI methods are Response's own, so __call__ may take its fast path.
    _plain_wsgi = True

    def _single_chunk_headers(self, environ: WSGIEnvironment) -> list[tuple[str, str]] | None:
        """The header list to send when the body is the usual one (one measured bytes
        chunk, nothing to close, a status with a body, not HEAD), else None: the shortcut
        both the WSGI call and the ASGI layer take around :meth:`get_wsgi_response`."""
        body = self.response
        if not (
            self._plain_wsgi
            and type(body) is list
            and len(body) == 1
            and not self._on_close
            and environ.get("REQUEST_METHOD") != "HEAD"
            and self._status_code not in _EMPTY_BODY_STATUS
            and self._status_code >= 200
            and type(body[0]) is bytes
        ):
            return None
        header_list = self.headers._list
        # The list the constructor builds for a text body needs no fixing (it has its
        # Content-Length and no Location); anything else goes through get_wsgi_headers.
        if (
            len(header_list) == 2
            and header_list[1][0] == "Content-Length"
            and header_list[0][0] == "Content-Type"
        ):
            return header_list
        return self.get_wsgi_headers(environ)._list

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        header_list = self._single_chunk_headers(environ)
        if header_list is not None:
            # A copy: middleware may append to the list it is given, and a response object
            # can be sent more than once.
            start_response(self._status, header_list[:])
            return t.cast("list[bytes]", self.response)
        app_iter, status, header_list = self.get_wsgi_response(environ)
        start_response(status, header_list)
        return app_iter


class ResponseStream:
    """File-like ``write()`` access to a response body (``response.stream``)."""

    mode = "wb+"

    def __init__(self, response: Response) -> None:
        self.response = response
        self.closed = False

    def write(self, value: bytes | str) -> int:
        """Append *value* to the body."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        self.response._ensure_sequence(mutable=True)
        self.response.response.append(value.encode() if isinstance(value, str) else value)
        self.response.headers.pop("Content-Length", None)
        return len(value)

    def writelines(self, seq: t.Iterable[bytes | str]) -> None:
        """Append each item of *seq*."""
        for item in seq:
            self.write(item)

    def close(self) -> None:
        """Refuse further writes."""
        self.closed = True

    def flush(self) -> None:
        """Nothing to flush; present for the file interface."""
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def isatty(self) -> bool:
        """Never a TTY."""
        return False

    def tell(self) -> int:
        """Bytes written so far."""
        self.response._ensure_sequence()
        return sum(map(len, self.response.response))

    @property
    def encoding(self) -> str:
        """Always UTF-8."""
        return "utf-8"


def _cookie_size_message(key: str, size: int, limit: int) -> str:
    return (
        f"The {key!r} cookie is {size} bytes, over the {limit}-byte limit; browsers may"
        " silently ignore it."
    )


def _clean_status(value: str | int | HTTPStatus) -> tuple[str, int]:
    if isinstance(value, (int, HTTPStatus)):
        code = int(value)
    else:
        value = value.strip()
        if not value:
            raise ValueError("Empty status argument")
        code_text, sep, _ = value.partition(" ")
        try:
            code = int(code_text)
        except ValueError:
            return f"0 {value}", 0
        if sep:
            return value, code
    line = _STATUS_LINES.get(code)
    return (line if line is not None else f"{code} UNKNOWN"), code
