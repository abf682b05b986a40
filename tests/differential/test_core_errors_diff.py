"""Issue 3, sections 8 and 9: error handlers, default error pages, propagation, logging."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hipflask_difftools import FW, Differ, Req, call_wsgi, make_environ

_counter = itertools.count()


def unique_name(fw: FW) -> str:
    """A logger name of its own: both frameworks' apps would otherwise share one logger."""
    return f"diffapp_{fw.name}_{next(_counter)}"


class AppError(Exception):
    pass


class SubError(AppError):
    pass


class SubSubError(SubError):
    pass


class OtherError(Exception):
    pass


def build_handlers(fw: FW) -> Any:
    app = fw.Flask(__name__)
    exc = fw.exceptions

    class PaymentRequired(exc.HTTPException):  # type: ignore[name-defined]
        code = 402
        description = "Pay up."

    @app.errorhandler(404)
    def not_found(e: Any) -> Any:
        return f"custom 404: {type(e).__name__} {e.code}", 404

    @app.errorhandler(AppError)
    def app_error(e: Any) -> Any:
        return f"AppError handler got {type(e).__name__}", 500

    @app.errorhandler(SubError)
    def sub_error(e: Any) -> Any:
        return f"SubError handler got {type(e).__name__}", 409

    app.register_error_handler(418, lambda e: ("teapot handler", 418, {"X-Tea": "1"}))
    app.register_error_handler(
        exc.Forbidden,
        lambda e: fw.jsonify(error=e.description),
    )

    @app.errorhandler(PaymentRequired)
    def pay(e: Any) -> Any:
        return f"pay handler {e.code} {e.description}", e.code

    @app.errorhandler(405)
    def method_not_allowed(e: Any) -> Any:
        return f"405 handler {sorted(e.valid_methods or [])}", 405

    routes = {
        "/app-error": lambda: _raise(AppError("x")),
        "/sub-error": lambda: _raise(SubError("x")),
        "/subsub-error": lambda: _raise(SubSubError("x")),
        "/other-error": lambda: _raise(OtherError("secret detail")),
        "/abort-404": lambda: fw.abort(404),
        "/abort-418": lambda: fw.abort(418),
        "/abort-403": lambda: fw.abort(403, "forbidden thing"),
        "/abort-400": lambda: fw.abort(400),
        "/abort-402": lambda: _raise(PaymentRequired()),
        "/abort-401": lambda: fw.abort(401),
    }
    for path, fn in routes.items():
        app.add_url_rule(path, path, fn)
    app.add_url_rule("/post-only", "post_only", lambda: "p", methods=["POST"])
    return app


def _raise(exc: BaseException) -> Any:
    raise exc


def test_handlers_by_code_and_class_with_mro(diff: Differ) -> None:
    diff.check(
        build_handlers,
        [
            Req("GET", "/app-error", expect=500),
            Req("GET", "/sub-error", expect=409),
            Req("GET", "/subsub-error", expect=409),
            Req("GET", "/other-error", expect=500),
            Req("GET", "/abort-404", expect=404),
            Req("GET", "/no-such-route", expect=404),
            Req("GET", "/abort-418", expect=418),
            Req("GET", "/abort-403", expect=200),
            Req("GET", "/abort-400", expect=400),
            Req("GET", "/abort-402", expect=402),
            Req("GET", "/abort-401", expect=401),
            Req("GET", "/post-only", expect=405),
        ],
    )


