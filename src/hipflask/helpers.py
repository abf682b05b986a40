"""The helper functions views call: ``url_for``, ``redirect``, ``abort``, ``make_response``...

They work on the current app (``current_app``) so views do not need a reference to it.
"""

from __future__ import annotations

import os
import typing as t
from functools import update_wrapper

from .flashing import flash, get_flashed_messages
from .globals import _cv_app, _cv_request, current_app, request_ctx
from .sansio.scaffold import get_root_path
from .sending import send_file, send_from_directory

if t.TYPE_CHECKING:
    from .wrappers import Response


def get_debug_flag() -> bool:
    """Whether ``HIPFLASK_DEBUG`` asks for debug mode (anything but empty/0/false/no)."""
    value = os.environ.get("HIPFLASK_DEBUG")
    return bool(value and value.lower() not in ("0", "false", "no"))


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env``/``.hipflaskenv`` (``HIPFLASK_SKIP_DOTENV`` turns it off)."""
    value = os.environ.get("HIPFLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in ("0", "false", "no")


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr]:
    """Keep the request context alive while a streamed response body is generated.

    Wrap a generator (or decorate a generator function) returned from a view so it can use
    ``request`` and ``session`` after the view has returned.
    """
    try:
        gen = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(generator_or_function(*args, **kwargs))  # type: ignore[operator]

        return update_wrapper(decorator, generator_or_function)  # type: ignore[arg-type, return-value]

    def generator() -> t.Iterator[t.AnyStr | None]:
        ctx = _cv_request.get(None)
        if ctx is None:
            raise RuntimeError(
                "'stream_with_context' can only be used when a request context is active,"
                " such as in a view function."
            )
        app_ctx = _cv_app.get()
        with app_ctx, ctx:
            yield None
            try:
                yield from gen
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()

    wrapped = generator()
    next(wrapped)
    return wrapped  # type: ignore[return-value]


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, to change it before returning.

    ``make_response()`` gives an empty response; one argument is converted like a view's
    return value; several are treated as a tuple ``(body, status, headers)``.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """The URL of *endpoint* with *values* (unknown values become the query string).

    ``_external`` gives an absolute URL (the default outside a request), ``_scheme`` its
    scheme, ``_anchor`` a ``#fragment``, ``_method`` picks a rule by method. ``.name`` is
    relative to the current blueprint.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(location: str, code: int = 302, Response: type[t.Any] | None = None) -> t.Any:
    """A redirect response to *location* (``code`` 301, 302, 303, 307 or 308)."""
    if current_app:
        return current_app.redirect(location, code=code)
    from .utils import redirect as _redirect

    return _redirect(location, code=code, Response=Response)


def abort(code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop the request with an HTTP error: ``abort(404)``, or ``abort(response)``."""
    if current_app:
        current_app.aborter(code, *args, **kwargs)
    from .exceptions import abort as _abort

    _abort(code, *args, **kwargs)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """A macro or variable defined in a template, callable from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "request_ctx",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
