"""The application: hooks, error handling, propagation, setup checks, response conversion,
middleware, signals and async views.

Every test runs on Flask (oracle) and on hipflask through the ``fw`` fixture; hook order
and error-handler basics are also covered by tests/differential, these go further.
"""

from __future__ import annotations

import io
import itertools
import logging
import typing as t
from collections import OrderedDict

import pytest
from _core_fw import FW, call, environ, fw_fixture
from markupsafe import Markup

fw = fw_fixture()
_names = itertools.count()


def new_app(fw: FW, **config: t.Any) -> t.Any:
    # a logger of its own per app (loggers are global by name)
    app = fw.Flask(f"h8app_{fw.name}_{next(_names)}", root_path=".")
    app.config.update(config)
    return app


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# ------------------------------------------------------------------------ hook order


def hooked_app(fw: FW, log: list[str]) -> t.Any:
    app = new_app(fw)

    @app.url_value_preprocessor
    def uvp(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        log.append(f"url_value_preprocessor {endpoint} {values}")

    @app.before_request
    def before() -> t.Any:
        log.append("before_request")
        if fw.request.args.get("stop"):
            return "stopped", 202
        if fw.request.args.get("raise"):
            raise LookupError("from before_request")
        return None

    @app.after_request
    def after_a(resp: t.Any) -> t.Any:
        log.append("after_request a")
        return resp

    @app.after_request
    def after_b(resp: t.Any) -> t.Any:
        log.append("after_request b")
        if fw.request.args.get("after_raise"):
            raise ValueError("from after_request")
        return resp

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        log.append(f"teardown_request {type(exc).__name__ if exc else None}")

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        log.append(f"teardown_appcontext {type(exc).__name__ if exc else None}")

    @app.errorhandler(LookupError)
    def lookup(e: LookupError) -> t.Any:
        log.append(f"errorhandler {e}")
        return "handled", 409

    @app.route("/item/<int:id>")
    def item(id: int) -> str:
        log.append(f"view {id}")
        return "item"

    @app.route("/fail")
    def fail() -> str:
        raise RuntimeError("unhandled")

    return app


@pytest.mark.parametrize(
    ("target", "status", "expected"),
    [
        (
            "/item/3",
            200,
            [
                "url_value_preprocessor item {'id': 3}",
                "before_request",
                "view 3",
                "after_request b",
                "after_request a",
                "teardown_request None",
                "teardown_appcontext None",
            ],
        ),
        (
            "/item/3?stop=1",
            202,
            [
                "url_value_preprocessor item {'id': 3}",
                "before_request",
                "after_request b",
                "after_request a",
                "teardown_request None",
                "teardown_appcontext None",
            ],
        ),
        (
            "/item/3?raise=1",
            409,
            [
                "url_value_preprocessor item {'id': 3}",
                "before_request",
                "errorhandler from before_request",
                "after_request b",
                "after_request a",
                "teardown_request None",
                "teardown_appcontext None",
            ],
        ),
        (
            "/nope",
            404,
            [
                "url_value_preprocessor None None",
                "before_request",
                "after_request b",
                "after_request a",
                "teardown_request None",
                "teardown_appcontext None",
            ],
        ),
        (
            "/fail",
            500,
            [
                "url_value_preprocessor fail {}",
                "before_request",
                "after_request b",
                "after_request a",
                "teardown_request RuntimeError",
                "teardown_appcontext RuntimeError",
            ],
        ),
        (
            "/item/1?after_raise=1",
            500,
            [
                "url_value_preprocessor item {'id': 1}",
                "before_request",
                "view 1",
                "after_request b",
                # the 500 response is finalized too: after_request b runs (and fails) again
                "after_request b",
                "teardown_request ValueError",
                "teardown_appcontext ValueError",
            ],
        ),
    ],
)
def test_hook_order(fw: FW, target: str, status: int, expected: list[str]) -> None:
    log: list[str] = []
    app = hooked_app(fw, log)
    app.logger.disabled = True
    resp = app.test_client().get(target)
    assert resp.status_code == status
    assert log == expected


def test_teardown_exception_is_propagated_after_other_teardowns(fw: FW) -> None:
    app = new_app(fw)
    calls: list[str] = []

    @app.teardown_request
    def first(exc: t.Any) -> None:
        calls.append("first")

    @app.teardown_request
    def second(exc: t.Any) -> None:
        calls.append("second")
        raise ValueError("teardown broke")

    @app.route("/")
    def index() -> str:
        return "x"

    with pytest.raises(ValueError):
        app.test_client().get("/")
    assert calls == ["second"]


def test_before_request_modifies_view_args_via_preprocessor(fw: FW) -> None:
    app = new_app(fw)

    @app.url_value_preprocessor
    def pull(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        fw.g.lang = values.pop("lang")

    @app.route("/<lang>/x")
    def x() -> str:
        return fw.g.lang

    assert app.test_client().get("/de/x").text == "de"


# ------------------------------------------------------------------------ error handlers


class BaseAppError(Exception):
    pass


class ChildError(BaseAppError):
    pass


def test_handler_resolution_by_mro_and_code(fw: FW) -> None:
    app = new_app(fw)
    exc = fw.exceptions

    @app.errorhandler(BaseAppError)
    def base(e: Exception) -> t.Any:
        return f"base:{type(e).__name__}", 500

    @app.errorhandler(exc.HTTPException)
    def http(e: t.Any) -> t.Any:
        return f"http:{e.code}", e.code

    @app.errorhandler(exc.NotFound)
    def not_found(e: t.Any) -> t.Any:
        return "nf", 404

    @app.route("/child")
    def child() -> str:
        raise ChildError()

    @app.route("/gone")
    def gone() -> str:
        fw.abort(410)

    @app.route("/post", methods=["POST"])
    def post() -> str:
        return "p"

    @app.route("/slash/")
    def slash() -> str:
        return "s"

    c = app.test_client()
    assert c.get("/child").text == "base:ChildError"
    assert c.get("/gone").text == "http:410"
    assert c.get("/nope").text == "nf"
    r = c.get("/post")
    assert r.text == "http:405"
    # routing redirects are not errors: handlers never see them
    r = c.get("/slash")
    assert r.status_code == 308


def test_exception_handler_sees_http_errors_too(fw: FW) -> None:
    app = new_app(fw)

    @app.errorhandler(Exception)
    def anything(e: Exception) -> t.Any:
        return f"caught {type(e).__name__}", 599

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("k")

    c = app.test_client()
    assert c.get("/nope").text == "caught NotFound"
    assert c.get("/boom").text == "caught KeyError"


def test_500_handler_gets_original_exception(fw: FW) -> None:
    app = new_app(fw)
    app.logger.disabled = True

    @app.errorhandler(500)
    def on_500(e: t.Any) -> t.Any:
        return f"500 handler: {type(e).__name__} from {type(e.original_exception).__name__}", 500

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("secret")

    @app.route("/explicit")
    def explicit() -> str:
        fw.abort(500)

    c = app.test_client()
    assert c.get("/boom").text == "500 handler: InternalServerError from ZeroDivisionError"
    r = c.get("/explicit")
    assert r.text == "500 handler: InternalServerError from NoneType"


def test_handler_registered_by_code_and_class_are_the_same(fw: FW) -> None:
    app = new_app(fw)
    app.register_error_handler(fw.exceptions.InternalServerError, lambda e: ("by class", 500))
    app.logger.disabled = True

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError()

    assert app.test_client().get("/boom").text == "by class"


def test_error_in_error_handler_is_500_and_logged(fw: FW) -> None:
    app = new_app(fw)
    cap = Capture()
    app.logger.addHandler(cap)
    app.logger.propagate = False

    @app.errorhandler(KeyError)
    def broken(e: Exception) -> t.Any:
        raise ValueError("handler broke")

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    r = app.test_client().get("/")
    assert r.status_code == 500
    assert b"handler broke" not in r.data
    assert any(rec.exc_info and rec.exc_info[0] is ValueError for rec in cap.records)


def test_custom_http_exception_subclass(fw: FW) -> None:
    app = new_app(fw)

    class PaymentRequired(fw.exceptions.HTTPException):  # type: ignore[misc, name-defined]
        code = 402
        description = "Pay first."

    @app.route("/")
    def index() -> str:
        raise PaymentRequired()

    r = app.test_client().get("/")
    assert r.status_code == 402
    assert b"Pay first." in r.data
    assert r.mimetype == "text/html"


def test_http_exception_with_response(fw: FW) -> None:
    app = new_app(fw)

    @app.route("/")
    def index() -> str:
        fw.abort(fw.Response("custom body", status=403, headers={"X-Reason": "r"}))

    @app.route("/exc")
    def exc() -> str:
        raise fw.exceptions.Unauthorized(response=fw.Response("nope", 401))

    c = app.test_client()
    r = c.get("/")
    assert (r.status_code, r.text, r.headers["X-Reason"]) == (403, "custom body", "r")
    assert c.get("/exc").text == "nope"


def test_abort_outside_app(fw: FW) -> None:
    with pytest.raises(fw.exceptions.NotFound):
        fw.abort(404)
    with pytest.raises(LookupError):
        fw.abort(299)


def test_error_handler_registration_errors(fw: FW) -> None:
    app = new_app(fw)
    with pytest.raises(ValueError):
        app.register_error_handler(999, lambda e: "")
    with pytest.raises(ValueError):
        app.register_error_handler(str, lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        app.register_error_handler(KeyError("instance"), lambda e: "")  # type: ignore[arg-type]


# ------------------------------------------------------------------------ unhandled errors


def test_unhandled_exception_is_logged_and_hidden(fw: FW) -> None:
    app = new_app(fw)
    cap = Capture()
    app.logger.addHandler(cap)
    app.logger.propagate = False

    @app.route("/secret/<x>", methods=["POST"])
    def secret(x: str) -> str:
        raise RuntimeError("database password is hunter2")

    r = app.test_client().post("/secret/abc")
    assert r.status_code == 500
    assert b"hunter2" not in r.data
    assert b"Traceback" not in r.data
    assert r.mimetype == "text/html"
    (record,) = [rec for rec in cap.records if rec.levelno == logging.ERROR]
    assert record.getMessage() == "Exception on /secret/abc [POST]"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "hunter2" in logging.Formatter().format(record)


def test_unhandled_exception_goes_to_wsgi_errors_by_default(fw: FW) -> None:
    app = new_app(fw)

    @app.route("/")
    def index() -> str:
        raise RuntimeError("logged here")

    # pytest's own root handlers would otherwise stop the default handler being added
    app.logger.addHandler(fw.flask_logging.default_handler)
    app.logger.propagate = False

    errors = io.StringIO()
    status, _, _body = call(app, environ("/", **{"wsgi.errors": errors}))
    assert status.startswith("500")
    text = errors.getvalue()
    assert "Exception on / [GET]" in text
    assert "Traceback" in text and "RuntimeError: logged here" in text


@pytest.mark.parametrize(
    ("config", "propagates"),
    [
        ({}, False),
        ({"TESTING": True}, True),
        ({"DEBUG": True}, True),
        ({"TESTING": True, "PROPAGATE_EXCEPTIONS": False}, False),
        ({"PROPAGATE_EXCEPTIONS": True}, True),
    ],
)
def test_propagation(fw: FW, config: dict[str, t.Any], propagates: bool) -> None:
    app = new_app(fw, **config)
    app.logger.disabled = True

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError("x")

    c = app.test_client()
    if propagates:
        with pytest.raises(ZeroDivisionError):
            c.get("/")
    else:
        assert c.get("/").status_code == 500


def test_trap_http_exceptions(fw: FW) -> None:
    app = new_app(fw, TRAP_HTTP_EXCEPTIONS=True, TESTING=True)

    @app.route("/")
    def index() -> str:
        fw.abort(404)

    with pytest.raises(fw.exceptions.NotFound):
        app.test_client().get("/")
    app2 = new_app(fw, TRAP_HTTP_EXCEPTIONS=True)
    app2.logger.disabled = True
    app2.add_url_rule("/", "i", lambda: fw.abort(404))
    assert app2.test_client().get("/").status_code == 500


def test_trap_bad_request_errors(fw: FW) -> None:
    def build(**config: t.Any) -> t.Any:
        app = new_app(fw, **config)
        app.logger.disabled = True

        @app.route("/", methods=["POST"])
        def index() -> str:
            return fw.request.form["zzkey"]

        @app.route("/abort400")
        def abort400() -> str:
            fw.abort(400)

        return app

    # default: 400, and the key name is not disclosed
    r = build().test_client().post("/", data={"a": "1"})
    assert r.status_code == 400
    assert b"zzkey" not in r.data
    # debug mode traps BadRequestKeyError (so the developer sees the KeyError)
    with pytest.raises(KeyError):
        build(DEBUG=True).test_client().post("/", data={"a": "1"})
    # explicitly False in debug: 400 that names the key
    r = build(DEBUG=True, TRAP_BAD_REQUEST_ERRORS=False).test_client().post("/", data={"a": "1"})
    assert r.status_code == 400 and b"zzkey" in r.data
    # True traps every BadRequest
    with pytest.raises(fw.exceptions.BadRequest):
        build(TRAP_BAD_REQUEST_ERRORS=True, TESTING=True).test_client().get("/abort400")


# ------------------------------------------------------------------------ setup methods


@pytest.mark.parametrize(
    "setup",
    [
        "route",
        "add_url_rule",
        "before_request",
        "after_request",
        "teardown_request",
        "teardown_appcontext",
        "errorhandler",
        "register_blueprint",
        "url_value_preprocessor",
        "url_defaults",
        "context_processor",
        "template_filter",
        "get",
    ],
)
def test_setup_methods_after_first_request(fw: FW, setup: str) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "x")
    app.test_client().get("/")
    calls: dict[str, t.Callable[[], t.Any]] = {
        "route": lambda: app.route("/late")(lambda: "late"),
        "add_url_rule": lambda: app.add_url_rule("/late", "late", lambda: "late"),
        "before_request": lambda: app.before_request(lambda: None),
        "after_request": lambda: app.after_request(lambda r: r),
        "teardown_request": lambda: app.teardown_request(lambda e: None),
        "teardown_appcontext": lambda: app.teardown_appcontext(lambda e: None),
        "errorhandler": lambda: app.errorhandler(404)(lambda e: "x"),
        "register_blueprint": lambda: app.register_blueprint(fw.Blueprint("late", __name__)),
        "url_value_preprocessor": lambda: app.url_value_preprocessor(lambda e, v: None),
        "url_defaults": lambda: app.url_defaults(lambda e, v: None),
        "context_processor": lambda: app.context_processor(lambda: {}),
        "template_filter": lambda: app.template_filter()(lambda v: v),
        "get": lambda: app.get("/late")(lambda: "late"),
    }
    with pytest.raises(AssertionError) as info:
        calls[setup]()
    assert f"'{setup}'" in str(info.value)


def test_setup_is_fine_before_first_request_even_with_contexts(fw: FW) -> None:
    app = new_app(fw)
    with app.test_request_context():
        pass
    with app.app_context():
        pass
    app.add_url_rule("/", "i", lambda: "ok")
    assert app.test_client().get("/").text == "ok"


def test_shortcut_methods_refuse_methods_argument(fw: FW) -> None:
    app = new_app(fw)
    with pytest.raises(TypeError):
        app.get("/", methods=["POST"])


# ------------------------------------------------------------------------ make_response


def conversion_app(fw: FW) -> t.Any:
    app = new_app(fw)

    def wsgi_callable(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("203 Non-Authoritative Information", [("X-W", "1")])
        return [b"wsgi"]

    def gen() -> t.Iterator[str]:
        yield "a"
        yield "b"

    views: dict[str, t.Callable[[], t.Any]] = {
        "str": lambda: "s",
        "markup": lambda: Markup("<b>m</b>"),
        "bytes": lambda: b"b",
        "bytearray": lambda: bytearray(b"ba"),
        "dict": lambda: {"k": 1},
        "ordered": lambda: OrderedDict(k=2),
        "list": lambda: [1, {"a": None}],
        "tuple_status": lambda: ("t", 201),
        "tuple_status_str": lambda: ("t", "299 Custom"),
        "tuple_headers_dict": lambda: ("t", {"X-H": "1"}),
        "tuple_headers_list": lambda: ("t", [("X-H", "1"), ("X-H", "2")]),
        "tuple_three": lambda: ("t", 202, {"X-H": "3"}),
        "tuple_none_status": lambda: ("t", None),
        "tuple_dict_body": lambda: ({"j": 1}, 201),
        "tuple_list_body": lambda: ([1], 201, {"X-H": "j"}),
        "response": lambda: fw.Response("r", 206),
        "response_status": lambda: (fw.Response("r", 206), 207),
        "response_headers": lambda: (fw.Response("r"), {"X-H": "r"}),
        "base_response": lambda: fw.BaseResponse("base", mimetype="text/csv"),
        "wsgi": lambda: wsgi_callable,
        "generator": gen,
        "iterator": lambda: iter(["i", "j"]),
        "http_exception": lambda: fw.exceptions.Conflict("conflict!"),
        "none": lambda: None,
        "tuple_one": lambda: ("a",),
        "tuple_four": lambda: ("a", 200, {}, 1),
        "int": lambda: 42,
        "set": lambda: {1, 2},
        "float": lambda: 1.5,
    }
    for name, view in views.items():
        app.add_url_rule(f"/{name}", name, view)
    return app


CONVERSIONS = [
    "str",
    "markup",
    "bytes",
    "bytearray",
    "dict",
    "ordered",
    "list",
    "tuple_status",
    "tuple_status_str",
    "tuple_headers_dict",
    "tuple_headers_list",
    "tuple_three",
    "tuple_none_status",
    "tuple_dict_body",
    "tuple_list_body",
    "response",
    "response_status",
    "response_headers",
    "base_response",
    "wsgi",
    "generator",
    "iterator",
    "http_exception",
]


@pytest.mark.parametrize("name", CONVERSIONS)
def test_return_value_conversion(fw: FW, name: str) -> None:
    from _core_fw import FLASK

    def run(side: FW) -> t.Any:
        r = conversion_app(side).test_client().get(f"/{name}")
        headers = sorted((k, v) for k, v in r.headers.items() if k.lower() not in ("date",))
        return r.status, headers, r.data, type(r).__mro__[1].__name__

    got = run(fw)
    assert got[:3] == run(FLASK)[:3]
    assert got[0][:3] != "500"


@pytest.mark.parametrize("name", ["none", "tuple_one", "tuple_four", "int", "set", "float"])
def test_bad_return_values_are_type_errors(fw: FW, name: str) -> None:
    app = conversion_app(fw)
    app.testing = True
    with pytest.raises(TypeError) as info:
        app.test_client().get(f"/{name}")
    msg = str(info.value)
    if name in ("none", "int", "set", "float"):
        assert "did not return a valid response" in msg
        if fw.is_hip or name == "none":
            assert f"'{name}'" in msg  # hipflask also names the endpoint here
    else:
        assert "tuple" in msg


def test_bad_return_value_is_500_without_testing(fw: FW) -> None:
    app = conversion_app(fw)
    app.logger.disabled = True
    assert app.test_client().get("/none").status_code == 500


def test_make_response_helper_variants(fw: FW) -> None:
    app = new_app(fw)

    @app.route("/")
    def index() -> t.Any:
        r = fw.make_response("body", 201)
        r.headers["X-Made"] = "1"
        return r

    @app.route("/tuple")
    def tup() -> t.Any:
        return fw.make_response(("body", 202, {"X-T": "t"}))

    @app.route("/json")
    def js() -> t.Any:
        return fw.make_response(fw.jsonify(a=1), 203)

    c = app.test_client()
    r = c.get("/")
    assert (r.status_code, r.text, r.headers["X-Made"]) == (201, "body", "1")
    r = c.get("/tuple")
    assert (r.status_code, r.headers["X-T"]) == (202, "t")
    r = c.get("/json")
    assert (r.status_code, r.get_json()) == (203, {"a": 1})


def test_view_returning_headers_object(fw: FW) -> None:
    app = new_app(fw)

    @app.route("/")
    def index() -> t.Any:
        return "x", fw.datastructures.Headers([("X-A", "1")])

    assert app.test_client().get("/").headers["X-A"] == "1"


# ------------------------------------------------------------------------ WSGI


def test_wsgi_app_wrapped_by_middleware(fw: FW) -> None:
    app = new_app(fw)
    seen: list[str] = []

    @app.route("/mid")
    def mid() -> str:
        return fw.request.environ.get("HTTP_X_MIDDLEWARE", "none")

    class Middleware:
        def __init__(self, wsgi_app: t.Any) -> None:
            self.wsgi_app = wsgi_app

        def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
            environ["HTTP_X_MIDDLEWARE"] = "yes"

            def sr(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> t.Any:
                seen.append(status)
                return start_response(status, [*headers, ("X-Wrapped", "1")], exc_info)

            return self.wsgi_app(environ, sr)

    app.wsgi_app = Middleware(app.wsgi_app)
    assert isinstance(app, fw.Flask)
    r = app.test_client().get("/mid")
    assert r.text == "yes" and r.headers["X-Wrapped"] == "1"
    _, headers, body = call(app, environ("/mid"))
    assert body == b"yes" and ("X-Wrapped", "1") in headers
    assert seen == ["200 OK", "200 OK"]


def test_close_is_called_and_teardown_happens_before_close(fw: FW) -> None:
    app = new_app(fw)
    events: list[str] = []

    @app.teardown_request
    def td(exc: t.Any) -> None:
        events.append("teardown")

    @app.route("/")
    def index() -> t.Any:
        r = fw.Response(iter([b"a"]))
        r.call_on_close(lambda: events.append("close"))
        return r

    call(app, environ("/"))
    assert events == ["teardown", "close"]


# ------------------------------------------------------------------------ overridable methods
# Flask documents these methods as extension points; a subclass overriding them must be
# called on every request, even when the app has no hooks registered (hipflask's fast
# paths must not bypass them).


def test_overridden_preprocess_request_is_called(fw: FW) -> None:
    calls: list[str] = []

    class App(fw.Flask):  # type: ignore[misc, name-defined]
        def preprocess_request(self) -> t.Any:
            calls.append(fw.request.path)
            if fw.request.path == "/blocked":
                return "blocked by subclass", 403
            return super().preprocess_request()

    app = App(f"h8sub_{next(_names)}", root_path=".")
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/blocked", "blocked", lambda: "view ran")
    c = app.test_client()
    assert c.get("/").text == "index"
    r = c.get("/blocked")
    assert (r.status_code, r.text) == (403, "blocked by subclass")
    assert calls == ["/", "/blocked"]


def test_overridden_request_context_is_used(fw: FW) -> None:
    class Ctx(fw.ctx.RequestContext):  # type: ignore[misc, name-defined]
        marker = "custom ctx"

    class App(fw.Flask):  # type: ignore[misc, name-defined]
        def request_context(self, environ: dict[str, t.Any]) -> t.Any:
            return Ctx(self, environ)

    app = App(f"h8sub_{next(_names)}", root_path=".")
    app.add_url_rule("/", "index", lambda: fw.globals.request_ctx.marker)
    assert app.test_client().get("/").text == "custom ctx"


def test_overridden_create_url_adapter_is_used_for_matching(fw: FW) -> None:
    other = fw.routing.Map([fw.routing.Rule("/only-in-other-map", endpoint="index")])

    class App(fw.Flask):  # type: ignore[misc, name-defined]
        def create_url_adapter(self, request: t.Any) -> t.Any:
            if request is not None:
                return other.bind_to_environ(request.environ)
            return super().create_url_adapter(request)

    app = App(f"h8sub_{next(_names)}", root_path=".")
    app.add_url_rule("/", "index", lambda: "index view")
    c = app.test_client()
    assert c.get("/only-in-other-map").text == "index view"
    assert c.get("/").status_code == 404


def test_overridden_response_body_methods_are_used(fw: FW) -> None:
    class Upper(fw.Response):  # type: ignore[misc, name-defined]
        def iter_encoded(self) -> t.Iterator[bytes]:
            for chunk in super().iter_encoded():
                yield chunk.upper()

    class Counting(fw.Response):  # type: ignore[misc, name-defined]
        served = 0

        def get_app_iter(self, environ: dict[str, t.Any]) -> t.Any:
            type(self).served += 1
            return super().get_app_iter(environ)

    app = new_app(fw)
    app.add_url_rule("/upper", "upper", lambda: Upper("hello"))
    app.add_url_rule("/counting", "counting", lambda: Counting("x"))
    assert call(app, environ("/upper"))[2] == b"HELLO"
    call(app, environ("/counting"))
    assert Counting.served == 1


# ------------------------------------------------------------------------ options / methods


def test_provide_automatic_options(fw: FW) -> None:
    app = new_app(fw)

    @app.route("/auto")
    def auto() -> str:
        return "a"

    @app.route("/manual", methods=["GET", "OPTIONS"])
    def manual() -> str:
        return f"manual {fw.request.method}"

    app.add_url_rule("/off", "off", lambda: "o", provide_automatic_options=False)
    c = app.test_client()
    assert c.options("/auto").status_code == 200
    assert c.options("/manual").text == "manual OPTIONS"
    assert c.options("/off").status_code == 405


def test_provide_automatic_options_config(fw: FW) -> None:
    app = new_app(fw, PROVIDE_AUTOMATIC_OPTIONS=False)
    app.add_url_rule("/", "i", lambda: "x")
    assert app.test_client().options("/").status_code == 405


def test_view_function_methods_attribute(fw: FW) -> None:
    app = new_app(fw)

    def view() -> str:
        return fw.request.method

    view.methods = ["POST", "PUT"]  # type: ignore[attr-defined]
    view.required_methods = ["DELETE"]  # type: ignore[attr-defined]
    app.add_url_rule("/", "v", view)
    c = app.test_client()
    assert c.post("/").text == "POST"
    assert c.delete("/").text == "DELETE"
    assert c.get("/").status_code == 405


def test_endpoint_decorator(fw: FW) -> None:
    app = new_app(fw)
    app.add_url_rule("/e", "ep")

    @app.endpoint("ep")
    def ep() -> str:
        return "endpoint"

    assert app.test_client().get("/e").text == "endpoint"


# ------------------------------------------------------------------------ signals


def test_request_signals(fw: FW) -> None:
    app = new_app(fw)
    app.logger.disabled = True
    events: list[tuple[t.Any, ...]] = []
    s = fw.signals

    def started(sender: t.Any, **kw: t.Any) -> None:
        events.append(("request_started", sender is app, fw.request.path))

    def finished(sender: t.Any, response: t.Any, **kw: t.Any) -> None:
        events.append(("request_finished", sender is app, response.status_code))

    def exception(sender: t.Any, exception: Exception, **kw: t.Any) -> None:
        events.append(("got_request_exception", sender is app, type(exception).__name__))

    def tearing(sender: t.Any, exc: t.Any = None, **kw: t.Any) -> None:
        events.append(("request_tearing_down", sender is app, type(exc).__name__))

    def pushed(sender: t.Any, **kw: t.Any) -> None:
        events.append(("appcontext_pushed", sender is app))

    def popped(sender: t.Any, **kw: t.Any) -> None:
        events.append(("appcontext_popped", sender is app))

    def app_tearing(sender: t.Any, exc: t.Any = None, **kw: t.Any) -> None:
        events.append(("appcontext_tearing_down", sender is app, type(exc).__name__))

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("x")

    connections = [
        (s.request_started, started),
        (s.request_finished, finished),
        (s.got_request_exception, exception),
        (s.request_tearing_down, tearing),
        (s.appcontext_pushed, pushed),
        (s.appcontext_popped, popped),
        (s.appcontext_tearing_down, app_tearing),
    ]
    for signal, fn in connections:
        signal.connect(fn, app)
    try:
        c = app.test_client()
        c.get("/ok")
        assert events == [
            ("appcontext_pushed", True),
            ("request_started", True, "/ok"),
            ("request_finished", True, 200),
            ("request_tearing_down", True, "NoneType"),
            ("appcontext_tearing_down", True, "NoneType"),
            ("appcontext_popped", True),
        ]
        events.clear()
        c.get("/boom")
        assert ("got_request_exception", True, "KeyError") in events
        assert ("request_tearing_down", True, "KeyError") in events
        assert ("request_finished", True, 500) in events
    finally:
        for signal, fn in connections:
            signal.disconnect(fn, app)


def test_signals_are_blinker_signals(fw: FW) -> None:
    import blinker

    assert isinstance(fw.signals.request_started, blinker.base.NamedSignal)
    assert fw.signals.request_started.name == "request-started"
    assert fw.request_finished is fw.signals.request_finished


def test_signal_for_other_app_is_not_received(fw: FW) -> None:
    app, other = new_app(fw), new_app(fw)
    app.add_url_rule("/", "i", lambda: "x")
    got: list[t.Any] = []

    def receiver(sender: t.Any, **kw: t.Any) -> None:
        got.append(sender)

    fw.signals.request_started.connect(receiver, other)
    try:
        app.test_client().get("/")
    finally:
        fw.signals.request_started.disconnect(receiver, other)
    assert got == []


# ------------------------------------------------------------------------ async


def _has_asgiref() -> bool:
    try:
        import asgiref  # noqa: F401
    except ImportError:
        return False
    return True


def test_async_view(fw: FW) -> None:
    app = new_app(fw, TESTING=True)

    @app.route("/")
    async def index() -> str:
        return "async ok"

    c = app.test_client()
    if _has_asgiref():
        assert c.get("/").text == "async ok"
    else:
        with pytest.raises(RuntimeError) as info:
            c.get("/")
        msg = str(info.value)
        assert "async" in msg
        if fw.is_hip:
            assert "asgiref" in msg


def test_async_hooks_and_handlers(fw: FW) -> None:
    app = new_app(fw, TESTING=True)

    @app.before_request
    async def before() -> None:
        fw.g.before = True

    @app.errorhandler(KeyError)
    async def on_key(e: Exception) -> t.Any:
        return "async handler", 409

    @app.route("/")
    def index() -> str:
        raise KeyError("k")

    c = app.test_client()
    if _has_asgiref():
        assert c.get("/").text == "async handler"
    else:
        with pytest.raises(RuntimeError):
            c.get("/")


def test_ensure_sync_returns_plain_functions_unchanged(fw: FW) -> None:
    app = new_app(fw)

    def plain() -> int:
        return 1

    assert app.ensure_sync(plain) is plain
