"""hipflask.conditional: 304/412/206/416 over a plain response-like object.

These need no app: a tiny stand-in response exposes exactly the attributes
make_conditional() documents (headers, status_code, response).
"""

from __future__ import annotations

import io
import itertools
import typing as t

import pytest

from hipflask.conditional import (
    RangeWrapper,
    evaluate_preconditions,
    make_conditional,
    select_range,
)
from hipflask.datastructures import Headers
from hipflask.exceptions import RequestedRangeNotSatisfiable

BODY = b"0123456789abcdefghij"  # 20 bytes
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
EARLIER = "Tue, 20 Oct 2015 07:28:00 GMT"
LATER = "Thu, 22 Oct 2015 07:28:00 GMT"


class Body:
    """A file-like body that records whether it was closed."""

    def __init__(self, data: bytes = BODY, chunk: int = 7, seekable: bool = True) -> None:
        self._file = io.BytesIO(data)
        self._chunk = chunk
        self._seekable = seekable
        self.closed = False
        self.seeks: list[int] = []

    def __iter__(self) -> Body:
        return self

    def __next__(self) -> bytes:
        data = self._file.read(self._chunk)
        if not data:
            raise StopIteration
        return data

    def seekable(self) -> bool:
        return self._seekable

    def seek(self, pos: int) -> None:
        self.seeks.append(pos)
        self._file.seek(pos)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self.closed = True


class FakeResponse:
    def __init__(self, etag: str | None = ETAG, last_modified: str | None = LAST_MODIFIED) -> None:
        self.headers = Headers()
        if etag is not None:
            self.headers["ETag"] = etag
        if last_modified is not None:
            self.headers["Last-Modified"] = last_modified
        self.headers["Content-Length"] = str(len(BODY))
        self.status_code = 200
        self.body = Body()
        self.response: t.Any = self.body

    def data(self) -> bytes:
        return b"".join(self.response)


def environ(method: str = "GET", **headers: str) -> dict[str, t.Any]:
    env: dict[str, t.Any] = {"REQUEST_METHOD": method}
    for name, value in headers.items():
        env["HTTP_" + name.upper()] = value
    return env


def run(env: dict[str, t.Any], resp: FakeResponse | None = None, **kw: t.Any) -> FakeResponse:
    resp = resp or FakeResponse()
    assert make_conditional(resp, env, **kw) is resp
    return resp


# --- Date and methods -------------------------------------------------------


def test_date_added_but_never_overridden() -> None:
    assert run(environ()).headers["Date"].endswith("GMT")
    resp = FakeResponse()
    resp.headers["Date"] = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert run(environ(), resp).headers["Date"] == "Mon, 01 Jan 2001 00:00:00 GMT"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_unsafe_methods_are_untouched(method: str) -> None:
    resp = run(
        environ(method, if_none_match=ETAG, range="bytes=0-1"),
        accept_ranges=True,
        complete_length=20,
    )
    assert resp.status_code == 200
    assert "Date" not in resp.headers
    assert "Accept-Ranges" not in resp.headers


def test_request_object_is_accepted() -> None:
    class Req:
        environ = environ(if_none_match=ETAG)

    assert run(Req()).status_code == 304  # type: ignore[arg-type]


def test_bad_request_argument_names_the_problem() -> None:
    with pytest.raises(TypeError, match="request object or a WSGI environ"):
        make_conditional(FakeResponse(), "GET /")


# --- If-None-Match / If-Modified-Since -> 304 -------------------------------


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (ETAG, 304),
        ('W/"v1"', 304),  # weak comparison for If-None-Match
        ('"other", "v1"', 304),
        ("*", 304),
        ('"other"', 200),
        ('"v2"', 200),
    ],
)
def test_if_none_match(header: str, status: int) -> None:
    assert run(environ(if_none_match=header)).status_code == status


def test_if_none_match_against_weak_response_etag() -> None:
    resp = FakeResponse(etag='W/"v1"')
    assert run(environ(if_none_match='"v1"'), resp).status_code == 304


