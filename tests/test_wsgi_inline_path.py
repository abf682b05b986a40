"""The in-line request path of ``Flask.wsgi_app`` behaves as the general one (issue 12).

``wsgi_app`` writes the context push, the dispatch and the pop out in line when nothing is
overridden and no app context is active; these cases check that it gives way, or does the
same thing, wherever the general path would do something observable.
"""

from __future__ import annotations

import typing as t

import pytest

import hipflask
from hipflask.globals import _cv_app, _cv_request
from hipflask.signals import appcontext_popped, appcontext_pushed


def _app() -> hipflask.Flask:
    app = hipflask.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return f"app={hipflask.current_app.name} path={hipflask.request.path}"

    return app


def test_contexts_are_cleared_after_a_request() -> None:
    app = _app()
    assert app.test_client().get("/").text == f"app={__name__} path=/"
    assert _cv_app.get(None) is None
    assert _cv_request.get(None) is None


def test_a_failing_request_close_still_clears_the_contexts() -> None:
    app = _app()

    class Closing(hipflask.Request):
        def close(self) -> None:
            raise OSError("disk gone")

    app.request_class = Closing
    with pytest.raises(OSError, match="disk gone"):
        app.test_client().get("/")
    assert _cv_app.get(None) is None
    assert _cv_request.get(None) is None


@pytest.mark.parametrize(
    "method", ["process_response", "finalize_request", "dispatch_request", "make_response"]
)
def test_an_overridden_request_method_is_called(method: str) -> None:
    calls: list[str] = []

    def override(self: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        calls.append(method)
        return getattr(hipflask.Flask, method)(self, *args, **kwargs)

    cls = type("Custom", (hipflask.Flask,), {method: override})
    app = cls(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    assert app.test_client().get("/").text == "ok"
    assert calls == [method]


def test_app_context_signals_fire_in_order() -> None:
    app = _app()
    seen: list[str] = []

    def pushed(sender: t.Any, **kwargs: t.Any) -> None:
        seen.append("pushed")

    def popped(sender: t.Any, **kwargs: t.Any) -> None:
        seen.append("popped")

    appcontext_pushed.connect(pushed, app)
    appcontext_popped.connect(popped, app)
    try:
        app.test_client().get("/")
    finally:
        appcontext_pushed.disconnect(pushed, app)
        appcontext_popped.disconnect(popped, app)
    assert seen == ["pushed", "popped"]


def test_hooks_and_teardown_run_on_the_fast_path_app() -> None:
    app = _app()
    events: list[str] = []
    app.before_request(lambda: events.append("before"))

    @app.after_request
    def after(response: hipflask.Response) -> hipflask.Response:
        events.append("after")
        return response

    app.teardown_request(lambda exc: events.append(f"teardown {exc!r}"))
    app.teardown_appcontext(lambda exc: events.append("teardown app"))
    assert app.test_client().get("/").status_code == 200
    assert events == ["before", "after", "teardown None", "teardown app"]


def test_a_view_error_reaches_teardown_and_the_500_page() -> None:
    app = hipflask.Flask(__name__)
    seen: list[BaseException | None] = []

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    app.teardown_request(seen.append)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert len(seen) == 1 and isinstance(seen[0], ValueError)


def test_a_request_inside_an_active_app_context_keeps_it() -> None:
    app = _app()
    with app.app_context() as outer:
        assert app.test_client().get("/").status_code == 200
        assert _cv_app.get() is outer


def test_a_text_answer_without_a_response_object_sends_what_one_would() -> None:
    """A plain ``str`` from a hook-free view is sent without building a Response; the
    answer is the one a Response would give, HEAD included."""
    app = _app()

    @app.route("/unicode")
    def unicode_text() -> str:
        return "héllo"

    client = app.test_client()
    direct = client.get("/unicode")
    built = app.make_response("héllo")
    assert direct.status == built.status == "200 OK"
    assert direct.data == built.data == "héllo".encode()
    assert direct.headers.to_wsgi_list() == built.headers.to_wsgi_list()
    head = client.head("/unicode")
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len("héllo".encode()))


def test_a_custom_response_class_is_still_built() -> None:
    class Tagged(hipflask.Response):
        default_mimetype = "text/plain"

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Tagged"] = "yes"

    app = _app()
    app.response_class = Tagged
    r = app.test_client().get("/")
    assert r.headers["X-Tagged"] == "yes"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_middleware_and_an_overridden_wsgi_app_are_called() -> None:
    app = _app()
    seen: list[str] = []
    inner = app.wsgi_app

    def middleware(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        seen.append("middleware")
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    assert app.test_client().get("/").status_code == 200
    assert seen == ["middleware"]

    class Wrapped(hipflask.Flask):
        def wsgi_app(self, environ: t.Any, start_response: t.Any) -> t.Any:
            seen.append("override")
            return super().wsgi_app(environ, start_response)

    other = Wrapped(__name__)
    other.route("/")(lambda: "x")
    assert other.test_client().get("/").text == "x"
    assert seen == ["middleware", "override"]


def test_routing_errors_answered_without_raising_keep_handlers_and_traps() -> None:
    """404/405 with nothing to handle them are answered in line; a handler, a trap or a
    405's Allow header behave as on the general path."""
    app = _app()
    client = app.test_client()
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert b"Not Found" in missing.data
    wrong = client.post("/")
    assert wrong.status_code == 405
    assert sorted(wrong.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS"]

    handled = _app()

    @handled.errorhandler(404)
    def custom(e: t.Any) -> t.Any:
        return "custom missing", 404

    assert handled.test_client().get("/nowhere").text == "custom missing"

    trapped = _app()
    trapped.config["TRAP_HTTP_EXCEPTIONS"] = True
    trapped.testing = True
    with pytest.raises(hipflask.exceptions.NotFound):
        trapped.test_client().get("/nowhere")


@pytest.mark.parametrize("value", [{"b": 1, "a": [1, "é"]}, [1, 2, {"x": None}], {}])
@pytest.mark.parametrize("mode", ["compact", "debug", "not_compact", "subclass"])
def test_a_json_answer_without_a_response_object_sends_what_jsonify_would(
    value: t.Any, mode: str
) -> None:
    """A dict or list from a hook-free view is sent without a Response object; the
    answer is app.json.response's, in every provider mode."""
    app = _app()
    if mode == "debug":
        app.debug = True
    elif mode == "not_compact":
        app.json.compact = False  # type: ignore[attr-defined]
    elif mode == "subclass":

        class Loud(hipflask.json.provider.DefaultJSONProvider):
            def response(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
                r = super().response(*args, **kwargs)
                r.headers["X-Loud"] = "1"
                return r

        app.json = Loud(app)

    @app.route("/data")
    def data() -> t.Any:
        return value

    r = app.test_client().get("/data")
    with app.test_request_context():
        built = app.json.response(value)
    assert r.status == built.status == "200 OK"
    assert r.data == built.data
    assert r.headers.to_wsgi_list() == built.headers.to_wsgi_list()
    assert (r.headers.get("X-Loud") == "1") == (mode == "subclass")
    head = app.test_client().head("/data")
    assert head.data == b"" and head.headers["Content-Length"] == str(len(built.data))
