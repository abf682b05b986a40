"""File uploads through the whole app, on hipflask and on the real Flask (the oracle).

Each scenario builds the same small app on both frameworks (the ``fw`` fixture) and checks the
observable behaviour: status codes, parsed form values, filenames, saved bytes. Behaviour that
deliberately differs from Flask is tested on hipflask only, and says so.
"""

from __future__ import annotations

import importlib
import io
import os
import types
from collections.abc import Iterator
from typing import Any

import pytest

BOUNDARY = "uploadtestboundary"


@pytest.fixture(params=["flask", "hipflask"])
def fw(request: pytest.FixtureRequest) -> types.SimpleNamespace:
    """The framework under test: ``fw.Flask``, ``fw.request``, ``fw.secure_filename``..."""
    name = request.param
    utils = importlib.import_module("werkzeug.utils" if name == "flask" else "hipflask.utils")
    main = importlib.import_module(name)
    return types.SimpleNamespace(
        name=name, Flask=main.Flask, request=main.request, secure_filename=utils.secure_filename
    )


def hip() -> types.SimpleNamespace:
    import hipflask
    from hipflask.utils import secure_filename

    return types.SimpleNamespace(
        name="hipflask",
        Flask=hipflask.Flask,
        request=hipflask.request,
        secure_filename=secure_filename,
    )


# --------------------------------------------------------------------------- raw WSGI


class CountingInput(io.RawIOBase):
    """``wsgi.input`` that counts what the app reads. ``body`` may be a callable producing
    chunks, for bodies too large to build."""

    def __init__(self, body: bytes | Iterator[bytes]) -> None:
        self.chunks = iter([body]) if isinstance(body, bytes) else body
        self.pending = b""
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        if n is None or n < 0:
            data = self.pending + b"".join(self.chunks)
            self.pending = b""
        else:
            while len(self.pending) < n:
                nxt = next(self.chunks, None)
                if nxt is None:
                    break
                self.pending += nxt
            data, self.pending = self.pending[:n], self.pending[n:]
        self.consumed += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 65536)


def call_wsgi(
    app: Any,
    body: bytes | Iterator[bytes],
    content_type: str,
    content_length: int | None,
    *,
    terminated: bool = False,
    path: str = "/upload",
) -> tuple[int, bytes, CountingInput]:
    stream = CountingInput(body)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": content_type,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    if terminated:
        environ["wsgi.input_terminated"] = True
    status: list[str] = []
    result = app(environ, lambda s, h, e=None: status.append(s))
    try:
        data = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(status[0].split()[0]), data, stream


def multipart_body(fields: list[tuple[str, bytes, str | None]]) -> bytes:
    out = []
    for name, value, filename in fields:
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
        out.append(f"--{BOUNDARY}\r\n{disp}\r\n\r\n".encode() + value + b"\r\n")
    return b"".join(out) + f"--{BOUNDARY}--\r\n".encode()


MP = f"multipart/form-data; boundary={BOUNDARY}"


# --------------------------------------------------------------------------- apps


def upload_app(fw: types.SimpleNamespace, upload_dir: str, **config: Any) -> Any:
    """The quickstart's upload example, plus a report of what the request carried."""
    app = fw.Flask(__name__)
    app.config.update(config)
    app.config["TESTING"] = True

    @app.route("/upload", methods=["GET", "POST"])
    def upload_file() -> Any:
        if fw.request.method == "POST":
            f = fw.request.files["the_file"]
            f.save(os.path.join(upload_dir, fw.secure_filename(f.filename)))
            return {
                "filename": f.filename,
                "mimetype": f.mimetype,
                "form": fw.request.form.to_dict(flat=False),
                "files": sorted(fw.request.files.keys()),
            }
        return "<form method=post enctype=multipart/form-data>"

    @app.route("/form", methods=["POST"])
    def form() -> Any:
        return {
            "form": fw.request.form.to_dict(flat=False),
            "files": {
                k: [v.filename, v.read().decode("latin-1")]
                for k, v in fw.request.files.items(multi=True)
            },
        }

    return app


