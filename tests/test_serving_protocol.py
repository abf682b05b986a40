"""The development server's HTTP parsing and framing, driven over a socketpair.

No ports, no processes: a ``WSGIRequestHandler`` serves one end of a socketpair in a thread
while the test writes raw bytes to the other end and parses what comes back.
"""

from __future__ import annotations

import pytest
from _procs import procs

from hipflask.serving import WSGIRequestHandler

FakeServer = procs.FakeServer
Recorder = procs.Recorder
serve = procs.serve
get = procs.get


# -- environ ------------------------------------------------------------------------------


def test_environ_for_a_simple_request():
    app = Recorder()
    raw = serve(app, get("/a%20b/c?x=1&y=%20", b"User-Agent: t\r\n"))
    [response] = procs.parse_responses(raw)
    assert response.status == 200
    assert response.body == b"GET /a b/c body=0"
    environ, _ = app.calls[0]
    assert environ["PATH_INFO"] == "/a b/c"
    assert environ["QUERY_STRING"] == "x=1&y=%20"
    assert environ["REQUEST_URI"] == environ["RAW_URI"] == "/a%20b/c?x=1&y=%20"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["HTTP_USER_AGENT"] == "t"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["REMOTE_PORT"] == 54321
    assert environ["SERVER_NAME"] == "127.0.0.1"
    assert environ["SERVER_PORT"] == "5000"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.multithread"] is True
    assert "wsgi.input_terminated" not in environ
    assert "CONTENT_LENGTH" not in environ
    assert callable(environ["wsgi.file_wrapper"])
    assert response.header("Server") == "hipflask/test"
    assert response.header("Date")


def test_double_slash_path_is_a_path_not_an_authority():
    app = Recorder()
    raw = serve(app, get("//evil.com/x?next=//evil.com"))
    [response] = procs.parse_responses(raw)
    assert response.status == 200
    environ, _ = app.calls[0]
    assert environ["PATH_INFO"] == "//evil.com/x"
    assert environ["QUERY_STRING"] == "next=//evil.com"
    assert environ["HTTP_HOST"] == "localhost"


def test_absolute_form_target_sets_the_host():
    app = Recorder()
    serve(app, b"GET http://example.com:8080/p?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
    environ, _ = app.calls[0]
    assert environ["HTTP_HOST"] == "example.com:8080"
    assert environ["PATH_INFO"] == "/p"
    assert environ["QUERY_STRING"] == "q=1"


def test_percent_encoded_utf8_reaches_the_app_as_latin1_bytes():
    app = Recorder()
    serve(app, get("/caf%C3%A9/%2F"))
    environ, _ = app.calls[0]
    assert environ["PATH_INFO"] == "/café//".encode().decode("latin-1")


def test_header_names_with_underscores_are_dropped_and_duplicates_joined():
    app = Recorder()
    extra = (
        b"X-Forwarded-For: 1.1.1.1\r\nX_Forwarded_For: 6.6.6.6\r\n"
        b"X-A: 1\r\nX-A: 2\r\nCookie: a=1\r\nCookie: b=2\r\n"
    )
    serve(app, get("/", extra))
    environ, _ = app.calls[0]
    assert environ["HTTP_X_FORWARDED_FOR"] == "1.1.1.1"
    assert environ["HTTP_X_A"] == "1,2"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"


def test_options_asterisk():
    app = Recorder()
    serve(app, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
    assert app.paths == ["*"]


# -- refusing malformed requests ----------------------------------------------------------

MALFORMED = {
    "garbage": b"GARBAGE\r\n\r\n",
    "http/0.9": b"GET /\r\n\r\n",
    "double space": b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad method": b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "control char in target": b"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad version": b"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
    "space in header name": b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
    "space before colon": b"GET / HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n",
    "no colon": b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
    "obsolete folding": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
    "nul in value": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "bare cr in value": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
    "bare lf line endings": b"GET / HTTP/1.1\nHost: x\n\n",
    "missing host": b"GET / HTTP/1.1\r\n\r\n",
    "two hosts": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "host with path": b"GET / HTTP/1.1\r\nHost: evil.com/x\r\n\r\n",
    "host with userinfo": b"GET / HTTP/1.1\r\nHost: a@evil.com\r\n\r\n",
    "asterisk for GET": b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    "relative target": b"GET x/y HTTP/1.1\r\nHost: x\r\n\r\n",
    "ftp absolute target": b"GET ftp://x/y HTTP/1.1\r\nHost: x\r\n\r\n",
    "non-numeric length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "negative length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "plus length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\nx",
    "conflicting lengths": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
    "length list": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nxx",
    "huge length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999999999999\r\n\r\n",
    "length and chunked": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n"
    ),
    "chunked in http/1.0": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_request_gets_400_and_the_connection_closes(raw):
    app = Recorder()
    # A valid request after the bad one must not be served: the connection is closed.
    out = serve(app, raw + get("/after"))
    responses = procs.parse_responses(out)
    assert [r.status for r in responses] == [400]
    assert responses[0].header("Connection") == "close"
    assert b"<h1>Bad Request</h1>" in responses[0].body
    assert app.calls == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET / HTTP/3.1\r\nHost: x\r\n\r\n", 505),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 501),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            501,
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417),
    ],
)
def test_unsupported_requests(raw, status):
    app = Recorder()
    responses = procs.parse_responses(serve(app, raw))
    assert [r.status for r in responses] == [status]
    assert app.calls == []


