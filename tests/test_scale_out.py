"""Many instances: nginx on loopback in front of two hipflask processes, round-robin.

The app (tests/apps/scale/scale_app.py) is a Flask app run in drop-in mode, with
``ProxyFix(x_for=1, x_proto=1, x_host=1)`` and ``TRUSTED_HOSTS``. Two pairs of instances
run side by side, each pair behind its own nginx ``upstream`` (no ``keepalive``, no
stickiness, so requests alternate):

* **cookie**: the default signed-cookie session; both instances share ``SECRET_KEY``.
  Two gunicorn (gthread) processes.
* **redis**: server-side sessions in a real ``redis-server`` through Flask-Session 0.5.0.
  Two granian (WSGI) processes.

Every process (nginx, redis-server, the four app servers) is started here on a free
127.0.0.1 port and stopped by its own pid. nginx runs in the foreground with
``master_process off`` and every path (pid, logs, temp dirs) in the test's tmp dir.
"""

from __future__ import annotations

import shutil
import sys
import time
import typing as t
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _procs import procs

pytestmark = pytest.mark.slow

APP_DIR = Path(__file__).resolve().parent / "apps" / "scale"
NGINX = "/usr/sbin/nginx"
HOST = "app.example"  # the one name in the app's TRUSTED_HOSTS
REQUESTS = 500


def _app_server(kind: str, port: int) -> list[str]:
    if kind == "gunicorn":
        return [
            sys.executable,
            *("-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "4"),
            "scale_app:app",
        ]
    return [
        sys.executable,
        *("-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1"),
        *("--port", str(port), "--workers", "1", "--log-level", "warning", "scale_app:app"),
    ]


NGINX_CONF = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{blocks}
}}
"""

NGINX_BLOCK = """
    upstream {name} {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{name};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
        }}
    }}
