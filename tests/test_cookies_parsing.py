"""Cookies: dump_cookie is byte-identical to Werkzeug's, parse_cookie agrees with
Werkzeug's on well-formed headers, everything dump_cookie writes parses back to the
original value, and malformed headers lose only their bad pair."""

from __future__ import annotations

import typing as t
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from werkzeug import http as whttp

from hipflask.datastructures import MultiDict
from hipflask.http import dump_cookie, parse_cookie

TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"
cookie_names = st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=12)
cookie_values = st.text(max_size=40)


def _value_part(key: str, value: str) -> str:
    """The ``name=value`` part of dump_cookie's output."""
    return dump_cookie(key, value, path=None)


# -- dump_cookie: byte-identical to Werkzeug ---------------------------------------------

DUMP_CASES: list[dict[str, object]] = [
    {},
    {"value": "plain"},
    {"value": "with space"},
    {"value": 'quote"inside'},
    {"value": "semi;colon"},
    {"value": "comma,here"},
    {"value": "back\\slash"},
    {"value": "ünïcödé ✓"},
    {"value": "ctrl\x01\x1a\x1f\x7f"},
    {"value": ""},
    {"max_age": 3600},
    {"max_age": 0},
    {"max_age": timedelta(days=1, seconds=5)},
    {"max_age": 60, "sync_expires": False},
    {"expires": datetime(2030, 1, 2, 3, 4, 5)},
    {"expires": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)},
    {"expires": datetime(2030, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))},
    {"expires": 1893456000},
    {"expires": 1893456000.75},
    {"expires": "Thu, 01 Jan 2032 00:00:00 GMT"},
    {"expires": 0, "max_age": 10},
    {"path": None},
    {"path": "/some path/ü;x"},
    {"path": "/a%20b"},
    {"domain": "example.com"},
    {"domain": ".example.com:8080"},
    {"domain": "bücher.example"},
    {"domain": "localhost"},
    {"secure": True},
    {"httponly": True},
    {"secure": True, "httponly": True, "samesite": "Lax"},
    {"samesite": "strict"},
    {"samesite": "NONE"},
    {"samesite": "None", "secure": True},
    {"partitioned": True},
    {"partitioned": True, "secure": False, "samesite": "None"},
    {"key": "ключ", "value": "v"},
]


@pytest.mark.parametrize("kwargs", DUMP_CASES)
def test_dump_cookie_is_byte_identical_to_werkzeug(kwargs: dict[str, object]) -> None:
    args = {"key": "session", **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = dump_cookie(**args)  # type: ignore[arg-type]
        theirs = whttp.dump_cookie(**args)  # type: ignore[arg-type]
    if ours != theirs and "max_age" in kwargs and "expires" not in kwargs:
        # Expires is computed from "now": a second may have ticked between the calls.
        ours = dump_cookie(**args)  # type: ignore[arg-type]
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(cookie_names, cookie_values)
def test_dump_cookie_value_quoting_property(key: str, value: str) -> None:
    assert dump_cookie(key, value) == whttp.dump_cookie(key, value)


def test_dump_cookie_samesite_validation() -> None:
    with pytest.raises(ValueError, match="SameSite"):
        dump_cookie("k", "v", samesite="sometimes")
    with pytest.raises(ValueError):
        whttp.dump_cookie("k", "v", samesite="sometimes")


def test_dump_cookie_partitioned_implies_secure() -> None:
    assert dump_cookie("k", "v", partitioned=True).endswith("; Secure; Path=/; Partitioned")


def test_dump_cookie_size_warning_names_the_size() -> None:
    value = "x" * 5000
    with pytest.warns(UserWarning) as record:
        rv = dump_cookie("big", value)
    with pytest.warns(UserWarning):
        assert rv == whttp.dump_cookie("big", value)
    message = str(record[0].message)
    assert str(len(rv)) in message and "4093" in message and "big" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dump_cookie("big", value, max_size=0)  # disabled: no warning
        dump_cookie("small", "x" * 10)


def test_dump_cookie_expires_from_max_age_is_in_the_future() -> None:
    rv = dump_cookie("k", "v", max_age=3600)
    expires = rv.split("Expires=")[1].split(";")[0]
    parsed = whttp.parse_date(expires)
    assert parsed is not None
    delta = parsed - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < delta <= timedelta(hours=1)


# -- round trip ---------------------------------------------------------------------------

ROUND_TRIP_VALUES = [
    "with space",
    'a "quoted" value',
    "semi;colon; and more;",
    "comma, separated",
    "back\\slash\\",
    "ünïcödé 日本語 ✓ 🍪",
    "=leading equals",
    " padded ",
    "\\073 looks like an escape",
    '"already quoted"',
    "\t\x01\x1f\x7f controls",
    "",
]


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES)
def test_round_trip_known_values(value: str) -> None:
    header = f"a=1; {_value_part('k', value)}; b=2"
    assert parse_cookie(header) == MultiDict([("a", "1"), ("k", value), ("b", "2")])
    # Through WSGI: the header arrives as latin-1 text of its bytes.
    wsgi_header = header.encode().decode("latin1")
    assert parse_cookie({"HTTP_COOKIE": wsgi_header})["k"] == value


