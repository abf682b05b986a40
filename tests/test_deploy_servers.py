"""The same app served by real WSGI servers (gunicorn, waitress, uvicorn) on 127.0.0.1.

Each server runs as a subprocess started by the test and stopped by its own pid.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

APP_DIR = Path(__file__).parent / "apps" / "deploy"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVERS = {
    "gunicorn": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "1",
        "--threads",
        "4",
        "deploy_app:app",
    ],
    # Waitress drops X-Forwarded-* headers from untrusted peers by default; behind a proxy
    # users keep them for ProxyFix, as here.
    "waitress": lambda port: [
        sys.executable,
        "-c",
        "import waitress, deploy_app; waitress.serve(deploy_app.app,"
        f" listen='127.0.0.1:{port}', clear_untrusted_proxy_headers=False)",
    ],
    "uvicorn": lambda port: [
        sys.executable,
        "-m",
        "uvicorn",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "deploy_app:app",
    ],
}


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        SERVERS[request.param](port),
        cwd=APP_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"{request.param} did not start: {output}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_hello_and_json(server: str) -> None:
    response = requests.get(server + "/")
    assert response.status_code == 200
    assert response.text == "<p>Hello, World!</p>"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == "20"

    data = requests.get(server + "/user/42").json()
    assert data["id"] == 42
    assert data["url"].endswith("/user/42")


def test_errors_and_methods(server: str) -> None:
    assert requests.get(server + "/nope").status_code == 404
    response = requests.delete(server + "/")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    head = requests.head(server + "/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == "20"


def test_upload_session_stream_and_json(server: str) -> None:
    response = requests.post(
        server + "/upload",
        files={"file": ("../../etc/my report.txt", b"x" * 100_000)},
        data={"note": "hi"},
    )
    assert response.json() == {"name": "etc_my_report.txt", "size": 100_000, "note": "hi"}

    client = requests.Session()
    assert client.get(server + "/whoami").text == "anonymous"
    assert client.post(server + "/login", data={"username": "ada"}).text == "ok"
    assert client.get(server + "/whoami").text == "ada"

    assert requests.get(server + "/stream").text == "/stream:0\n/stream:1\n/stream:2\n"
    assert requests.post(server + "/echo", json={"a": [1, 2]}).json() == {"a": [1, 2]}
    bad = requests.post(
        server + "/echo", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400


def test_proxy_fix_behind_a_proxy(server: str) -> None:
    data = requests.get(
        server + "/user/7",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "example.com",
        },
    ).json()
    assert data["url"] == "https://example.com/user/7"
    assert data["remote"] == "203.0.113.9"
