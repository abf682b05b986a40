"""``app.asgi_app`` (and the WSGI app) under real servers on 127.0.0.1.

One server process per server for the whole module; each is started with the shared
process helpers (tests/_procs.py) and stopped by its own pid.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _procs import procs

pytestmark = pytest.mark.slow

APP_DIR = Path(__file__).resolve().parent.parent / "apps" / "asgi"
PY = sys.executable

SERVERS = {
    "uvicorn": lambda port: [
        PY,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "asgi_serve_app:asgi",
    ],
    "hypercorn": lambda port: [
        PY,
        "-m",
        "hypercorn",
        "-b",
        f"127.0.0.1:{port}",
        "asgi_serve_app:asgi",
    ],
    "granian": lambda port: [
        PY,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "asgi_serve_app:asgi",
    ],
    "gunicorn-uvicorn": lambda port: [
        PY,
        "-m",
        "gunicorn",
        "-k",
        "uvicorn_worker.UvicornWorker",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "asgi_serve_app:asgi",
    ],
    # The WSGI side of the same module, on granian's WSGI interface.
    "granian-wsgi": lambda port: [
        PY,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "asgi_serve_app:app",
    ],
}
ASGI_SERVERS = sorted(name for name in SERVERS if name != "granian-wsgi")


def _serve(name: str) -> Iterator[tuple[str, int]]:
    port = procs.free_port()
    proc = procs.start(SERVERS[name](port), cwd=APP_DIR)
    try:
        procs.wait_until_serving(proc, port, "/")
        yield name, port
    finally:
        proc.stop()
        for path in (proc.out_path, proc.err_path):
            path.unlink(missing_ok=True)


@pytest.fixture(scope="module", params=ASGI_SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    yield from _serve(request.param)


@pytest.fixture(scope="module")
def wsgi_server() -> Iterator[tuple[str, int]]:
    yield from _serve("granian-wsgi")


def test_wsgi_side_on_granian(wsgi_server: tuple[str, int]) -> None:
    test_sync_async_stream_upload_session(wsgi_server)


def test_sync_async_stream_upload_session(server: tuple[str, int]) -> None:
    name, port = server
    base = f"http://127.0.0.1:{port}"
    r = requests.get(base + "/", timeout=10)
    assert (r.status_code, r.text) == (200, "<p>Hello, World!</p>")
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    data = requests.get(base + "/async/7", timeout=10).json()
    assert data["n"] == 7 and data["path"] == "/async/7"
    if name != "granian-wsgi":
        assert data["started"] == 1  # the lifespan startup hook ran
    assert requests.get(base + "/stream", timeout=10).text == "/stream:0\n/stream:1\n/stream:2\n"
    if name != "granian-wsgi":
        assert requests.get(base + "/astream", timeout=10).text == "a0\na1\na2\n"
    r = requests.post(
        base + "/upload",
        files={"file": ("../my report.txt", b"x" * 1_500_000)},
        data={"note": "hi"},
        timeout=20,
    )
    assert r.json() == {"name": "my_report.txt", "size": 1_500_000, "note": "hi"}
    client = requests.Session()
    assert client.get(base + "/whoami", timeout=10).text == "anonymous"
    assert client.post(base + "/login", data={"username": "ada"}, timeout=10).text == "ok"
    assert client.get(base + "/whoami", timeout=10).text == "ada"
    assert requests.get(base + "/nope", timeout=10).status_code == 404
    assert requests.get(base + "/ws/x", timeout=10).status_code == 400


def test_websocket(server: tuple[str, int]) -> None:
    _, port = server
    login = requests.post(f"http://127.0.0.1:{port}/login", data={"username": "bob"}, timeout=10)
    cookie = login.headers["Set-Cookie"].split(";", 1)[0]
    with connect(
        f"ws://127.0.0.1:{port}/ws/room", additional_headers={"Cookie": cookie}, open_timeout=10
    ) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "room/bob: hello"
        ws.send("again")
        assert ws.recv(timeout=10) == "room/bob: again"
    with (
        pytest.raises(Exception) as info,
        connect(f"ws://127.0.0.1:{port}/nowhere", open_timeout=10),
    ):
        pass
    assert "403" in str(info.value)


def test_client_disconnect_stops_the_stream(server: tuple[str, int]) -> None:
    name, port = server
    before = int(requests.get(f"http://127.0.0.1:{port}/closed", timeout=10).text)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1024)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if int(requests.get(f"http://127.0.0.1:{port}/closed", timeout=10).text) > before:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"{name}: the generator was not closed after the client left")
