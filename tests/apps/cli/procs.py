"""Helpers for tests that start real server processes on 127.0.0.1.

Every process is started with :func:`start` and stopped by its own pid with
:meth:`Proc.stop` (SIGTERM, then SIGKILL if it does not exit), never by name.
Loaded by the test modules through ``load_procs()`` below so it works whether or not
``tests`` is a package.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from signal import SIGTERM

APPS = Path(__file__).resolve().parent


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any HIPFLASK_* / FLASK_* leftovers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIPFLASK_", "FLASK_", "WERKZEUG_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONSTARTUP", None)
    env.update(extra)
    return env


def copy_app(name: str, dest: Path, as_name: str | None = None) -> Path:
    """Copy tests/apps/cli/<name> into *dest* (optionally renamed); return the new path."""
    target = dest / (as_name or name)
    shutil.copy(APPS / name, target)
    return target


def _default_sigint() -> None:
    # A test run started in the background inherits an ignored SIGINT; restore the default
    # so the SIGINT tests exercise the server's handling, not the shell's.
    signal.signal(signal.SIGINT, signal.default_int_handler)


class Proc:
    """A started process whose output goes to files (no pipe can fill up and block it)."""

    def __init__(
        self, args: list[str], cwd: Path, env: dict[str, str], stdin: bytes | None
    ) -> None:
        self.args = args
        self.out_path = cwd / f".out-{time.monotonic_ns()}.txt"
        self.err_path = cwd / f".err-{time.monotonic_ns()}.txt"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.popen = subprocess.Popen(
                args,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=err,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                preexec_fn=_default_sigint,
            )
        if stdin is not None:
            assert self.popen.stdin is not None
            self.popen.stdin.write(stdin)
            self.popen.stdin.close()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float = 30) -> int:
        return self.popen.wait(timeout)

    def children(self) -> list[int]:
        """Pids of this process's direct children (Linux /proc)."""
        pids: list[int] = []
        task_dir = Path(f"/proc/{self.pid}/task")
        try:
            for task in task_dir.iterdir():
                text = (task / "children").read_text()
                pids.extend(int(p) for p in text.split())
        except OSError:
            pass
        return pids

    def send_signal(self, signum: int) -> None:
        if self.alive():
            os.kill(self.pid, signum)

    def stop(self, signum: int = SIGTERM, timeout: float = 15) -> int:
        """Stop the process by its pid; return its exit status."""
        if self.alive():
            os.kill(self.pid, signum)
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        return self.popen.wait(timeout)

    def __enter__(self) -> Proc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    args: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> Proc:
    return Proc(args, cwd, env if env is not None else clean_env(), stdin)


def hipflask(*args: str) -> list[str]:
    """The command line for ``python -m hipflask ...``."""
    return [sys.executable, "-m", "hipflask", *args]