def build_generic(fw: FW, which: str) -> Any:
    app = fw.Flask(__name__)
    exc = fw.exceptions

    if which in ("http", "both"):

        @app.errorhandler(exc.HTTPException)
        def http(e: Any) -> Any:
            return f"HTTPException handler {e.code} {e.name}", e.code

    if which in ("exception", "both"):

        @app.errorhandler(Exception)
        def anything(e: Any) -> Any:
            return f"Exception handler {type(e).__name__}", 599

    if which == "ise":

        @app.errorhandler(exc.InternalServerError)
        def ise(e: Any) -> Any:
            original = getattr(e, "original_exception", None)
            return f"500 handler original={type(original).__name__}", 500

    if which == "ise-code":
        app.register_error_handler(500, lambda e: ("code 500 handler", 500))

    if which == "broken":

        @app.errorhandler(404)
        def broken(e: Any) -> Any:
            raise RuntimeError("handler itself fails")

    @app.before_request
    def gate() -> None:
        if fw.request.path == "/gate":
            fw.abort(403)

    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    app.add_url_rule("/abort", "abort", lambda: fw.abort(409))
    app.add_url_rule("/gate", "gate", lambda: "never")
    app.add_url_rule("/post-only", "post_only", lambda: "p", methods=["POST"])
    app.add_url_rule("/slash/", "slash", lambda: "s")
    return app


@pytest.mark.parametrize(
    "which", ["none", "http", "exception", "both", "ise", "ise-code", "broken"]
)
def test_generic_handlers(diff: Differ, which: str) -> None:
    diff.check(
        lambda fw: build_generic(fw, which),
        [
            Req("GET", "/boom"),
            Req("GET", "/abort"),
            Req("GET", "/gate"),
            Req("GET", "/missing"),
            Req("GET", "/post-only"),
            Req("GET", "/slash"),  # the routing redirect is an HTTPException too
            Req("HEAD", "/missing"),
        ],
    )


