"""hipflask.exceptions against werkzeug.exceptions: the class hierarchy, codes, headers,
default pages, abort/Aborter, and how the app serves them."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest
import werkzeug.exceptions as wexc
from _core_fw import FLASK, FW, HIP, call, environ, fw_fixture

import hipflask.exceptions as hexc

fw = fw_fixture()

CLASS_NAMES = sorted(
    name
    for name, obj in vars(wexc).items()
    if isinstance(obj, type) and issubclass(obj, wexc.HTTPException) and not name.startswith("_")
)


def test_every_werkzeug_exception_class_exists() -> None:
    missing = [name for name in CLASS_NAMES if not hasattr(hexc, name)]
    assert missing == []


def test_default_exceptions_mapping() -> None:
    assert sorted(hexc.default_exceptions) == sorted(wexc.default_exceptions)
    for code, cls in wexc.default_exceptions.items():
        assert hexc.default_exceptions[code].__name__ == cls.__name__


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_class_shape_like_werkzeug(name: str) -> None:
    wcls = getattr(wexc, name)
    hcls = getattr(hexc, name)
    assert hcls.code == wcls.code
    # same bases by name (BadRequestKeyError is a KeyError, ClientDisconnected a BadRequest...)
    wbases = {c.__name__ for c in wcls.__mro__}
    hbases = {c.__name__ for c in hcls.__mro__}
    assert wbases - {"object"} <= hbases
    if wcls.code is not None:
        w, h = wcls(), hcls()
        assert h.name == w.name
        assert str(h).split(":")[0] == str(w).split(":")[0]
        assert type(h).__name__ in repr(h)


@pytest.mark.parametrize("name", [n for n in CLASS_NAMES if getattr(wexc, n).code])
def test_get_response_like_werkzeug(name: str) -> None:
    def run(fw: FW) -> t.Any:
        e = getattr(fw.exceptions, name)()
        r = e.get_response(environ("/"))
        names = sorted(k for k, _ in r.headers.items() if k.lower() != "content-length")
        return r.status, r.mimetype, r.headers.get("Content-Type"), names

    assert run(HIP) == run(FLASK)


def test_response_body_is_html_page(fw: FW) -> None:
    e = fw.exceptions.NotFound()
    body = e.get_response().get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    assert "<title>404 Not Found</title>" in body
    assert "<h1>Not Found</h1>" in body


def test_description_is_escaped(fw: FW) -> None:
    e = fw.exceptions.BadRequest("<script>alert(1)</script>\nline two")
    body = e.get_response().get_data(as_text=True)
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert e.description == "<script>alert(1)</script>\nline two"


def test_custom_description_and_str(fw: FW) -> None:
    e = fw.exceptions.Forbidden("no access")
    assert e.description == "no access"
    assert str(e) == "403 Forbidden: no access"
    assert e.get_description() == "<p>no access</p>"
    assert e.code == 403


def test_exception_with_response(fw: FW) -> None:
    resp = fw.Response("custom", status=418)
    e = fw.exceptions.HTTPException(response=resp)
    assert e.get_response() is resp
    status, _, body = call(e, environ("/"))
    assert status.startswith("418") and body == b"custom"


def test_exception_is_a_wsgi_app(fw: FW) -> None:
    status, headers, body = call(fw.exceptions.Gone(), environ("/"))
    assert status == "410 GONE"
    assert dict(headers)["Content-Type"] == "text/html; charset=utf-8"
    assert b"Gone" in body


def test_method_not_allowed_allow_header(fw: FW) -> None:
    e = fw.exceptions.MethodNotAllowed(valid_methods=["GET", "POST"])
    r = e.get_response()
    assert r.headers["Allow"] == "GET, POST"
    assert e.valid_methods == ["GET", "POST"]
    assert "Allow" not in fw.exceptions.MethodNotAllowed().get_response().headers


def test_unauthorized_www_authenticate(fw: FW) -> None:
    auth = fw.datastructures.WWWAuthenticate("basic", {"realm": "Login"})
    r = fw.exceptions.Unauthorized(www_authenticate=auth).get_response()
    assert r.headers["WWW-Authenticate"] == "Basic realm=Login"
    r = fw.exceptions.Unauthorized(
        www_authenticate=[auth, fw.datastructures.WWWAuthenticate("bearer")]
    ).get_response()
    assert r.headers.getlist("WWW-Authenticate") == ["Basic realm=Login", "Bearer"]


def test_range_not_satisfiable(fw: FW) -> None:
    r = fw.exceptions.RequestedRangeNotSatisfiable(length=1000).get_response()
    assert r.headers["Content-Range"] == "bytes */1000"
    r = fw.exceptions.RequestedRangeNotSatisfiable(length=10, units="items").get_response()
    assert r.headers["Content-Range"] == "items */10"


@pytest.mark.parametrize("cls", ["TooManyRequests", "ServiceUnavailable"])
def test_retry_after(fw: FW, cls: str) -> None:
    r = getattr(fw.exceptions, cls)(retry_after=120).get_response()
    assert r.headers["Retry-After"] == "120"
    when = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    r = getattr(fw.exceptions, cls)(retry_after=when).get_response()
    assert r.headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"


def test_bad_request_key_error(fw: FW) -> None:
    e = fw.exceptions.BadRequestKeyError("zzfield")
    assert isinstance(e, KeyError) and isinstance(e, fw.exceptions.BadRequest)
    assert e.code == 400
    assert e.args == ("zzfield",)
    assert "zzfield" not in e.get_description()
    e.show_exception = True
    assert "zzfield" in e.get_description()


def test_internal_server_error_original_exception(fw: FW) -> None:
    original = ValueError("x")
    e = fw.exceptions.InternalServerError(original_exception=original)
    assert e.original_exception is original
    assert fw.exceptions.InternalServerError().original_exception is None


def test_abort_and_aborter(fw: FW) -> None:
    with pytest.raises(fw.exceptions.NotFound) as info:
        fw.exceptions.abort(404, "gone away")
    assert info.value.description == "gone away"
    with pytest.raises(fw.exceptions.MethodNotAllowed) as info2:
        fw.exceptions.abort(405, valid_methods=["GET"])
    assert info2.value.valid_methods == ["GET"]
    with pytest.raises(LookupError) as info3:
        fw.exceptions.abort(299)
    assert "299" in str(info3.value)
    resp = fw.Response("r", 401)
    with pytest.raises(fw.exceptions.HTTPException) as info4:
        fw.exceptions.abort(resp)
    assert info4.value.get_response() is resp

    class PaymentRequired(fw.exceptions.HTTPException):  # type: ignore[misc, name-defined]
        code = 402
        description = "pay"

    aborter = fw.exceptions.Aborter(extra={402: PaymentRequired})
    with pytest.raises(PaymentRequired):
        aborter(402)
    with pytest.raises(fw.exceptions.NotFound):
        aborter(404)


def test_app_aborter_is_used_by_abort(fw: FW) -> None:
    app = fw.Flask(__name__)

    class PaymentRequired(fw.exceptions.HTTPException):  # type: ignore[misc, name-defined]
        code = 402
        description = "pay"

    app.aborter.mapping[402] = PaymentRequired

    @app.route("/")
    def index() -> str:
        fw.abort(402)

    r = app.test_client().get("/")
    assert r.status_code == 402 and b"pay" in r.data


@pytest.mark.parametrize(
    "code", [400, 401, 403, 404, 405, 409, 410, 413, 415, 418, 422, 429, 500, 501, 503]
)
def test_abort_in_app_gives_default_page(fw: FW, code: int) -> None:
    app = fw.Flask(__name__)
    app.add_url_rule("/", "i", lambda: fw.abort(code))
    r = app.test_client().get("/")
    assert r.status_code == code
    assert r.mimetype == "text/html"
    assert f"<title>{code} ".encode() in r.data


def test_routing_exceptions_are_http_exceptions(fw: FW) -> None:
    assert issubclass(fw.routing.RequestRedirect, fw.exceptions.HTTPException)
    assert fw.routing.RequestRedirect.code == 308
    e = fw.routing.RequestRedirect("http://x/y")
    r = e.get_response(environ("/"))
    assert r.status_code == 308 and r.headers["Location"] == "http://x/y"
    assert issubclass(fw.routing.BuildError, LookupError)


def test_client_disconnected_and_security_error(fw: FW) -> None:
    assert issubclass(fw.exceptions.ClientDisconnected, fw.exceptions.BadRequest)
    assert issubclass(fw.exceptions.SecurityError, fw.exceptions.BadRequest)
    assert fw.exceptions.ClientDisconnected().code == 400


def test_http_exception_without_code(fw: FW) -> None:
    e = fw.exceptions.HTTPException("x")
    assert e.code is None
    assert e.description == "x"
