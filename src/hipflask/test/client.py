"""The WSGI test client (``werkzeug.test``'s second half): :class:`Client`, its cookie
jar and :class:`TestResponse`. The app-aware :class:`hipflask.testing.FlaskClient` builds on it.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import urlsplit

from ..datastructures import Headers
from ..http import dump_cookie, parse_cookie, parse_date
from ..multipart_encoding import encode_multipart as _encode_pairs
from ..request import Request
from ..response import Response
from ..wsgi import get_current_url
from .environ import EnvironBuilder, _iter_data, create_environ, run_wsgi_app

if t.TYPE_CHECKING:
    WSGIEnvironment = dict[str, t.Any]
    WSGIApplication = t.Callable[..., t.Iterable[bytes]]


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
            and path[len(self.path) - self.path.endswith("/") :].startswith("/")
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

    def _update_cookies_from_response(
        self, server_name: str, path: str, headers: list[str]
    ) -> None:
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
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, rv[2].getlist("Set-Cookie")
        )
        return rv

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """Follow one redirect: 307/308 repeat the method and body, others become GET."""
        location = t.cast(str, response.location)
        scheme, netloc, path, query, _ = urlsplit(location)
        builder = EnvironBuilder.from_environ(
            response.request.environ, path=path or "/", query_string=query
        )
        to_parts = netloc.split(":", 1)[0].split(".")
        from_parts = builder.server_name.split(".")
        if to_parts != [""]:
            builder.url_scheme = scheme or builder.url_scheme
            builder.host = netloc
        else:
            to_parts = from_parts
        if to_parts != from_parts:
            if to_parts[-len(from_parts) :] == from_parts:
                if not self.allow_subdomain_redirects:
                    raise RuntimeError("Following subdomain redirects is not enabled.")
            else:
                raise RuntimeError(f"Following external redirects is not supported ({location}).")
        root_parts = builder.script_root.split("/")
        if path.split("/")[: len(root_parts)] == root_parts:
            builder.path = path[len(builder.script_root) :] or "/"
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
        response = self.response_wrapper(
            *self.run_wsgi_app(request.environ, buffered=buffered), request=request
        )
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


def encode_multipart(
    values: t.Mapping[str, t.Any] | t.Iterable[tuple[str, t.Any]], boundary: str | None = None
) -> tuple[str, bytes]:
    """Encode form fields and files as ``multipart/form-data``: ``(boundary, body)``.

    *values* is a mapping (a MultiDict, or a dict whose list values give repeated fields)
    or ``(name, value)`` pairs; values are str, bytes, ``FileStorage`` or binary files.
    """
    pairs = _iter_data(values) if isinstance(values, t.Mapping) else values
    return _encode_pairs(pairs, boundary)


# EnvironBuilder, create_environ, run_wsgi_app and encode_multipart are here too, so this
# module has the names of ``werkzeug.test`` (what the drop-in mode maps it to).
__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
]
