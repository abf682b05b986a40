"""Building WSGI environs for tests and running WSGI apps on them (``werkzeug.test``'s
first half): :class:`EnvironBuilder`, :func:`create_environ`, :func:`run_wsgi_app`."""

from __future__ import annotations

import io
import json as _json
import sys
import typing as t
from collections import defaultdict
from itertools import chain
from urllib.parse import unquote, urlencode, urlsplit

from ..datastructures import EnvironHeaders, FileStorage, Headers, MultiDict
from ..formparser import encode_multipart
from ..header_values import get_content_type
from ..request import Request
from ..urls import iri_to_uri
from ..wsgi import ClosingIterator

_R = t.TypeVar("_R", bound=Request)

if t.TYPE_CHECKING:
    WSGIEnvironment = dict[str, t.Any]
    WSGIApplication = t.Callable[..., t.Iterable[bytes]]


def _to_wsgi_text(value: str) -> str:
    """Encode text the way a WSGI server puts it in the environ (UTF-8 bytes as latin-1)."""
    return value.encode().decode("latin-1")


def _iter_data(data: t.Mapping[str, t.Any]) -> t.Iterator[tuple[str, t.Any]]:
    items = data.items(multi=True) if isinstance(data, MultiDict) else data.items()
    for key, value in items:
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def _file_from_data(key: str, value: t.Any) -> FileStorage:
    """``(file, filename[, content_type])``, a file object or a FileStorage -> FileStorage."""
    if isinstance(value, FileStorage):
        return value
    if isinstance(value, tuple):
        stream, filename, *rest = value
        content_type = rest[0] if rest else None
    else:
        stream = value
        filename = getattr(value, "name", None)
        content_type = None
        if isinstance(filename, str):
            filename = filename.replace("\\", "/").rpartition("/")[2]
        else:
            filename = None
    if content_type is None and filename:
        import mimetypes

        content_type = mimetypes.guess_type(filename)[0]
    return FileStorage(
        stream, filename=filename, name=key, content_type=content_type or "application/octet-stream"
    )


