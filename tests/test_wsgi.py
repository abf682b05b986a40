"""hipflask.wsgi: Content-Length, bounded input streams, host and URL reconstruction."""

from __future__ import annotations

import io
import typing as t

import pytest
from werkzeug import wsgi as wwsgi

from hipflask.exceptions import BadHost, BadRequest, ClientDisconnected, RequestEntityTooLarge
from hipflask.wsgi import (
    ClosingIterator,
    FileWrapper,
    LimitedStream,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
    get_path_info,
    responder,
    wrap_file,
)


def _environ(**extra: t.Any) -> dict[str, t.Any]:
    environ: dict[str, t.Any] = {
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
    }
    environ.update(extra)
    return environ


class TrickleStream(io.RawIOBase):
    """A client stream that returns at most *chunk* bytes per read and may end early."""

    def __init__(self, data: bytes, chunk: int = 3) -> None:
        self.data = data
        self.chunk = chunk
        self.reads: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        self.reads.append(size)
        if size is None or size < 0:
            size = len(self.data)
        out, self.data = self.data[: min(size, self.chunk)], self.data[min(size, self.chunk) :]
        return out

    def readline(self, size: int = -1) -> bytes:  # type: ignore[override]
        self.reads.append(size)
        end = self.data.find(b"\n") + 1 or len(self.data)
        if size is not None and size >= 0:
            end = min(end, size)
        out, self.data = self.data[:end], self.data[end:]
        return out


class FailingStream(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        raise OSError("connection reset")


# -- Content-Length -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("0", 0), ("42", 42), (" 7 ", 7), ("", 0), ("123456789012", 123456789012)],
)
def test_get_content_length_valid(value: str | None, expected: int | None) -> None:
    environ = {} if value is None else {"CONTENT_LENGTH": value}
    assert get_content_length(environ) == expected


@pytest.mark.parametrize("value", ["abc", "-1", "-0", "+5", "1.5", "1_000", "١٢", "0x10", "5 5"])
def test_get_content_length_rejects_non_numeric_and_negative(value: str) -> None:
    with pytest.raises(BadRequest) as info:
        get_content_length({"CONTENT_LENGTH": value})
    assert info.value.code == 400
    assert "Content-Length" in (info.value.description or "")


def test_chunked_body_has_no_content_length() -> None:
    environ = {"CONTENT_LENGTH": "10", "HTTP_TRANSFER_ENCODING": "gzip, Chunked"}
    assert get_content_length(environ) is None
    environ["HTTP_TRANSFER_ENCODING"] = "notchunked"
    assert get_content_length(environ) == 10


# -- LimitedStream ------------------------------------------------------------------------


def test_limited_stream_never_reads_past_limit() -> None:
    source = io.BytesIO(b"hello world, and more that must stay unread")
    stream = LimitedStream(source, 5)
    assert stream.read() == b"hello"
    assert source.tell() == 5
    assert stream.read() == b""
    assert stream.read(10) == b""
    assert stream.is_exhausted
    assert stream.tell() == 5


def test_limited_stream_partial_reads_and_lines() -> None:
    stream = LimitedStream(TrickleStream(b"ab\ncd\nef\ngh+unread", chunk=2), 11)
    assert stream.readline() == b"ab\n"
    assert stream.read(1) == b"c"
    assert stream.readline() == b"d\n"
    assert stream.readline(1) == b"e"
    assert stream.readlines() == [b"f\n", b"gh"]
    assert stream.read() == b""


def test_limited_stream_readall_with_trickling_client() -> None:
    source = TrickleStream(b"x" * 1000, chunk=7)
    stream = LimitedStream(source, 1000)
    assert stream.read() == b"x" * 1000
    assert all(size <= 1000 for size in source.reads)