def test_if_none_match_without_response_etag_only_star_matches() -> None:
    assert run(environ(if_none_match='"v1"'), FakeResponse(etag=None)).status_code == 200
    assert run(environ(if_none_match="*"), FakeResponse(etag=None)).status_code == 304


@pytest.mark.parametrize(
    ("since", "status"),
    [(LAST_MODIFIED, 304), (LATER, 304), (EARLIER, 200), ("not a date", 200), ("", 200)],
)
def test_if_modified_since(since: str, status: int) -> None:
    assert run(environ(if_modified_since=since)).status_code == status


def test_if_none_match_takes_precedence_over_if_modified_since() -> None:
    env = environ(if_none_match='"other"', if_modified_since=LATER)
    assert run(env).status_code == 200


def test_head_gets_304_too() -> None:
    assert run(environ("HEAD", if_none_match=ETAG)).status_code == 304


def test_304_keeps_the_body_for_the_server_to_close() -> None:
    # make_conditional() itself leaves a 304's body alone (the response
    # machinery sends none); send_file closes its file eagerly.
    resp = run(environ(if_none_match=ETAG))
    assert resp.response is resp.body


# --- If-Match / If-Unmodified-Since -> 412 ----------------------------------


@pytest.mark.parametrize(
    ("header", "status"),
    [(ETAG, 200), ('"a", "v1"', 200), ("*", 200), ('"other"', 412), ('W/"v1"', 412)],
)
def test_if_match(header: str, status: int) -> None:
    assert run(environ(if_match=header)).status_code == status


def test_if_match_uses_strong_comparison() -> None:
    assert run(environ(if_match='"v1"'), FakeResponse(etag='W/"v1"')).status_code == 412


def test_if_match_without_response_etag() -> None:
    assert run(environ(if_match='"v1"'), FakeResponse(etag=None)).status_code == 412
    assert run(environ(if_match="*"), FakeResponse(etag=None)).status_code == 200


def test_412_drops_and_closes_the_body() -> None:
    resp = run(environ(if_match='"nope"'))
    assert resp.status_code == 412
    assert resp.body.closed
    assert resp.data() == b""
    assert resp.headers["Content-Length"] == "0"


@pytest.mark.parametrize(
    ("since", "status"), [(EARLIER, 412), (LAST_MODIFIED, 200), (LATER, 200), ("junk", 200)]
)
def test_if_unmodified_since(since: str, status: int) -> None:
    assert run(environ(if_unmodified_since=since)).status_code == status


def test_if_match_overrides_if_unmodified_since() -> None:
    assert run(environ(if_match=ETAG, if_unmodified_since=EARLIER)).status_code == 200


def test_evaluate_preconditions_accepts_datetimes_and_timestamps() -> None:
    from datetime import datetime, timezone

    modified = datetime(2015, 10, 21, 7, 28, 0, 999_999, tzinfo=timezone.utc)
    env = environ(if_modified_since=LAST_MODIFIED)
    # microseconds are ignored: HTTP dates have one-second resolution
    assert evaluate_preconditions(env, None, modified) == 304
    assert evaluate_preconditions(env, None, modified.timestamp()) == 304
    assert evaluate_preconditions(env, None, modified.replace(tzinfo=None)) == 304
    assert evaluate_preconditions(env, None, modified.timestamp() + 2) == 200


# --- Range -> 206 / 416 -----------------------------------------------------


def ranged(header: str, **extra: str) -> FakeResponse:
    return run(environ(range=header, **extra), accept_ranges=True, complete_length=len(BODY))


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-3", 0, 4),
        ("bytes=5-5", 5, 6),
        ("bytes=15-", 15, 20),
        ("bytes=-4", 16, 20),
        ("bytes=10-1000", 10, 20),  # end clamped to the length
        ("bytes=-1000", 0, 20),  # suffix longer than the body: all of it
        ("bytes=19-19", 19, 20),
        (" bytes = 2-4 ", 2, 5),
    ],
)
def test_single_range(header: str, start: int, stop: int) -> None:
    resp = ranged(header)
    assert resp.status_code == 206
    assert resp.headers["Content-Range"] == f"bytes {start}-{stop - 1}/20"
    assert resp.headers["Content-Length"] == str(stop - start)
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.data() == BODY[start:stop]


