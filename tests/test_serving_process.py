"""The development server in a real process serving the quickstart app (tests/apps/cli).

Each test starts ``python -m hipflask --app hello run`` on a free 127.0.0.1 port and stops
it by pid.
"""

from __future__ import annotations

import hashlib
import http.client
import signal
import socket
import sys
import threading
import time

import pytest
from _procs import procs

pytestmark = pytest.mark.slow


@pytest.fixture
def hello_server(tmp_path):
    """(process, port) of a running hello app; stopped by pid afterwards."""
    procs.copy_app("hello.py", tmp_path)
    for _attempt in range(3):
        port = procs.free_port()
        proc = procs.start(procs.hipflask("--app", "hello", "run", "--port", str(port)), tmp_path)
        try:
            procs.wait_until_serving(proc, port)
        except AssertionError:
            proc.stop()
            if "already in use" in proc.stderr:
                continue  # another process took the port meanwhile: try another
            raise
        try:
            yield proc, port
        finally:
            proc.stop()
        return
    pytest.fail("could not find a free port")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_the_server_with_status_0(hello_server, signum):
    proc, port = hello_server
    assert procs.request(port, "/") == (200, b"<p>Hello, World!</p>")
    assert proc.stop(signum) == 0
    assert "Traceback" not in proc.stderr


def test_keep_alive_one_connection_for_100_requests(hello_server):
    _, port = hello_server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.connect()
    sock = conn.sock
    for i in range(100):
        conn.request("GET", f"/double/{i}")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, str(2 * i).encode())
    assert conn.sock is sock
    conn.close()


def test_chunked_upload(hello_server):
    _, port = hello_server
    pieces = [bytes([i % 256]) * 65536 for i in range(16)]
    payload = b"".join(pieces)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/upload",
        body=iter(pieces),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    assert response.status == 200
    assert response.read().decode() == f"{len(payload)} {hashlib.sha256(payload).hexdigest()}"
    # The connection is still usable after a chunked body.
    conn.request("GET", "/double/4")
    assert conn.getresponse().read() == b"8"
    conn.close()


def test_load_2000_requests_from_20_concurrent_clients(hello_server):
    _, port = hello_server
    failures: list[str] = []
    counts = [0] * 20

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for j in range(100):
                n = index * 1000 + j
                conn.request("GET", f"/double/{n}")
                response = conn.getresponse()
                body = response.read()
                if response.status != 200 or body != str(2 * n).encode():
                    failures.append(f"{n}: {response.status} {body[:50]!r}")
                else:
                    counts[index] += 1
        except Exception as e:  # collected and asserted below
            failures.append(f"client {index}: {e!r}")
        finally:
            conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    elapsed = time.perf_counter() - started
    assert failures == []
    assert sum(counts) == 2000
    print(f"2000 requests / 20 clients: {elapsed:.2f}s, {2000 / elapsed:.0f} req/s")


def test_malformed_requests_and_oversized_headers(hello_server):
    _, port = hello_server
    assert procs.raw_exchange(port, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert procs.raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nA B: c\r\n\r\n").startswith(
        b"HTTP/1.1 400 "
    )
    big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    assert procs.raw_exchange(port, big).startswith(b"HTTP/1.1 431 ")
    assert procs.request(port, "/") == (200, b"<p>Hello, World!</p>")


def test_smuggled_request_in_an_unread_body_is_never_served(hello_server):
    proc, port = hello_server
    hidden = b"GET /double/21 HTTP/1.1\r\nHost: x\r\n\r\n"
    data = (
        b"POST /double/1 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(hidden)
        + hidden
        + b"GET /double/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    responses = procs.parse_responses(procs.raw_exchange(port, data))
    assert [r.status for r in responses] == [405, 200]  # POST not allowed; then /double/2
    assert responses[1].body == b"4"
    assert b"42" not in b"".join(r.body for r in responses)
    assert "/double/21" not in proc.stderr  # never logged: never parsed as a request

    conflicting = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n" + hidden
    )
    responses = procs.parse_responses(procs.raw_exchange(port, conflicting))
    assert [r.status for r in responses] == [400]


def test_double_slash_paths_never_redirect_off_site(hello_server):
    _, port = hello_server
    for path in ("//evil.com/", "//evil.com/dir", "//evil.com", "//dir", "///evil.com/dir"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location")
        if location is not None:
            assert location.startswith(f"http://127.0.0.1:{port}/"), (path, location)
        conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "//dir")
    response = conn.getresponse()
    assert response.status == 308
    assert response.getheader("Location") == f"http://127.0.0.1:{port}/dir/"


def test_client_disconnecting_mid_response_does_not_kill_the_server(hello_server):
    proc, port = hello_server
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
    assert procs.request(port, "/double/5") == (200, b"10")
    assert proc.alive()
    assert "Traceback" not in proc.stderr


def test_request_log_lines(hello_server):
    proc, port = hello_server
    procs.request(port, "/double/3")
    procs.request(port, "/missing")
    found = procs.wait_for(lambda: '"GET /missing HTTP/1.1" 404 -' in proc.stderr)
    assert found, proc.stderr
    assert '"GET /double/3 HTTP/1.1" 200 -' in proc.stderr
    assert "\x1b[" not in proc.stderr  # not a terminal: no colour codes


def test_run_simple_with_static_files(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "style.css").write_text("body { color: red }")
    port = procs.free_port()
    script = (
        "import sys\n"
        "from hipflask.serving import run_simple\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'from the app']\n"
        f"run_simple('127.0.0.1', {port}, app, threaded=True,"
        f" static_files={{'/static': {str(tmp_path / 'assets')!r}}})\n"
        "print('run_simple returned', flush=True)\n"
    )
    proc = procs.start([sys.executable, "-c", script], tmp_path)
    with proc:
        assert procs.wait_until_serving(proc, port) == (200, b"from the app")
        assert procs.request(port, "/static/style.css") == (200, b"body { color: red }")
    assert proc.popen.returncode == 0
    # SIGTERM stops run_simple like Ctrl+C: it returns and the script carries on.
    assert "run_simple returned" in proc.stdout
