"""The harness itself: it must see the differences it exists to see (and ignore the rest)."""

from __future__ import annotations

from typing import Any

import pytest
from hipflask_difftools import (
    FW,
    Differ,
    Outcome,
    Req,
    call_wsgi,
    compare_outcomes,
    make_environ,
    make_oracle,
)


@pytest.fixture
def twin() -> Differ:
    """Flask against Flask, where the second copy is labelled "other" so builds can differ."""
    oracle = make_oracle()
    other = make_oracle()
    other.label = "other"
    return Differ(oracle, other)


def _report(twin: Differ, view: Any, req: Req | None = None, **kw: Any) -> str:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)
        app.add_url_rule("/", "v", lambda: view(fw), methods=["GET", "POST", "PUT"])
        return app

    return "\n".join(twin.run(build, [req or Req("GET", "/")], **kw))


def test_identical_apps_have_no_report(twin: Differ) -> None:
    assert _report(twin, lambda fw: ("hi", 201, {"X-A": "1"})) == ""


def test_body_status_and_headers_differences_are_reported(twin: Differ) -> None:
    def view(fw: FW) -> Any:
        if fw.label == "other":
            return "bye", 202, {"X-A": "2", "Content-Type": "text/plain"}
        return "hi", 201, {"X-A": "1"}

    report = _report(twin, view)
    assert "[client] GET /" in report and "[wsgi] GET /" in report
    assert "status: flask='201 CREATED' got='202 ACCEPTED'" in report
    assert "body: flask=b'hi' got=b'bye'" in report
    assert "header X-A" in report
    assert "header Content-Type" in report


def test_cookie_attributes_are_compared_parsed(twin: Differ) -> None:
    def view(fw: FW) -> Any:
        resp = fw.make_response("x")
        resp.set_cookie("a", "1", httponly=fw.label != "other", max_age=60)
        return resp

    assert "Set-Cookie" in _report(twin, view)

    def same_view(fw: FW) -> Any:
        resp = fw.make_response("x")
        # attribute order differs, meaning does not
        if fw.label == "other":
            resp.headers["Set-Cookie"] = "a=1; HttpOnly; Path=/; SameSite=lax"
        else:
            resp.headers["Set-Cookie"] = "a=1; Path=/; SameSite=Lax; HttpOnly"
        return resp

    assert _report(twin, same_view) == ""


def test_allow_and_vary_are_sets(twin: Differ) -> None:
    def view(fw: FW) -> Any:
        if fw.label == "other":
            return "x", {"Allow": "POST, GET", "Vary": "cookie, Accept"}
        return "x", {"Allow": "GET, POST", "Vary": "Accept, Cookie"}

    assert _report(twin, view) == ""


def test_default_error_pages_compare_status_not_wording(twin: Differ) -> None:
    def view(fw: FW) -> Any:
        if fw.label == "other":
            return (
                "<!doctype html><html lang=en><title>404 Not Found</title>Nothing here, sorry.",
                404,
            )
        fw.abort(404)

    assert _report(twin, view) == ""

    def wrong(fw: FW) -> Any:
        if fw.label == "other":
            return "<p>oops</p>", 404
        fw.abort(404)

    assert "error page does not name 'Not Found'" in _report(twin, wrong)


def test_expect_guards_the_test_itself(twin: Differ) -> None:
    report = _report(twin, lambda fw: "x", Req("GET", "/", expect=404))
    assert "TEST BUG" in report


def test_head_with_body_and_wrong_length_are_reported() -> None:
    ref = Outcome(status="200 OK", headers=[("Content-Length", "2")], body=b"", method="HEAD")
    got = Outcome(status="200 OK", headers=[("Content-Length", "2")], body=b"hi", method="HEAD")
    assert any("HEAD response has a body" in d for d in compare_outcomes(ref, got))
    ref = Outcome(status="200 OK", headers=[("Content-Length", "2")], body=b"hi")
    got = Outcome(status="200 OK", headers=[("Content-Length", "2")], body=b"hi!")
    assert any("Content-Length 2 but body has 3" in d for d in compare_outcomes(ref, got))


def test_pep3333_violations_are_reported() -> None:
    def bad_app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("X-Bad", b"bytes"), ("X-Uni", "\u20ac")])
        return ["not bytes"]

    out = call_wsgi(bad_app, make_environ())
    assert any("is not str" in p for p in out.problems)
    assert any("not latin-1" in p for p in out.problems)
    assert any("body item is str" in p for p in out.problems)


def test_close_is_called_by_call_wsgi() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Any:
            return iter([b"a"])

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [])
        return Body()

    assert call_wsgi(app, make_environ()).body == b"a"
    assert closed == [True]


def test_make_environ_decodes_path_like_a_server() -> None:
    env = make_environ("GET", "/Jos%C3%A9/a%20b?x=%20y", [("Cookie", "a=1"), ("Cookie", "b=2")])
    assert env["PATH_INFO"] == "/Jos\xc3\xa9/a b"
    assert env["QUERY_STRING"] == "x=%20y"
    assert env["HTTP_COOKIE"] == "a=1; b=2"
    env = make_environ("POST", "/", [("Content-Type", "text/plain")], b"abc", host="ex.com:8080")
    assert (env["CONTENT_TYPE"], env["CONTENT_LENGTH"]) == ("text/plain", "3")
    assert (env["SERVER_NAME"], env["SERVER_PORT"]) == ("ex.com", "8080")


def test_same_compares_values_and_exception_classes(twin: Differ) -> None:
    assert twin.same(lambda fw: 1 + 1) == 2
    with pytest.raises(pytest.fail.Exception):
        twin.same(lambda fw: fw.label)

    def raises(fw: FW) -> Any:
        raise (KeyError if fw.label == "other" else ValueError)("x")

    with pytest.raises(pytest.fail.Exception):
        twin.same(raises)
