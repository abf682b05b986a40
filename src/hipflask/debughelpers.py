"""Errors that explain common mistakes, raised in debug mode only."""

from __future__ import annotations

import typing as t

from .routing import RequestRedirect

if t.TYPE_CHECKING:
    from .wrappers import Request


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where text was expected to be bytes (or the reverse), with a better message."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` on a form that was not sent as ``multipart/form-data``."""

    def __init__(self, request: Request, key: str) -> None:
        sent = request.form.getlist(key)
        message = (
            f"request.files has no {key!r}: the form was sent as {request.mimetype!r}, not"
            " 'multipart/form-data', so no file contents were transmitted. Add"
            ' enctype="multipart/form-data" to the <form>.'
        )
        if sent:
            message += f" The browser sent only the file name(s): {', '.join(map(repr, sent))}."
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A routing redirect would make the browser drop a form's method and body."""

    def __init__(self, request: Request) -> None:
        exc = request.routing_exception
        assert isinstance(exc, RequestRedirect)
        message = (
            f"A {request.method} request was sent to '{request.url}', but routing redirects"
            f" it to the canonical URL '{exc.new_url}'."
        )
        if f"{request.base_url}/" == exc.new_url.partition("?")[0]:
            message += " The rule ends with a slash and the request's URL does not."
        message += (
            " Send the request to the canonical URL (browsers drop form data on such"
            " redirects). This check only runs in debug mode."
        )
        super().__init__(message)


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` for file fields that
    arrived as plain form fields."""
    original = request.files.__class__

    class FilesWithHint(original):  # type: ignore[valid-type, misc]
        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as e:
                if key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(e.__traceback__) from None

    FilesWithHint.__name__ = original.__name__
    FilesWithHint.__module__ = original.__module__
    request.files.__class__ = FilesWithHint


# Kept here too because Flask's debughelpers exposes it.
from .templating import explain_template_loading_attempts  # noqa: E402

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]