def test_limited_stream_readall_one_read_and_many() -> None:
    # One read when the body fits (returned as is), chunked reads past 64 KiB, each kind
    # stopping exactly at the limit and leaving the stream exhausted.
    small = LimitedStream(io.BytesIO(b"abc" + b"rest"), 3)
    assert small.read() == b"abc"
    assert small.is_exhausted and small.read() == b""
    body = bytes(range(256)) * 600  # 153,600 bytes: three 64 KiB reads
    source = io.BytesIO(body + b"unread")
    big = LimitedStream(source, len(body))
    assert big.read() == body
    assert source.tell() == len(body)
    with pytest.raises(ClientDisconnected):
        LimitedStream(io.BytesIO(body), len(body) + 1).read()
    over = LimitedStream(io.BytesIO(body), 100_000, is_max=True)
    with pytest.raises(RequestEntityTooLarge):
        over.read()
    early = LimitedStream(TrickleStream(body, chunk=50_000), 200_000, is_max=True)
    assert early.read() == body


def test_limited_stream_finalizer() -> None:
    # LimitedStream skips IOBase's finalizer (its close() releases nothing, and the source
    # stays open as before); a subclass overriding close() still has it called at the end.
    source = io.BytesIO(b"abc")
    stream = LimitedStream(source, 3)
    assert stream.read() == b"abc" and not stream.closed
    del stream
    assert not source.closed
    calls = []

    class Closing(LimitedStream):
        def close(self) -> None:
            calls.append("close")
            super().close()

    closing = Closing(io.BytesIO(b"abc"), 3)
    del closing
    assert calls == ["close"]


def test_limited_stream_readinto() -> None:
    stream = LimitedStream(io.BytesIO(b"abcdef"), 4)
    buf = bytearray(10)
    assert stream.readinto(buf) == 4
    assert bytes(buf[:4]) == b"abcd"
    assert stream.readinto(buf) == 0


def test_short_body_raises_client_disconnected() -> None:
    stream = LimitedStream(io.BytesIO(b"only 10 b."), 100)
    with pytest.raises(ClientDisconnected):
        stream.read()
    stream = LimitedStream(io.BytesIO(b"abc"), 10)
    assert stream.read(3) == b"abc"
    with pytest.raises(ClientDisconnected):
        stream.read(3)
    short_lines = LimitedStream(io.BytesIO(b"ab"), 10)
    assert short_lines.readline() == b"ab"
    with pytest.raises(ClientDisconnected):
        short_lines.readline()


def test_stream_error_raises_client_disconnected() -> None:
    with pytest.raises(ClientDisconnected):
        LimitedStream(FailingStream(), 10).read(5)
    with pytest.raises(ClientDisconnected):
        LimitedStream(FailingStream(), 10, is_max=True).read(5)


def test_max_limit_raises_413_past_it_and_allows_early_end() -> None:
    stream = LimitedStream(io.BytesIO(b"x" * 20), 10, is_max=True)
    assert stream.read(10) == b"x" * 10
    with pytest.raises(RequestEntityTooLarge):
        stream.read(1)
    short = LimitedStream(io.BytesIO(b"abc"), 10, is_max=True)
    assert short.read() == b"abc"
    assert short.exhaust() == b""


def test_exhaust_returns_rest() -> None:
    stream = LimitedStream(io.BytesIO(b"abcdef"), 4)
    stream.read(1)
    assert stream.exhaust() == b"bcd"
    assert stream.exhaust() == b""


# -- get_input_stream --------------------------------------------------------------------


def test_input_stream_limited_to_content_length() -> None:
    source = io.BytesIO(b"body+smuggled request")
    stream = get_input_stream({"wsgi.input": source, "CONTENT_LENGTH": "4"})
    assert stream.read() == b"body"
    assert source.tell() == 4


def test_input_stream_without_length_is_empty_unless_allowed() -> None:
    source = io.BytesIO(b"data")
    assert get_input_stream({"wsgi.input": source}).read() == b""
    assert get_input_stream({"wsgi.input": source}, safe_fallback=False) is source


