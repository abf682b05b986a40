"""Peak memory and throughput of a large multipart upload saved to disk.

    python benchmarks/upload_rss.py [--size-mb 200] [--runs 2] [--only hipflask,flask]

Each framework runs in its own subprocess (so RSS is measured cleanly) with the same
WSGI-level setup: a view that does what the quickstart's upload example does,

    f = request.files["the_file"]
    f.save(os.path.join(UPLOAD_DIR, secure_filename(f.filename)))

called directly as a WSGI callable with a ``wsgi.input`` that *generates* the multipart body
on the fly (so the body itself never sits in memory). Peak RSS growth is measured from just
before the request to the peak during it (Linux: VmHWM after resetting it via
/proc/self/clear_refs, with a sampling thread as a fallback). Throughput is body size /
wall time of the whole request (parse + spool to a temporary file + save); it includes disk
stalls (each request writes the data twice), so the run also reports MB per CPU-second of
the process, the framework's own cost.

Two extra rows run the form parsers alone (no app): ``hipflask.formparser`` and Werkzeug's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

BOUNDARY = "----hipflaskUploadBenchBoundaryQ7x"
MB = 1024 * 1024
TARGETS = ("hipflask", "flask", "hipflask.formparser", "werkzeug.formparser")


# --------------------------------------------------------------------------- body


def body_head() -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="comment"\r\n\r\n'
        "a text field next to the file\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="the_file"; filename="../big upload.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def body_tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


class GeneratedInput:
    """A ``wsgi.input`` producing a multipart body with one ``size``-byte file, on the fly.

    The file data is a repeated 64 KiB block with CR/LF and dashes in it, so the parser's
    boundary search sees false starts as with real binary files.
    """

    def __init__(self, size: int) -> None:
        self.length = len(body_head()) + size + len(body_tail())
        self._pieces = self._generate(size)
        self._pending = memoryview(b"")

    @staticmethod
    def _generate(size: int) -> Iterator[bytes]:
        yield body_head()
        unit = bytes(range(256)) + b"\r\n--" + BOUNDARY[:-3].encode() + b"\r\n"
        block = (unit * (64 * 1024 // len(unit) + 1))[: 64 * 1024]
        sent = 0
        while sent < size:
            piece = block if size - sent >= len(block) else block[: size - sent]
            sent += len(piece)
            yield piece
        yield body_tail()

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join([bytes(self._pending), *self._pieces])
        if not self._pending:
            self._pending = memoryview(next(self._pieces, b""))
        chunk, self._pending = self._pending[:n], self._pending[n:]
        return bytes(chunk)

    def readline(self, limit: int = -1) -> bytes:  # WSGI requires it; never used here
        return self.read(limit if limit > 0 else 8192)


def environ_for(size: int) -> dict[str, Any]:
    stream = GeneratedInput(size)
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/upload",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(stream.length),
        "HTTP_HOST": "127.0.0.1:5000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


# --------------------------------------------------------------------------- targets


def make_app(framework: str, upload_dir: str) -> Callable[..., Any]:
    if framework == "hipflask":
        from hipflask import Flask, request
        from hipflask.utils import secure_filename
    else:
        from flask import Flask, request  # type: ignore[no-redef]
        from werkzeug.utils import secure_filename  # type: ignore[no-redef]

    app = Flask(__name__)

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        f = request.files["the_file"]
        f.save(os.path.join(upload_dir, secure_filename(f.filename or "upload")))
        return f"saved {request.form['comment']!r}"

    def call(environ: dict[str, Any]) -> bytes:
        status: list[str] = []
        body_iter = app.wsgi_app(environ, lambda s, h, e=None: status.append(s))
        try:
            body = b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close is not None:
                close()
        if not status or not status[0].startswith("200"):
            raise SystemExit(f"{framework}: upload failed: {status} {body[:200]!r}")
        return body

    return call


def make_parser_only(target: str, upload_dir: str) -> Callable[..., Any]:
    def save(name: str, storage: Any) -> None:
        storage.save(os.path.join(upload_dir, "parsed.bin"))
        storage.close()

    if target == "hipflask.formparser":
        from hipflask.formparser import parse_form_data

        def call(environ: dict[str, Any]) -> bytes:
            _, files = parse_form_data(
                environ["wsgi.input"],
                "multipart/form-data",
                {"boundary": BOUNDARY},
                int(environ["CONTENT_LENGTH"]),
            )
            save("the_file", files["the_file"])
            return b"ok"

        return call

    from werkzeug.formparser import parse_form_data as wparse

    def wcall(environ: dict[str, Any]) -> bytes:
        _, _, files = wparse(environ)
        save("the_file", files["the_file"])
        return b"ok"

    return wcall


# --------------------------------------------------------------------------- measuring


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


class Sampler(threading.Thread):
    """Fallback peak finder: samples VmRSS every 2 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _status_kb("VmRSS"))
            time.sleep(0.002)