def test_header_section_over_64k_is_431():
    app = Recorder()
    big = b"X-Big: " + b"a" * 70000 + b"\r\n"
    responses = procs.parse_responses(serve(app, get("/", big)))
    assert [r.status for r in responses] == [431]
    assert app.calls == []


def test_many_small_headers_adding_up_to_over_64k_is_431():
    app = Recorder()
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 200) for i in range(400))
    responses = procs.parse_responses(serve(app, get("/", many)))
    assert [r.status for r in responses] == [431]


def test_just_under_the_header_limit_is_served():
    app = Recorder()
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 500) for i in range(100))
    responses = procs.parse_responses(serve(app, get("/", headers)))
    assert [r.status for r in responses] == [200]


def test_request_line_over_64k_is_414():
    app = Recorder()
    responses = procs.parse_responses(serve(app, get("/" + "a" * 70000)))
    assert [r.status for r in responses] == [414]


def test_head_error_response_has_no_body():
    out = serve(Recorder(), b"HEAD / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 ")
    assert out.endswith(b"\r\n\r\n")


# -- keep-alive and framing ---------------------------------------------------------------


def test_pipelined_requests_on_one_connection_are_answered_in_order():
    app = Recorder()
    out = serve(app, get("/one") + get("/two") + get("/three"))
    responses = procs.parse_responses(out)
    assert [r.body for r in responses] == [
        b"GET /one body=0",
        b"GET /two body=0",
        b"GET /three body=0",
    ]
    assert all(r.header("Connection") is None for r in responses)


def test_connection_close_request_ends_the_connection():
    app = Recorder()
    out = serve(app, get("/one", b"Connection: close\r\n") + get("/two"))
    responses = procs.parse_responses(out)
    assert [r.status for r in responses] == [200]
    assert responses[0].header("Connection") == "close"
    assert app.paths == ["/one"]


def test_single_threaded_server_does_not_keep_connections_alive():
    app = Recorder()
    responses = procs.parse_responses(serve(app, get("/one") + get("/two"), multithread=False))
    assert [r.status for r in responses] == [200]
    assert responses[0].header("Connection") == "close"


def test_http10_response_without_length_is_delimited_by_close():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello ", b"world"]

    out = serve(app, get("/", version=b"HTTP/1.0") + get("/again"))
    responses = procs.parse_responses(out)
    assert len(responses) == 1
    assert responses[0].header("Transfer-Encoding") is None
    assert responses[0].header("Connection") == "close"
    assert responses[0].body == b"hello world"


def test_unknown_length_response_is_chunked_and_keeps_the_connection():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"", b"hello ", b"", b"world"])

    responses = procs.parse_responses(serve(app, get("/a") + get("/b")))
    assert [r.body for r in responses] == [b"hello world", b"hello world"]
    assert all(r.header("Transfer-Encoding") == "chunked" for r in responses)


def test_empty_unknown_length_response():
    def app(environ, start_response):
        start_response("200 OK", [])
        return []

    [response] = procs.parse_responses(serve(app, get("/")))
    assert response.body == b""
    assert response.header("Transfer-Encoding") == "chunked"


