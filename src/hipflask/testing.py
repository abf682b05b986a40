"""Testing without a server: the test client, the environ builder and the CLI runner.

``app.test_client()`` sends requests straight to the WSGI callable and keeps cookies
between them; ``app.test_request_context(...)`` builds the same environ for a context.
"""

from __future__ import annotations

import io
import json as _json
import sys
import typing as t
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from copy import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from itertools import chain
from urllib.parse import unquote, urlencode, urlsplit

from . import __version__
from .datastructures import FileStorage, Headers, MultiDict
from .http import dump_cookie, parse_cookie, parse_date
from .urls import iri_to_uri
from .wrappers import Request, Response
from .wsgi import ClosingIterator, get_current_url

if t.TYPE_CHECKING:
    from click.testing import Result

    from .app import Flask

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
    return FileStorage(stream, filename=filename, name=key, content_type=content_type or "application/octet-stream")


class EnvironBuilder:
    """Build a WSGI environ from test-client style arguments.

    ``EnvironBuilder(path="/", base_url=None, query_string=None, method="GET",
    input_stream=None, content_type=None, content_length=None, errors_stream=None,
    multithread=False, multiprocess=False, run_once=False, headers=None, data=None,
    environ_base=None, environ_overrides=None, mimetype=None, json=None, auth=None)``.

    *data* may be bytes/str (the body), a file object, or a dict whose values are strings
    (a form) or files given as file objects or ``(file, filename[, content_type])`` tuples
    (a multipart body). With an app as the first argument (Flask's form), the base URL
    follows ``SERVER_NAME``, ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``.
    """

    server_protocol = "HTTP/1.1"
    wsgi_version = (1, 0)
    request_class: type[Request] = Request

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        app = None
        if args and not isinstance(args[0], str):
            app, *rest = args
            args = tuple(rest)
        self.app: Flask | None = app
        if app is not None:
            for name, value in zip(("path", "base_url"), args, strict=False):
                kwargs[name] = value
            args = ()
            kwargs = self._app_defaults(app, kwargs)
        self._init(*args, **kwargs)

    @staticmethod
    def _app_defaults(app: Flask, kwargs: dict[str, t.Any]) -> dict[str, t.Any]:
        subdomain = kwargs.pop("subdomain", None)
        url_scheme = kwargs.pop("url_scheme", None)
        if kwargs.get("base_url") is not None:
            if subdomain or url_scheme:
                raise ValueError("Cannot pass 'subdomain' or 'url_scheme' with 'base_url'.")
            return kwargs
        http_host = app.config.get("SERVER_NAME") or "localhost"
        app_root = app.config["APPLICATION_ROOT"]
        if subdomain:
            http_host = f"{subdomain}.{http_host}"
        if url_scheme is None:
            url_scheme = app.config["PREFERRED_URL_SCHEME"]
        parts = urlsplit(kwargs.get("path", "/"))
        kwargs["base_url"] = f"{parts.scheme or url_scheme}://{parts.netloc or http_host}/{app_root.lstrip('/')}"
        kwargs["path"] = f"{parts.path}?{parts.query}" if parts.query else parts.path
        return kwargs

    def _init(
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
        self.form: MultiDict = MultiDict()
        self.files: MultiDict = MultiDict()
        self.closed = False
        if auth is not None:
            self.headers["Authorization"] = _auth_header(auth)
        if json is not None:
            if data is not None:
                raise TypeError("Pass either 'json' or 'data', not both.")
            dumps = self.app.json.dumps if self.app is not None else _json.dumps
            data = dumps(json)
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
        from .datastructures import EnvironHeaders

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
    def args(self) -> MultiDict:
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
        return value

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
        from .utils import get_content_type

        self.content_type = get_content_type(value, "utf-8")

    @property
    def content_length(self) -> int | None:
        """The Content-Length header as an int."""
        return self.headers.get("Content-Length", type=int)

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
            from .formparser import encode_multipart

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

    def get_request(self, cls: type[t.Any] | None = None) -> t.Any:
        """A request object for this environ."""
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

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> t.Callable[[bytes], None]:
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


class TestResponse(Response):
    """A response returned by the test client: also has ``request``, ``history``, ``text``."""

    __test__ = False
    default_mimetype = None

    def __init__(
        self,
        response: t.Iterable[bytes],
        status: str,
        headers: Headers,
        request: Request,
        history: tuple[TestResponse, ...] = (),
        **kwargs: t.Any,
    ) -> None:
        super().__init__(response, status, headers, **kwargs)
        self.request = request
        self.history = history

    @cached_property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return t.cast(str, self.get_data(as_text=True))


@dataclass
class Cookie:
    """A cookie in the test client's jar."""

    key: str
    value: str
    decoded_key: str
    decoded_value: str
    expires: datetime | None
    max_age: int | None
    domain: str
    origin_only: bool
    path: str
    secure: bool | None
    http_only: bool | None
    same_site: str | None

    def _matches_request(self, server_name: str, path: str) -> bool:
        host_ok = server_name == self.domain or (
            not self.origin_only
            and server_name.endswith(self.domain)
            and server_name[: -len(self.domain)].endswith(".")
        )
        path_ok = path == self.path or (
            path.startswith(self.path)
            and path[len(self.path) - self.path.endswith("/"):].startswith("/")
        )
        return host_ok and path_ok

    @classmethod
    def _from_response_header(cls, server_name: str, path: str, header: str) -> Cookie:
        pair, _, parameters = header.partition(";")
        key, _, value = pair.partition("=")
        parsed = list(parse_cookie(pair).items())
        decoded_key, decoded_value = parsed[0] if parsed else (key.strip(), value.strip())
        params: dict[str, str | None] = {}
        for item in parameters.split(";"):
            name, sep, param = item.partition("=")
            params[name.strip().lower()] = param.strip() if sep else None
        max_age = params.get("max-age")
        return cls(
            key=key.strip(),
            value=value.strip(),
            decoded_key=decoded_key,
            decoded_value=decoded_value,
            expires=parse_date(params.get("expires")),
            max_age=int(max_age or 0) if "max-age" in params else None,
            domain=params.get("domain") or server_name,
            origin_only="domain" not in params,
            path=params.get("path") or path.rpartition("/")[0] or "/",
            secure="secure" in params,
            http_only="httponly" in params,
            same_site=params.get("samesite"),
        )

    @property
    def _storage_key(self) -> tuple[str, str, str]:
        return self.domain, self.path, self.decoded_key

    @property
    def _should_delete(self) -> bool:
        if self.max_age is not None and self.max_age <= 0:
            return True
        return self.expires is not None and self.expires <= datetime.now(timezone.utc)


class ClientRedirectError(Exception):
    """Raised by ``follow_redirects`` when the redirects loop."""


class Client:
    """A WSGI test client: ``Client(app, response_wrapper=None, use_cookies=True)``."""

    def __init__(
        self,
        application: WSGIApplication,
        response_wrapper: type[Response] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
    ) -> None:
        self.application = application
        if response_wrapper is None or issubclass(TestResponse, response_wrapper):
            wrapper: type[TestResponse] = TestResponse
        elif issubclass(response_wrapper, TestResponse):
            wrapper = response_wrapper
        else:
            wrapper = type("WrapperTestResponse", (TestResponse, response_wrapper), {})
        self.response_wrapper = wrapper
        self._cookies: dict[tuple[str, str, str], Cookie] | None = {} if use_cookies else None
        self.allow_subdomain_redirects = allow_subdomain_redirects

    def _jar(self) -> dict[tuple[str, str, str], Cookie]:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._cookies

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The cookie *key* stored for *domain* and *path*, or None."""
        return self._jar().get((domain, path, key))

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: t.Any,
    ) -> None:
        """Put a cookie in the jar, as if a response had set it."""
        jar = self._jar()
        cookie = Cookie._from_response_header(
            domain, "/", dump_cookie(key, value, domain=domain, path=path, **kwargs)
        )
        cookie.origin_only = origin_only
        if cookie._should_delete:
            jar.pop(cookie._storage_key, None)
        else:
            jar[cookie._storage_key] = cookie

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Remove a cookie from the jar."""
        self._jar().pop((domain, path, key), None)

    def _add_cookies_to_wsgi(self, environ: WSGIEnvironment) -> None:
        if self._cookies is None:
            return
        url = urlsplit(get_current_url(environ))
        server_name = url.hostname or "localhost"
        for key in [k for k, c in self._cookies.items() if c._should_delete]:
            del self._cookies[key]
        value = "; ".join(
            f"{c.key}={c.value}"
            for c in self._cookies.values()
            if c._matches_request(server_name, url.path)
        )
        if value:
            environ["HTTP_COOKIE"] = value
        else:
            environ.pop("HTTP_COOKIE", None)

    def _update_cookies_from_response(self, server_name: str, path: str, headers: list[str]) -> None:
        if self._cookies is None:
            return
        for header in headers:
            cookie = Cookie._from_response_header(server_name, path, header)
            if cookie._should_delete:
                self._cookies.pop(cookie._storage_key, None)
            else:
                self._cookies[cookie._storage_key] = cookie

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Run the app with the jar's cookies and store the cookies it sets."""
        self._add_cookies_to_wsgi(environ)
        rv = run_wsgi_app(self.application, environ, buffered=buffered)
        url = urlsplit(get_current_url(environ))
        self._update_cookies_from_response(url.hostname or "localhost", url.path, rv[2].getlist("Set-Cookie"))
        return rv

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """Follow one redirect: 307/308 repeat the method and body, others become GET."""
        location = t.cast(str, response.location)
        scheme, netloc, path, query, _ = urlsplit(location)
        builder = EnvironBuilder.from_environ(response.request.environ, path=path or "/", query_string=query)
        to_parts = netloc.split(":", 1)[0].split(".")
        from_parts = builder.server_name.split(".")
        if to_parts != [""]:
            builder.url_scheme = scheme or builder.url_scheme
            builder.host = netloc
        else:
            to_parts = from_parts
        if to_parts != from_parts:
            if to_parts[-len(from_parts):] == from_parts:
                if not self.allow_subdomain_redirects:
                    raise RuntimeError("Following subdomain redirects is not enabled.")
            else:
                raise RuntimeError(f"Following external redirects is not supported ({location}).")
        root_parts = builder.script_root.split("/")
        if path.split("/")[: len(root_parts)] == root_parts:
            builder.path = path[len(builder.script_root):] or "/"
        else:
            builder.path = path
            builder.script_root = ""
        if response.status_code not in (307, 308):
            if builder.method != "HEAD":
                builder.method = "GET"
            if builder.input_stream is not None:
                builder.input_stream.close()
                builder.input_stream = None
            builder.content_type = None
            builder.content_length = None
            builder.headers.pop("Transfer-Encoding", None)
        return self.open(builder, buffered=buffered)

    def _request_from_args(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> Request:
        if not kwargs and len(args) == 1:
            arg = args[0]
            if isinstance(arg, EnvironBuilder):
                return arg.get_request()
            if isinstance(arg, dict):
                return EnvironBuilder.from_environ(arg).get_request()
            if isinstance(arg, Request):
                return arg
        builder = EnvironBuilder(*args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self, *args: t.Any, buffered: bool = False, follow_redirects: bool = False, **kwargs: t.Any
    ) -> TestResponse:
        """Send a request (arguments as :class:`EnvironBuilder`) and return the response.

        With *follow_redirects* the final response has the redirects in ``history``.
        """
        request = self._request_from_args(args, kwargs)
        return self._send(request, buffered, follow_redirects)

    def _send(self, request: Request, buffered: bool, follow_redirects: bool) -> TestResponse:
        response = self.response_wrapper(*self.run_wsgi_app(request.environ, buffered=buffered), request=request)
        if not follow_redirects:
            return response
        seen: set[tuple[str | None, int]] = set()
        history: list[TestResponse] = []
        while response.status_code in (301, 302, 303, 305, 307, 308):
            if not buffered:
                response.make_sequence()
                response.close()
            entry = (response.location, response.status_code)
            if entry in seen:
                raise ClientRedirectError(
                    f"Loop detected: a {response.status_code} redirect to {response.location}"
                    " was already made."
                )
            seen.add(entry)
            response.history = tuple(history)
            history.append(response)
            response = self.resolve_redirect(response, buffered=buffered)
        response.history = tuple(history)
        response.call_on_close(request.input_stream.close)
        return response

    def get(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A GET request."""
        return self.open(*args, method="GET", **kw)

    def post(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A POST request."""
        return self.open(*args, method="POST", **kw)

    def put(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A PUT request."""
        return self.open(*args, method="PUT", **kw)

    def delete(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A DELETE request."""
        return self.open(*args, method="DELETE", **kw)

    def patch(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A PATCH request."""
        return self.open(*args, method="PATCH", **kw)

    def options(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """An OPTIONS request."""
        return self.open(*args, method="OPTIONS", **kw)

    def head(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A HEAD request."""
        return self.open(*args, method="HEAD", **kw)

    def trace(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """A TRACE request."""
        return self.open(*args, method="TRACE", **kw)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.application!r}>"


class FlaskClient(Client):
    """The app's test client (``app.test_client()``).

    ``with client:`` keeps the last request's contexts pushed after the response, so the
    test can inspect ``request``, ``session`` and ``g``; ``session_transaction()`` edits
    the session cookie between requests.
    """

    application: Flask

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"hipflask/{__version__}",
        }

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[t.Any]:
        """Open the session as the next request would see it; changes are saved back."""
        self._jar()
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            session = app.session_interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError("The session interface did not open a session.")
        yield session
        response = app.response_class()
        if app.session_interface.is_null_session(session):
            return
        with ctx:
            app.session_interface.save_session(app, session, response)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0], ctx.request.path, response.headers.getlist("Set-Cookie")
        )

    def _copy_environ(self, other: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_args(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> Request:
        if args and isinstance(args[0], (EnvironBuilder, dict, Request)):
            arg = args[0]
            if isinstance(arg, EnvironBuilder):
                builder = copy(arg)
                builder.environ_base = self._copy_environ(builder.environ_base or {})
                return builder.get_request(self.application.request_class)
            if isinstance(arg, dict):
                builder = EnvironBuilder.from_environ(arg, environ_base=self._copy_environ({}))
                return builder.get_request(self.application.request_class)
            request = copy(arg)
            request.environ = self._copy_environ(arg.environ)
            return request
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base") or {})
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request(self.application.request_class)
        finally:
            builder.close()

    def open(
        self, *args: t.Any, buffered: bool = False, follow_redirects: bool = False, **kwargs: t.Any
    ) -> TestResponse:
        """Send a request; see :meth:`Client.open`."""
        request = self._request_from_args(args, kwargs)
        # Contexts preserved by an earlier request in a ``with client:`` block go now.
        self._context_stack.close()
        response = self._send(request, buffered, follow_redirects)
        response.json_module = self.application.json  # type: ignore[assignment]
        for cm in self._new_contexts:
            self._context_stack.enter_context(cm)
        self._new_contexts.clear()
        return response

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations.")
        self.preserve_context = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.preserve_context = False
        self._context_stack.close()


class FlaskCliRunner:
    """Invoke the app's CLI commands in-process (``app.test_cli_runner()``)."""

    def __init__(self, app: Flask, **kwargs: t.Any) -> None:
        from click.testing import CliRunner

        self.app = app
        self._runner = CliRunner(**kwargs)

    def invoke(self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any) -> Result:
        """Run *cli* (default ``app.cli``) with *args*; returns click's ``Result``."""
        from .cli import ScriptInfo

        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return self._runner.invoke(cli, args, **kwargs)

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._runner, name)


__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "TestResponse",
    "create_environ",
    "run_wsgi_app",
]
