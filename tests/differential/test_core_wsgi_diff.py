"""Issue 3, section 1: the app is a PEP 3333 WSGI application; ``wsgi_app`` can be wrapped."""

from __future__ import annotations

from typing import Any

from hipflask_difftools import FW, Differ, Req, call_wsgi, make_environ


def build_hello(fw: FW) -> Any:
    app = fw.Flask(__name__)

    @app.route("/")
    def hello_world() -> str:
        return "<p>Hello, World!</p>"

    @app.route("/latin")
    def latin() -> Any:
        # a latin-1 header value must reach the server as such
        return "ok", 200, {"X-Name": "café"}

    return app


def test_hello_world(diff: Differ) -> None:
    diff.check(
        build_hello,
        [
            Req("GET", "/", expect=200),
            Req("GET", "/latin", expect=200),
            Req("GET", "/missing", expect=404),
        ],
    )


class Recorder:
    """A WSGI middleware that records what passed through it."""

    def __init__(self, wsgi_app: Any, log: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.log.append(environ["PATH_INFO"])

        def sr(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append(("X-Wrapped", "yes"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, sr)


def test_wrapping_wsgi_app_keeps_app_object(diff: Differ) -> None:
    log: list[str] = []

    def build(fw: FW) -> Any:
        app = build_hello(fw)
        app.wsgi_app = Recorder(app.wsgi_app, log)
        app.config["WRAPPED"] = True  # `app` is still the Flask object
        return app

    diff.check(build, [Req("GET", "/", expect=200), Req("GET", "/missing", expect=404)])

    def probe(fw: FW) -> Any:
        app = build(fw)
        log.clear()
        out = call_wsgi(app, make_environ("GET", "/"))
        return (
            isinstance(app, fw.Flask),
            app.config["WRAPPED"],
            list(log),
            out.header("X-Wrapped"),
            out.body,
        )

    assert diff.same(probe) == (True, True, ["/"], "yes", b"<p>Hello, World!</p>")


def test_close_is_called_on_streamed_body(diff: Differ) -> None:
    """PEP 3333: the server calls close(); the app's generator cleanup must then run."""

    def probe(fw: FW) -> Any:
        events: list[str] = []
        app = fw.Flask(__name__)

        @app.route("/stream")
        def stream() -> Any:
            def gen() -> Any:
                try:
                    yield "a"
                    yield "b"
                finally:
                    events.append("generator closed")

            return gen()

        @app.teardown_request
        def teardown(exc: Any) -> None:
            events.append("teardown")

        environ = make_environ("GET", "/stream")
        chunks: list[bytes] = []
        app_iter = app(environ, lambda s, h, e=None: chunks.append)
        first = next(iter(app_iter))
        before_close = list(events)
        app_iter.close()
        return first, before_close, sorted(events)

    first, before_close, events = diff.same(probe)
    assert first == b"a"
    assert "generator closed" not in before_close
    assert events == ["generator closed", "teardown"]


def test_app_is_callable_with_environ(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build_hello(fw)
        out = call_wsgi(app, make_environ("GET", "/latin"))
        raw = [(k, v) for k, v in out.headers if k == "X-Name"]
        return out.status, raw, out.body, out.problems

    assert diff.same(probe) == ("200 OK", [("X-Name", "café")], b"ok", [])
