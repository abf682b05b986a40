"""HTTP errors as exceptions (the equivalent of ``werkzeug.exceptions``).

Raise one of these anywhere in a view (or call :func:`abort`) and the application turns it
into the matching HTTP response: a short HTML page by default, or whatever an
``errorhandler`` registered for the code or class returns.

Every class carries ``code``, ``name`` and ``description``; ``get_response()`` builds the
response lazily so that importing this module costs nothing on the request path.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

from markupsafe import escape

from .header_values import http_date

if t.TYPE_CHECKING:
    from .response import Response

    WSGIEnvironment = dict[str, t.Any]

_Response: type[Response] | None = None


def _response_class() -> type[Response]:
    """The toolkit's Response, imported on first use and then kept.

    Deliberately upward (ARCHITECTURE.md): response depends on this module. Kept in a global
    because an import statement in a function costs about a microsecond per call, and every
    404 goes through here.
    """
    global _Response
    if _Response is None:
        from .response import Response

        _Response = Response
    return _Response


HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Switch Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    449: "Retry With",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Failed",
}
"""Reason phrases by status code, as Werkzeug spells them (they appear in status lines)."""


_default_pages: dict[tuple[int | None, str, str | None], str] = {}


class HTTPException(Exception):
    """Base class of every HTTP error.

    ``HTTPException(description=None, response=None)``: *description* replaces the class's
    default text in the error page; *response* is sent as is instead of the error page.
    Instances are also WSGI applications, so ``raise NotFound()`` and ``return NotFound()``
    both work.
    """

    code: int | None = None
    description: str | None = None

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        self.response = response

    @property
    def name(self) -> str:
        """The status reason phrase, e.g. ``"Not Found"``."""
        return HTTP_STATUS_CODES.get(self.code or 0, "Unknown Error")

    def get_description(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """The description as HTML, escaped, with newlines turned into ``<br>``."""
        text = escape(self.description or "").replace("\n", t.cast(t.Any, "<br>"))
        return f"<p>{text}</p>"

    def get_body(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """The HTML error page."""
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {escape(self.name)}</title>\n"
            f"<h1>{escape(self.name)}</h1>\n"
            f"{self.get_description(environ, scope)}\n"
        )

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """Headers of the error page; subclasses add ``Allow``, ``Retry-After``, ..."""
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> Response:
        """The response to send: ``self.response`` if one was given, else the error page.

        The page is the toolkit's :class:`~hipflask.response.Response`, as Werkzeug's is; the
        framework converts it to ``app.response_class`` when it finalizes the request.
        """
        Response = _response_class()
        if self.response is not None:
            return self.response
        cls = type(self)
        if (
            cls.get_body is HTTPException.get_body
            and cls.get_description is HTTPException.get_description
            and cls.get_headers is HTTPException.get_headers
        ):
            # The default page depends only on code, name and description: render it once.
            key = (self.code, self.name, self.description)
            body = _default_pages.get(key)
            if body is None:
                body = self.get_body(environ, scope)
                if len(_default_pages) < 512:
                    _default_pages[key] = body
            return Response(body, self.code or 500, mimetype="text/html")
        return Response(
            self.get_body(environ, scope), self.code or 500, self.get_headers(environ, scope)
        )

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        return self.get_response(environ)(environ, start_response)

    def __str__(self) -> str:
        return f"{self.code or '???'} {self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.code or '???'}: {self.name}'>"


class BadRequest(HTTPException):
    """400: the request is malformed or cannot be understood."""

    code = 400
    description = "The request could not be understood by the server."


class BadRequestKeyError(BadRequest, KeyError):
    """400 raised by ``MultiDict`` lookups (``request.form['x']``) when the key is missing.

    It is also a ``KeyError`` so ordinary ``except KeyError`` code keeps working. In debug
    mode the missing key is named in the description.
    """

    show_exception = False

    def __init__(self, arg: object | None = None, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._arg = arg
        self.args = () if arg is None else (arg,)

    @property
    def description(self) -> str:
        if self.show_exception and self._arg is not None:
            return f"{self._description}\nKeyError: {self._arg!r}"
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._description = value

    _description = "The request is missing a required form or query field."

    def __str__(self) -> str:
        return HTTPException.__str__(self)


class ClientDisconnected(BadRequest):
    """400 raised when the client closed the connection before sending the whole body."""

    description = "The client sent less data than its Content-Length promised."


class SecurityError(BadRequest):
    """400 raised when a request looks like an attack (e.g. a path that escapes a folder)."""


class BadHost(SecurityError):
    """400 raised when the ``Host`` header is not one of the trusted hosts."""

    description = "The Host header is not allowed."


class Unauthorized(HTTPException):
    """401: the request needs credentials. *www_authenticate* adds challenges."""

    code = 401
    description = "Valid credentials are required to access this resource."

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: t.Any = None,
    ) -> None:
        super().__init__(description, response)
        if www_authenticate is not None and not isinstance(www_authenticate, (list, tuple)):
            www_authenticate = [www_authenticate]
        self.www_authenticate = www_authenticate

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        for challenge in self.www_authenticate or ():
            headers.append(("WWW-Authenticate", str(challenge)))
        return headers


class Forbidden(HTTPException):
    """403: the client may not access this resource."""

    code = 403
    description = "You are not allowed to access this resource."


class NotFound(HTTPException):
    """404: no resource matches the URL."""

    code = 404
    description = "Nothing was found at this URL. Please check the address and try again."


class MethodNotAllowed(HTTPException):
    """405: the URL exists but not for this method. *valid_methods* fills ``Allow``."""

    code = 405
    description = "This method is not allowed for the requested URL."

    def __init__(
        self,
        valid_methods: t.Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.valid_methods = valid_methods

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.valid_methods:
            headers.append(("Allow", ", ".join(self.valid_methods)))
        return headers


class NotAcceptable(HTTPException):
    """406: no representation matches the request's ``Accept`` headers."""

    code = 406
    description = "No representation of this resource matches the request's Accept headers."