"""


class Stack:
    """The running processes: front port per session mode, and every process to stop."""

    def __init__(self) -> None:
        self.front: dict[str, int] = {}
        self.procs: list[t.Any] = []  # procs.Proc


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    for exe in (NGINX, "redis-server"):
        if shutil.which(exe) is None:
            pytest.fail(f"{exe} is not installed (CI installs nginx and redis-server with apt)")
    tmp = tmp_path_factory.mktemp("scale")
    stack = Stack()
    try:
        redis_port = procs.free_port()
        redis = procs.start(
            [
                "redis-server",
                *("--port", str(redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(tmp)),
            ],
            cwd=tmp,
        )
        stack.procs.append(redis)
        _wait_for_redis(redis, redis_port)

        blocks = []
        instances: list[tuple[t.Any, int]] = []
        for mode, kind in (("cookie", "gunicorn"), ("redis", "granian")):
            ports = [procs.free_port(), procs.free_port()]
            for letter, port in zip("ab", ports, strict=True):
                extra = {"INSTANCE": f"{mode}-{letter}"}
                if mode == "redis":
                    extra["SESSION_REDIS_PORT"] = str(redis_port)
                proc = procs.start(
                    _app_server(kind, port), cwd=APP_DIR, env=procs.clean_env(**extra)
                )
                stack.procs.append(proc)
                instances.append((proc, port))
            stack.front[mode] = procs.free_port()
            blocks.append(
                NGINX_BLOCK.format(name=mode, a=ports[0], b=ports[1], port=stack.front[mode])
            )
        for proc, port in instances:
            # Straight to the instance, with the trusted name: it serves.
            _wait_serving(proc, port)

        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, blocks="".join(blocks)))
        nginx = procs.start([NGINX, "-p", str(tmp), "-c", str(conf)], cwd=tmp)
        stack.procs.append(nginx)
        for port in stack.front.values():
            _wait_serving(nginx, port)
        yield stack
    finally:
        for proc in reversed(stack.procs):
            proc.stop()
            for path in (proc.out_path, proc.err_path):
                path.unlink(missing_ok=True)


def _wait_for_redis(proc: t.Any, port: int) -> None:
    def pong() -> bool:
        try:
            return procs.raw_exchange(port, b"PING\r\n", timeout=2).startswith(b"+PONG")
        except OSError:
            return False

    if not procs.wait_for(pong, timeout=20):
        pytest.fail(f"redis-server never answered\n{proc.stdout}\n{proc.stderr}")


def _wait_serving(proc: t.Any, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not proc.alive():
            pytest.fail(f"{proc.args} exited\n{proc.stdout}\n{proc.stderr}")
        try:
            status, _ = procs.request(port, "/whoami", headers={"Host": HOST}, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{proc.args} never served\n{proc.stdout}\n{proc.stderr}")


def _client(stack: Stack, mode: str) -> tuple[requests.Session, str]:
    client = requests.Session()
    client.headers["Host"] = HOST
    return client, f"http://127.0.0.1:{stack.front[mode]}"


def _whoami_on_both(client: requests.Session, base: str) -> dict[str, str]:
    """Ask until both instances answered (round-robin: two or three requests)."""
    seen: dict[str, str] = {}
    for _ in range(6):
        r = client.get(base + "/whoami", timeout=10)
        assert r.status_code == 200
        seen[r.headers["X-Instance"]] = r.text
        if len(seen) == 2:
            break
    assert len(seen) == 2, seen
    return seen


@pytest.mark.parametrize("mode", ["cookie", "redis"])
def test_proxy_headers_and_trusted_hosts_through_nginx(stack: Stack, mode: str) -> None:
    client, base = _client(stack, mode)
    r = client.get(base + "/where", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
    # ProxyFix trusts one hop (nginx): the URL carries the client's Host, the remote
    # address is what nginx appended (the loopback client), not the client's own claim.
    assert r.json() == {
        "url": "http://app.example/where",
        "remote": "127.0.0.1",
        "scheme": "http",
    }
    evil = requests.get(base + "/where", headers={"Host": "evil.test"}, timeout=10)
    assert evil.status_code == 400


@pytest.mark.parametrize("mode", ["cookie", "redis"])
def test_login_on_one_instance_is_honoured_by_the_other(stack: Stack, mode: str) -> None:
    client, base = _client(stack, mode)
    r = client.post(base + "/login", data={"user": "ada"}, timeout=10)
    assert r.text == "ok"
    login_instance = r.headers["X-Instance"]
    assert _whoami_on_both(client, base) == {f"{mode}-a": "ada", f"{mode}-b": "ada"}

    # 500 requests through nginx, alternating across the instances: none lost, every one
    # carrying the login, including on the instance that did not see the login.
    served: Counter[str] = Counter()
    honoured_elsewhere = 0
    for _ in range(REQUESTS):
        r = client.get(base + "/whoami", timeout=10)
        assert (r.status_code, r.text) == (200, "ada")
        served[r.headers["X-Instance"]] += 1
        honoured_elsewhere += r.headers["X-Instance"] != login_instance
    assert sum(served.values()) == REQUESTS
    assert set(served) == {f"{mode}-a", f"{mode}-b"}
    assert all(REQUESTS * 0.4 <= n <= REQUESTS * 0.6 for n in served.values()), served
    assert honoured_elsewhere >= REQUESTS * 0.4
    print(f"\n{mode}: {REQUESTS} sent, 0 lost, served {dict(served)},", end=" ")
    print(f"{honoured_elsewhere} logins honoured by the other instance")


def test_redis_logout_on_one_instance_is_effective_on_both(stack: Stack) -> None:
    client, base = _client(stack, "redis")
    assert client.post(base + "/login", data={"user": "bob"}, timeout=10).text == "ok"
    old_cookies = client.cookies.copy()
    assert set(_whoami_on_both(client, base).values()) == {"bob"}
    r = client.post(base + "/logout", timeout=10)
    assert r.text == "bye"
    assert _whoami_on_both(client, base) == {"redis-a": "anonymous", "redis-b": "anonymous"}
    # Even a client replaying the cookie it had before logging out is logged out on both
    # instances: the session is gone from Redis.
    replay = requests.Session()
    replay.headers["Host"] = HOST
    replay.cookies = old_cookies
    assert _whoami_on_both(replay, base) == {"redis-a": "anonymous", "redis-b": "anonymous"}


def test_cookie_logout_clears_the_client_but_a_replayed_cookie_stays_valid(stack: Stack) -> None:
    # The limit of signed-cookie sessions that server-side sessions remove: logging out
    # clears the client's cookie, but a copy taken before it is still accepted by both.
    client, base = _client(stack, "cookie")
    assert client.post(base + "/login", data={"user": "eve"}, timeout=10).text == "ok"
    old_cookies = client.cookies.copy()
    assert client.post(base + "/logout", timeout=10).text == "bye"
    assert set(_whoami_on_both(client, base).values()) == {"anonymous"}
    replay = requests.Session()
    replay.headers["Host"] = HOST
    replay.cookies = old_cookies
    assert _whoami_on_both(replay, base) == {"cookie-a": "eve", "cookie-b": "eve"}
