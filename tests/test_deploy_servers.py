"""The same app served by real WSGI servers (gunicorn's sync and gthread workers, waitress,
uvicorn's WSGI interface) on 127.0.0.1.

One process per server for the whole module, started by the test and stopped by its own
pid. (granian's WSGI interface and the ASGI servers are in tests/asgi/test_asgi_servers.py.)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _procs import procs

APP_DIR = Path(__file__).parent / "apps" / "deploy"

pytestmark = pytest.mark.slow


SERVERS = {
    # gunicorn's default worker class: one request at a time per process.
    "gunicorn-sync": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "1",
        "-k",
        "sync",
        "deploy_app:app",
    ],
    # --threads > 1 selects the gthread worker.
    "gunicorn-gthread": lambda port: [
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


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    port = procs.free_port()
    proc = procs.start(SERVERS[request.param](port), cwd=APP_DIR)
    try:
        procs.wait_until_serving(proc, port, "/", timeout=20)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stop()
        for path in (proc.out_path, proc.err_path):
            path.unlink(missing_ok=True)


def test_hello_and_json(server: str) -> None:
    response = requests.get(server + "/")
    assert response.status_code == 200
    assert response.text == "<p>Hello, World!</p>"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == "20"

    data = requests.get(server + "/user/42").json()
    assert data["id"] == 42
    assert data["url"].endswith("/user/42")


def test_async_view(server: str) -> None:
    assert requests.get(server + "/async/7").json() == {"n": 7, "path": "/async/7"}


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
