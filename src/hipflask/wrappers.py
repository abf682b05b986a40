"""Flask's ``Request`` and ``Response``: the toolkit classes plus app-aware defaults."""

from __future__ import annotations

import typing as t

from . import json
from .exceptions import BadRequest, HTTPException
from .globals import _cv_app, current_app
from .request import Request as RequestBase
from .response import Response as ResponseBase
from .response import _cookie_size_message

if t.TYPE_CHECKING:
    from .routing import Rule


def _current_app_config() -> t.Any:
    """The current app's config, or None outside an app context.

    The ``current_app`` proxy, read directly: body limits and cookie sizes are looked up
    several times per request, and each proxy access costs two calls.
    """
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.app.config


def _split_blueprint_path(name: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b.c", "a.b", "a"]``: a nested blueprint and its parents."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class Request(RequestBase):
    """The request object the app creates (``hipflask.request``).

    Adds what routing found (``url_rule``, ``view_args``, ``endpoint``, ``blueprint``,
    ``routing_exception``) and reads body limits from the app's config
    (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``); each can also be
    set on one request.
    """

    json_module: t.Any = json
    url_rule: Rule | None = None
    view_args: dict[str, t.Any] | None = None
    routing_exception: HTTPException | None = None
    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    @property
    def max_content_length(self) -> int | None:
        """Body size limit for this request (``MAX_CONTENT_LENGTH`` unless set here)."""
        if self._max_content_length is not None:
            return self._max_content_length
        ctx = _cv_app.get(None)  # (not _current_app_config(): one call less per body)
        if ctx is None:
            return RequestBase.max_content_length
        value: int | None = ctx.app.config["MAX_CONTENT_LENGTH"]
        return value

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Size limit of one text form field (``MAX_FORM_MEMORY_SIZE`` unless set here)."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        ctx = _cv_app.get(None)  # (not _current_app_config(): one call less per body)
        if ctx is None:
            return RequestBase.max_form_memory_size
        value: int | None = ctx.app.config["MAX_FORM_MEMORY_SIZE"]
        return value

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """Limit on the number of multipart parts (``MAX_FORM_PARTS`` unless set here)."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        ctx = _cv_app.get(None)  # (not _current_app_config(): one call less per body)
        if ctx is None:
            return RequestBase.max_form_parts
        value: int | None = ctx.app.config["MAX_FORM_PARTS"]
        return value

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint that matched, or None."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The registered name of the current blueprint, or None."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        return [] if name is None else _split_blueprint_path(name)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        app_ctx = _cv_app.get(None)
        if (
            app_ctx is not None
            and app_ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.__dict__["files"]
        ):
            # Debug-only explanations load on first use (they pull in Jinja2's helpers).
            from .debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """400 for invalid JSON (the parser's message only in debug mode), 415 for a
        non-JSON Content-Type."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as error:
            if current_app and current_app.debug:
                raise
            raise BadRequest("The request body is not valid JSON.") from error


class Response(ResponseBase):
    """The response class the app uses (``app.response_class``): HTML by default.

    ``max_cookie_size`` follows the ``MAX_COOKIE_SIZE`` config inside an app context.
    """

    default_mimetype: str | None = "text/html"
    json_module = json
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app (4093 outside one)."""
        config = _current_app_config()
        if config is not None:
            return t.cast(int, config["MAX_COOKIE_SIZE"])
        return ResponseBase.max_cookie_size

    def cookie_too_large(self, key: str, size: int, limit: int) -> None:
        """Warn, and log a warning through ``app.logger`` naming the cookie and its size.

        .. note:: Differs from Flask, which only issues a Python warning (easy to miss in a
           server log).
        """
        super().cookie_too_large(key, size, limit)
        if current_app:
            current_app.logger.warning(_cookie_size_message(key, size, limit))


__all__ = ["Request", "Response"]
