"""app.logger: name, level, default handler and where it writes (Flask's behaviour)."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import re
import typing as t
from collections.abc import Iterator

import pytest
from _core_fw import FW, call, environ, fw_fixture

fw = fw_fixture()
_names = itertools.count()


@contextlib.contextmanager
def bare_root() -> Iterator[None]:
    """Hide pytest's capture handlers on the root logger, as in a plain program.

    (pytest adds them around each test phase, so this runs inside the test body.)
    """
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        yield
    finally:
        root.handlers[:] = saved


def app_name(fw: FW) -> str:
    return f"h8log_{fw.name}_{next(_names)}"


def test_logger_is_named_after_the_app(fw: FW) -> None:
    name = app_name(fw)
    app = fw.Flask(name, root_path=".")
    assert isinstance(app.logger, logging.Logger)
    assert app.logger.name == name
    assert app.logger is logging.getLogger(name)
    assert app.logger is app.logger


def test_default_handler_added_when_nothing_would_show_records(fw: FW) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")
        assert fw.flask_logging.default_handler in app.logger.handlers
        assert app.logger.level == logging.NOTSET


def test_no_default_handler_when_logger_has_one(fw: FW) -> None:
    with bare_root():
        name = app_name(fw)
        own = logging.StreamHandler(io.StringIO())
        logging.getLogger(name).addHandler(own)
        app = fw.Flask(name, root_path=".")
        assert app.logger.handlers == [own]


def test_no_default_handler_when_root_has_one(fw: FW) -> None:
    with bare_root():
        root_handler = logging.StreamHandler(io.StringIO())
        logging.getLogger().addHandler(root_handler)
        try:
            app = fw.Flask(app_name(fw), root_path=".")
            assert fw.flask_logging.default_handler not in app.logger.handlers
        finally:
            logging.getLogger().removeHandler(root_handler)


def test_default_handler_added_when_parent_handler_level_too_high(fw: FW) -> None:
    with bare_root():
        root_handler = logging.StreamHandler(io.StringIO())
        root_handler.setLevel(logging.CRITICAL)
        logging.getLogger().addHandler(root_handler)
        try:
            app = fw.Flask(app_name(fw), root_path=".")
            assert fw.flask_logging.default_handler in app.logger.handlers
        finally:
            logging.getLogger().removeHandler(root_handler)


def test_has_level_handler(fw: FW) -> None:
    with bare_root():
        has = fw.flask_logging.has_level_handler
        logger = logging.getLogger(app_name(fw))
        assert has(logger) is False
        handler = logging.StreamHandler(io.StringIO())
        handler.setLevel(logging.ERROR)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        assert has(logger) is False
        logger.setLevel(logging.ERROR)
        assert has(logger) is True
        child = logging.getLogger(logger.name + ".child")
        assert has(child) is True
        child.propagate = False
        assert has(child) is False


def test_debug_sets_level(fw: FW) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")
        app.debug = True
        assert app.logger.level == logging.DEBUG
        name = app_name(fw)
        logging.getLogger(name).setLevel(logging.WARNING)
        app2 = fw.Flask(name, root_path=".")
        app2.debug = True
        assert app2.logger.level == logging.WARNING
        app3 = fw.Flask(app_name(fw), root_path=".")
        assert app3.logger.level == logging.NOTSET
        app3.debug = True
        # the level is decided when the logger is first used
        assert app3.logger.level == logging.NOTSET


def test_default_handler_format_and_wsgi_errors(fw: FW) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")

        @app.route("/")
        def index() -> str:
            app.logger.warning("inside %s", "request")
            return "ok"

        errors = io.StringIO()
        call(app, environ("/", **{"wsgi.errors": errors}))
        line = errors.getvalue().strip()
        assert re.fullmatch(
            r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] WARNING in test_logging: inside request",
            line,
        )


def test_default_handler_outside_request_writes_to_stderr(
    fw: FW, capsys: pytest.CaptureFixture[str]
) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")
        app.logger.error("outside")
        captured = capsys.readouterr()
        assert "ERROR in test_logging: outside" in captured.err


def test_level_filters_records(fw: FW) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")

        @app.route("/")
        def index() -> str:
            app.logger.debug("debug hidden")
            app.logger.info("info hidden")
            app.logger.warning("warning shown")
            return "ok"

        errors = io.StringIO()
        call(app, environ("/", **{"wsgi.errors": errors}))
        text = errors.getvalue()
        assert "warning shown" in text and "hidden" not in text


def test_debug_app_logs_debug(fw: FW) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")
        app.debug = True

        @app.route("/")
        def index() -> str:
            app.logger.debug("debug shown")
            return "ok"

        errors = io.StringIO()
        call(app, environ("/", **{"wsgi.errors": errors}))
        assert "DEBUG in test_logging: debug shown" in errors.getvalue()


def test_unhandled_error_logged_once_with_traceback(fw: FW) -> None:
    with bare_root():
        app = fw.Flask(app_name(fw), root_path=".")

        @app.route("/x")
        def boom() -> t.Any:
            raise LookupError("the detail")

        errors = io.StringIO()
        status, _, body = call(app, environ("/x", **{"wsgi.errors": errors}))
        text = errors.getvalue()
        assert status.startswith("500")
        assert text.count("ERROR in app: Exception on /x [GET]") == 1
        assert "Traceback (most recent call last)" in text
        assert "LookupError: the detail" in text
        assert b"the detail" not in body


def test_create_logger_public(fw: FW) -> None:
    assert callable(fw.flask_logging.create_logger)
    assert isinstance(fw.flask_logging.default_handler, logging.StreamHandler)
