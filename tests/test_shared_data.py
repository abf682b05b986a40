"""SharedDataMiddleware: exports, traversal, conditional and range answers, closing files."""

from __future__ import annotations

import io
import os
import sys
import typing as t
import zipfile
from pathlib import Path

import pytest

from hipflask.middleware import SharedDataMiddleware
from hipflask.middleware import shared_data as shared_data_module

APPS_DIR = Path(__file__).resolve().parent / "apps" / "templates_static"
if str(APPS_DIR) not in sys.path:
    sys.path.insert(0, str(APPS_DIR))


def fallback_app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("X-From", "app")])
    return [b"from the app"]


class Result(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


class RecordingWrapper:
    made: t.ClassVar[list[RecordingWrapper]] = []

    def __init__(self, file: t.IO[bytes], block_size: int = 8192) -> None:
        self.file = file
        self.block_size = block_size
        RecordingWrapper.made.append(self)

    def __iter__(self) -> t.Iterator[bytes]:
        return iter(lambda: self.file.read(self.block_size), b"")

    def close(self) -> None:
        self.file.close()


@pytest.fixture(autouse=True)
def _track_files(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[list[t.IO[bytes]]]:
    RecordingWrapper.made.clear()
    opened: list[t.IO[bytes]] = []

    def tracking_open(path: str, mode: str = "r") -> t.IO[bytes]:
        file = open(path, mode)  # noqa: SIM115
        opened.append(file)
        return file

    monkeypatch.setattr(shared_data_module, "open", tracking_open, raising=False)
    yield opened
    assert all(f.closed for f in opened), "a file was left open"


def call(
    app: t.Any, path: str, method: str = "GET", file_wrapper: bool = False, **headers: str
) -> Result:
    raw = path.encode("utf-8").decode("latin-1")  # what a server puts in PATH_INFO
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": raw,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    if file_wrapper:
        environ["wsgi.file_wrapper"] = RecordingWrapper
    for name, value in headers.items():
        environ["HTTP_" + name.upper()] = value
    captured: list[t.Any] = []
    app_iter = app(environ, lambda status, hdrs, exc_info=None: captured.append((status, hdrs)))
    try:
        body = b"".join(app_iter)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
    status, hdrs = captured[0]
    return Result(int(status.split()[0]), dict(hdrs), body)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    (shared / "css").mkdir(parents=True)
    (shared / "hello.txt").write_bytes(b"hello shared\n")
    (shared / "css" / "site.css").write_bytes(b"body{}")
    (shared / "data.weird").write_bytes(b"\x00\x01")
    (shared / "grüße.txt").write_bytes(b"unicode name")
    (shared / "notes.bak").write_bytes(b"backup")
    (shared / "NUL.txt").write_bytes(b"device")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    (tmp_path / "favicon.ico").write_bytes(b"\x00icon")
    return tmp_path


@pytest.fixture
def app(tree: Path) -> SharedDataMiddleware:
    return SharedDataMiddleware(fallback_app, {"/shared": str(tree / "shared")})


def test_serves_a_directory_export(app: SharedDataMiddleware, tree: Path) -> None:
    result = call(app, "/shared/hello.txt")
    assert (result.status, result.body) == (200, b"hello shared\n")
    headers = result.headers
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == "13"
    assert headers["Cache-Control"] == "max-age=43200, public"
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert headers["Accept-Ranges"] == "bytes"
    assert "Expires" in headers and "Last-Modified" in headers and "Date" in headers
    assert call(app, "/shared/css/site.css").body == b"body{}"


def test_non_ascii_file_names(app: SharedDataMiddleware) -> None:
    assert call(app, "/shared/grüße.txt").body == b"unicode name"


def test_fallback_mimetype(tree: Path) -> None:
    assert (
        call(
            SharedDataMiddleware(fallback_app, {"/s": str(tree / "shared")}), "/s/data.weird"
        ).headers["Content-Type"]
        == "application/octet-stream"
    )
    app = SharedDataMiddleware(
        fallback_app, {"/s": str(tree / "shared")}, fallback_mimetype="text/x-custom"
    )
    assert call(app, "/s/data.weird").headers["Content-Type"] == "text/x-custom; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    ["/", "/other/hello.txt", "/shared/missing.txt", "/shared/css", "/shared", "/sharedhello.txt"],
)
def test_everything_else_goes_to_the_app(app: SharedDataMiddleware, path: str) -> None:
    result = call(app, path)
    assert result.headers.get("X-From") == "app"


@pytest.mark.parametrize(
    "path",
    [
        "/shared/../secret.txt",
        "/shared/css/../../secret.txt",
        "/shared/..%2fsecret.txt".replace("%2f", "/"),  # %2f arrives decoded
        "/shared/..\\secret.txt",
        "/shared//etc/passwd",
        "/shared/c:/windows/win.ini",
        "/shared/C:\\windows\\win.ini",
        "/shared/hello.txt\x00.png",
        "/shared/NUL.txt",
        "/shared/nul",
        "/shared/CON ",
        "/shared/css/NUL",
    ],
)
def test_traversal_never_reaches_the_disk(app: SharedDataMiddleware, path: str) -> None:
    result = call(app, path)
    assert result.headers.get("X-From") == "app"
    assert b"secret" not in result.body and b"device" not in result.body


def test_file_export(tree: Path) -> None:
    app = SharedDataMiddleware(fallback_app, [("/favicon.ico", str(tree / "favicon.ico"))])
    result = call(app, "/favicon.ico")
    assert (result.status, result.body) == (200, b"\x00icon")
    assert result.headers["Content-Type"] in ("image/vnd.microsoft.icon", "image/x-icon")


def test_root_mount_next_to_the_app(tree: Path) -> None:
    app = SharedDataMiddleware(fallback_app, {"/": str(tree / "shared")})
    assert call(app, "/hello.txt").body == b"hello shared\n"
    assert call(app, "/api/users").headers.get("X-From") == "app"


def test_package_export() -> None:
    app = SharedDataMiddleware(fallback_app, {"/pkg": ("ts_package_app", "static")})
    result = call(app, "/pkg/pkg.css")
    assert result.body == b".pkg { margin: 0 }\n"
    assert result.headers["Content-Type"] == "text/css; charset=utf-8"
    assert call(app, "/pkg/../__init__.py").headers.get("X-From") == "app"


def test_zipped_package_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped_h6_pkg/__init__.py", "")
        zf.writestr("zipped_h6_pkg/assets/app.js", "console.log(1)")
        zf.writestr("zipped_h6_pkg/secret.py", "KEY = 1")
    monkeypatch.syspath_prepend(str(archive))
    monkeypatch.delitem(sys.modules, "zipped_h6_pkg", raising=False)
    app = SharedDataMiddleware(fallback_app, {"/z": ("zipped_h6_pkg", "assets")})
    result = call(app, "/z/app.js")
    assert (result.status, result.body) == (200, b"console.log(1)")
    assert result.headers["Content-Length"] == "14"
    assert call(app, "/z/../secret.py").headers.get("X-From") == "app"
    assert call(app, "/z/missing.js").headers.get("X-From") == "app"
    etag = result.headers["ETag"]
    assert call(app, "/z/app.js", if_none_match=etag).status == 304


def test_bad_exports_are_explained(tree: Path) -> None:
    with pytest.raises(ValueError, match="no_such_package_h6"):
        SharedDataMiddleware(fallback_app, {"/x": ("no_such_package_h6", "static")})
    with pytest.raises(TypeError, match="'/x'"):
        SharedDataMiddleware(fallback_app, {"/x": 42})  # type: ignore[dict-item]


@pytest.mark.parametrize("disallow", ["*.bak", ["*.zip", "*.bak"]])
def test_disallow(tree: Path, disallow: t.Any) -> None:
    app = SharedDataMiddleware(fallback_app, {"/s": str(tree / "shared")}, disallow=disallow)
    assert call(app, "/s/notes.bak").headers.get("X-From") == "app"
    assert call(app, "/s/hello.txt").status == 200


def test_is_allowed_override(tree: Path) -> None:
    class OnlyCss(SharedDataMiddleware):
        def is_allowed(self, filename: str) -> bool:
            return filename.endswith(".css")

    app = OnlyCss(fallback_app, {"/s": str(tree / "shared")})
    assert call(app, "/s/css/site.css").status == 200
    assert call(app, "/s/hello.txt").headers.get("X-From") == "app"


def test_cache_disabled(tree: Path) -> None:
    app = SharedDataMiddleware(fallback_app, {"/s": str(tree / "shared")}, cache=False)
    result = call(app, "/s/hello.txt", if_none_match="*")
    assert result.status == 200
    assert result.headers["Cache-Control"] == "public"
    assert "ETag" not in result.headers and "Expires" not in result.headers


def test_cache_timeout(tree: Path) -> None:
    app = SharedDataMiddleware(fallback_app, {"/s": str(tree / "shared")}, cache_timeout=60)
    assert call(app, "/s/hello.txt").headers["Cache-Control"] == "max-age=60, public"


def test_conditional_answers(app: SharedDataMiddleware) -> None:
    first = call(app, "/shared/hello.txt")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    not_modified = call(app, "/shared/hello.txt", if_none_match=etag)
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert call(app, "/shared/hello.txt", if_modified_since=modified).status == 304
    assert call(app, "/shared/hello.txt", if_none_match='"other"').status == 200
    failed = call(app, "/shared/hello.txt", if_match='"other"')
    assert (failed.status, failed.body) == (412, b"")
    assert call(app, "/shared/hello.txt", if_match=etag).status == 200
    # the ETag is stable between requests
    assert call(app, "/shared/hello.txt").headers["ETag"] == etag


def test_ranges(app: SharedDataMiddleware) -> None:
    partial = call(app, "/shared/hello.txt", range="bytes=6-11")
    assert (partial.status, partial.body) == (206, b"shared")
    assert partial.headers["Content-Range"] == "bytes 6-11/13"
    assert partial.headers["Content-Length"] == "6"
    bad = call(app, "/shared/hello.txt", range="bytes=100-")
    assert bad.status == 416
    assert bad.headers["Content-Range"] == "bytes */13"
    several = call(app, "/shared/hello.txt", range="bytes=0-1,3-4")
    assert (several.status, several.body) == (200, b"hello shared\n")


def test_head(app: SharedDataMiddleware) -> None:
    result = call(app, "/shared/hello.txt", method="HEAD")
    assert (result.status, result.body) == (200, b"")
    assert result.headers["Content-Length"] == "13"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_unsafe_methods_go_to_the_app(app: SharedDataMiddleware, method: str) -> None:
    assert call(app, "/shared/hello.txt", method=method).headers.get("X-From") == "app"


def test_server_file_wrapper_and_disconnect(app: SharedDataMiddleware, tree: Path) -> None:
    (tree / "shared" / "big.bin").write_bytes(os.urandom(50_000))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/shared/big.bin",
        "wsgi.file_wrapper": RecordingWrapper,
    }
    app_iter = app(environ, lambda *args: None)
    assert app_iter is RecordingWrapper.made[0]
    next(iter(app_iter))
    app_iter.close()  # the client went away
    assert RecordingWrapper.made[0].file.closed


def test_range_through_a_server_wrapper(app: SharedDataMiddleware) -> None:
    result = call(app, "/shared/hello.txt", file_wrapper=True, range="bytes=-7")
    assert (result.status, result.body) == (206, b"shared\n")
