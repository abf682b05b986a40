"""The urlencoded-form and query-string fast paths (issue 12) change nothing observable.

``request.form`` for an urlencoded body no longer goes through ``formparser.parse_form_data``:
the request reads exactly Content-Length bytes and parses them straight into MultiDict
storage (``urls.parse_urlencoded_lists``, with a table for ASCII escapes in
``urls.unquote_strict``); ``request.args`` uses the same parser. These tests pin what must not
change: the parse itself (against ``urllib.parse``), escapes, ``+``, repeated keys, blank
fields, and every error and stream state around the body (400, 413, chunked input, short
reads, ``get_data``/``stream`` after ``form``), with Werkzeug/Flask as the oracle where
hipflask matches them.
"""

from __future__ import annotations

import io
import typing as t
from urllib.parse import parse_qsl, unquote

import pytest
from _core_fw import FW, environ, fw_fixture
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hipflask.datastructures import ImmutableMultiDict, MultiDict
from hipflask.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from hipflask.request import Request
from hipflask.urls import parse_urlencoded_lists, unquote_strict

fw = fw_fixture()

FORM = "application/x-www-form-urlencoded"

PIECES = st.sampled_from(
    ["a", "b", "=", "&", "+", "%", "%2", "%20", "%2B", "%2b", "%26", "%3D", "%3d", "%25",
     "%zz", "%g1", "%C3%A9", "%c3%a9", "%C3", "%ff", "%7F", "%80", "%E2%82%AC", "é", "€",
     " ", "&&", "==", "%%", "x=1", "tag="]
)  # fmt: skip


def reference_lists(text: str) -> dict[str, list[str]] | str:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return "error"
    lists: dict[str, list[str]] = {}
    for key, value in pairs:
        lists.setdefault(key, []).append(value)
    return lists


def ours_lists(text: str) -> dict[str, list[str]] | str:
    try:
        return parse_urlencoded_lists(text)
    except UnicodeDecodeError:
        return "error"


@given(st.lists(PIECES, max_size=30).map("".join))
@example("a=alpha&b=bravo+value&c=3&d=d%26d%3Dx&e=echo")
@example("a&b=&=c&&d=%&a=2")
@example("a+b%2Bc=%2B+%20")
@settings(max_examples=500, deadline=None)
def test_parse_matches_parse_qsl_grouped(text: str) -> None:
    result = ours_lists(text)
    assert result == reference_lists(text)
    if isinstance(result, dict):
        # First-seen key order, as a MultiDict built from parse_qsl's pairs.
        assert list(result) == list(t.cast(dict[str, t.Any], reference_lists(text)))


def test_unquote_table_covers_every_escape() -> None:
    # Every two-character hex spelling, both cases, alone and between text: the table's
    # answer (ASCII) or the fallback's (non-ASCII, invalid UTF-8) is urllib's exactly.
    digits = "0123456789abcdefABCDEF"
    for high in digits:
        for low in digits:
            text = f"x%{high}{low}y"
            try:
                expected = unquote(text, errors="strict")
            except UnicodeDecodeError:
                with pytest.raises(UnicodeDecodeError):
                    unquote_strict(text)
                continue
            assert unquote_strict(text) == expected, text


@pytest.mark.parametrize(
    "text",
    ["%", "a%", "%4", "%4g", "%%41", "%41%", "%C3%A9%41", "é%41€", "%e2%82%ac%2F", "%2", "%%"],
)
def test_unquote_fallbacks(text: str) -> None:
    assert unquote_strict(text) == unquote(text, errors="strict")


