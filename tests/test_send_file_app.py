"""Flask-level send_file / send_from_directory: defaults taken from the app and request."""

from __future__ import annotations

import io
import sys
import typing as t
from pathlib import Path

import pytest

import hipflask as fw

APPS_DIR = Path(__file__).resolve().parent / "apps" / "templates_static"
if str(APPS_DIR) not in sys.path:
    sys.path.insert(0, str(APPS_DIR))

import ts_module_app  # noqa: E402

HELLO = (APPS_DIR / "static" / "hello.txt").read_bytes()


def app_with(view: t.Callable[[], t.Any], **options: t.Any) -> t.Any:
    app = fw.Flask("ts_module_app", **options)
    app.add_url_rule("/", "view", view)
    return app


def test_relative_paths_are_relative_to_the_root_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not the app's folder
    app = app_with(lambda: fw.send_file("static/hello.txt"))
    response = app.test_client().get("/")
    assert response.data == HELLO
    assert response.headers["Content-Disposition"] == "inline; filename=hello.txt"


def test_bytesio_download() -> None:
    def view() -> t.Any:
        data = io.BytesIO("é,1\n".encode())
        return fw.send_file(data, as_attachment=True, download_name="données.csv")

    response = app_with(view).test_client().get("/")
    assert response.data == "é,1\n".encode()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=donnees.csv; filename*=UTF-8''donn%C3%A9es.csv"
    )


def test_send_file_max_age_default_and_explicit_max_age() -> None:
    app = app_with(lambda: fw.send_file("static/hello.txt"))
    app.add_url_rule("/explicit", "explicit", lambda: fw.send_file("static/hello.txt", max_age=5))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 120
    client = app.test_client()
    assert client.get("/").headers["Cache-Control"] == "public, max-age=120"
    assert client.get("/explicit").headers["Cache-Control"] == "public, max-age=5"


def test_use_x_sendfile() -> None:
    app = app_with(lambda: fw.send_file("static/hello.txt"))
    app.config["USE_X_SENDFILE"] = True
    response = app.test_client().get("/")
    assert response.headers["X-Sendfile"] == str(APPS_DIR / "static" / "hello.txt")
    assert response.data == b""


def test_app_response_class_is_used() -> None:
    class TaggedResponse(fw.Response):
        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Tagged"] = "yes"

    class TaggedApp(fw.Flask):
        response_class = TaggedResponse

    app = TaggedApp("ts_module_app")
    app.add_url_rule("/", "view", lambda: fw.send_file("static/hello.txt"))
    assert app.test_client().get("/").headers["X-Tagged"] == "yes"


def test_conditional_through_the_app() -> None:
    client = app_with(lambda: fw.send_file("static/hello.txt")).test_client()
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    partial = client.get("/", headers={"Range": "bytes=0-4"})
    assert (partial.status_code, partial.data) == (206, HELLO[:5])
    bad = client.get("/", headers={"Range": "bytes=999-"})
    assert bad.status_code == 416
    assert bad.headers["Content-Range"] == f"bytes */{len(HELLO)}"


def test_send_from_directory_in_a_view() -> None:
    client = ts_module_app.create_app(fw).test_client()
    assert client.get("/files/hello.txt").data == HELLO
    assert client.get("/files/sub/script.js").status_code == 200
    assert client.get("/files/../secret.txt").status_code == 404
    assert client.get("/files/%2e%2e/secret.txt").status_code == 404
    assert client.get("/files/missing.txt").status_code == 404
    assert client.get("/files/sub").status_code == 404


def test_send_from_directory_options() -> None:
    app = app_with(lambda: fw.send_from_directory("static", "hello.txt", as_attachment=True))
    response = app.test_client().get("/")
    assert response.headers["Content-Disposition"] == "attachment; filename=hello.txt"


def test_needs_a_request_context() -> None:
    app = fw.Flask("ts_module_app")
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        fw.send_file("static/hello.txt")
    with pytest.raises(RuntimeError, match="context"):
        fw.send_from_directory("static", "hello.txt")


def test_text_mode_file_in_a_view_is_a_500_with_a_clear_error() -> None:
    def view() -> t.Any:
        return fw.send_file(io.StringIO("text"), mimetype="text/plain")

    app = app_with(view)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ValueError, match="binary"):
        app.test_client().get("/")


def test_file_object_in_a_view_is_closed_after_the_response(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 10_000)
    files: list[t.IO[bytes]] = []

    def view() -> t.Any:
        files.append(open(path, "rb"))  # noqa: SIM115
        return fw.send_file(files[-1], mimetype="application/octet-stream")

    client = app_with(view).test_client()
    assert client.get("/", buffered=True).data == b"abc" * 10_000
    assert files[0].closed
    response = client.get("/", buffered=False)
    next(iter(response.response))
    response.close()  # the client stops reading early
    assert files[1].closed