@settings(max_examples=500, deadline=None)
@given(cookie_names, cookie_values)
def test_round_trip_property(key: str, value: str) -> None:
    assume(key not in ("first", "last"))
    header = f"first=1; {_value_part(key, value)}; last=2"
    parsed = parse_cookie(header.encode().decode("latin1"))
    assert parsed.getlist(key) == [value]
    assert parsed["first"] == "1" and parsed["last"] == "2"


# -- parse_cookie: agrees with Werkzeug on well-formed input -----------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(cookie_names, cookie_values), max_size=6))
def test_parse_cookie_matches_werkzeug_on_well_formed_headers(
    pairs: list[tuple[str, str]],
) -> None:
    header = "; ".join(_value_part(k, v) for k, v in pairs)
    wsgi_header = header.encode().decode("latin1")
    ours = parse_cookie(wsgi_header)
    theirs = whttp.parse_cookie(wsgi_header)
    assert list(ours.items(multi=True)) == list(theirs.items(multi=True))
    assert list(ours.items(multi=True)) == list(MultiDict(pairs).items(multi=True))


@pytest.mark.parametrize(
    "header",
    [
        "a=b",
        "a=b; c=d",
        "a=b;c=d",
        "  a = b  ;  c = d  ",
        "a=b=c; d=e",
        'a="quoted value"; b=1',
        'a="x\\073y\\"z\\\\"; b=2',
        'a="semi;inside"; b=3',
        "a=1; a=2; a=3",
        "theme=light; sessionToken=abc123",
        "__Host-id=1; __Secure-x=2",
        "",
    ],
)
def test_parse_cookie_examples_match_werkzeug(header: str) -> None:
    assert list(parse_cookie(header).items(multi=True)) == list(
        whttp.parse_cookie(header).items(multi=True)
    )


def test_parse_cookie_keeps_all_values_of_repeated_name() -> None:
    cookies = parse_cookie("a=1; a=2")
    assert cookies["a"] == "1"
    assert cookies.getlist("a") == ["1", "2"]


def test_parse_cookie_accepts_environ_none_and_custom_class() -> None:
    assert parse_cookie({"HTTP_COOKIE": "a=1"}) == {"a": ["1"]}
    assert parse_cookie({}) == MultiDict()
    assert parse_cookie(None) == MultiDict()

    class Custom(MultiDict):  # type: ignore[type-arg]
        pass

    assert type(parse_cookie("a=1", cls=Custom)) is Custom