def test_head_sends_headers_only_and_keeps_the_connection():
    app = Recorder()
    out = serve(app, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/next"))
    responses = procs.parse_responses(out, head_requests=1)
    assert responses[0].header("Content-Length") == str(len(b"HEAD / body=0"))
    assert responses[1].body == b"GET /next body=0"


def test_no_body_and_no_chunking_for_204_and_304():
    def app(environ, start_response):
        start_response(environ["PATH_INFO"][1:] + " X", [])
        return [b"ignored"]

    out = serve(app, get("/204") + get("/304"))
    assert b"Transfer-Encoding" not in out
    assert b"ignored" not in out
    assert out.count(b"HTTP/1.1 ") == 2


# -- request bodies -----------------------------------------------------------------------


def test_content_length_body():
    app = Recorder()
    raw = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 0005\r\n\r\nhello" + get("/next")
    responses = procs.parse_responses(serve(app, raw))
    assert [r.body for r in responses] == [b"POST /p body=5", b"GET /next body=0"]
    assert app.calls[0][0]["CONTENT_LENGTH"] == "5"
    assert app.calls[0][1] == b"hello"


def test_chunked_body_is_fed_to_the_app_as_a_stream():
    app = Recorder()
    body = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: yes\r\n\r\n"
    raw = (
        b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n" + body + get("/next")
    )
    responses = procs.parse_responses(serve(app, raw))
    assert [r.body for r in responses] == [b"POST /up body=11", b"GET /next body=0"]
    environ, data = app.calls[0]
    assert data == b"hello world"
    assert environ["wsgi.input_terminated"] is True
    assert "CONTENT_LENGTH" not in environ


def test_chunked_body_read_line_by_line_and_in_small_pieces():
    seen = []

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        seen.append(stream.readline())
        seen.append(stream.read(3))
        seen.append(list(stream))
        seen.append(stream.read())
        start_response("204 No Content", [])
        return []

    body = b"4\r\nab\nc\r\n3\r\nd\nx\r\n2\r\nyz\r\n0\r\n\r\n"
    serve(app, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    assert seen == [b"ab\n", b"cd\n", [b"xyz"], b""]


MALFORMED_CHUNKS = {
    "0x prefix": b"0x5\r\nhello\r\n0\r\n\r\n",
    "negative": b"-5\r\nhello\r\n0\r\n\r\n",
    "not hex": b"zz\r\nhello\r\n0\r\n\r\n",
    "too many digits": b"00000000000000005\r\nhello\r\n0\r\n\r\n",
    "no crlf after data": b"5\r\nhelloXX0\r\n\r\n",
    "bare lf size line": b"5\nhello\r\n0\r\n\r\n",
    "empty size": b"\r\nhello\r\n0\r\n\r\n",
    "bad trailer": b"0\r\nno colon here\r\n\r\n",
}


@pytest.mark.parametrize("body", MALFORMED_CHUNKS.values(), ids=MALFORMED_CHUNKS.keys())
def test_malformed_chunked_body_is_a_400_and_closes(body):
    app = Recorder()
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body + get("/after")
    responses = procs.parse_responses(serve(app, raw))
    assert [r.status for r in responses] == [400]
    assert responses[0].header("Connection") == "close"
    assert app.paths == []  # the app raised while reading; nothing after it was served


def test_body_cut_short_is_a_client_error_not_a_500():
    app = Recorder()
    out = serve(app, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort")
    assert out.startswith(b"HTTP/1.1 400 ")


# -- smuggling ----------------------------------------------------------------------------


def test_unread_body_is_drained_and_never_parsed_as_a_request():
    app = Recorder(read_body=False)
    hidden = get("/smuggled")
    raw = (
        b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(hidden)
        + hidden
        + get("/next")
    )
    responses = procs.parse_responses(serve(app, raw))
    assert app.paths == ["/form", "/next"]
    assert [r.status for r in responses] == [200, 200]


def test_unread_chunked_body_is_drained_and_never_parsed_as_a_request():
    app = Recorder(read_body=False)
    hidden = get("/smuggled")
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(hidden), hidden)
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body + get("/next")
    serve(app, raw)
    assert app.paths == ["/", "/next"]


def test_cl_te_desync_attempt_is_refused():
    app = Recorder(read_body=False)
    raw = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nG" + get("/smuggled")
    )
    responses = procs.parse_responses(serve(app, raw))
    assert [r.status for r in responses] == [400]
    assert app.paths == []


def test_te_obfuscation_with_tab_is_not_accepted_as_chunked():
    app = Recorder()
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n"
    responses = procs.parse_responses(serve(app, raw))
    assert [r.status for r in responses] == [400]


def test_body_over_the_drain_limit_closes_the_connection():
    app = Recorder(read_body=False)
    size = 2 * 1024 * 1024
    raw = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size
        + b"x" * size
        + get("/next")
    )

    def feed(client):
        try:
            client.sendall(raw)
        except OSError:
            pass  # the server stops reading once it has decided to close

    responses = procs.parse_responses(serve(app, b"", feed=feed))
    assert [r.status for r in responses] == [200]
    assert responses[0].header("Connection") == "close"
    assert app.paths == ["/"]


class SmallDrain(WSGIRequestHandler):
    max_drain_bytes = 10


def test_chunked_body_over_the_drain_limit_closes_the_connection():
    app = Recorder(read_body=False)
    body = b"20\r\n" + b"x" * 32 + b"\r\n0\r\n\r\n"
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body + get("/next")
    responses = procs.parse_responses(serve(app, raw, handler_class=SmallDrain))
    assert [r.status for r in responses] == [200]
    assert app.paths == ["/"]


# -- Expect: 100-continue -----------------------------------------------------------------


def test_100_continue_is_sent_when_the_app_reads_the_body():
    app = Recorder(read_body=True)
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"
    out = serve(app, raw)
    assert out.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ")
    assert app.calls[0][1] == b"hi"


def test_no_100_continue_when_the_app_answers_without_reading():
    app = Recorder(read_body=False, status="413 Request Entity Too Large")
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
    out = serve(app, raw)
    [response] = procs.parse_responses(out)
    assert response.status == 413
    assert response.header("Connection") == "close"
    assert b"100 Continue" not in out
