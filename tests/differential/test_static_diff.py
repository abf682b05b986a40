"""Static files and send_file: the same app on hipflask and on the real Flask, compared."""

from __future__ import annotations

import io
import sys
import typing as t
from pathlib import Path

import flask
import pytest

import hipflask

APPS_DIR = Path(__file__).resolve().parent.parent / "apps" / "templates_static"
if str(APPS_DIR) not in sys.path:
    sys.path.insert(0, str(APPS_DIR))

import ts_module_app  # noqa: E402

COMPARED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Content-Range",
    "Content-Disposition",
    "Accept-Ranges",
    "Content-Encoding",
)


def build(framework: t.Any, max_age: int | None = None) -> t.Any:
    app = ts_module_app.create_app(framework)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = max_age

    def download(name: str) -> t.Any:
        return framework.send_file(io.BytesIO(b"payload"), as_attachment=True, download_name=name)

    def inline(name: str) -> t.Any:
        return framework.send_file(io.BytesIO(b"payload"), download_name=name)

    app.add_url_rule("/dl/<path:name>", "download", download)
    app.add_url_rule("/inline/<path:name>", "inline", inline)
    return app


def observe(app: t.Any, method: str, url: str, headers: dict[str, str]) -> dict[str, t.Any]:
    response = app.test_client().open(url, method=method, headers=headers)
    seen: dict[str, t.Any] = {"status": response.status_code}
    if response.status_code < 400:
        seen["body"] = response.get_data()
        for name in COMPARED_HEADERS:
            seen[name] = response.headers.get(name)
        seen["has Expires"] = "Expires" in response.headers
    elif response.status_code == 416:
        seen["Content-Range"] = response.headers.get("Content-Range")
    response.close()
    return seen


@pytest.fixture(scope="module")
def validators() -> dict[str, str]:
    response = build(flask).test_client().get("/static/style.css")
    return {"etag": response.headers["ETag"], "modified": response.headers["Last-Modified"]}


REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/static/style.css", {}),
    ("GET", "/static/hello.txt", {}),
    ("GET", "/static/data.bin", {}),
    ("GET", "/static/logo.svg", {}),
    ("GET", "/static/sub/script.js", {}),
    ("GET", "/static/missing.css", {}),
    ("GET", "/static/../secret.txt", {}),
    ("HEAD", "/static/style.css", {}),
    ("POST", "/static/style.css", {}),
    ("GET", "/static/data.bin", {"Range": "bytes=0-9"}),
    ("GET", "/static/data.bin", {"Range": "bytes=-5"}),
    ("GET", "/static/data.bin", {"Range": "bytes=10000-"}),
    ("GET", "/static/data.bin", {"Range": "bytes=10240-"}),
    ("GET", "/static/data.bin", {"Range": "bytes=0-99999"}),
    ("GET", "/static/style.css", {"If-None-Match": '"nope"'}),
    ("GET", "/static/style.css", {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}),
    ("GET", "/files/hello.txt", {}),
    ("GET", "/files/%2e%2e/secret.txt", {}),
    ("GET", "/dl/report.pdf", {}),
    ("GET", "/dl/my report.pdf", {}),
    ("GET", "/dl/Grüße.txt", {}),
    ("GET", "/dl/日本語 ファイル.txt", {}),
    ("GET", "/dl/naïve café.txt", {}),
    ("GET", "/dl/semi;colon,comma.txt", {}),
    ("GET", "/dl/archive.tar.gz", {}),
    ("GET", "/inline/archive.tar.gz", {}),
    ("GET", "/inline/picture.png", {}),
    ("GET", "/inline/noext", {}),
]


@pytest.mark.parametrize(("method", "url", "headers"), REQUESTS)
@pytest.mark.parametrize("max_age", [None, 300])
def test_same_as_flask(method: str, url: str, headers: dict[str, str], max_age: int | None) -> None:
    ours = observe(build(hipflask, max_age), method, url, headers)
    theirs = observe(build(flask, max_age), method, url, headers)
    assert ours == theirs


@pytest.mark.parametrize("which", ["etag", "modified"])
def test_not_modified_same_as_flask(validators: dict[str, str], which: str) -> None:
    header = (
        {"If-None-Match": validators["etag"]}
        if which == "etag"
        else {"If-Modified-Since": validators["modified"]}
    )
    ours = build(hipflask).test_client().get("/static/style.css", headers=header)
    theirs = build(flask).test_client().get("/static/style.css", headers=header)
    assert ours.status_code == theirs.status_code == 304
    assert ours.get_data() == theirs.get_data() == b""
    for name in ("ETag", "Cache-Control", "Content-Length", "Content-Type", "Last-Modified"):
        assert ours.headers.get(name) == theirs.headers.get(name), name


@pytest.mark.parametrize(
    "if_range", ["etag", "modified", '"stale"', "Mon, 01 Jan 2001 00:00:00 GMT"]
)
def test_if_range_same_as_flask(validators: dict[str, str], if_range: str) -> None:
    value = validators.get(if_range, if_range)
    headers = {"Range": "bytes=0-3", "If-Range": value}
    ours = observe(build(hipflask), "GET", "/static/style.css", headers)
    theirs = observe(build(flask), "GET", "/static/style.css", headers)
    assert ours == theirs


def test_known_difference_several_ranges() -> None:
    """Several ranges: Flask answers 416, hipflask the full 200 (RFC 9110 14.2 allows it)."""
    headers = {"Range": "bytes=0-1,4-5"}
    assert observe(build(flask), "GET", "/static/data.bin", headers)["status"] == 416
    ours = observe(build(hipflask), "GET", "/static/data.bin", headers)
    assert ours["status"] == 200
    assert ours["body"] == (APPS_DIR / "static" / "data.bin").read_bytes()
