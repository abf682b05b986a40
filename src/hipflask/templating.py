"""Jinja2 integration: the app-aware environment, template loading and rendering.

Mirrors ``flask.templating``. Two deliberate improvements over Flask, both
only on error paths (a successful render costs the same):

- a missing template raises ``TemplateNotFound`` whose message names the
  template *and* every folder that was searched (Jinja's names only the
  template), so "why is my template not found" answers itself;
- a template syntax error's message ends with ``(file, line N)`` so the
  location is in the one-line error, not only in the traceback.
"""

from __future__ import annotations

import os
import sys
import typing as t

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    Template,
    TemplateNotFound,
    TemplatesNotFound,
    TemplateSyntaxError,
)
from jinja2 import Environment as BaseEnvironment

from .globals import _cv_app, _cv_request
from .globals import _default_template_ctx_processor as _default_template_ctx_processor
from .helpers import stream_with_context
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Flask

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "Template",
    "TemplateNotFound",
    "explain_template_loading_attempts",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

_Source = tuple[str, "str | None", "t.Callable[[], bool] | None"]


def _describe_loader(loader: BaseLoader) -> list[str]:
    """Human-readable places a loader looks in, for error messages."""
    if isinstance(loader, FileSystemLoader):
        return [
            path if os.path.isdir(path) else f"{path} (missing)"
            for path in map(os.fspath, loader.searchpath)
        ]
    if isinstance(loader, PackageLoader):
        return [f"package {loader.package_name!r} folder {loader.package_path!r}"]
    if isinstance(loader, ChoiceLoader):
        return [place for inner in loader.loaders for place in _describe_loader(inner)]
    return [type(loader).__name__]


def _located_syntax_error(exc: TemplateSyntaxError) -> None:
    """Append ``(file, line N)`` to a syntax error's message, once."""
    if getattr(exc, "_hipflask_located", False):
        return
    where = exc.filename or exc.name or "<template string>"
    exc.args = (f"{exc.message} ({where}, line {exc.lineno})", *exc.args[1:])
    exc._hipflask_located = True  # type: ignore[attr-defined]


class Environment(BaseEnvironment):
    """A Jinja environment that knows its app (``env.app``).

    Its default loader is ``app.create_global_jinja_loader()``, which searches
    the app's template folder and then each blueprint's. Differs from Flask's
    only in friendlier errors: see the module docstring.
    """

    def __init__(self, app: Flask, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app

    def handle_exception(self, source: str | None = None) -> t.NoReturn:
        """Give syntax errors their location in the message, then let Jinja re-raise."""
        exc = sys.exc_info()[1]
        if isinstance(exc, TemplateSyntaxError):
            _located_syntax_error(exc)
        super().handle_exception(source)

    def select_template(
        self,
        names: t.Iterable[str | Template],
        parent: str | None = None,
        globals: t.MutableMapping[str, t.Any] | None = None,
    ) -> Template:
        """As Jinja's, but a miss also names the folders that were searched."""
        try:
            return super().select_template(names, parent, globals)
        except TemplatesNotFound as exc:
            searched = _searched_places(self.loader)
            names = t.cast("list[str]", exc.templates)
            raise TemplatesNotFound(names, f"{exc.message} ({searched})") from None


def _searched_places(loader: BaseLoader | None) -> str:
    if loader is None:
        return "the environment has no loader"
    if isinstance(loader, DispatchingJinjaLoader):
        places = [p for _, inner in loader._iter_loaders() for p in _describe_loader(inner)]
    else:
        places = _describe_loader(loader)
    if not places:
        return "no template folder is configured"
    return "searched: " + ", ".join(places)


class DispatchingJinjaLoader(BaseLoader):
    """Find a template in the app's loader first, then in each blueprint's.

    With ``EXPLAIN_TEMPLATE_LOADING`` every lookup is logged (at INFO, on
    ``app.logger``) with each loader tried and what it found.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> _Source:
        """Return Jinja's ``(source, filename, uptodate)`` for *template*."""
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise self._not_found(template)

    def _get_source_explained(self, environment: BaseEnvironment, template: str) -> _Source:
        attempts: list[tuple[BaseLoader, t.Any, _Source | None]] = []
        first: _Source | None = None
        for owner, loader in self._iter_loaders():
            try:
                found: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                found = None
            if first is None:
                first = found
            attempts.append((loader, owner, found))
        explain_template_loading_attempts(self.app, template, attempts)
        if first is None:
            raise self._not_found(template)
        return first

    def _not_found(self, template: str) -> TemplateNotFound:
        return TemplateNotFound(template, f"{template} ({_searched_places(self)})")

    def _iter_loaders(self) -> t.Iterator[tuple[t.Any, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        """Every template name the app and its blueprints can load."""
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return list(names)


def explain_template_loading_attempts(
    app: Flask,
    template: str,
    attempts: list[tuple[BaseLoader, t.Any, _Source | None]],
) -> None:
    """Log, at INFO on ``app.logger``, which loaders were asked for *template*.

    Used by ``EXPLAIN_TEMPLATE_LOADING``; mirrors ``flask.debughelpers``'
    function of the same name (the wording is hipflask's own).
    """
    lines = [f"Looking up template {template!r}:"]
    matches = 0
    for number, (loader, owner, found) in enumerate(attempts, 1):
        if owner is app:
            who = f"application {app.import_name!r}"
        else:
            who = f"blueprint {getattr(owner, 'name', owner)!r}"
        lines.append(
            f"  {number}. {who}, {type(loader).__name__}: {', '.join(_describe_loader(loader))}"
        )
        if found is None:
            lines.append("     -> not here")
        else:
            matches += 1
            lines.append(f"     -> found: {found[1] or '<string>'}")
    if matches == 0:
        lines.append("No loader has this template.")
    elif matches > 1:
        lines.append("Several loaders have this template; the first one wins.")
    req_ctx = _cv_request.get(None)
    blueprint = getattr(req_ctx.request, "blueprint", None) if req_ctx is not None else None
    if blueprint is not None and matches != 1:
        lines.append(
            f"The current endpoint belongs to blueprint {blueprint!r}: is the template"
            " in that blueprint's template_folder, under a name no other folder uses?"
        )
    app.logger.info("\n".join(lines))


def _current_app(function: str) -> Flask:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(
            f"{function}() needs an application context: call it from a view, or"
            " inside 'with app.app_context():'."
        )
    return ctx.app


def _render(app: Flask, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    # Skip building the signal payload when nobody listens (the usual case).
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Render the named template (or the first of a list that exists) with *context*.

    The app's context processors add ``config``, ``request``, ``session``,
    ``g`` and whatever ``@app.context_processor`` functions return; explicit
    keyword arguments win over them.
    """
    app = _current_app("render_template")
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as source text (autoescaped, like ``.html`` files)."""
    app = _current_app("render_template_string")
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: Flask, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    stream = generate()
    if _cv_request.get(None) is not None:
        # The body is produced after the view returns: keep the request
        # context alive so the template can still use request/session/g.
        stream = stream_with_context(stream)
    return stream


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> t.Iterator[str]:
    """Render a template piece by piece; return the iterator as a streaming response."""
    app = _current_app("stream_template")
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Like :func:`stream_template` for a template given as source text."""
    app = _current_app("stream_template_string")
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)
