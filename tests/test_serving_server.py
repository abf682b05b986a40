"""The development server over real loopback sockets, in this process (port 0, threads)."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading

import pytest
from _procs import procs

from hipflask import serving
from hipflask.serving import (
    BaseWSGIServer,
    ThreadedWSGIServer,
    generate_adhoc_ssl_context,
    is_running_from_reloader,
    load_ssl_context,
    make_server,
    make_ssl_devcert,
    run_simple,
    select_address_family,
)


def echo_app(environ, start_response):
    body = (
        f"{environ['PATH_INFO']}|{environ['REMOTE_PORT']}|{environ['wsgi.url_scheme']}"
        f"|{environ.get('HTTP_HOST')}"
    ).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class Running:
    """make_server() + serve_forever() in a thread, shut down on exit."""

    def __init__(self, host="127.0.0.1", app=echo_app, **kwargs):
        self.server = make_server(host, 0, app, **kwargs)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def __enter__(self):
        self.thread.start()
        return self.server

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


def test_make_server_picks_the_server_class():
    with Running(threaded=True) as server:
        assert isinstance(server, ThreadedWSGIServer)
        assert server.port != 0
    with pytest.raises(ValueError, match="multi-thread and multi-process"):
        make_server("127.0.0.1", 0, echo_app, threaded=True, processes=2)


def test_keep_alive_reuses_one_connection_for_100_requests():
    with Running(threaded=True) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.connect()
        sock = conn.sock
        remote_ports = set()
        for i in range(100):
            conn.request("GET", f"/r{i}")
            response = conn.getresponse()
            path, port, _, _ = response.read().decode().split("|")
            assert path == f"/r{i}"
            remote_ports.add(port)
        assert conn.sock is sock  # http.client never had to reconnect
        assert len(remote_ports) == 1  # the server saw a single client connection
        conn.close()


def test_single_threaded_server_closes_after_each_response():
    with Running(threaded=False) as server:
        assert type(server) is BaseWSGIServer
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.getheader("Connection") == "close"
        response.read()
        conn.close()


def test_ipv6_loopback():
    with Running(host="::1", threaded=True) as server:
        assert server.address_family == socket.AF_INET6
        status, body = procs.request(server.port, "/v6", host="::1")
        assert status == 200
        assert body.startswith(b"/v6|")


def test_unix_socket(tmp_path):
    path = tmp_path / "app.sock"
    path.write_text("")  # not a socket: refused, and never deleted
    with pytest.raises(SystemExit) as info:
        make_server(f"unix://{path}", 0, echo_app)
    assert info.value.code == 1
    assert path.read_text() == ""
    path.unlink()

    with Running(host=f"unix://{path}", threaded=True) as server:
        assert server.address_family == socket.AF_UNIX
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(10)
            client.connect(str(path))
            client.sendall(b"GET /unix HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := client.recv(4096):
                data += chunk
        [response] = procs.parse_responses(data)
        assert response.body.startswith(b"/unix|0|http")
    assert not path.exists()  # removed when the server closed


def test_stale_unix_socket_is_replaced(tmp_path):
    path = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as stale:
        stale.bind(str(path))
    assert path.exists()
    with Running(host=f"unix://{path}", threaded=True):
        assert path.is_socket()


def test_select_address_family():
    assert select_address_family("127.0.0.1", 0) == socket.AF_INET
    assert select_address_family("::1", 0) == socket.AF_INET6
    assert select_address_family("unix:///tmp/x", 0) == socket.AF_UNIX


def _tls_client_context(cert_file=None):
    context = ssl.create_default_context()
    if cert_file is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.load_verify_locations(cert_file)
        context.check_hostname = False
    return context


def test_tls_with_certificate_files(tmp_path):
    cert_file, key_file = make_ssl_devcert(str(tmp_path / "dev"), host="localhost")
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    with Running(threaded=True, ssl_context=(cert_file, key_file)) as server:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", server.port, context=_tls_client_context(cert_file), timeout=10
        )
        conn.request("GET", "/secure")
        body = conn.getresponse().read()
        assert body.startswith(b"/secure|")
        assert body.split(b"|")[2] == b"https"
        conn.close()


def test_tls_adhoc_and_a_stalled_handshake_does_not_block_others():
    with Running(threaded=True, ssl_context="adhoc") as server:
        stalled = socket.create_connection(("127.0.0.1", server.port))  # never handshakes
        try:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", server.port, context=_tls_client_context(), timeout=10
            )
            conn.request("GET", "/adhoc")
            assert conn.getresponse().read().startswith(b"/adhoc|")
            conn.close()
        finally:
            stalled.close()


def test_plain_http_to_a_tls_port_does_not_crash_the_server():
    with Running(threaded=True, ssl_context=generate_adhoc_ssl_context()) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                raw.recv(100)
            except OSError:
                pass
        conn = http.client.HTTPSConnection(
            "127.0.0.1", server.port, context=_tls_client_context(), timeout=10
        )
        conn.request("GET", "/still-up")
        assert conn.getresponse().read().startswith(b"/still-up|")
        conn.close()


def test_load_ssl_context_rejects_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_ssl_context(str(tmp_path / "nope.crt"), str(tmp_path / "nope.key"))


def test_port_in_use_is_one_line_and_exit_status_1(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as info:
            make_server("127.0.0.1", port, echo_app)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"127.0.0.1:{port}" in err
    # Called directly: the advice names the function (the CLI and app.run() say theirs,
    # tests/test_rough_edges.py).
    assert "pass another port to run_simple()" in err
    assert "Traceback" not in err


def test_unresolvable_host_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        make_server("no-such-host.invalid", 0, echo_app)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1


def test_run_simple_requires_an_integer_port():
    with pytest.raises(TypeError, match="port must be an integer"):
        run_simple("127.0.0.1", "5000", echo_app)  # type: ignore[arg-type]


def test_is_running_from_reloader(monkeypatch):
    monkeypatch.delenv("HIPFLASK_RUN_MAIN", raising=False)
    assert not is_running_from_reloader()
    monkeypatch.setenv("HIPFLASK_RUN_MAIN", "true")
    assert is_running_from_reloader()


def test_startup_log_lists_the_urls(caplog):
    with (
        Running(host="0.0.0.0", threaded=True) as server,
        caplog.at_level("INFO", logger="hipflask.serving"),
    ):
        server.log_startup()
    text = caplog.text
    assert "WARNING: This is a development server." in text
    assert "Running on all addresses (0.0.0.0)" in text
    assert f"Running on http://127.0.0.1:{server.port}" in text


def test_server_fd_is_reused(monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        fd = os.dup(listener.fileno())
        server = serving.make_server("127.0.0.1", 0, echo_app, threaded=True, fd=fd)
        try:
            assert server.port == listener.getsockname()[1]
        finally:
            server.server_close()


def test_graceful_stop_finishes_requests_in_flight_and_closes_idle_connections():
    release = threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            release.wait(10)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        # Many short connections: the bookkeeping must come back to "nothing in flight".
        for _ in range(20):
            assert procs.request(server.port, "/") == (200, b"ok")
        assert procs.wait_for(lambda: server._tracker.in_flight() == 0, timeout=10)

        idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        idle.request("GET", "/")
        assert idle.getresponse().read() == b"ok"  # now an idle keep-alive connection

        slow_result = []
        slow = threading.Thread(
            target=lambda: slow_result.append(procs.request(server.port, "/slow"))
        )
        slow.start()
        assert procs.wait_for(lambda: server._tracker.in_flight() > 0, timeout=10)
        threading.Timer(0.3, release.set).start()
        assert server.stop_gracefully(timeout=10) is True
        slow.join(10)
        assert slow_result == [(200, b"ok")]
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            idle.request("GET", "/")
            idle.getresponse().read()
    finally:
        release.set()
        thread.join(10)
        server.server_close()