class RequestTimeout(HTTPException):
    """408: the client took too long to send its request."""

    code = 408
    description = "The server timed out waiting for the request."


class Conflict(HTTPException):
    """409: the request conflicts with the current state of the resource."""

    code = 409
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    """410: the resource existed once and is no longer available."""

    code = 410
    description = "This resource is no longer available."


class LengthRequired(HTTPException):
    """411: the request needs a ``Content-Length`` header."""

    code = 411
    description = "This request needs a valid Content-Length header."


class PreconditionFailed(HTTPException):
    """412: a conditional header (``If-Match``, ...) did not hold."""

    code = 412
    description = "A precondition in the request headers did not hold."


class RequestEntityTooLarge(HTTPException):
    """413: the body (or one of its parts) is larger than the configured limit."""

    code = 413
    description = "The request body is larger than this server accepts."


class RequestURITooLarge(HTTPException):
    """414: the URL is too long."""

    code = 414
    description = "The request URL is longer than this server accepts."


class UnsupportedMediaType(HTTPException):
    """415: the body's media type is not supported here."""

    code = 415
    description = "The media type of the request body is not supported."


class RequestedRangeNotSatisfiable(HTTPException):
    """416: the ``Range`` cannot be served. *length* fills ``Content-Range: bytes */length``."""

    code = 416
    description = "The requested range cannot be served."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = units

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    """417: the ``Expect`` header cannot be met."""

    code = 417
    description = "The server cannot meet the requirements of the Expect header."


class ImATeapot(HTTPException):
    """418: the server is a teapot (RFC 2324)."""

    code = 418
    description = "This server is a teapot, not a coffee machine."


class MisdirectedRequest(HTTPException):
    """421: the request reached a server that cannot answer for this host."""

    code = 421
    description = "This server cannot answer for the requested host."