class EnvironBuilder:
    """Build a WSGI environ from test-client style arguments.

    ``EnvironBuilder(path="/", base_url=None, query_string=None, method="GET",
    input_stream=None, content_type=None, content_length=None, errors_stream=None,
    multithread=False, multiprocess=False, run_once=False, headers=None, data=None,
    environ_base=None, environ_overrides=None, mimetype=None, json=None, auth=None)``.

    *data* may be bytes/str (the body), a file object, or a dict whose values are strings
    (a form) or files given as file objects or ``(file, filename[, content_type])`` tuples
    (a multipart body). The framework's builder (:class:`hipflask.testing.EnvironBuilder`)
    takes the app first and derives the base URL from its config.
    """

    server_protocol = "HTTP/1.1"
    wsgi_version = (1, 0)
    request_class: type[Request] = Request
    #: Serializes the ``json`` argument; the framework's builder uses the app's provider.
    json_dumps = staticmethod(_json.dumps)

    def __init__(
        self,
        path: str = "/",
        base_url: str | None = None,
        query_string: t.Mapping[str, t.Any] | str | bytes | None = None,
        method: str = "GET",
        input_stream: t.IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: t.IO[str] | None = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: t.Any = None,
        data: t.Any = None,
        environ_base: t.Mapping[str, t.Any] | None = None,
        environ_overrides: t.Mapping[str, t.Any] | None = None,
        mimetype: str | None = None,
        json: t.Any = None,
        auth: t.Any = None,
    ) -> None:
        if query_string is not None and "?" in path:
            raise ValueError("The query string is given both in the path and as an argument.")
        parts = urlsplit(path)
        if query_string is None:
            query_string = parts.query
        self.request_uri = path
        self.path = iri_to_uri(parts.path) if parts.path else "/"
        self.base_url = base_url
        if isinstance(query_string, bytes):
            query_string = query_string.decode("latin-1")
        if not isinstance(query_string, str):
            query_string = _urlencode(query_string)
        self.query_string: str = query_string
        self.method = method.upper()
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        self.errors_stream = errors_stream if errors_stream is not None else sys.stderr
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.environ_base = environ_base
        self.environ_overrides = environ_overrides
        self.input_stream = input_stream
        self.content_length = content_length
        self.form: MultiDict[str, t.Any] = MultiDict()
        self.files: MultiDict[str, t.Any] = MultiDict()
        self.closed = False
        if auth is not None:
            self.headers["Authorization"] = _auth_header(auth)
        if json is not None:
            if data is not None:
                raise TypeError("Pass either 'json' or 'data', not both.")
            data = self.json_dumps(json)
            if self.content_type is None:
                self.content_type = "application/json"
        if data:
            self._set_data(data, input_stream)
        if mimetype is not None:
            self.mimetype = mimetype

    def _set_data(self, data: t.Any, input_stream: t.IO[bytes] | None) -> None:
        if input_stream is not None:
            raise TypeError("Pass either 'input_stream' or 'data', not both.")
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, str):
            data = data.encode()
        if isinstance(data, (bytes, bytearray)):
            self.input_stream = io.BytesIO(data)
            if self.content_length is None:
                self.content_length = len(data)
            return
        for key, value in _iter_data(data):
            if isinstance(value, (tuple, dict, FileStorage)) or hasattr(value, "read"):
                self.files.add(key, _file_from_data(key, value))
            else:
                self.form.add(key, value)

    @classmethod
    def from_environ(cls, environ: WSGIEnvironment, **kwargs: t.Any) -> EnvironBuilder:
        """A builder that recreates *environ* (with *kwargs* replacing parts of it)."""
        headers = Headers(list(EnvironHeaders(environ).items()))
        host = headers.pop("Host", None) or environ.get("SERVER_NAME", "localhost")
        script = unquote(environ.get("SCRIPT_NAME", "").encode("latin-1").decode())
        out: dict[str, t.Any] = {
            "path": environ["PATH_INFO"].encode("latin-1").decode(),
            "base_url": f"{environ['wsgi.url_scheme']}://{host}{script}",
            "query_string": environ.get("QUERY_STRING", ""),
            "method": environ["REQUEST_METHOD"],
            "input_stream": environ.get("wsgi.input"),
            "content_type": headers.pop("Content-Type", None),
            "content_length": headers.pop("Content-Length", None),
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        out.update(kwargs)
        return cls(**out)

    # -- URL parts -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``scheme://host/script_root/``."""
        return f"{self.url_scheme}://{self.host}{self.script_root}/"

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        if value is None:
            scheme, netloc, script_root = "http", "localhost", ""
        else:
            parts = urlsplit(iri_to_uri(value))
            if parts.query or parts.fragment:
                raise ValueError("The base URL must not contain a query string or fragment.")
            scheme, netloc, script_root = parts.scheme, parts.netloc, parts.path
        self.url_scheme = scheme
        self.host = netloc
        self.script_root = script_root.rstrip("/")

    @property
    def server_name(self) -> str:
        """The host without the port."""
        return self.host.split(":", 1)[0]

    @property
    def server_port(self) -> int:
        """The port from the host, or the scheme's default."""
        _, sep, port = self.host.partition(":")
        if sep and port.isdigit():
            return int(port)
        return 443 if self.url_scheme == "https" else 80

    @property
    def args(self) -> MultiDict[str, str]:
        """The query string as a MultiDict (a copy: assign ``query_string`` to change)."""
        from urllib.parse import parse_qsl

        return MultiDict(parse_qsl(self.query_string, keep_blank_values=True))

    # -- body headers --------------------------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, or the one implied by the form/files."""
        value = self.headers.get("Content-Type")
        if value is None and self.input_stream is None:
            if self.files:
                return "multipart/form-data"
            if self.form:
                return "application/x-www-form-urlencoded"
        result: str | None = value
        return result

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.pop("Content-Type", None)
        else:
            self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The content type without parameters."""
        value = self.content_type
        return value.split(";")[0].strip() if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.content_type = get_content_type(value, "utf-8")

    @property
    def content_length(self) -> int | None:
        """The Content-Length header as an int."""
        result: int | None = self.headers.get("Content-Length", type=int)
        return result

    @content_length.setter
    def content_length(self, value: int | str | None) -> None:
        if value is None:
            self.headers.pop("Content-Length", None)
        else:
            self.headers["Content-Length"] = str(value)

    def close(self) -> None:
        """Close the files added from *data*."""
        if self.closed:
            return
        for value in self.files.values():
            try:
                value.close()
            except Exception:
                pass
        self.closed = True

    def _body(self) -> tuple[t.IO[bytes], int | None, str | None]:
        content_type = self.content_type
        mimetype = self.mimetype
        if self.input_stream is not None:
            stream = self.input_stream
            start = stream.tell()
            stream.seek(0, 2)
            end = stream.tell()
            stream.seek(start)
            return stream, end - start, content_type
        if mimetype == "multipart/form-data":
            fields: list[tuple[str, t.Any]] = list(self.form.items(multi=True))
            fields.extend(self.files.items(multi=True))
            boundary, body = encode_multipart(fields)
            return io.BytesIO(body), len(body), f'{mimetype}; boundary="{boundary}"'
        if mimetype == "application/x-www-form-urlencoded":
            body = _urlencode(self.form).encode("ascii")
            return io.BytesIO(body), len(body), content_type
        return io.BytesIO(), self.content_length, content_type

    def get_environ(self) -> WSGIEnvironment:
        """The WSGI environ for this request."""
        input_stream, content_length, content_type = self._body()
        result: WSGIEnvironment = dict(self.environ_base or {})
        raw_uri = _to_wsgi_text(self.request_uri)
        result.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": _to_wsgi_text(unquote(self.script_root)),
                "PATH_INFO": _to_wsgi_text(unquote(self.path)),
                "QUERY_STRING": _to_wsgi_text(self.query_string),
                "REQUEST_URI": raw_uri,
                "RAW_URI": raw_uri,
                "SERVER_NAME": self.server_name,
                "SERVER_PORT": str(self.server_port),
                "HTTP_HOST": self.host,
                "SERVER_PROTOCOL": self.server_protocol,
                "wsgi.version": self.wsgi_version,
                "wsgi.url_scheme": self.url_scheme,
                "wsgi.input": input_stream,
                "wsgi.errors": self.errors_stream,
                "wsgi.multithread": self.multithread,
                "wsgi.multiprocess": self.multiprocess,
                "wsgi.run_once": self.run_once,
            }
        )
        if content_type is not None:
            result["CONTENT_TYPE"] = content_type
        if content_length is not None:
            result["CONTENT_LENGTH"] = str(content_length)
        combined: dict[str, list[str]] = defaultdict(list)
        for key, value in self.headers.items():
            lower = key.lower()
            if lower in ("content-type", "content-length"):
                continue
            combined[f"HTTP_{key.upper().replace('-', '_')}"].append(value)
        for key, values in combined.items():
            result[key] = ", ".join(values)
        if self.environ_overrides:
            result.update(self.environ_overrides)
        return result

    @t.overload
    def get_request(self, cls: None = None) -> Request: ...

    @t.overload
    def get_request(self, cls: type[_R]) -> _R: ...

    def get_request(self, cls: type[Request] | None = None) -> Request:
        """A request object (of *cls*, default :attr:`request_class`) for this environ."""
        return (cls or self.request_class)(self.get_environ())


def _urlencode(values: t.Any) -> str:
    if isinstance(values, MultiDict):
        pairs = list(values.items(multi=True))
    elif hasattr(values, "items"):
        pairs = list(_iter_data(values))
    else:
        pairs = list(values)
    return urlencode([(k, v) for k, v in pairs if v is not None], safe="!$'()*,/:;?@")


def _auth_header(auth: t.Any) -> str:
    if isinstance(auth, tuple):
        import base64

        username, password = auth
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return f"Basic {token}"
    return t.cast(str, auth.to_header())


def create_environ(*args: t.Any, **kwargs: t.Any) -> WSGIEnvironment:
    """An environ from :class:`EnvironBuilder` arguments."""
    builder = EnvironBuilder(*args, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def run_wsgi_app(
    app: WSGIApplication, environ: WSGIEnvironment, buffered: bool = False
) -> tuple[t.Iterable[bytes], str, Headers]:
    """Call a WSGI app: ``(body iterable, status, Headers)``; *buffered* reads the body."""
    environ = dict(environ)
    response: tuple[str, list[tuple[str, str]]] | None = None
    buffer: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], None]:
        nonlocal response
        if exc_info:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        response = (status, headers)
        return buffer.append

    app_rv = app(environ, start_response)
    close_func = getattr(app_rv, "close", None)
    app_iter: t.Iterable[bytes] = iter(app_rv)
    if buffered:
        try:
            app_iter = list(app_iter)
        finally:
            if close_func is not None:
                close_func()
    else:
        for item in app_iter:
            buffer.append(item)
            if response is not None:
                break
        if buffer:
            app_iter = chain(buffer, app_iter)
        if close_func is not None and app_iter is not app_rv:
            app_iter = ClosingIterator(app_iter, close_func)
    if response is None:
        raise RuntimeError(f"The WSGI application {app!r} did not call start_response.")
    status, headers = response
    return app_iter, status, Headers(headers)


__all__ = ["EnvironBuilder", "create_environ", "run_wsgi_app"]