def child(target: str, size: int, runs: int) -> None:
    upload_dir = tempfile.mkdtemp(prefix="hipflask-upload-bench-")
    try:
        if target in ("hipflask", "flask"):
            call = make_app(target, upload_dir)
        else:
            call = make_parser_only(target, upload_dir)
        call(environ_for(1 * MB))  # warm up: imports, first-request setup
        results = []
        for _ in range(runs):
            environ = environ_for(size)
            length = int(environ["CONTENT_LENGTH"])
            before = _status_kb("VmRSS")
            exact = _reset_peak()
            sampler = Sampler()
            sampler.start()
            t0, c0 = time.perf_counter(), time.process_time()
            call(environ)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            sampler.running = False
            sampler.join()
            peak = max(_status_kb("VmHWM") if exact else 0, sampler.peak)
            saved = sum(
                os.path.getsize(os.path.join(upload_dir, n)) for n in os.listdir(upload_dir)
            )
            assert saved >= size, f"{target}: saved only {saved} bytes"
            results.append(
                {
                    "growth_mb": (peak - before) / 1024,
                    "mbps": length / MB / seconds,
                    "cpu_mbps": length / MB / cpu,
                    "rss_mb": before / 1024,
                }
            )
            for name in os.listdir(upload_dir):
                os.unlink(os.path.join(upload_dir, name))
        print(json.dumps(results))
    finally:
        shutil.rmtree(upload_dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds over the targets")
    ap.add_argument("--only", default=",".join(TARGETS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    size = args.size_mb * MB
    if args.child:
        child(args.child, size, 1)
        return
    targets = args.only.split(",")
    runs: dict[str, list[dict[str, float]]] = {t: [] for t in targets}
    errors: dict[str, str] = {}
    # Rounds interleave the targets (A B C, A B C, ...) so load from elsewhere on the
    # machine hits them alike; each run is a fresh subprocess.
    for _ in range(args.rounds):
        for target in targets:
            out = subprocess.run(
                [sys.executable, __file__, "--child", target, "--size-mb", str(args.size_mb)],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                errors[target] = (out.stderr or out.stdout).strip().splitlines()[-1]
                continue
            runs[target] += json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{args.size_mb} MB multipart upload, view saves it to disk; {args.rounds} interleaved"
        " rounds: worst RSS growth, median throughput\n"
    )
    print(
        f"{'target':22} {'base RSS':>9} {'peak RSS growth':>16} {'throughput':>12} {'per CPU-second':>15}"
    )
    for target in targets:
        if target in errors:
            print(f"{target:22} failed: {errors[target]}")
            continue
        rows = runs[target]
        growth = max(r["growth_mb"] for r in rows)  # worst run: memory is a bound
        mbps = statistics.median(r["mbps"] for r in rows)
        cpu = statistics.median(r["cpu_mbps"] for r in rows)
        print(
            f"{target:22} {rows[0]['rss_mb']:7.1f}MB {growth:13.1f} MB {mbps:7.0f} MB/s"
            f" {cpu:10.0f} MB/s"
        )


if __name__ == "__main__":
    main()