def test_input_stream_checks_max_before_reading() -> None:
    source = io.BytesIO(b"x" * 100)
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream({"wsgi.input": source, "CONTENT_LENGTH": "100"}, max_content_length=10)
    assert source.tell() == 0


def test_input_terminated_stream_enforces_max() -> None:
    source = io.BytesIO(b"x" * 100)
    environ = {"wsgi.input": source, "wsgi.input_terminated": True}
    assert get_input_stream(environ) is source
    stream = get_input_stream(environ, max_content_length=10)
    with pytest.raises(RequestEntityTooLarge):
        stream.read()  # never a silently truncated body
    source.seek(0)
    stream = get_input_stream(environ, max_content_length=10)
    assert stream.read(10) == b"x" * 10
    with pytest.raises(RequestEntityTooLarge):
        stream.read(1)
    exact = io.BytesIO(b"y" * 10)
    stream = get_input_stream(
        {"wsgi.input": exact, "wsgi.input_terminated": True}, max_content_length=10
    )
    assert stream.read() == b"y" * 10


def test_input_stream_bad_content_length_is_400() -> None:
    with pytest.raises(BadRequest):
        get_input_stream({"wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "-5"})


# -- host and URL -------------------------------------------------------------------------

HOST_CASES: list[dict[str, t.Any]] = [
    {"HTTP_HOST": "example.com"},
    {"HTTP_HOST": "example.com:80"},
    {"HTTP_HOST": "example.com:8080"},
    {"HTTP_HOST": "example.com:443", "wsgi.url_scheme": "https"},
    {"HTTP_HOST": "example.com:80", "wsgi.url_scheme": "https"},
    {"HTTP_HOST": "[::1]:5000"},
    {"HTTP_HOST": "[::1]"},
    {"HTTP_HOST": "EXAMPLE.com"},
    {"HTTP_HOST": "evil.com/path"},
    {"HTTP_HOST": "a b"},
    {"HTTP_HOST": ""},
    {"HTTP_HOST": "host\r\nx"},
    {"SERVER_NAME": "srv", "SERVER_PORT": "8000"},
    {"SERVER_NAME": "srv", "SERVER_PORT": "443", "wsgi.url_scheme": "https"},
    {"SERVER_NAME": "::1", "SERVER_PORT": "8000"},
    {"SERVER_NAME": "/tmp/sock", "SERVER_PORT": None},
    {"HTTP_HOST": "ws.example:80", "wsgi.url_scheme": "ws"},
]


@pytest.mark.parametrize("extra", HOST_CASES)
def test_get_host_matches_werkzeug(extra: dict[str, t.Any]) -> None:
    environ = {k: v for k, v in _environ(**extra).items() if v is not None}
    assert get_host(environ) == wwsgi.get_host(environ)


@pytest.mark.parametrize(
    ("host", "trusted", "ok"),
    [
        ("example.com", ["example.com"], True),
        ("example.com:8080", ["example.com"], True),
        ("sub.example.com", [".example.com"], True),
        ("example.com", [".example.com"], True),
        ("evil.com", ["example.com"], False),
        ("notexample.com", [".example.com"], False),
        ("bücher.example", ["xn--bcher-kva.example"], False),
        ("xn--bcher-kva.example", ["bücher.example"], True),
    ],
)
def test_get_host_trusted_hosts(host: str, trusted: list[str], ok: bool) -> None:
    environ = _environ(HTTP_HOST=host)
    if ok:
        assert get_host(environ, trusted) == host
    else:
        with pytest.raises(BadHost) as info:
            get_host(environ, trusted)
        assert info.value.code == 400


URL_CASES: list[dict[str, t.Any]] = [
    {},
    {"PATH_INFO": "/a/b", "QUERY_STRING": "x=1&y=2"},
    {"SCRIPT_NAME": "/app", "PATH_INFO": "/päth".encode().decode("latin1")},
    {
        "SCRIPT_NAME": "/ünï".encode().decode("latin1"),
        "PATH_INFO": "/a%2Fb/€".encode().decode("latin1"),
    },
    {"PATH_INFO": "/sp ace", "QUERY_STRING": "q=a%20b&r=ü".encode().decode("latin1")},
    {"HTTP_HOST": "xn--n3h.net", "PATH_INFO": "/%C3%A5"},
    {"wsgi.url_scheme": "https", "HTTP_HOST": "h:443", "SCRIPT_NAME": "/s/", "PATH_INFO": "/"},
]


URL_FLAGS = {
    "url": {},
    "url_root": {"root_only": True},
    "base_url": {"strip_querystring": True},
    "host_url": {"host_only": True},
}


@pytest.mark.parametrize("extra", URL_CASES)
@pytest.mark.parametrize("attribute", list(URL_FLAGS))
def test_get_current_url_matches_werkzeug_request(extra: dict[str, t.Any], attribute: str) -> None:
    from werkzeug.wrappers import Request as WRequest

    environ = _environ(**extra)
    assert get_current_url(environ, **URL_FLAGS[attribute]) == getattr(WRequest(environ), attribute)


def test_get_current_url_decodes_utf8_path_unlike_werkzeug_wsgi_helper() -> None:
    environ = _environ(PATH_INFO="/dump/€".encode().decode("latin1"), QUERY_STRING="q=%E2%82%AC")
    assert get_current_url(environ) == "http://localhost/dump/€?q=€"
    # werkzeug.wsgi.get_current_url quotes the latin-1 text as is (mojibake).
    assert wwsgi.get_current_url(environ) != get_current_url(environ)
    invalid = _environ(PATH_INFO="/\xff")
    assert get_current_url(invalid) == "http://localhost/\ufffd"


def test_get_path_info_decodes_utf8() -> None:
    environ = _environ(PATH_INFO="/ü".encode().decode("latin1"))
    assert get_path_info(environ) == "/ü"
    assert get_path_info(_environ(PATH_INFO="/\xff")) == "/\ufffd"


# -- response helpers ---------------------------------------------------------------------


def test_closing_iterator_calls_every_callback() -> None:
    calls: list[str] = []

    class Body:
        def __iter__(self) -> t.Iterator[bytes]:
            return iter([b"a", b"b"])

        def close(self) -> None:
            calls.append("body")

    def failing() -> None:
        calls.append("failing")
        raise RuntimeError("cleanup failed")

    it = ClosingIterator(Body(), [failing, lambda: calls.append("last")])
    assert list(it) == [b"a", b"b"]
    with pytest.raises(RuntimeError):
        it.close()
    assert calls == ["body", "failing", "last"]
    single = ClosingIterator([b"x"], lambda: calls.append("single"))
    single.close()
    assert calls[-1] == "single"


def test_file_wrapper_and_wrap_file() -> None:
    f = io.BytesIO(b"abcdefg")
    wrapper = FileWrapper(f, 3)
    assert wrapper.seekable()
    assert list(wrapper) == [b"abc", b"def", b"g"]
    wrapper.seek(1)
    assert wrapper.tell() == 1
    wrapper.close()
    assert f.closed
    seen: list[tuple[t.Any, int]] = []

    def server_wrapper(file: t.Any, size: int) -> list[bytes]:
        seen.append((file, size))
        return [b"native"]

    g = io.BytesIO(b"x")
    assert wrap_file({"wsgi.file_wrapper": server_wrapper}, g, 10) == [b"native"]
    assert seen == [(g, 10)]
    assert isinstance(wrap_file({}, g), FileWrapper)


def test_responder_calls_returned_app() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
        start_response("200 OK", [])
        return [environ["PATH_INFO"].encode()]

    @responder
    def application(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        return app

    statuses: list[str] = []
    assert application(_environ(PATH_INFO="/x"), lambda s, h: statuses.append(s)) == [b"/x"]
    assert statuses == ["200 OK"]