def test_unknown_code_cannot_be_registered(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        fw.Flask(__name__).register_error_handler(999, lambda e: "x")

    diff.same(probe, raises=ValueError)


def test_non_exception_class_cannot_be_registered(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        fw.Flask(__name__).register_error_handler(int, lambda e: "x")

    diff.same(probe, raises=ValueError)


def test_unhandled_exception_is_500_without_details(diff: Differ, candidate: FW) -> None:
    diff.check(lambda fw: build_handlers(fw), [Req("GET", "/other-error", expect=500)])
    out = call_wsgi(build_handlers(candidate), make_environ("GET", "/other-error"))
    assert out.status_code == 500
    assert b"secret detail" not in out.body
    assert b"OtherError" not in out.body
    assert b"Traceback" not in out.body


@pytest.mark.parametrize(
    "config",
    [
        {"TESTING": True},
        {"PROPAGATE_EXCEPTIONS": True},
        {"PROPAGATE_EXCEPTIONS": False, "TESTING": True},
        {"PROPAGATE_EXCEPTIONS": False},
        {"DEBUG": True},
        {"DEBUG": True, "PROPAGATE_EXCEPTIONS": False},
    ],
)
def test_propagation_settings(diff: Differ, config: dict[str, Any]) -> None:
    def build(fw: FW) -> Any:
        app = build_generic(fw, "none")
        app.config.update(config)
        return app

    diff.check(build, [Req("GET", "/boom"), Req("GET", "/abort"), Req("GET", "/missing")])


def test_propagated_exception_is_the_original(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build_generic(fw, "none")
        app.testing = True
        try:
            app.test_client().get("/boom")
        except ZeroDivisionError as e:
            return f"propagated {type(e).__name__}"
        return "not propagated"

    assert diff.same(probe) == "propagated ZeroDivisionError"


def test_http_exception_attributes(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        exc = fw.exceptions
        out = []
        for cls in (
            exc.BadRequest,
            exc.Unauthorized,
            exc.Forbidden,
            exc.NotFound,
            exc.MethodNotAllowed,
            exc.NotAcceptable,
            exc.RequestTimeout,
            exc.Conflict,
            exc.Gone,
            exc.LengthRequired,
            exc.PreconditionFailed,
            exc.RequestEntityTooLarge,
            exc.RequestURITooLarge,
            exc.UnsupportedMediaType,
            exc.RequestedRangeNotSatisfiable,
            exc.ExpectationFailed,
            exc.ImATeapot,
            exc.UnprocessableEntity,
            exc.Locked,
            exc.FailedDependency,
            exc.PreconditionRequired,
            exc.TooManyRequests,
            exc.RequestHeaderFieldsTooLarge,
            exc.UnavailableForLegalReasons,
            exc.InternalServerError,
            exc.NotImplemented,
            exc.BadGateway,
            exc.ServiceUnavailable,
            exc.GatewayTimeout,
            exc.HTTPVersionNotSupported,
        ):
            e = cls()
            resp = e.get_response()
            out.append(
                (
                    cls.__name__,
                    e.code,
                    e.name,
                    resp.status,
                    resp.mimetype,
                    isinstance(e, exc.HTTPException),
                    issubclass(cls, Exception),
                )
            )
        return out

    diff.same(probe)


def test_abort_helpers(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        out = []
        for args in [(404,), (400, "why"), (999,), ("x",)]:
            try:
                fw.abort(*args)
            except Exception as e:
                out.append((type(e).__name__, getattr(e, "code", None)))
        return out

    diff.same(probe)


# ---------------------------------------------------------------------------------- logging


@contextlib.contextmanager
def no_root_handlers() -> Iterator[None]:
    """Hide pytest's capturing handlers so the framework installs its default handler."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        yield
    finally:
        root.handlers[:] = saved


def _log_lines(text: str) -> list[str]:
    # "[2024-01-01 00:00:00,000] LEVEL in module: message" -> "LEVEL: message"
    return [re.sub(r"^\[[^\]]+\] (\w+) in \S+: ", r"\1: ", line) for line in text.splitlines()]


def test_logger_is_a_standard_logger_named_after_the_app(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        name = unique_name(fw)
        app = fw.Flask(name)
        with no_root_handlers():
            logger = app.logger
        first = (type(logger) is logging.Logger, logger.name == name, logger.level)
        app.debug = True
        return first, len(logger.handlers), logger.getEffectiveLevel()

    diff.same(probe)


def test_log_calls_and_unhandled_errors_go_to_wsgi_errors(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(unique_name(fw))
        with no_root_handlers():
            logger = app.logger

        @app.route("/log")
        def log() -> str:
            app.logger.debug("A value for debugging")
            app.logger.warning("A warning occurred (%d apples)", 42)
            app.logger.error("An error occurred")
            return "logged"

        @app.route("/boom")
        def boom() -> str:
            raise ZeroDivisionError("boom")

        with no_root_handlers():
            env = make_environ("GET", "/log")
            out = call_wsgi(app, env)
            log_text = env["wsgi.errors"].getvalue()
            env2 = make_environ("GET", "/boom")
            out2 = call_wsgi(app, env2)
            err_text = env2["wsgi.errors"].getvalue()
        err_lines = _log_lines(err_text)
        return (
            out.body,
            _log_lines(log_text),
            out2.status_code,
            err_lines[0],
            "Traceback (most recent call last):" in err_text,
            err_lines[-1],
            logger.name == app.name,
        )

    result = diff.same(probe)
    assert result[1] == ["WARNING: A warning occurred (42 apples)", "ERROR: An error occurred"]
    assert result[3] == "ERROR: Exception on /boom [GET]"


def test_logging_outside_request_goes_to_stderr(
    diff: Differ, capsys: pytest.CaptureFixture[str]
) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(unique_name(fw))
        with no_root_handlers():
            app.logger.warning("outside %s", "request")
            captured = capsys.readouterr()
        return _log_lines(captured.err)

    assert diff.same(probe) == ["WARNING: outside request"]


def test_configured_handlers_are_respected(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setLevel(logging.INFO)
        root = logging.getLogger()
        with no_root_handlers():
            root.addHandler(handler)
            try:
                app = fw.Flask(unique_name(fw))
                app.logger.warning("to root")
                count = len(app.logger.handlers)
            finally:
                root.removeHandler(handler)
        return count, stream.getvalue()

    assert diff.same(probe) == (0, "to root\n")
