"""Issue 3, section 3: GET by default, automatic HEAD and OPTIONS, 405 with Allow."""

from __future__ import annotations

from typing import Any

from hipflask_difftools import FW, Differ, Req, call_wsgi, make_environ


def build(fw: FW) -> Any:
    app = fw.Flask(__name__)

    @app.route("/")
    def index() -> Any:
        resp = fw.make_response("Index Page")
        resp.set_cookie("seen", "1")
        resp.headers["X-Extra"] = "e"
        return resp

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str:
        return "do login" if fw.request.method == "POST" else "login form"

    @app.route("/post-only", methods=["POST"])
    def post_only() -> str:
        return "posted"

    @app.route("/json")
    def js() -> Any:
        return {"a": 1}

    @app.route("/method")
    def method() -> str:
        return f"method={fw.request.method}"

    @app.route("/own-options", methods=["GET", "OPTIONS"])
    def own_options() -> Any:
        if fw.request.method == "OPTIONS":
            return "custom options", 200, {"X-Own": "1"}
        return "get"

    def no_auto() -> str:
        return "no auto"

    no_auto.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/no-auto", view_func=no_auto)
    app.add_url_rule("/no-auto2", "no_auto2", lambda: "x", provide_automatic_options=False)

    @app.route("/stream")
    def stream() -> Any:
        def gen() -> Any:
            yield "a"
            yield "b"

        return gen()

    @app.route("/dyn/<int:n>", methods=["GET", "PUT"])
    def dyn(n: int) -> str:
        return f"dyn {n}"

    return app


def test_get_is_default_and_head_mirrors_get(diff: Differ) -> None:
    reqs = []
    for path in ["/", "/login", "/json", "/method", "/stream", "/dyn/3"]:
        reqs += [Req("GET", path, expect=200), Req("HEAD", path, expect=200)]
    diff.check(build, reqs)


def test_head_has_get_headers_and_no_body(candidate: FW) -> None:
    app = build(candidate)
    for path in ["/", "/login", "/json", "/dyn/3"]:
        get = call_wsgi(app, make_environ("GET", path))
        head = call_wsgi(app, make_environ("HEAD", path))
        assert head.status == get.status, path
        assert head.body == b"", path
        assert head.header("Content-Length") == str(len(get.body)), path
        assert sorted(head.headers) == sorted(get.headers), path


def test_automatic_options(diff: Differ) -> None:
    diff.check(
        build,
        [
            Req("OPTIONS", "/", expect=200),
            Req("OPTIONS", "/login", expect=200),
            Req("OPTIONS", "/post-only", expect=200),
            Req("OPTIONS", "/dyn/4", expect=200),
            Req("OPTIONS", "/own-options", expect=200),
            Req("OPTIONS", "/no-auto", expect=405),
            Req("OPTIONS", "/no-auto2", expect=405),
            Req("OPTIONS", "/missing", expect=404),
            Req("OPTIONS", "*", modes=("wsgi",)),
        ],
    )


def test_405_with_allow(diff: Differ) -> None:
    diff.check(
        build,
        [
            Req("POST", "/", expect=405),
            Req("DELETE", "/login", expect=405),
            Req("GET", "/post-only", expect=405),
            Req("HEAD", "/post-only", expect=405),
            Req("PATCH", "/dyn/1", expect=405),
            Req("PUT", "/dyn/1", expect=200),
            Req("PUT", "/dyn/x", expect=404),
            Req("BREW", "/", expect=405),
            Req("POST", "/login", expect=200),
        ],
    )