# --------------------------------------------------------------------------- the seed example


def test_seed_upload_example(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    app = upload_app(fw, str(tmp_path))
    client = app.test_client()
    data = {
        "the_file": (io.BytesIO(b"hello\r\nworld\x00\xff"), "../../etc/my report.txt"),
        "comment": "héllo",
        "tag": ["a", "b"],
    }
    resp = client.post("/upload", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    assert resp.get_json() == {
        "filename": "../../etc/my report.txt",  # as sent: secure_filename is the app's job
        "mimetype": "text/plain",
        "form": {"comment": ["héllo"], "tag": ["a", "b"]},
        "files": ["the_file"],
    }
    assert os.listdir(tmp_path) == ["etc_my_report.txt"]
    assert (tmp_path / "etc_my_report.txt").read_bytes() == b"hello\r\nworld\x00\xff"
    assert client.get("/upload").status_code == 200


def test_missing_file_key_is_400(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    client = upload_app(fw, str(tmp_path)).test_client()
    resp = client.post("/upload", data={"other": "x"}, content_type="multipart/form-data")
    assert resp.status_code == 400
    resp = client.post(
        "/upload", data={"the_file": "not a file"}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400  # a text field is in request.form, not request.files
    assert os.listdir(tmp_path) == []


def test_urlencoded_form_has_no_files(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    client = upload_app(fw, str(tmp_path)).test_client()
    resp = client.post("/form", data={"a": "1 2", "b": ["x", "é"]})
    assert resp.status_code == 200
    assert resp.get_json() == {"form": {"a": ["1 2"], "b": ["x", "é"]}, "files": {}}


BODIES: dict[str, bytes] = {
    "browser form": multipart_body(
        [("a", b"1", None), ("f", b"data\r\n--x", "r\xc3\xa9sum\xc3\xa9.pdf"), ("a", b"2", None)]
    ),
    "empty file input": multipart_body([("f", b"", ""), ("a", b"", None)]),
    "quoted filename": f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="say %22hi%22.txt"\r\n\r\nx\r\n--{BOUNDARY}--\r\n'.encode(),
    "rfc 5987 filename": f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%82%AC.txt\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
    "preamble and epilogue": b"ignored\r\n" + multipart_body([("a", b"1", None)]) + b"trailing",
}


@pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
def test_raw_bodies_match_flask(body: bytes, tmp_path: Any) -> None:
    results = []
    for name in ("flask", "hipflask"):
        app = upload_app(fw_named(name), str(tmp_path))
        results.append(call_wsgi(app, body, MP, len(body), path="/form")[:2])
    assert results[0][0] == 200
    assert results[1][0] == results[0][0]
    import json

    assert json.loads(results[1][1]) == json.loads(results[0][1])


def fw_named(name: str) -> types.SimpleNamespace:
    if name == "hipflask":
        return hip()
    import flask
    from werkzeug.utils import secure_filename

    return types.SimpleNamespace(
        name="flask", Flask=flask.Flask, request=flask.request, secure_filename=secure_filename
    )


# --------------------------------------------------------------------------- limits


def test_max_content_length_with_content_length_is_413_before_reading(
    fw: types.SimpleNamespace, tmp_path: Any
) -> None:
    app = upload_app(fw, str(tmp_path), MAX_CONTENT_LENGTH=1000)
    body = multipart_body([("the_file", b"x" * 5000, "a.bin")])
    status, _, stream = call_wsgi(app, body, MP, len(body))
    assert status == 413
    assert stream.consumed == 0
    assert os.listdir(tmp_path) == []


def test_max_content_length_with_chunked_body_is_413(
    fw: types.SimpleNamespace, tmp_path: Any
) -> None:
    app = upload_app(fw, str(tmp_path), MAX_CONTENT_LENGTH=100_000)
    body = multipart_body([("the_file", b"x" * 1_000_000, "a.bin")])
    status, _, stream = call_wsgi(app, body, MP, None, terminated=True)
    assert status == 413
    assert stream.consumed <= 100_000 + 65536 * 2  # stopped soon after the limit
    assert os.listdir(tmp_path) == []


def test_chunked_body_under_the_limit_is_parsed(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    app = upload_app(fw, str(tmp_path), MAX_CONTENT_LENGTH=100_000)
    body = multipart_body([("comment", b"hi", None), ("the_file", b"x" * 50_000, "a.bin")])
    status, data, _ = call_wsgi(app, body, MP, None, terminated=True)
    assert status == 200, data
    assert (tmp_path / "a.bin").read_bytes() == b"x" * 50_000


def test_max_form_memory_size_is_413(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    # (A limit above Werkzeug's 64 KiB read size: below it, Werkzeug also counts file
    # data sitting in its parse buffer, see the next test.)
    app = upload_app(fw, str(tmp_path), MAX_FORM_MEMORY_SIZE=100_000)
    client = app.test_client()
    ok = {"the_file": (io.BytesIO(b"x" * 50_000), "a.bin"), "comment": "y" * 100_000}
    assert client.post("/upload", data=ok, content_type="multipart/form-data").status_code == 200
    big = {"the_file": (io.BytesIO(b"x"), "a.bin"), "comment": "y" * 100_001}
    assert client.post("/upload", data=big, content_type="multipart/form-data").status_code == 413


def test_small_max_form_memory_size_only_caps_text_fields(tmp_path: Any) -> None:
    # Deliberate difference: Flask documents MAX_FORM_MEMORY_SIZE as a cap on non-file
    # fields, but Werkzeug also applies it to each 64 KiB read of the parser, so a small
    # limit makes any larger upload a 413 there. hipflask caps text fields only.
    app = upload_app(hip(), str(tmp_path), MAX_FORM_MEMORY_SIZE=1000)
    client = app.test_client()
    ok = {"the_file": (io.BytesIO(b"x" * 200_000), "a.bin"), "comment": "y" * 1000}
    assert client.post("/upload", data=ok, content_type="multipart/form-data").status_code == 200
    big = {"the_file": (io.BytesIO(b"x"), "a.bin"), "comment": "y" * 1001}
    assert client.post("/upload", data=big, content_type="multipart/form-data").status_code == 413


def test_max_form_memory_size_urlencoded_is_413(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    app = upload_app(fw, str(tmp_path), MAX_FORM_MEMORY_SIZE=1000)
    client = app.test_client()
    assert client.post("/form", data={"a": "x" * 900}).status_code == 200
    assert client.post("/form", data={"a": "x" * 1000}).status_code == 413


def test_max_form_parts_is_413(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    app = upload_app(fw, str(tmp_path), MAX_FORM_PARTS=5)
    client = app.test_client()
    fields = {f"f{i}": "v" for i in range(4)}
    ok = {**fields, "the_file": (io.BytesIO(b"x"), "a.bin")}
    assert client.post("/upload", data=ok, content_type="multipart/form-data").status_code == 200
    too_many = {**fields, "extra": "v", "the_file": (io.BytesIO(b"x"), "a.bin")}
    assert (
        client.post("/upload", data=too_many, content_type="multipart/form-data").status_code == 413
    )


def test_default_max_form_parts_stops_100k_parts(fw: types.SimpleNamespace, tmp_path: Any) -> None:
    app = upload_app(fw, str(tmp_path))
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="p"\r\n\r\nx\r\n'.encode()
    body = part * 100_000 + f"--{BOUNDARY}--\r\n".encode()
    status, _, _ = call_wsgi(app, body, MP, len(body), path="/form")
    assert status == 413  # Flask's default MAX_FORM_PARTS is 1000


# --------------------------------------------------------------------------- malformed (hipflask)


MALFORMED: dict[str, tuple[bytes, str]] = {
    "no boundary": (multipart_body([("a", b"1", None)]), "multipart/form-data"),
    "truncated": (multipart_body([("a", b"1", None)])[:-10], MP),
    "missing name": (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nv\r\n--{BOUNDARY}--\r\n".encode(),
        MP,
    ),
    "oversized part header": (
        f"--{BOUNDARY}\r\nX: {'a' * 50_000}\r\n\r\nv\r\n--{BOUNDARY}--\r\n".encode(),
        MP,
    ),
    "bad header encoding": (
        f"--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="\xff"\r\n\r\nv\r\n'
        + f"--{BOUNDARY}--\r\n".encode(),
        MP,
    ),
    "urlencoded invalid utf-8": (b"a=%ff", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_body_is_400_on_hipflask(case: str, tmp_path: Any) -> None:
    # Deliberate difference: Werkzeug silently gives an empty form for these.
    body, ctype = MALFORMED[case]
    app = upload_app(hip(), str(tmp_path))
    status, data, _ = call_wsgi(app, body, ctype, len(body), path="/form")
    assert status == 400, data


# --------------------------------------------------------------------------- temporary files


def test_uploaded_files_closed_after_the_request(tmp_path: Any) -> None:
    fdir = "/proc/self/fd"
    assert os.path.isdir(fdir), "this test counts open files through /proc (Linux)"
    kept: list[Any] = []
    app = hip().Flask(__name__)

    @app.route("/keep", methods=["POST"])
    def keep() -> str:
        import hipflask

        for storage in hipflask.request.files.values():
            kept.append(storage)
        return str(sum(len(s.read()) for s in kept))

    client = app.test_client()
    before = set(os.listdir(fdir))
    data = {
        "small": (io.BytesIO(b"s" * 100), "s.bin"),
        "large": (io.BytesIO(b"L" * 3_000_000), "l.bin"),
    }
    resp = client.post("/keep", data=data, content_type="multipart/form-data")
    assert resp.data == b"3000100"
    assert len(kept) == 2
    assert all(s.stream.closed for s in kept)
    assert set(os.listdir(fdir)) - before == set()


# --------------------------------------------------------------------------- JSON encodings


def json_app(fw: types.SimpleNamespace) -> Any:
    app = fw.Flask(__name__)

    @app.route("/json", methods=["POST"])
    def view() -> Any:
        return {"got": fw.request.get_json()}

    return app


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
def test_json_in_utf16_utf32_is_never_a_500(fw: types.SimpleNamespace, codec: str) -> None:
    body = '{"k": "é€"}'.encode(codec)
    status, data, _ = call_wsgi(json_app(fw), body, "application/json", len(body), path="/json")
    # Flask decodes these (json.loads detects the encoding); a framework may also refuse
    # them as not UTF-8. Either way: a correct answer or a 400, never a 500 or a wrong value.
    assert status in (200, 400), data
    if status == 200:
        import json

        assert json.loads(data) == {"got": {"k": "é€"}}


def _endless_json() -> Iterator[bytes]:
    yield b'{"k": "'
    block = b"a" * 65536
    for _ in range(512):  # 32 MiB, produced lazily: a rejecting app should read none of it
        yield block
    yield b'"}'


def test_json_with_bogus_charset_rejected_without_reading_it_all() -> None:
    app = json_app(hip())
    length = 7 + 512 * 65536 + 2
    status, _, stream = call_wsgi(
        app, _endless_json(), "application/json; charset=x-bogus-1", length, path="/json"
    )
    assert status in (400, 415)
    assert stream.consumed < 1024 * 1024, f"read {stream.consumed} bytes of a body it rejects"


def test_form_parse_error_reaches_the_client_not_a_500(tmp_path: Any) -> None:
    # MAX_CONTENT_LENGTH hit while parsing a file (the limit is only discovered mid-body).
    app = upload_app(hip(), str(tmp_path), MAX_CONTENT_LENGTH=10_000)
    body = multipart_body([("comment", b"x", None), ("the_file", b"y" * 50_000, "a.bin")])

    def slow() -> Iterator[bytes]:
        for i in range(0, len(body), 1000):
            yield body[i : i + 1000]

    status, _, _ = call_wsgi(app, slow(), MP, None, terminated=True)
    assert status == 413
