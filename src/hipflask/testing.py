"""Testing without a server: the app's test client and CLI runner.

``app.test_client()`` sends requests straight to the WSGI callable and keeps cookies
between them; ``app.test_request_context(...)`` builds the same environ for a context.
The WSGI-level pieces live in the toolkit's :mod:`hipflask.test` (Werkzeug's ``werkzeug.test``);
this module adds what knows the app: :class:`EnvironBuilder` takes the app first (Flask's
signature), :class:`FlaskClient` keeps contexts and edits sessions.
"""

from __future__ import annotations

import typing as t
from contextlib import ExitStack, contextmanager
from copy import copy
from urllib.parse import urlsplit

from ._version import __version__
from .test import Client, ClientRedirectError, Cookie, TestResponse, create_environ, run_wsgi_app
from .test import EnvironBuilder as BaseEnvironBuilder
from .wrappers import Request

if t.TYPE_CHECKING:
    from click.testing import Result

    from .app import Flask


class EnvironBuilder(BaseEnvironBuilder):
    """Flask's builder: ``EnvironBuilder(app, path="/", base_url=None, subdomain=None,
    url_scheme=None, **kwargs)``.

    Without *base_url*, the URL follows the app's ``SERVER_NAME``, ``APPLICATION_ROOT`` and
    ``PREFERRED_URL_SCHEME`` (plus *subdomain* and *url_scheme*); ``json=`` is serialized
    with the app's JSON provider.
    """

    def __init__(
        self,
        app: Flask,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is None:
            base_url, path = _app_base_url(app, path, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise ValueError("Cannot pass 'subdomain' or 'url_scheme' with 'base_url'.")
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


def _app_base_url(
    app: Flask, path: str, subdomain: str | None, url_scheme: str | None
) -> tuple[str, str]:
    """The base URL the app's config implies, and *path* without its scheme and host."""
    http_host = app.config.get("SERVER_NAME") or "localhost"
    if subdomain:
        http_host = f"{subdomain}.{http_host}"
    if url_scheme is None:
        url_scheme = app.config["PREFERRED_URL_SCHEME"]
    app_root = app.config["APPLICATION_ROOT"]
    parts = urlsplit(path)
    base_url = f"{parts.scheme or url_scheme}://{parts.netloc or http_host}/{app_root.lstrip('/')}"
    return base_url, f"{parts.path}?{parts.query}" if parts.query else parts.path


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
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            response.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_args(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> Request:
        if args and isinstance(args[0], (BaseEnvironBuilder, dict, Request)):
            arg = args[0]
            if isinstance(arg, BaseEnvironBuilder):
                builder = copy(arg)
                builder.environ_base = self._copy_environ(builder.environ_base or {})
                return builder.get_request(self.application.request_class)
            if isinstance(arg, dict):
                builder = BaseEnvironBuilder.from_environ(arg, environ_base=self._copy_environ({}))
                return builder.get_request(self.application.request_class)
            request = copy(arg)
            request.environ = self._copy_environ(arg.environ)
            return request
        return self._request_from_builder_args(args, kwargs)

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> Request:
        # Flask's name for this step; extensions' test clients override or call it.
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
        response.json_module = self.application.json
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
        # click loads only when a CLI test runs.
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