@pytest.mark.parametrize("text", ["%ff", "%C3", "a%C3%28", "%E2%82"])
def test_unquote_invalid_utf8_raises(text: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        unquote_strict(text)


# --------------------------------------------------------------------------- request.form


def form_env(body: bytes, **kw: t.Any) -> dict[str, t.Any]:
    return environ("/f", "POST", body=body, headers={"Content-Type": FORM}, **kw)


BODIES = [
    b"a=alpha&b=bravo+value&c=3&d=d%26d%3Dx&e=echo",
    b"a=1&a=2&b=&c&&=v&a=3",
    b"plus=%2B&space=+&mixed=a+b%2Bc%20d",
    b"k%3Dey=v%26al&%C3%A9=%E2%82%AC&raw=\xc3\xa9",
    b"&&&",
    b"x=" + b"y" * 70_000 + b"&z=1",  # over one 64 KiB read
]


@pytest.mark.parametrize("body", BODIES)
def test_form_matches_werkzeug(fw: FW, body: bytes) -> None:
    req = fw.BaseRequest(form_env(body))
    assert list(req.form.lists()) == list(fw.BaseRequest(form_env(body)).form.lists())
    assert type(req.form).__name__ == "ImmutableMultiDict"
    assert len(req.files) == 0
    assert req.get_data() == b""  # the body went to the form
    assert req.stream.read() == b""  # and the stream is spent, not an error


def test_form_values_spelled_out() -> None:
    req = Request(form_env(BODIES[0] + b"&a=again"))
    assert req.form.getlist("a") == ["alpha", "again"]
    assert req.form["b"] == "bravo value"
    assert req.form["d"] == "d&d=x"
    assert list(req.form) == ["a", "b", "c", "d", "e"]
    assert req.stream.tell() == len(BODIES[0]) + len(b"&a=again")


def test_form_in_app_matches_flask(fw: FW) -> None:
    app = fw.Flask(__name__)
    seen: dict[str, t.Any] = {}

    @app.post("/f")
    def view() -> str:
        seen["form"] = list(fw.request.form.lists())
        seen["data"] = fw.request.get_data()
        return "ok"

    client = app.test_client()
    resp = client.post("/f", data=BODIES[1], content_type=FORM)
    assert resp.status_code == 200
    assert seen == {
        "form": [("a", ["1", "2", "3"]), ("b", [""]), ("c", [""]), ("", ["v"])],
        "data": b"",
    }


class Trickle(io.RawIOBase):
    """A wsgi.input that hands out at most *step* bytes per read (allowed by PEP 3333)."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        n = self._step if size is None or size < 0 else min(size, self._step)
        chunk = self._data[self._pos : self._pos + n]
        self._pos += len(chunk)
        return chunk


@pytest.mark.parametrize("step", [1, 7, 100_000])
def test_short_reads_are_continued(step: int) -> None:
    body = b"a=1&b=" + b"x" * 70_000
    env = form_env(body)
    env["wsgi.input"] = Trickle(body, step)
    form = Request(env).form
    assert form["a"] == "1"
    assert len(form["b"]) == 70_000


def test_body_shorter_than_content_length_is_400(fw: FW) -> None:
    env = form_env(b"a=1&b=2")
    env["CONTENT_LENGTH"] = "50"
    with pytest.raises(fw.exceptions.ClientDisconnected):
        fw.BaseRequest(env).form  # noqa: B018


def test_huge_content_length_with_a_short_body_is_400_without_allocating_it() -> None:
    env = form_env(b"a=1")
    env["CONTENT_LENGTH"] = str(10**15)  # read in 64 KiB chunks: never allocated
    req = Request(env)
    req.max_form_memory_size = None
    with pytest.raises(ClientDisconnected):
        req.form  # noqa: B018


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "٣"])
def test_bad_content_length_is_400(value: str) -> None:
    env = form_env(b"a=1")
    env["CONTENT_LENGTH"] = value
    with pytest.raises(BadRequest):
        Request(env).form  # noqa: B018


def test_empty_or_zero_content_length_is_an_empty_form() -> None:
    for value in ("0", ""):
        env = form_env(b"a=1")
        env["CONTENT_LENGTH"] = value
        req = Request(env)
        assert req.form == ImmutableMultiDict()
        assert req.get_data() == b""


def test_over_max_content_length_is_413_before_reading(fw: FW) -> None:
    env = form_env(b"a=" + b"x" * 100)
    req = fw.BaseRequest(env)
    req.max_content_length = 50
    with pytest.raises(fw.exceptions.RequestEntityTooLarge):
        req.form  # noqa: B018
    assert env["wsgi.input"].tell() == 0


def test_over_max_form_memory_size_is_413_before_reading() -> None:
    env = form_env(b"a=" + b"x" * 100)
    req = Request(env)
    req.max_form_memory_size = 50
    with pytest.raises(RequestEntityTooLarge):
        req.form  # noqa: B018
    assert env["wsgi.input"].tell() == 0


def test_at_the_limits_is_fine() -> None:
    body = b"a=" + b"x" * 48
    req = Request(form_env(body))
    req.max_form_memory_size = req.max_content_length = len(body)
    assert req.form["a"] == "x" * 48


@pytest.mark.parametrize("body", [b"a=\xff", b"a=%ff", b"%C3=1", b"a=%C3%28"])
def test_bad_utf8_is_400(body: bytes) -> None:
    with pytest.raises(BadRequest, match="not valid UTF-8"):
        Request(form_env(body)).form  # noqa: B018


def chunked_env(body: bytes) -> dict[str, t.Any]:
    env = form_env(body)
    del env["CONTENT_LENGTH"]
    env["HTTP_TRANSFER_ENCODING"] = "chunked"
    env["wsgi.input_terminated"] = True
    return env


def test_chunked_body_is_read_to_its_end(fw: FW) -> None:
    body = b"a=1&b=" + b"y" * 70_000
    req = fw.BaseRequest(chunked_env(body))
    assert req.form["a"] == "1"
    assert len(req.form["b"]) == 70_000
    assert req.get_data() == b""


def test_chunked_body_over_the_form_limit_is_413() -> None:
    req = Request(chunked_env(b"a=" + b"x" * 100))
    req.max_form_memory_size = 50
    with pytest.raises(RequestEntityTooLarge):
        req.form  # noqa: B018


def test_chunked_body_over_max_content_length_is_413() -> None:
    req = Request(chunked_env(b"a=" + b"x" * 100))
    req.max_content_length = 50
    with pytest.raises(RequestEntityTooLarge):
        req.form  # noqa: B018


def test_terminated_input_with_content_length_reads_to_the_end() -> None:
    # The server ends the input itself: the body is whatever it delivers, as before.
    env = form_env(b"a=1&b=2")
    env["wsgi.input_terminated"] = True
    assert Request(env).form.to_dict() == {"a": "1", "b": "2"}


def test_no_length_and_unterminated_input_is_an_empty_form() -> None:
    env = form_env(b"a=1")
    del env["CONTENT_LENGTH"]
    assert Request(env).form == ImmutableMultiDict()


def test_get_data_first_then_form_parses_the_cached_body(fw: FW) -> None:
    req = fw.BaseRequest(form_env(b"a=1&a=2"))
    assert req.get_data() == b"a=1&a=2"
    assert req.form.getlist("a") == ["1", "2"]
    assert req.get_data() == b"a=1&a=2"


def test_cached_body_over_the_form_limit_is_413() -> None:
    req = Request(form_env(b"a=" + b"x" * 100))
    req.get_data()
    req.max_form_memory_size = 50
    with pytest.raises(RequestEntityTooLarge):
        req.form  # noqa: B018


def test_shallow_request_refuses_to_read_the_form() -> None:
    with pytest.raises(RuntimeError, match="shallow"):
        Request(form_env(b"a=1"), shallow=True).form  # noqa: B018


def test_custom_storage_class_gets_the_pairs() -> None:
    class Mine(MultiDict[str, str]):
        pass

    class MyRequest(Request):
        parameter_storage_class = Mine

    req = MyRequest(form_env(b"a=1&b=2&a=3", query="q=1&q=2"))
    assert type(req.form) is Mine and type(req.args) is Mine
    assert list(req.form.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
    assert req.args.getlist("q") == ["1", "2"]


def test_stock_storage_stays_immutable() -> None:
    req = Request(form_env(b"a=1", query="q=1"))
    for md in (req.form, req.args):
        with pytest.raises(TypeError):
            md["x"] = "y"  # type: ignore[index]


def test_debug_enctype_hint_still_attached() -> None:
    from hipflask import Flask, request
    from hipflask.debughelpers import DebugFilesKeyError

    app = Flask(__name__)
    app.debug = True
    with app.test_request_context("/", method="POST", data={"upload": "name.txt"}):
        assert request.form["upload"] == "name.txt"
        with pytest.raises(DebugFilesKeyError):
            request.files["upload"]


def test_app_limits_apply_to_the_fast_path() -> None:
    from hipflask import Flask, request

    app = Flask(__name__)
    app.config["MAX_FORM_MEMORY_SIZE"] = 10

    @app.post("/")
    def view() -> str:
        return str(len(request.form))

    client = app.test_client()
    assert client.post("/", data={"a": "1"}).status_code == 200
    assert client.post("/", data={"a": "x" * 20}).status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = 5
    assert client.post("/", data={"a": "xxxxx"}).status_code == 413


# --------------------------------------------------------------------------- request.args


@pytest.mark.parametrize(
    "query",
    [
        "q=flask&page=2&tag=a&tag=b",
        "a&b=&=c&&d=%&a=2",
        "x=1+2&y=%2B&z=%26%3D",
        "%C3%A9=%E2%82%AC",
        "é=€".encode().decode("latin-1"),
    ],
)
def test_args_match_werkzeug(fw: FW, query: str) -> None:
    req = fw.BaseRequest(environ("/", query=query))
    assert list(req.args.lists()) == list(fw.BaseRequest(environ("/", query=query)).args.lists())
    assert type(req.args).__name__ == "ImmutableMultiDict"


@pytest.mark.parametrize("query", ["a=%ff", "a=\xff", "%C3=1"])
def test_args_bad_utf8_is_400(query: str) -> None:
    with pytest.raises(BadRequest):
        Request(environ("/", query=query)).args  # noqa: B018


def test_args_typed_get_and_getlist() -> None:
    args = Request(environ("/", query="page=2&page=x&tag=a&tag=b&n=")).args
    assert args.get("page", 1, type=int) == 2
    assert args.getlist("page", type=int) == [2]
    assert args.get("n", 7, type=int) == 7
    assert args.getlist("tag") == ["a", "b"]


# --------------------------------------------------------------------------- content types


def json_env(body: bytes, ctype: str) -> dict[str, t.Any]:
    return environ("/j", "POST", body=body, headers={"Content-Type": ctype})


@pytest.mark.parametrize(
    ("ctype", "expected"),
    [
        ("application/json", {"a": 1}),  # the exact header: no parsing of it
        ("Application/JSON", {"a": 1}),
        ("application/json; charset=utf-8", {"a": 1}),
        ("application/vnd.api+json", {"a": 1}),
        ("application/json; charset=koi8-r", "400"),
        ("text/plain", "415"),
    ],
)
def test_get_json_content_types(ctype: str, expected: t.Any) -> None:
    from hipflask.exceptions import UnsupportedMediaType

    req = Request(json_env(b'{"a": 1}', ctype))
    try:
        got: t.Any = req.get_json()
    except UnsupportedMediaType:
        got = "415"
    except BadRequest:
        got = "400"
    assert got == expected
    assert Request(json_env(b'{"a": 1}', ctype)).get_json(silent=True) == (
        expected if isinstance(expected, dict) else None
    )


def test_subclass_content_type_properties_still_decide() -> None:
    class NoJson(Request):
        @property
        def is_json(self) -> bool:
            return False

    class FormIsText(Request):
        @property
        def mimetype(self) -> str:
            return "text/plain"

    assert NoJson(json_env(b"{}", "application/json")).get_json(silent=True) is None
    assert FormIsText(form_env(b"a=1")).form == ImmutableMultiDict()
