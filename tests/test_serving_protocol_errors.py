"""The development server with misbehaving applications and clients, over a socketpair.

No ports, no processes: a ``WSGIRequestHandler`` serves one end of a socketpair in a thread
while the test writes raw bytes to the other end and parses what comes back.
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import threading
import time

import pytest
from _procs import procs

from hipflask.serving import WSGIRequestHandler
from hipflask.serving import log as _serving_log

FakeServer = procs.FakeServer
Recorder = procs.Recorder
serve = procs.serve
get = procs.get


# -- application errors -------------------------------------------------------------------


def test_exception_before_the_response_is_a_500(caplog):
    def app(environ, start_response):
        raise RuntimeError("boom in view")

    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        out = serve(app, get("/"))
    [response] = procs.parse_responses(out)
    assert response.status == 500
    assert b"boom" not in response.body  # no exception text in the page
    assert "Error on request" in caplog.text
    assert "RuntimeError: boom in view" in caplog.text


def test_exception_in_the_middle_of_a_chunked_body_cuts_the_connection():
    def app(environ, start_response):
        start_response("200 OK", [])
        yield b"partial"
        raise RuntimeError("late")

    out = serve(app, get("/") + get("/next"))
    assert out.startswith(b"HTTP/1.1 200 ")
    assert b"7\r\npartial\r\n" in out
    assert not out.endswith(b"0\r\n\r\n")  # no terminating chunk: the client sees the failure
    assert out.count(b"HTTP/1.1 ") == 1


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Evil", "a\r\nSet-Cookie: pwned=1")],
        [("X-Evil", "a\nb")],
        [("Bad Name", "v")],
        [("X-Null", "a\x00")],
    ],
)
def test_header_injection_by_the_app_is_refused(headers):
    def app(environ, start_response):
        start_response("200 OK", headers)
        return [b"ok"]

    out = serve(app, get("/"))
    assert out.startswith(b"HTTP/1.1 500 ")
    assert b"pwned" not in out


def test_app_yielding_str_is_a_500():
    def app(environ, start_response):
        start_response("200 OK", [])
        return ["text"]

    assert serve(app, get("/")).startswith(b"HTTP/1.1 500 ")


def test_body_longer_than_content_length_is_truncated_and_closed():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "3")])
        return [b"abcdef"]

    out = serve(app, get("/") + get("/next"))
    [response] = procs.parse_responses(out)
    assert response.body == b"abc"
    assert out.count(b"HTTP/1.1 ") == 1


def test_body_shorter_than_content_length_closes_the_connection():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "10")])
        return [b"abc"]

    out = serve(app, get("/") + get("/next"))
    assert out.count(b"HTTP/1.1 ") == 1


def test_start_response_with_exc_info_replaces_unsent_headers():
    def app(environ, start_response):
        start_response("200 OK", [("X-First", "1")])
        try:
            raise ValueError("x")
        except ValueError:
            start_response("500 Oops", [("Content-Length", "4")], sys.exc_info())
        return [b"oops"]

    [response] = procs.parse_responses(serve(app, get("/")))
    assert (response.status, response.reason, response.body) == (500, "Oops", b"oops")
    assert response.header("X-First") is None


def test_app_iterable_close_is_called():
    closed = []

    class Body:
        def __iter__(self):
            return iter([b"x"])

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [])
        return Body()

    serve(app, get("/"))
    assert closed == [True]


def test_file_wrapper_with_length_uses_the_file(tmp_path):
    data = bytes(range(256)) * 1000
    path = tmp_path / "blob.bin"
    path.write_bytes(data)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return environ["wsgi.file_wrapper"](open(path, "rb"), 4096)

    responses = procs.parse_responses(serve(app, get("/") + get("/")))
    assert [r.body == data for r in responses] == [True, True]


def test_file_wrapper_without_length_is_chunked(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"0123456789" * 1000)

    def app(environ, start_response):
        start_response("200 OK", [])
        return environ["wsgi.file_wrapper"](open(path, "rb"), 100)

    [response] = procs.parse_responses(serve(app, get("/")))
    assert response.header("Transfer-Encoding") == "chunked"
    assert response.body == b"0123456789" * 1000


def test_client_disconnect_mid_response_ends_quietly():
    closed = threading.Event()

    def app(environ, start_response):
        start_response("200 OK", [])

        def generate():
            try:
                while True:
                    yield b"x" * 65536
            finally:
                closed.set()

        return generate()

    def feed(client):
        client.sendall(get("/"))
        client.recv(1000)
        client.close()

    client, server_sock = socket.socketpair()
    errors = []

    def run():
        try:
            WSGIRequestHandler(server_sock, ("127.0.0.1", 1), FakeServer(app))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            server_sock.close()

    thread = threading.Thread(target=run)
    thread.start()
    feed(client)
    thread.join(20)
    assert not thread.is_alive()
    assert errors == []
    assert closed.is_set()


# -- timeouts -----------------------------------------------------------------------------


class QuickTimeouts(WSGIRequestHandler):
    request_header_timeout = 0.5
    keep_alive_timeout = 0.5
    timeout = 0.5


def test_a_client_stalling_in_the_headers_is_dropped_with_408():
    def feed(client):
        client.sendall(b"GET / HTTP/1.1\r\nHost:")

    out = serve(Recorder(), b"", handler_class=QuickTimeouts, close_write=False, feed=feed)
    assert out.startswith(b"HTTP/1.1 408 ")


def test_a_client_trickling_bytes_is_dropped_when_the_header_time_is_up():
    def feed(client):
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 30:
            try:
                client.sendall(bytes([byte]))
            except OSError:
                return
            time.sleep(0.05)

    out = serve(Recorder(), b"", handler_class=QuickTimeouts, close_write=False, feed=feed)
    assert out.startswith(b"HTTP/1.1 408 ")


def test_an_idle_keep_alive_connection_is_closed():
    app = Recorder()

    def feed(client):
        client.sendall(get("/"))

    out = serve(app, b"", handler_class=QuickTimeouts, close_write=False, feed=feed)
    assert [r.status for r in procs.parse_responses(out)] == [200]


def test_a_client_stalling_in_the_body_is_dropped():
    app = Recorder()

    def feed(client):
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")

    out = serve(app, b"", handler_class=QuickTimeouts, close_write=False, feed=feed)
    # The body read fails (ClientDisconnected is a 400); the server moves on.
    assert out.startswith(b"HTTP/1.1 400 ")
    assert app.calls == []


# -- logging ------------------------------------------------------------------------------

LOG_LINE = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4} \d\d:\d\d:\d\d\] "(.*)" (\d{3}) -$')


def test_request_log_lines_look_like_werkzeugs(caplog, monkeypatch):
    monkeypatch.setattr(_serving_log, "_use_colour", lambda: False)
    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        serve(Recorder(), get("/caf%C3%A9?x=%2F") + get("/a\x1bb".replace("\x1b", "%1B")))
    lines = [r.getMessage() for r in caplog.records]
    first = LOG_LINE.match(lines[0])
    assert first is not None, lines[0]
    assert first.groups() == ("GET /café?x=%2F HTTP/1.1", "200")
    assert "\x1b" not in "".join(lines)


def test_request_log_is_coloured_on_a_terminal(caplog, monkeypatch):
    monkeypatch.setattr(_serving_log, "_use_colour", lambda: True)

    def app(environ, start_response):
        start_response("404 NOT FOUND", [("Content-Length", "0")])
        return []

    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        serve(app, get("/missing"))
    assert "\x1b[33mGET /missing HTTP/1.1\x1b[0m" in caplog.records[0].getMessage()


def test_colour_only_when_stderr_is_a_tty(monkeypatch):
    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stderr", Stream(False))
    assert _serving_log._ansi_style("x", "red") == "x"
    monkeypatch.setattr(sys, "stderr", Stream(True))
    assert _serving_log._ansi_style("x", "red") == "\x1b[31mx\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert _serving_log._ansi_style("x", "red") == "x"


def test_control_characters_in_the_request_line_are_escaped_in_the_log(caplog):
    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        serve(Recorder(), b"GET /\x1b[31mred HTTP/1.1\r\nHost: x\r\n\r\n")
    message = caplog.records[0].getMessage()
    assert "\x1b" not in message
    assert "\\x1b" in message