def request(
    port: int,
    path: str = "/",
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    host: str = "127.0.0.1",
    timeout: float = 10,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_serving(
    proc: Proc, port: int, path: str = "/", timeout: float = 30
) -> tuple[int, bytes]:
    """Poll until the server answers *path*; fail with its output if it dies or never does."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not proc.alive():
            raise AssertionError(
                f"server exited with {proc.popen.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        try:
            return request(port, path, timeout=5)
        except OSError as e:
            last_error = e
            time.sleep(0.05)
    raise AssertionError(
        f"server never answered: {last_error}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )


def wait_for(predicate, timeout: float = 20, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll *predicate* until it returns a truthy value (returned) or time runs out (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def raw_exchange(port: int, data: bytes, timeout: float = 10, host: str = "127.0.0.1") -> bytes:
    """Send raw bytes, then read until the server closes the connection."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


class RawResponse:
    """One HTTP response parsed from raw bytes."""

    def __init__(
        self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self) -> str:
        return f"<RawResponse {self.status} {self.headers} {self.body[:60]!r}>"


def parse_responses(raw: bytes, head_requests: int = 0) -> list[RawResponse]:
    """Split a byte stream into responses, framing bodies as a client would.

    The first *head_requests* responses are treated as answers to HEAD (no body).
    """
    responses = []
    pos = 0
    while pos < len(raw):
        end = raw.index(b"\r\n\r\n", pos)
        lines = raw[pos:end].decode("latin-1").split("\r\n")
        pos = end + 4
        version, status, *reason = lines[0].split(" ", 2)
        assert version == "HTTP/1.1", lines[0]
        headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
        response = RawResponse(int(status), reason[0] if reason else "", headers, b"")  # type: ignore[arg-type]
        code = int(status)
        if code == 100:
            responses.append(response)
            continue
        is_head = len([r for r in responses if r.status != 100]) < head_requests
        if is_head or code in (204, 304):
            pass
        elif (response.header("Transfer-Encoding") or "").lower() == "chunked":
            body = []
            while True:
                line_end = raw.index(b"\r\n", pos)
                size = int(raw[pos:line_end], 16)
                pos = line_end + 2
                if size == 0:
                    assert raw[pos : pos + 2] == b"\r\n"
                    pos += 2
                    break
                body.append(raw[pos : pos + size])
                assert raw[pos + size : pos + size + 2] == b"\r\n"
                pos += size + 2
            response.body = b"".join(body)
        elif response.header("Content-Length") is not None:
            length = int(response.header("Content-Length") or 0)
            response.body = raw[pos : pos + length]
            pos += length
        else:
            response.body = raw[pos:]
            pos = len(raw)
        responses.append(response)
    return responses


# -- driving WSGIRequestHandler over a socketpair ------------------------------------------


class FakeServer:
    """The attributes of BaseWSGIServer the handler reads."""

    multithread = True
    multiprocess = False
    ssl_context = None
    passthrough_errors = False
    server_address = ("127.0.0.1", 5000)
    _server_version = "hipflask/test"

    def __init__(self, app, multithread=True):  # type: ignore[no-untyped-def]
        self.app = app
        self.multithread = multithread


class Recorder:
    """A WSGI app that records each environ (and what it read) and echoes a summary."""

    def __init__(self, read_body=True, status="200 OK", extra_headers=()):  # type: ignore[no-untyped-def]
        self.calls: list = []
        self.read_body = read_body
        self.status = status
        self.extra_headers = list(extra_headers)

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        body = environ["wsgi.input"].read() if self.read_body else b""
        self.calls.append((dict(environ), body))
        out = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} body={len(body)}".encode()
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(out)))]
        start_response(self.status, [*headers, *self.extra_headers])
        return [out]

    @property
    def paths(self) -> list[str]:
        return [environ["PATH_INFO"] for environ, _ in self.calls]


def serve(app, data, handler_class=None, close_write=True, multithread=True, feed=None):  # type: ignore[no-untyped-def]
    """Run one connection through the handler over a socketpair; return what it sent."""
    import threading

    if handler_class is None:
        from hipflask.serving import WSGIRequestHandler as handler_class
    client, server_sock = socket.socketpair()
    client.settimeout(20)
    server = FakeServer(app, multithread)
    errors = []

    def run() -> None:
        try:
            handler_class(server_sock, ("127.0.0.1", 54321), server)
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            server_sock.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        if feed is not None:
            feed(client)
        else:
            client.sendall(data)
        if close_write:
            client.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = client.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        client.close()
        thread.join(20)
    assert not thread.is_alive(), "the handler did not finish"
    assert not errors, errors
    return b"".join(chunks)


def get(path: str = "/", extra: bytes = b"", version: bytes = b"HTTP/1.1") -> bytes:
    """A GET request's bytes."""
    target = path.encode("latin-1")
    return b"GET " + target + b" " + version + b"\r\nHost: localhost\r\n" + extra + b"\r\n"
