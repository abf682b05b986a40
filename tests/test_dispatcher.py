"""DispatcherMiddleware: prefix mounting compared with Werkzeug's, 404 without an app."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware as WDispatcher

from hipflask.middleware import DispatcherMiddleware


def _recorder(name: str) -> t.Callable[..., list[bytes]]:
    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name}|{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    return app


def _call(app: t.Any, path: str, script_name: str = "") -> tuple[str, bytes]:
    statuses: list[str] = []
    environ = {"PATH_INFO": path, "SCRIPT_NAME": script_name, "REQUEST_METHOD": "GET"}
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], body


MOUNTS = {"/api": "api", "/api/v2": "v2", "/static": "static", "/deep/er/path": "deep"}
PATHS = [
    "/",
    "",
    "/api",
    "/api/",
    "/api/users/1",
    "/api/v2",
    "/api/v2/x/y",
    "/api/v23",
    "/apiary",
    "/static/css/site.css",
    "/deep/er/path/file",
    "/deep/er",
    "/other/thing",
    "/API/upper",
    "//api",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("script_name", ["", "/mounted"])
def test_dispatch_matches_werkzeug(path: str, script_name: str) -> None:
    ours = DispatcherMiddleware(_recorder("root"), {k: _recorder(v) for k, v in MOUNTS.items()})
    theirs = WDispatcher(_recorder("root"), {k: _recorder(v) for k, v in MOUNTS.items()})
    assert _call(ours, path, script_name) == _call(theirs, path, script_name)


def test_mounted_app_sees_adjusted_script_name_and_path() -> None:
    app = DispatcherMiddleware(_recorder("root"), {"/api": _recorder("api")})
    assert _call(app, "/api/users/1") == ("200 OK", b"api|/api|/users/1")
    assert _call(app, "/apiary") == ("200 OK", b"root||/apiary")


def test_unmatched_without_app_is_404() -> None:
    app = DispatcherMiddleware(None, {"/api": _recorder("api")})
    status, body = _call(app, "/nothing/here")
    assert status == "404 NOT FOUND"
    assert b"Not Found" in body
    assert _call(app, "/api/x") == ("200 OK", b"api|/api|/x")


def test_hipflask_apps_under_dispatcher_build_prefixed_urls() -> None:
    import hipflask
    from hipflask.testing import FlaskClient

    frontend = hipflask.Flask("frontend")
    api = hipflask.Flask("api")

    @frontend.route("/")
    def home() -> str:
        return "home " + hipflask.url_for("home")

    @api.route("/users/<int:uid>")
    def user(uid: int) -> str:
        return f"user {uid} at " + hipflask.url_for("user", uid=uid)

    frontend.wsgi_app = DispatcherMiddleware(frontend.wsgi_app, {"/api": api})  # type: ignore[method-assign]
    client = FlaskClient(frontend)
    assert client.get("/").get_data(as_text=True) == "home /"
    assert client.get("/api/users/7").get_data(as_text=True) == "user 7 at /api/users/7"
    assert client.get("/api/nope").status_code == 404