@pytest.mark.parametrize(
    "header", ["bytes=20-", "bytes=25-30", "bytes=abc", "bytes=5-2", "bytes", "bytes=-"]
)
def test_unsatisfiable_or_malformed_range_is_416(header: str) -> None:
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        ranged(header)
    assert info.value.code == 416
    assert ("Content-Range", "bytes */20") in info.value.get_headers()


def test_multiple_ranges_get_the_whole_body() -> None:
    resp = ranged("bytes=0-1,5-6")
    assert resp.status_code == 200
    assert "Content-Range" not in resp.headers
    assert resp.data() == BODY


def test_unknown_range_unit_is_ignored() -> None:
    resp = ranged("items=0-1")
    assert resp.status_code == 200
    assert resp.data() == BODY


def test_range_needs_accept_ranges_and_a_length() -> None:
    assert run(environ(range="bytes=0-1")).status_code == 200
    resp = run(environ(range="bytes=0-1"), accept_ranges=True, complete_length=None)
    assert resp.status_code == 200
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert run(environ(range="bytes=0-1"), accept_ranges=True, complete_length=0).status_code == 200


def test_custom_accept_ranges_value() -> None:
    assert run(environ(), accept_ranges="none").headers["Accept-Ranges"] == "none"


def test_head_ignores_range() -> None:
    resp = run(environ("HEAD", range="bytes=0-1"), accept_ranges=True, complete_length=20)
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        (ETAG, 206),
        ('"v0"', 200),
        ('W/"v1"', 200),  # weak validators never satisfy If-Range
        (LAST_MODIFIED, 206),
        (EARLIER, 200),
        (LATER, 200),  # the date must match exactly
        ("garbage", 200),
    ],
)
def test_if_range(if_range: str, status: int) -> None:
    resp = ranged("bytes=0-3", if_range=if_range)
    assert resp.status_code == status
    assert resp.data() == (BODY[:4] if status == 206 else BODY)


def test_if_range_with_weak_response_etag_sends_everything() -> None:
    resp = FakeResponse(etag='W/"v1"')
    env = environ(range="bytes=0-3", if_range='"v1"')
    assert run(env, resp, accept_ranges=True, complete_length=20).status_code == 200


def test_preconditions_win_over_range() -> None:
    resp = ranged("bytes=0-3", if_none_match=ETAG)
    assert resp.status_code == 304
    resp = ranged("bytes=0-3", if_match='"other"')
    assert resp.status_code == 412


def test_range_result_closes_the_file_on_close() -> None:
    resp = ranged("bytes=2-5")
    iterator = iter(resp.response)
    next(iterator)
    resp.response.close()  # the server calls close() when the client goes away
    assert resp.body.closed


def test_content_length_calculated_when_the_response_can() -> None:
    class Auto(FakeResponse):
        automatically_set_content_length = True

        def calculate_content_length(self) -> int:
            return 42

    resp = Auto()
    del resp.headers["Content-Length"]
    assert run(environ(), resp).headers["Content-Length"] == "42"


# --- RangeWrapper -----------------------------------------------------------


@pytest.mark.parametrize("seekable", [True, False])
@pytest.mark.parametrize("chunk", [1, 3, 7, 20, 64])
def test_range_wrapper_every_window(seekable: bool, chunk: int) -> None:
    for start, length in itertools.product(range(20), range(1, 21)):
        if start + length > 20:
            continue
        body = Body(chunk=chunk, seekable=seekable)
        data = b"".join(RangeWrapper(body, start, length))
        assert data == BODY[start : start + length], (start, length, chunk)
        assert body.seeks == ([start] if seekable else [])


