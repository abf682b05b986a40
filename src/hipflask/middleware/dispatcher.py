"""``DispatcherMiddleware``: mount several WSGI apps under path prefixes."""

from __future__ import annotations

import typing as t

from ..exceptions import NotFound

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]


class DispatcherMiddleware:
    """Send each request to the app mounted at the longest matching path prefix.

    ``DispatcherMiddleware(frontend, {"/api": api_app})``: ``/api/users`` reaches
    ``api_app`` with ``SCRIPT_NAME`` extended by ``/api`` and ``PATH_INFO`` ``/users``, so
    its ``url_for`` builds ``/api/...`` URLs. Prefixes match whole segments only
    (``/apiary`` is not under ``/api``). Other paths go to *app*; when *app* is None they
    get a 404 (Werkzeug requires an app).
    """

    def __init__(
        self, app: WSGIApplication | None = None, mounts: dict[str, WSGIApplication] | None = None
    ) -> None:
        self.app = app
        self.mounts = mounts or {}

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        script = environ.get("PATH_INFO", "")
        path_info = ""
        app: WSGIApplication | None
        # Walk up the path one segment at a time until a mount point matches.
        while "/" in script:
            if script in self.mounts:
                app = self.mounts[script]
                break
            script, last_item = script.rsplit("/", 1)
            path_info = f"/{last_item}{path_info}"
        else:
            app = self.mounts.get(script, self.app)
        if app is None:
            return _not_found(environ, start_response)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + script
        environ["PATH_INFO"] = path_info
        return app(environ, start_response)


def _not_found(
    environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
) -> t.Iterable[bytes]:
    # Plain WSGI, so the middleware works in front of any app, hipflask or not.
    error = NotFound()
    body = error.get_body(environ).encode()
    headers = [*error.get_headers(environ), ("Content-Length", str(len(body)))]
    start_response(f"404 {error.name.upper()}", headers)
    return [body]
