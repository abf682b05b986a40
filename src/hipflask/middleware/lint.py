"""``LintMiddleware``: check that an app and its server follow the WSGI spec (PEP 3333).

For tests and development: wrap an app with it and every violation found on the way in
(the environ) or out (``start_response`` arguments, body chunks, ``close``) is reported as
a :class:`WSGIWarning` (or :class:`HTTPWarning` for HTTP-level mistakes). Nothing is
changed; the app's output passes through.
"""

from __future__ import annotations

import typing as t
from types import TracebackType
from warnings import warn

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]

_REQUIRED_KEYS = (
    "REQUEST_METHOD",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.version",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
)


class WSGIWarning(Warning):
    """A WSGI spec violation by the app or the server."""


class HTTPWarning(Warning):
    """A response that is valid WSGI but wrong HTTP (e.g. a body on a 304)."""


def _check_environ(environ: t.Any) -> None:
    if type(environ) is not dict:
        warn("The WSGI environ is not a dict.", WSGIWarning, stacklevel=4)
        return
    for key in _REQUIRED_KEYS:
        if key not in environ:
            warn(f"The WSGI environ lacks the required key {key!r}.", WSGIWarning, stacklevel=4)
    if environ.get("QUERY_STRING", "").startswith("?"):
        warn("QUERY_STRING must not start with '?'.", WSGIWarning, stacklevel=4)
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        value = environ.get(key)
        if value and not value.startswith("/"):
            warn(f"{key} must be empty or start with '/': {value!r}.", WSGIWarning, stacklevel=4)
    if environ.get("SCRIPT_NAME", "").endswith("/"):
        warn("SCRIPT_NAME must not end with '/'.", WSGIWarning, stacklevel=4)


def _check_start_response(status: t.Any, headers: t.Any, exc_info: t.Any) -> int | None:
    code: int | None = None
    if type(status) is not str:
        warn("The status must be a str.", WSGIWarning, stacklevel=4)
    else:
        code_text, _, reason = status.partition(" ")
        if len(code_text) != 3 or not code_text.isdigit():
            warn(
                f"The status must start with a 3-digit code: {status!r}.", WSGIWarning, stacklevel=4
            )
        else:
            code = int(code_text)
            if code < 100:
                warn(f"Status code {code} is below 100.", WSGIWarning, stacklevel=4)
        if not reason:
            warn(f"The status {status!r} has no reason phrase.", WSGIWarning, stacklevel=4)
    if type(headers) is not list:
        warn("The headers must be a list.", WSGIWarning, stacklevel=4)
    else:
        for item in headers:
            if type(item) is not tuple or len(item) != 2:
                warn(
                    f"A header must be a (name, value) tuple: {item!r}.", WSGIWarning, stacklevel=4
                )
                continue
            name, value = item
            if type(name) is not str or type(value) is not str:
                warn(f"Header names and values must be str: {item!r}.", WSGIWarning, stacklevel=4)
            elif name.lower() == "status":
                warn("A 'Status' header is not allowed.", WSGIWarning, stacklevel=4)
            elif "\n" in value or "\r" in value:
                warn(f"Header {name!r} contains a line break.", WSGIWarning, stacklevel=4)
    if exc_info is not None and not isinstance(exc_info, tuple):
        warn("exc_info must be a tuple or None.", WSGIWarning, stacklevel=4)
    return code


class _CheckedIterator:
    """The app's body, checked chunk by chunk and on close."""

    def __init__(self, iterable: t.Iterable[bytes], state: dict[str, t.Any]) -> None:
        self._iterable = iterable
        self._iterator = iter(iterable)
        self._state = state
        self._closed = False
        self._length = 0

    def __iter__(self) -> _CheckedIterator:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._iterator)
        if self._state.get("code") is None and "status" not in self._state:
            warn("The app yielded data before calling start_response.", WSGIWarning, stacklevel=2)
        if type(chunk) is not bytes:
            warn(f"The app yielded {type(chunk).__name__}, not bytes.", WSGIWarning, stacklevel=2)
        else:
            self._length += len(chunk)
            code = self._state.get("code")
            if chunk and code is not None and (code in (204, 304) or 100 <= code < 200):
                warn(f"A {code} response must not have a body.", HTTPWarning, stacklevel=2)
        return chunk

    def close(self) -> None:
        """Close the app's iterable (once) and check the body against Content-Length."""
        if self._closed:
            return
        self._closed = True
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()
        expected = self._state.get("content_length")
        if expected is not None and self._length not in (0, expected):
            warn(
                f"Content-Length is {expected} but {self._length} bytes were sent.",
                WSGIWarning,
                stacklevel=2,
            )

    def __del__(self) -> None:
        if not self._closed:
            try:
                warn("The server did not close the app's iterable.", WSGIWarning, stacklevel=2)
            except Exception:
                pass


class LintMiddleware:
    """Wrap *app*; violations of the WSGI spec become warnings (see the module docstring)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        if not callable(start_response):
            warn("start_response is not callable.", WSGIWarning, stacklevel=2)
        _check_environ(environ)
        state: dict[str, t.Any] = {}

        def checked_start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: tuple[type[BaseException], BaseException, TracebackType] | None = None,
        ) -> t.Callable[[bytes], object]:
            if "status" in state and exc_info is None:
                warn("start_response was called twice without exc_info.", WSGIWarning, stacklevel=2)
            state["status"] = status
            state["code"] = _check_start_response(status, headers, exc_info)
            if type(headers) is list:
                for name, value in headers:
                    if isinstance(name, str) and name.lower() == "content-length":
                        try:
                            state["content_length"] = int(value)
                        except (TypeError, ValueError):
                            warn(f"Invalid Content-Length {value!r}.", WSGIWarning, stacklevel=2)
            write = start_response(status, headers, exc_info)

            def checked_write(data: bytes) -> object:
                if type(data) is not bytes:
                    warn("write() was given a non-bytes value.", WSGIWarning, stacklevel=2)
                return write(data)

            return checked_write

        result = self.app(environ, checked_start_response)
        if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
            warn(
                "The app must return an iterable of bytes, not a str or bytes object.",
                WSGIWarning,
                stacklevel=2,
            )
        return _CheckedIterator(result, state)


__all__ = ["HTTPWarning", "LintMiddleware", "WSGIWarning"]