def test_range_wrapper_over_a_list_of_chunks() -> None:
    chunks = [b"01", b"", b"234", b"56789"]
    assert b"".join(RangeWrapper(chunks, 1, 7)) == b"1234567"


def test_range_wrapper_seeks_a_server_file_wrapper_filelike() -> None:
    class ServerWrapper:  # the shape of wsgiref's / gunicorn's FileWrapper
        def __init__(self, filelike: io.BytesIO) -> None:
            self.filelike = filelike
            self.closed = False

        def __iter__(self) -> t.Iterator[bytes]:
            return iter(lambda: self.filelike.read(4), b"")

        def close(self) -> None:
            self.closed = True

    class CountingFile(io.BytesIO):
        bytes_read = 0

        def read(self, size: int | None = -1) -> bytes:
            data = super().read(size)
            self.bytes_read += len(data)
            return data

    wrapper = ServerWrapper(CountingFile(BODY))
    ranged_body = RangeWrapper(wrapper, 12, 5)
    assert b"".join(ranged_body) == BODY[12:17]
    # it seeked to 12 instead of reading (and discarding) the first 12 bytes
    assert wrapper.filelike.bytes_read == 8
    ranged_body.close()
    assert wrapper.closed


def test_range_wrapper_stops_at_a_short_body() -> None:
    assert b"".join(RangeWrapper([b"abc"], 1, 10)) == b"bc"


def test_select_range_ignores_non_get_and_absent_header() -> None:
    assert select_range(environ(), 20) is None
    assert select_range(environ("POST", range="bytes=0-1"), 20) is None
    assert select_range(environ(range="bytes=0-1"), 20) == (0, 2)


# --- differential: the cases where Werkzeug follows the RFC too ----------------

import werkzeug.wrappers as werkzeug_wrappers  # noqa: E402 - the oracle, in the test extra


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"if_none_match": ETAG},
        {"if_none_match": '"x"'},
        {"if_none_match": 'W/"v1"'},
        {"if_modified_since": LAST_MODIFIED},
        {"if_modified_since": EARLIER},
        {"if_match": ETAG},
        {"if_match": '"x"'},
        {"range": "bytes=0-3"},
        {"range": "bytes=15-"},
        {"range": "bytes=-4"},
        {"range": "bytes=3-100"},
        {"range": "bytes=0-3", "if_range": ETAG},
        {"range": "bytes=0-3", "if_range": '"x"'},
        {"range": "bytes=0-3", "if_range": LAST_MODIFIED},
        {"range": "bytes=0-3", "if_range": EARLIER},
        {"range": "bytes=50-"},
        {"range": "bytes=x-y"},
    ],
)
def test_matches_werkzeug(headers: dict[str, str]) -> None:
    def werkzeug_response() -> t.Any:
        resp = werkzeug_wrappers.Response(Body(), direct_passthrough=True)
        resp.headers["ETag"] = ETAG
        resp.headers["Last-Modified"] = LAST_MODIFIED
        resp.headers["Content-Length"] = "20"
        return resp

    def outcome(fn: t.Callable[[t.Any], t.Any]) -> tuple[t.Any, ...]:
        resp = werkzeug_response()
        try:
            fn(resp)
        except RequestedRangeNotSatisfiable:
            return (416,)
        except Exception as exc:  # Werkzeug's own 416 class
            assert getattr(exc, "code", None) == 416, exc
            return (416,)
        body = b"".join(resp.response) if resp.status_code in (200, 206) else None
        picked = {
            k: resp.headers.get(k) for k in ("Content-Range", "Content-Length", "Accept-Ranges")
        }
        return resp.status_code, picked, body

    env = environ(**headers)
    ours = outcome(lambda r: make_conditional(r, dict(env), accept_ranges=True, complete_length=20))
    theirs = outcome(
        lambda r: r.make_conditional(dict(env), accept_ranges=True, complete_length=20)
    )
    if ours[0] == 412:  # hipflask drops a 412's body (see make_conditional's docstring)
        assert theirs[0] == 412
    else:
        assert ours == theirs