# -- malformed headers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=__Host-x=bad", []),
        ("=__Host-x=bad; ok=1", [("ok", "1")]),
        ("ok=1; =__Host-x=bad", [("ok", "1")]),
        (" =__Secure-y=bad; z=2", [("z", "2")]),
        ('="__Host-x=bad"; z=2', [("z", "2")]),
        ("a=1; ; ; b=2", [("a", "1"), ("b", "2")]),
        ("a=1; noequals; b=2", [("a", "1"), ("b", "2")]),
        ("__Host-x; b=2", [("b", "2")]),
        ('a="unclosed; b=2', [("a", '"unclosed'), ("b", "2")]),
        ('a="x"trailing; b=2', [("a", '"x"trailing'), ("b", "2")]),
        ("a=1;;;;", [("a", "1")]),
        (";;;", []),
        ("=", []),
    ],
)
def test_malformed_pairs_are_dropped_alone(header: str, expected: list[tuple[str, str]]) -> None:
    parsed = parse_cookie(header)
    assert list(parsed.items(multi=True)) == expected
    assert "__Host-x" not in parsed and "__Secure-y" not in parsed


def test_invalid_utf8_drops_only_that_pair() -> None:
    raw = b"a=1; bad=\xff\xfe; b=\xc3\xa9; c=3"
    parsed = parse_cookie({"HTTP_COOKIE": raw.decode("latin1")})
    assert list(parsed.items(multi=True)) == [("a", "1"), ("b", "é"), ("c", "3")]


def test_nameless_cookie_never_shadows_prefixed_name() -> None:
    # An attacker-controlled page can set a nameless cookie; it must not be read as
    # the __Host- cookie the application trusts.
    parsed = parse_cookie("__Host-session=real; =__Host-session=forged")
    assert parsed.getlist("__Host-session") == ["real"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_cookie_never_raises(header: str) -> None:
    parsed = parse_cookie(header)
    assert "" not in parsed
    for key in parsed:
        assert key == key.strip() and key


def test_parse_cookie_huge_header_is_linear() -> None:
    header = "; ".join(f"c{i}=v{i}" for i in range(20000))
    parsed = parse_cookie(header)
    assert len(parsed) == 20000
    quoted = '"' + "\\" * 50000 + "; a=1"
    assert parse_cookie("x=" + quoted)["a"] == "1"


# -- through the app and the test client, compared with the real Flask -------------------

APP_VALUES = ["with space", 'q"uote', "semi;colon", "ünï ✓ 日本", "back\\slash", "", "a=b=c"]


def _cookie_app(module: t.Any) -> t.Any:
    app = module.Flask("cookies")

    @app.route("/set/<int:i>")
    def set_cookie(i: int) -> t.Any:
        response = module.make_response("ok")
        response.set_cookie("c", APP_VALUES[i], samesite="Lax", httponly=True, max_age=60)
        return response

    @app.route("/get")
    def get_cookies() -> t.Any:
        return module.jsonify(sorted(module.request.cookies.items(multi=True)))

    return app


@pytest.mark.parametrize("index", range(len(APP_VALUES)))
def test_values_round_trip_through_test_client_like_flask(index: int) -> None:
    import flask

    import hipflask

    results = []
    for module in (hipflask, flask):
        client = _cookie_app(module).test_client()
        set_response = client.get(f"/set/{index}")
        header = set_response.headers["Set-Cookie"]
        results.append((header.split("; Expires=")[0], client.get("/get").get_json()))
    assert results[0] == results[1]
    assert results[0][1] == [["c", APP_VALUES[index]]]


@pytest.mark.parametrize(
    "header",
    ["=__Host-x=bad; ok=1", 'a="unclosed; ok=1', "ok=1; junk; ;", "ok=1; bad=\xff\xfe"],
)
def test_malformed_cookie_header_never_fails_the_request(header: str) -> None:
    import io
    import json

    import hipflask

    app = _cookie_app(hipflask)
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/get",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": header,  # raw, as a server hands it over (latin-1 text)
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, *exc: statuses.append(status)))
    assert statuses == ["200 OK"]
    pairs = json.loads(body)
    assert ["ok", "1"] in pairs
    assert all(name not in ("", "__Host-x") for name, _ in pairs)