class UnprocessableEntity(HTTPException):
    """422: the body is well-formed but its content is invalid."""

    code = 422
    description = "The request was well-formed but its content could not be processed."


class Locked(HTTPException):
    """423: the resource is locked."""

    code = 423
    description = "The resource is locked."


class FailedDependency(HTTPException):
    """424: the request depended on another action that failed."""

    code = 424
    description = "The request depended on another action that failed."


class PreconditionRequired(HTTPException):
    """428: the request must be conditional (``If-Match`` or ``If-Unmodified-Since``)."""

    code = 428
    description = "This request must be conditional, for example with If-Match."


class _RetryAfter(HTTPException):
    """Adds ``Retry-After`` (seconds or a datetime) to the error response."""

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def get_headers(
        self, environ: WSGIEnvironment | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.retry_after is not None:
            value = (
                http_date(self.retry_after)
                if isinstance(self.retry_after, datetime)
                else str(self.retry_after)
            )
            headers.append(("Retry-After", value))
        return headers


class TooManyRequests(_RetryAfter):
    """429: rate limit exceeded; *retry_after* says when to come back."""

    code = 429
    description = "Too many requests. Please slow down and try again later."


class RequestHeaderFieldsTooLarge(HTTPException):
    """431: the request's headers are too large."""

    code = 431
    description = "The request's header fields are larger than this server accepts."


class UnavailableForLegalReasons(HTTPException):
    """451: the resource is unavailable for legal reasons."""

    code = 451
    description = "This resource is unavailable for legal reasons."


class InternalServerError(HTTPException):
    """500: the application failed. ``original_exception`` holds the cause, if any."""

    code = 500
    description = "The server hit an internal error and could not complete the request."

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
    ) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception


class NotImplemented(HTTPException):
    """501: the server does not support this action."""

    code = 501
    description = "The server does not support the action requested."


class BadGateway(HTTPException):
    """502: an upstream server answered with something invalid."""

    code = 502
    description = "An upstream server sent an invalid response."


class ServiceUnavailable(_RetryAfter):
    """503: temporarily unavailable; *retry_after* says when to come back."""

    code = 503
    description = "The service is temporarily unavailable. Please try again later."


class GatewayTimeout(HTTPException):
    """504: an upstream server did not answer in time."""

    code = 504
    description = "An upstream server did not answer in time."


class HTTPVersionNotSupported(HTTPException):
    """505: the HTTP version of the request is not supported."""

    code = 505
    description = "The HTTP version of the request is not supported."


default_exceptions: dict[int, type[HTTPException]] = {
    cls.code: cls
    for cls in list(globals().values())
    if isinstance(cls, type)
    and issubclass(cls, HTTPException)
    and cls.code is not None
    and cls.__name__ == cls.__name__.lstrip("_")
    and cls not in (BadRequestKeyError, ClientDisconnected, SecurityError, BadHost)
}


class Aborter:
    """Raises the :class:`HTTPException` for a status code; ``abort`` is an instance.

    *mapping* replaces the code-to-class table; *extra* adds to it.
    """

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping = dict(default_exceptions if mapping is None else mapping)
        if extra:
            self.mapping.update(extra)

    def __call__(self, code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        """Raise the error for *code*; a Response is wrapped and sent as is."""
        if isinstance(code, _response_class()):
            raise HTTPException(response=code)
        if code not in self.mapping:
            raise LookupError(
                f"abort({code!r}): no exception is registered for this status code;"
                " use a 4xx/5xx code or abort(response)."
            )
        raise self.mapping[code](*args, **kwargs)


_aborter = Aborter()


def abort(status: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the :class:`HTTPException` for *status*, e.g. ``abort(404)``.

    ``abort(response)`` stops the request and sends that response. Inside a Flask app
    (``hipflask.abort``) the app's ``aborter`` is used instead of this default one.
    """
    _aborter(status, *args, **kwargs)
