"""Issue 3, section 4: url_for (quoting, query strings, external URLs, prefixes, BuildError)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hipflask_difftools import FW, Differ, Req


def build(fw: FW, **config: Any) -> Any:
    app = fw.Flask(__name__)
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/login")
    def login() -> str:
        return "login"

    @app.route("/user/<username>")
    def profile(username: str) -> str:
        return f"{username}'s profile"

    @app.route("/post/<int:post_id>")
    def show_post(post_id: int) -> str:
        return str(post_id)

    @app.route("/path/<path:subpath>")
    def show_subpath(subpath: str) -> str:
        return subpath

    @app.route("/users/", defaults={"page": 1})
    @app.route("/users/page/<int:page>")
    def users(page: int) -> str:
        return str(page)

    @app.route("/f/<float:x>")
    def flt(x: float) -> str:
        return str(x)

    @app.route("/any/<any(a, b):which>")
    def which(which: str) -> str:
        return which

    def res() -> str:
        return fw.request.method

    app.add_url_rule("/res", "res", res, methods=["GET"])
    app.add_url_rule("/res/new", "res", res, methods=["POST"])

    @app.route("/urls")
    def urls() -> Any:
        # url_for inside a real request: honours SCRIPT_NAME, host and scheme
        return {
            "index": fw.url_for("index"),
            "profile": fw.url_for("profile", username="Jo Do", next="/x?y"),
            "external": fw.url_for("login", _external=True),
            "https": fw.url_for("login", _external=True, _scheme="https"),
        }

    return app


URL_FOR_CASES: list[tuple[str, dict[str, Any]]] = [
    ("index", {}),
    ("login", {}),
    ("login", {"next": "/"}),
    ("profile", {"username": "John Doe"}),
    ("profile", {"username": "Jos\u00e9"}),
    ("profile", {"username": "a/b?c#d&e=f%g+h"}),
    ("profile", {"username": "x", "q": "a b", "r": ["1", "2"], "skip": None}),
    ("profile", {"username": "x", "u": "\u00e9/&=+"}),
    ("profile", {"username": 42}),
    ("show_post", {"post_id": 7}),
    ("show_post", {"post_id": "7"}),
    ("show_subpath", {"subpath": "a/b c/d"}),
    ("users", {}),
    ("users", {"page": 1}),
    ("users", {"page": 2}),
    ("flt", {"x": 1.5}),
    ("which", {"which": "a"}),
    ("login", {"_anchor": "a b#c"}),
    ("login", {"_external": True}),
    ("login", {"_external": True, "_scheme": "https"}),
    ("login", {"_scheme": "https"}),
    ("res", {}),
    ("res", {"_method": "GET"}),
    ("res", {"_method": "POST"}),
    ("login", {"_external": False}),
    ("login", {"next": 0}),
    ("login", {"a": True}),
]


@pytest.mark.parametrize(("endpoint", "values"), URL_FOR_CASES)
def test_url_for_in_request(diff: Differ, endpoint: str, values: dict[str, Any]) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)
        with app.test_request_context():
            return fw.url_for(endpoint, **values)

    diff.same(probe)


@pytest.mark.parametrize(
    "context",
    [
        {"path": "/", "base_url": "http://localhost/app"},
        {"path": "/", "base_url": "https://example.com:8443/deep/prefix"},
        {"path": "/", "environ_overrides": {"SCRIPT_NAME": "/sn"}},
        {"path": "/", "headers": {"Host": "other.example"}},
    ],
)
@pytest.mark.parametrize(("endpoint", "values"), URL_FOR_CASES[:8] + URL_FOR_CASES[17:21])
def test_url_for_with_prefix_and_host(
    diff: Differ, context: dict[str, Any], endpoint: str, values: dict[str, Any]
) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)
        with app.test_request_context(**context):
            return fw.url_for(endpoint, **values)

    diff.same(probe)


def test_url_for_in_real_requests(diff: Differ) -> None:
    diff.check(
        build,
        [
            Req("GET", "/urls", expect=200),
            Req("GET", "/urls", environ={"SCRIPT_NAME": "/app"}, expect=200),
            Req("GET", "/urls", headers={"Host": "example.org:8080"}, expect=200),
            Req("GET", "/urls", environ={"wsgi.url_scheme": "https"}, expect=200),
        ],
    )


@pytest.mark.parametrize(
    "config",
    [
        {"SERVER_NAME": "example.com"},
        {"SERVER_NAME": "example.com:8080", "APPLICATION_ROOT": "/root"},
        {"SERVER_NAME": "example.com", "PREFERRED_URL_SCHEME": "https"},
        {
            "SERVER_NAME": "api.example.com",
            "APPLICATION_ROOT": "/v1/",
            "PREFERRED_URL_SCHEME": "https",
        },
    ],
)
@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("index", {}),
        ("profile", {"username": "John Doe", "x": "1"}),
        ("login", {"_external": False}),
        ("login", {"_scheme": "http", "_external": True}),
    ],
)
def test_url_for_outside_request(
    diff: Differ, config: dict[str, Any], endpoint: str, values: dict[str, Any]
) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw, **config)
        with app.app_context():
            return fw.url_for(endpoint, **values)

    diff.same(probe)


def test_url_for_outside_request_without_server_name(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)
        with app.app_context():
            return fw.url_for("index")

    diff.same(probe, raises=RuntimeError)
    try:
        probe(diff.candidate)
    except RuntimeError as exc:
        assert "SERVER_NAME" in str(exc)


def test_url_for_without_any_context(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        build(fw)
        return fw.url_for("index")

    diff.same(probe, raises=RuntimeError)


def test_static_endpoint(diff: Differ, tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body{}")

    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__, root_path=str(tmp_path))
        with app.test_request_context():
            return (
                fw.url_for("static", filename="style.css"),
                fw.url_for("static", filename="a b/c.css", v=1),
            )

    assert diff.same(probe)[0] == "/static/style.css"


BUILD_ERRORS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("nope", {}, ["nope"]),
    ("profile", {}, ["profile", "username"]),
    ("show_post", {"pid": 3}, ["show_post", "post_id"]),
    ("res", {"_method": "DELETE"}, ["res", "DELETE"]),
]


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [("which", {"which": "c"}), ("show_post", {"post_id": "abc"}), ("flt", {"x": "y"})],
)
def test_wrong_values_raise_like_flask(diff: Differ, endpoint: str, values: dict[str, Any]) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)
        with app.test_request_context():
            return fw.url_for(endpoint, **values)

    diff.same(probe, raises=ValueError)


@pytest.mark.parametrize(("endpoint", "values", "named"), BUILD_ERRORS)
def test_build_error(diff: Differ, endpoint: str, values: dict[str, Any], named: list[str]) -> None:
    def probe_for(fw: FW) -> Callable[[], Any]:
        app = build(fw)

        def call() -> Any:
            with app.test_request_context():
                return fw.url_for(endpoint, **values)

        return call

    exc = diff.same(lambda fw: probe_for(fw)(), raises=LookupError)
    assert type(exc).__name__ == "BuildError"
    try:
        probe_for(diff.candidate)()
    except Exception as ours:
        assert isinstance(ours, LookupError)  # BuildError is a LookupError in Werkzeug
        message = str(ours)
        for word in named:
            assert word in message, f"{word!r} not in {message!r}"
        assert ours.endpoint == endpoint  # type: ignore[attr-defined]


def test_url_build_error_handlers(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)

        def handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
            return f"/fallback/{endpoint}"

        app.url_build_error_handlers.append(handler)
        with app.test_request_context():
            return fw.url_for("nope", x=1)

    assert diff.same(probe) == "/fallback/nope"
