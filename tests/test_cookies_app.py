"""Cookies end to end through apps: reading, setting, deleting, awkward values, hostile headers.

The parsing/formatting functions themselves are tested with hipflask.http; here everything goes
through an app and a client: the test client, raw WSGI environs, and (marked slow) a real
Chromium talking to a real server over loopback.
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from hipflask import Flask, make_response, redirect, request, session, url_for
from hipflask.datastructures import MultiDict

UTC = timezone.utc


def cookie_app() -> Flask:
    app = Flask(__name__)
    app.testing = True

    @app.route("/cookies")
    def cookies() -> Any:
        # Every value of every name, in order, as JSON: what the app really received.
        return {name: request.cookies.getlist(name) for name in request.cookies}

    @app.route("/set", methods=["POST"])
    def set_cookies() -> Any:
        response = make_response("set")
        for name, value in request.get_json():
            response.set_cookie(name, value)
        return response

    return app


def raw_call(
    app: Flask, cookie_header: str | None, *, latin1: bool = False
) -> tuple[str, dict[str, Any], bytes]:
    """Call the WSGI app directly with a Cookie header exactly as a server would pass it.

    ``cookie_header`` is text (sent as UTF-8), or with ``latin1`` the header's bytes already
    as latin-1 code points (to send bytes that are not UTF-8).
    """
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/cookies",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie_header is not None:
        # PEP 3333: header bytes arrive as latin-1 code points.
        environ["HTTP_COOKIE"] = (
            cookie_header if latin1 else cookie_header.encode().decode("latin-1")
        )
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        captured["headers"] = headers
        return lambda data: None

    body = b"".join(app(environ, start_response))
    return captured["status"], dict(captured["headers"]), body


def received(app: Flask, cookie_header: str) -> dict[str, list[str]]:
    status, _, body = raw_call(app, cookie_header)
    assert status.startswith("200"), (cookie_header, status, body)
    return json.loads(body)  # type: ignore[no-any-return]


# --- request.cookies ------------------------------------------------------------------------


def test_request_cookies_is_a_multidict() -> None:
    app = Flask(__name__)
    seen: dict[str, Any] = {}

    @app.route("/cookies")
    def index() -> str:
        seen["cookies"] = request.cookies
        seen["first"] = request.cookies["a"]
        seen["missing"] = request.cookies.get("username")
        return "{}"

    # Raw WSGI: test clients replace a Cookie header with their jar, which cannot hold twins.
    raw_call(app, "a=1; b=2; a=3")
    cookies = seen["cookies"]
    assert isinstance(cookies, MultiDict)
    assert seen["first"] == "1"
    assert cookies.getlist("a") == ["1", "3"]
    assert cookies.to_dict() == {"a": "1", "b": "2"}
    assert seen["missing"] is None
    with pytest.raises(TypeError):
        cookies["c"] = "x"  # request data is read-only


def test_missing_cookie_with_brackets_is_a_400() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return request.cookies["username"]

    response = app.test_client().get("/")
    assert response.status_code == 400


def test_seed_cookie_example() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> Any:
        username = request.cookies.get("username")
        resp = make_response(f"hello {username}")
        resp.set_cookie("username", "the username")
        return resp

    client = app.test_client()
    first = client.get("/")
    assert first.text == "hello None"
    assert first.headers["Set-Cookie"] == 'username="the username"; Path=/'
    assert client.get("/").text == "hello the username"


# --- set_cookie / delete_cookie -------------------------------------------------------------


def set_cookie_header(**kwargs: Any) -> str:
    app = Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> Any:
        response = make_response("")
        response.set_cookie("c", "v", **kwargs)
        return response

    (header,) = app.test_client().get("/").headers.getlist("Set-Cookie")
    return header


def test_set_cookie_defaults() -> None:
    assert set_cookie_header() == "c=v; Path=/"


def test_set_cookie_every_attribute() -> None:
    header = set_cookie_header(
        max_age=3600,
        expires=datetime(2040, 1, 2, 3, 4, 5, tzinfo=UTC),
        path="/app",
        domain="example.test",
        secure=True,
        httponly=True,
        samesite="strict",
        partitioned=True,
    )
    assert header == (
        "c=v; Domain=example.test; Expires=Mon, 02 Jan 2040 03:04:05 GMT; Max-Age=3600;"
        " Secure; HttpOnly; Path=/app; SameSite=Strict; Partitioned"
    )


def test_max_age_sets_matching_expires() -> None:
    for max_age in (120, timedelta(minutes=2)):
        header = set_cookie_header(max_age=max_age)
        assert "Max-Age=120" in header
        expires = header.split("Expires=")[1].split(";")[0]
        when = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
        assert abs(when - (datetime.now(UTC) + timedelta(seconds=120))) < timedelta(seconds=10)


@pytest.mark.parametrize(
    "expires",
    [
        datetime(2030, 6, 7, 8, 9, 10, tzinfo=UTC),
        datetime(2030, 6, 7, 8, 9, 10),  # naive: taken as UTC
        datetime(2030, 6, 7, 10, 9, 10, tzinfo=timezone(timedelta(hours=2))),
        1907050150,
        1907050150.75,
    ],
    ids=["aware", "naive", "offset", "int", "float"],
)
def test_expires_datetime_or_timestamp(expires: Any) -> None:
    assert (
        set_cookie_header(expires=expires) == "c=v; Expires=Fri, 07 Jun 2030 08:09:10 GMT; Path=/"
    )


@pytest.mark.parametrize("samesite", ["Lax", "lax", "Strict", "None", "none"])
def test_samesite_values(samesite: str) -> None:
    assert set_cookie_header(samesite=samesite).endswith(f"SameSite={samesite.title()}")


def test_bad_samesite_is_a_developer_error() -> None:
    with pytest.raises(ValueError, match="SameSite"):
        set_cookie_header(samesite="sometimes")


def test_partitioned_implies_secure() -> None:
    assert set_cookie_header(partitioned=True) == "c=v; Secure; Path=/; Partitioned"


def test_delete_cookie() -> None:
    app = Flask(__name__)

    @app.route("/set")
    def set_it() -> Any:
        response = make_response("")
        response.set_cookie("c", "v")
        response.set_cookie("scoped", "s", path="/", domain="localhost")
        return response

    @app.route("/del")
    def delete_it() -> Any:
        response = make_response("")
        response.delete_cookie("c")
        response.delete_cookie("scoped", domain="localhost", secure=True, samesite="Lax")
        return response

    client = app.test_client()
    client.get("/set")
    assert client.get_cookie("c") is not None
    first, second = client.get("/del").headers.getlist("Set-Cookie")
    assert first == "c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    assert second == (
        "scoped=; Domain=localhost; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure;"
        " Path=/; SameSite=Lax"
    )
    assert client.get_cookie("c") is None
    assert client.get_cookie("scoped") is None


def test_set_cookie_headers_match_flask() -> None:
    import flask

    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("plain", "abc", {}),
        ("spaces", "a b c", {"max_age": 10, "expires": 1907050150}),
        ("quote", 'say "hi"', {"path": "/a b", "domain": ".Example.test"}),
        ("semi", "x;y,z", {"secure": True, "httponly": True, "samesite": "lax"}),
        ("uni", "h\u00e9llo \u2603 \U0001f600", {"partitioned": True}),
        ("slash", "back\\slash", {"expires": datetime(2031, 1, 1, tzinfo=UTC)}),
        ("ctrl", "tab\there\x7f", {}),
        ("empty", "", {}),
        ("eq", "a=b=c", {"path": None}),
        ("\u00e9t\u00e9", "key", {}),
    ]

    def build(module: Any) -> Any:
        app = module.Flask(__name__)

        @app.route("/")
        def index() -> Any:
            response = module.make_response("")
            for name, value, options in calls:
                response.set_cookie(name, value, **options)
            response.delete_cookie("gone", path="/x")
            return response

        return app

    ours = build(sys.modules["hipflask"]).test_client().get("/").headers.getlist("Set-Cookie")
    theirs = build(flask).test_client().get("/").headers.getlist("Set-Cookie")
    assert ours == theirs


# --- awkward values round-trip through the test client --------------------------------------

AWKWARD = [
    "with spaces",
    " leading and trailing ",
    'double "quotes"',
    "single 'quotes'",
    "semi;colon",
    "comma,separated",
    "back\\slash",
    "equals=sign=s",
    "h\u00e9llo w\u00f6rld",
    "\u2603 snowman \U0001f600",
    "\u65e5\u672c\u8a9e",
    "tab\tand\x01control",
    '\\"escaped\\"',
    "",
    "%20percent%3B",
]


@pytest.mark.parametrize("value", AWKWARD, ids=repr)
def test_awkward_value_round_trips(value: str) -> None:
    app = cookie_app()
    client = app.test_client()
    assert client.post("/set", json=[["v", value]]).status_code == 200
    assert client.get("/cookies").json == {"v": [value]}


def test_many_awkward_values_in_one_header() -> None:
    app = cookie_app()
    client = app.test_client()
    pairs = [[f"c{i}", value] for i, value in enumerate(AWKWARD)]
    client.post("/set", json=pairs)
    assert client.get("/cookies").json == {name: [value] for name, value in pairs}


def test_awkward_values_through_raw_wsgi() -> None:
    # What a browser sends back is the Set-Cookie value verbatim (quotes and escapes kept).
    from hipflask.http import dump_cookie

    app = cookie_app()
    parts = []
    for i, value in enumerate(AWKWARD):
        parts.append(dump_cookie(f"c{i}", value).split("; Path=/")[0])
    assert received(app, "; ".join(parts)) == {f"c{i}": [v] for i, v in enumerate(AWKWARD)}


def test_raw_utf8_cookie_from_javascript() -> None:
    # document.cookie can store raw UTF-8; browsers send the bytes unquoted.
    app = cookie_app()
    assert received(app, "js=h\u00e9llo \u2603; other=1") == {
        "js": ["h\u00e9llo \u2603"],
        "other": ["1"],
    }


# --- malformed and hostile Cookie headers ---------------------------------------------------

# header -> (pairs that must come through exactly, names of bad pairs that may be dropped or
# kept with some value, but must not take anything else with them)
MALFORMED: dict[str, tuple[str, dict[str, list[str]], set[str]]] = {
    "no-equals": ("a=1; junk; b=2", {"a": ["1"], "b": ["2"]}, set()),
    "empty-pairs": (";;a=1;; ;b=2;", {"a": ["1"], "b": ["2"]}, set()),
    "nameless": ("=bare; a=1", {"a": ["1"]}, set()),
    "unterminated-quote": ('a=1; b="oops; c=3', {"a": ["1"], "c": ["3"]}, {"b"}),
    "quote-in-middle": ('a=x"y; b=2', {"a": ['x"y'], "b": ["2"]}, set()),
    "spaces": ("  a  =  1  ;b= 2 ", {"a": ["1"], "b": ["2"]}, set()),
    "only-junk": ("junk", {}, set()),
    "empty": ("", {}, set()),
    "bad-escape": ('a="\\999"; b=2', {"b": ["2"]}, {"a"}),
    "escaped-closing-quote": ('a="x\\"; b=2', {"b": ["2"]}, {"a"}),
    "control-chars": ("a=1\x01\x02; b=2", {"b": ["2"]}, {"a"}),
    "duplicate-equals": ("a==1; b=2", {"b": ["2"]}, {"a"}),
}


@pytest.mark.parametrize(("header", "good", "bad"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_header_loses_only_the_bad_pair(
    header: str, good: dict[str, list[str]], bad: set[str]
) -> None:
    got = received(cookie_app(), header)
    assert {name: got.get(name) for name in good} == good, (header, got)
    assert set(got) <= set(good) | bad, (header, got)


def test_invalid_utf8_drops_only_that_pair() -> None:
    app = cookie_app()
    header = "a=1; bad=\xff\xfe; c=3"  # latin-1 code points that are not UTF-8
    status, _, body = raw_call(app, header, latin1=True)
    assert status.startswith("200")
    got = json.loads(body)
    assert got["a"] == ["1"] and got["c"] == ["3"]


@pytest.mark.parametrize(
    "header",
    [
        "=__Host-x=bad",
        "=__Host-x=bad; other=1",
        " =__Host-x=bad",
        "__Host-x=good; =__Host-x=bad",
        "=__Host-x=bad; __Host-x=good",
        "=__Secure-id=evil",
        '="__Host-x=bad"',
    ],
)
def test_nameless_pair_is_never_a_prefixed_cookie(header: str) -> None:
    got = received(cookie_app(), header)
    for name in ("__Host-x", "__Secure-id"):
        assert got.get(name, ["good"]) == ["good"], (header, got)
    assert "" not in got


def test_huge_cookie_header_is_not_an_error() -> None:
    header = "; ".join(f"c{i}={'v' * 50}" for i in range(2000)) + "; ;;; junk"
    got = received(cookie_app(), header)
    assert len(got) == 2000


# --- header injection -----------------------------------------------------------------------


INJECTING_VALUES = [
    "x\r\nSet-Cookie: admin=1",
    "x\nX-Injected: 1",
    "x; Domain=evil.test",
    "x; Path=/; HttpOnly=false",
    "x\x00y",
]


@pytest.mark.parametrize("value", INJECTING_VALUES, ids=repr)
def test_value_cannot_inject_headers_or_attributes(value: str) -> None:
    app = cookie_app()
    client = app.test_client()
    response = client.post("/set", json=[["v", value]])
    assert response.status_code == 200
    (header,) = response.headers.getlist("Set-Cookie")
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    assert "X-Injected" not in response.headers and "admin" not in client.get("/cookies").json
    # Exactly the attributes we asked for: the value is one quoted token without raw ';'.
    assert re.fullmatch(r'v="(?:[^"\\;\x00-\x1f]|\\.)*"; Path=/', header), header
    assert client.get("/cookies").json == {"v": [value]}


@pytest.mark.parametrize(
    "name",
    ["a\r\nX-Injected: 1", "a\nb", "a;Domain=evil.test", "a=b", "a b", "a,b", "a\x00", "", "a\tb"],
    ids=repr,
)
def test_invalid_cookie_name_is_rejected(name: str) -> None:
    app = Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> Any:
        response = make_response("")
        response.set_cookie(name, "v")
        return response

    with pytest.raises(ValueError):
        app.test_client().get("/")


@pytest.mark.parametrize(
    "options",
    [
        {"path": "/a;Domain=evil.test"},
        {"path": "/a\r\nX: 1"},
        {"domain": "evil.test; Secure"},
        {"domain": "a\r\nX: 1"},
    ],
    ids=repr,
)
def test_path_and_domain_cannot_inject(options: dict[str, str]) -> None:
    app = Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> Any:
        response = make_response("")
        response.set_cookie("c", "v", **options)
        return response

    try:
        response = app.test_client().get("/")
    except ValueError:
        return  # rejected outright: fine
    (header,) = response.headers.getlist("Set-Cookie")
    attrs = [part.strip().split("=")[0].lower() for part in header.split(";")[1:]]
    assert "\r" not in header and "\n" not in header
    assert sorted(attrs) == sorted(["path", *(["domain"] if "domain" in options else [])])


# --- size warning ---------------------------------------------------------------------------


def test_oversized_cookie_warns_with_size() -> None:
    app = Flask(__name__)

    @app.route("/<int:size>")
    def index(size: int) -> Any:
        response = make_response("")
        response.set_cookie("big", "x" * size)
        return response

    client = app.test_client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (header,) = client.get("/5000").headers.getlist("Set-Cookie")
    assert any(str(len(header)) in str(w.message) for w in caught), [str(w.message) for w in caught]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.get("/4000")
    assert not [w for w in caught if "cookie" in str(w.message).lower()]


def test_max_cookie_size_setting() -> None:
    app = Flask(__name__)
    app.config["MAX_COOKIE_SIZE"] = 50

    @app.route("/")
    def index() -> Any:
        response = make_response("")
        response.set_cookie("c", "x" * 60)
        return response

    client = app.test_client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.get("/")
    assert any("cookie" in str(w.message).lower() for w in caught)

    app.config["MAX_COOKIE_SIZE"] = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.get("/")
    assert not [w for w in caught if "cookie" in str(w.message).lower()]


# --- a real browser -------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BROWSER_VALUES = {
    "spaces": "a b  c",
    "quotes": 'say "hi"',
    "semicolon": "semi;colon",
    "comma": "x,y",
    "backslash": "back\\slash",
    "unicode": "h\u00e9llo \u2603",
    "emoji": "\U0001f600",
    "equals": "a=b",
}


def browser_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = b'_5#y2L"F4Q8z\n\xec]/'

    @app.route("/set")
    def set_values() -> Any:
        response = make_response("set")
        for name, value in BROWSER_VALUES.items():
            response.set_cookie(name, value)
        response.set_cookie("gone", "soon")
        return response

    @app.route("/cookies")
    def cookies() -> Any:
        return {name: request.cookies.getlist(name) for name in request.cookies}

    @app.route("/delete")
    def delete() -> Any:
        response = make_response("deleted")
        response.delete_cookie("gone")
        return response

    @app.route("/")
    def index() -> str:
        if "username" in session:
            return f"Logged in as {session['username']}"
        return "You are not logged in"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            session["username"] = request.form["username"]
            return redirect(url_for("index"))
        return """
            <form method="post">
                <p><input type=text name=username>
                <p><input type=submit value=Login>
            </form>
        """

    @app.route("/logout")
    def logout() -> Any:
        session.pop("username", None)
        return redirect(url_for("index"))

    return app


@pytest.fixture()
def live_server() -> Iterator[str]:
    """The browser app on 127.0.0.1 (ephemeral port) in a thread, stopped after the test."""
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server: WSGIServer = make_server("127.0.0.1", 0, browser_app(), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture()
def browser_page() -> Iterator[Any]:
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package (never download one)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(15000)
            yield page
        finally:
            browser.close()


def page_json(page: Any, url: str) -> Any:
    response = page.goto(url)
    assert response is not None and response.status == 200
    return json.loads(response.text())


@pytest.mark.slow
def test_browser_cookie_round_trip(live_server: str, browser_page: Any) -> None:
    page: Any = browser_page
    assert page.goto(f"{live_server}/set").status == 200
    got = page_json(page, f"{live_server}/cookies")
    for name, value in BROWSER_VALUES.items():
        assert got.get(name) == [value], (name, got.get(name))
    assert got["gone"] == ["soon"]

    # Cookies written by page scripts: raw UTF-8, and a nameless pair imitating a
    # __Host- cookie (which the server must never read as one).
    page.evaluate("document.cookie = 'js=h\u00e9llo \u2603; path=/'")
    page.evaluate("document.cookie = '=__Host-x=bad; path=/'")
    page.goto(f"{live_server}/delete")
    got = page_json(page, f"{live_server}/cookies")
    assert got.get("js") == ["h\u00e9llo \u2603"]
    assert "__Host-x" not in got
    assert "gone" not in got
    assert got["quotes"] == ['say "hi"']


@pytest.mark.slow
def test_browser_session_login_logout(live_server: str, browser_page: Any) -> None:
    page: Any = browser_page
    page.goto(f"{live_server}/")
    assert page.inner_text("body") == "You are not logged in"

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "Zo\u00eb O'Brien & co")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == f"{live_server}/"
    assert page.inner_text("body") == "Logged in as Zo\u00eb O'Brien & co"

    (cookie,) = [c for c in page.context.cookies() if c["name"] == "session"]
    assert cookie["httpOnly"] is True
    assert cookie["expires"] == -1  # a browser-session cookie

    page.reload()
    assert page.inner_text("body") == "Logged in as Zo\u00eb O'Brien & co"

    page.goto(f"{live_server}/logout")
    assert page.url == f"{live_server}/"
    assert page.inner_text("body") == "You are not logged in"
    assert [c for c in page.context.cookies() if c["name"] == "session"] == []
