"""hipflask.http parsing/formatting, checked against Werkzeug's as an oracle."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import datastructures as wds
from werkzeug import http as whttp

from hipflask import http
from hipflask.datastructures import Headers

OPTIONS_CASES = [
    None,
    "",
    "text/html",
    "text/html; charset=utf-8",
    "text/html;charset=UTF-8",
    "  text/html ;  charset=utf-8  ",
    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
    'form-data; name="field"; filename="a b.txt"',
    'form-data; name="a;b"; filename="x\\"y.txt"',
    'form-data; name="x%22y"',
    "attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf",
    "attachment; filename*=iso-8859-1'en'%A3%20rates",
    "attachment; filename*=bogus''abc",
    "text/plain; a*0=one; a*1=two",
    "text/plain; a*0*=UTF-8''%C3%A9; a*1*=%C3%A8",
    "text/plain; noval; x=1",
    "text/plain; x=; y=2",
    'text/plain; x="unclosed; y=2',
    "text/plain; X=UP; Y=Case",
    "text/plain; a=b c; d=e",
    "text/plain; =v; k=v",
    ";charset=utf-8",
    "text/plain;",
    "text/plain; q=0.5; level=1",
    'text/plain; a="\\\\"; b=2',
    "text/plain; a=1;;;b=2",
    "text/plain; a b=1; c=2",
]


@pytest.mark.parametrize("value", OPTIONS_CASES)
def test_parse_options_header_matches_werkzeug(value: str | None) -> None:
    assert http.parse_options_header(value) == whttp.parse_options_header(value)


header_text = st.text(
    alphabet=st.sampled_from(list("ab=;\" \\*'%0-9,.\t/x")) | st.characters(max_codepoint=0x2FF),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(header_text)
def test_parse_options_header_property(value: str) -> None:
    assert http.parse_options_header(value) == whttp.parse_options_header(value)


@settings(max_examples=300, deadline=None)
@given(header_text)
def test_parse_list_and_dict_header_property(value: str) -> None:
    assert http.parse_list_header(value) == whttp.parse_list_header(value)
    assert http.parse_dict_header(value) == whttp.parse_dict_header(value)


@pytest.mark.parametrize(
    "value",
    [
        'token, "quoted value", , other',
        'a="b, c", d',
        '"unclosed, x',
        'a, "esc\\"aped"',
        "a=1, b=\"2\", c, d*=UTF-8''%C3%A9",
        "",
    ],
)
def test_list_and_dict_headers(value: str) -> None:
    assert http.parse_list_header(value) == whttp.parse_list_header(value)
    assert http.parse_dict_header(value) == whttp.parse_dict_header(value)


@pytest.mark.parametrize(
    "value", ["token", "", "two words", 'q"uote', "back\\slash", "ü", 42, "a;b"]
)
def test_quote_header_value(value: object) -> None:
    assert http.quote_header_value(value) == whttp.quote_header_value(value)
    assert http.quote_header_value(value, allow_token=False) == whttp.quote_header_value(
        value, allow_token=False
    )
    quoted = http.quote_header_value(value)
    assert http.unquote_header_value(quoted) == str(value)


def test_dump_headers_match_werkzeug() -> None:
    opts = {"charset": "utf-8", "skip": None, "name": "a b", "filename*": "UTF-8''x"}
    assert http.dump_options_header("text/html", opts) == whttp.dump_options_header(
        "text/html", opts
    )
    assert http.dump_options_header(None, {"a": 1}) == "a=1"
    assert http.dump_header(["foo", "bar baz"]) == whttp.dump_header(["foo", "bar baz"])
    d = {"public": None, "max-age": 30, "x": "a b"}
    assert http.dump_header(d) == whttp.dump_header(d)


def test_parse_set_header_calls_on_update() -> None:
    seen: list[str] = []
    hs = http.parse_set_header("Accept, Cookie", on_update=lambda s: seen.append(s.to_header()))
    assert list(hs) == ["Accept", "Cookie"]
    hs.add("Origin")
    assert seen == ["Accept, Cookie, Origin"]
    assert len(http.parse_set_header(None)) == 0


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 +0200",
        "garbage",
        "",
        None,
        "Sun, 99 Nov 1994 08:49:37 GMT",
    ],
)
def test_parse_date_matches_werkzeug(value: str | None) -> None:
    ours = http.parse_date(value)
    assert ours == whttp.parse_date(value)
    if ours is not None:
        assert ours.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    [
        0,
        784111777,
        784111777.9,
        datetime(1994, 11, 6, 8, 49, 37),
        datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc),
        datetime(1994, 11, 6, 10, 49, 37, tzinfo=timezone(timedelta(hours=2))),
        date(2020, 2, 29),
    ],
)
def test_http_date_matches_werkzeug(value: object) -> None:
    assert http.http_date(value) == whttp.http_date(value)  # type: ignore[arg-type]


def test_http_date_default_is_now_and_round_trips() -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    parsed = http.parse_date(http.http_date(now))
    assert parsed == now
    assert http.parse_date(http.http_date()) is not None


def test_age() -> None:
    assert http.parse_age("60") == timedelta(seconds=60)
    assert http.parse_age("-1") is None
    assert http.parse_age("x") is None
    assert http.parse_age(None) is None
    assert http.dump_age(timedelta(minutes=1)) == "60"
    assert http.dump_age(None) is None
    with pytest.raises(ValueError):
        http.dump_age(-1)


RANGE_CASES = [
    "bytes=0-499",
    "bytes=500-",
    "bytes=-500",
    "bytes=0-0,-1",
    "bytes=0-99,100-199",
    "bytes=100-50",
    "bytes=0-99,50-150",
    "bytes=abc",
    "bytes=+1-2",
    "bytes=1-2-3",
    "bytes",
    "",
    None,
    "items=0-5",
    "bytes=-5,0-1",
]


@pytest.mark.parametrize("value", RANGE_CASES)
def test_parse_range_header_matches_werkzeug(value: str | None) -> None:
    ours = http.parse_range_header(value)
    theirs = whttp.parse_range_header(value)
    if theirs is None:
        assert ours is None
    else:
        assert ours is not None
        assert (ours.units, list(ours.ranges)) == (theirs.units, list(theirs.ranges))
        assert ours.to_header() == theirs.to_header()
        for length in (0, 1, 100, 1000):
            assert ours.range_for_length(length) == theirs.range_for_length(length)


@pytest.mark.parametrize(
    "value",
    [
        "bytes 0-499/1234",
        "bytes 0-499/*",
        "bytes */1234",
        "bytes 500-100/1000",
        "garbage",
        None,
        "bytes 0-1000/1000",
        "bytes x-y/10",
    ],
)
def test_parse_content_range_matches_werkzeug(value: str | None) -> None:
    ours = http.parse_content_range_header(value)
    theirs = whttp.parse_content_range_header(value)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours.to_header() == theirs.to_header()


def test_parse_if_range_header() -> None:
    assert http.parse_if_range_header('"abc"').etag == "abc"
    assert http.parse_if_range_header('W/"abc"').etag == "abc"
    dated = http.parse_if_range_header("Sun, 06 Nov 1994 08:49:37 GMT")
    assert dated.date == datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)
    assert dated.to_header() == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert http.parse_if_range_header(None).etag is None


def test_etag_helpers() -> None:
    assert http.quote_etag("abc") == '"abc"'
    assert http.quote_etag("abc", weak=True) == 'W/"abc"'
    with pytest.raises(ValueError):
        http.quote_etag('a"b')
    assert http.unquote_etag('W/"abc"') == ("abc", True)
    assert http.unquote_etag(None) == (None, None)
    assert http.generate_etag(b"data") == whttp.generate_etag(b"data")
    for value in ['"a", W/"b"', "*", 'W/"x"', "a, b", ""]:
        ours, theirs = http.parse_etags(value), whttp.parse_etags(value)
        assert ours.to_header() == theirs.to_header()
        assert ours.as_set(True) == theirs.as_set(True)


LAST_MODIFIED = datetime(2020, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_IF_NONE_MATCH": '"abc"'},
        {"HTTP_IF_NONE_MATCH": 'W/"abc"'},
        {"HTTP_IF_NONE_MATCH": '"other"'},
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_MODIFIED_SINCE": "Wed, 01 Jan 2020 00:00:00 GMT"},
        {"HTTP_IF_MODIFIED_SINCE": "Tue, 31 Dec 2019 00:00:00 GMT"},
        {"HTTP_IF_MATCH": '"abc"'},
        {"HTTP_IF_MATCH": '"zzz"'},
        {"HTTP_RANGE": "bytes=0-1", "HTTP_IF_RANGE": '"abc"'},
        {"HTTP_RANGE": "bytes=0-1", "HTTP_IF_RANGE": '"zzz"'},
        {"HTTP_RANGE": "bytes=0-1", "HTTP_IF_RANGE": "Wed, 01 Jan 2020 00:00:00 GMT"},
        {"HTTP_IF_RANGE": '"zzz"'},
    ],
)
@pytest.mark.parametrize("ignore_if_range", [True, False])
def test_is_resource_modified_matches_werkzeug(
    headers: dict[str, str], ignore_if_range: bool
) -> None:
    environ = {"REQUEST_METHOD": "GET", **headers}
    for kwargs in (
        {"etag": "abc"},
        {"last_modified": LAST_MODIFIED},
        {"etag": "abc", "last_modified": "Wed, 01 Jan 2020 00:00:00 GMT"},
        {"data": b"payload"},
    ):
        ours = http.is_resource_modified(environ, ignore_if_range=ignore_if_range, **kwargs)  # type: ignore[arg-type]
        theirs = whttp.is_resource_modified(environ, ignore_if_range=ignore_if_range, **kwargs)  # type: ignore[arg-type]
        assert ours == theirs, kwargs
    with pytest.raises(TypeError):
        http.is_resource_modified(environ, etag="a", data=b"b")


def test_entity_and_hop_by_hop_headers() -> None:
    assert http.is_entity_header("Content-Type")
    assert not http.is_entity_header("X-Foo")
    assert http.is_hop_by_hop_header("Transfer-Encoding")
    headers = Headers(
        [("Content-Type", "x"), ("Expires", "y"), ("Connection", "close"), ("X-A", "1")]
    )
    http.remove_entity_headers(headers)
    assert headers.to_wsgi_list() == [("Expires", "y"), ("Connection", "close"), ("X-A", "1")]
    http.remove_hop_by_hop_headers(headers)
    assert headers.to_wsgi_list() == [("Expires", "y"), ("X-A", "1")]
    plain = [("Keep-Alive", "1"), ("B", "2")]
    http.remove_hop_by_hop_headers(plain)
    assert plain == [("B", "2")]


def test_csp_header_round_trip() -> None:
    csp = http.parse_csp_header("default-src 'self'; img-src *; bogus")
    assert csp.default_src == "'self'"
    assert csp.img_src == "*"
    theirs = whttp.parse_csp_header("default-src 'self'; img-src *; bogus")
    assert csp.to_header() == whttp.dump_csp_header(theirs)
    csp.script_src = "'none'"
    assert "script-src 'none'" in csp.to_header()


def test_status_codes_match_werkzeug() -> None:
    assert http.HTTP_STATUS_CODES == whttp.HTTP_STATUS_CODES


def test_accept_header_skips_invalid_q() -> None:
    ours = http.parse_accept_header("a;q=2, b;q=x, c;q=0.5, d", wds.Accept)
    assert list(ours) == [("d", 1), ("c", 0.5)]
