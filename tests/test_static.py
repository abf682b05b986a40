"""Static files through the app: folders, URLs, caching, conditional answers, traversal."""

from __future__ import annotations

import sys
import typing as t
from datetime import timedelta
from pathlib import Path

import pytest

import hipflask as fw

APPS_DIR = Path(__file__).resolve().parent / "apps" / "templates_static"
if str(APPS_DIR) not in sys.path:
    sys.path.insert(0, str(APPS_DIR))

import ts_module_app  # noqa: E402
import ts_package_app  # noqa: E402

STYLE = (APPS_DIR / "static" / "style.css").read_bytes()


@pytest.fixture
def client() -> t.Any:
    return ts_module_app.create_app(fw).test_client()


# --- where static files come from ------------------------------------------------


def test_static_next_to_a_module(client: t.Any) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.data == STYLE
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(STYLE))
    assert client.get("/static/sub/script.js").data == b'console.log("nested");\n'
    binary = client.get("/static/data.bin")
    assert binary.data == bytes(range(256)) * 40
    assert binary.headers["Content-Type"] == "application/octet-stream"


def test_static_inside_a_package() -> None:
    client = ts_package_app.create_app(fw).test_client()
    assert client.get("/static/pkg.css").data == b".pkg { margin: 0 }\n"


def test_static_folder_paths() -> None:
    app = ts_module_app.create_app(fw)
    assert app.has_static_folder
    assert app.static_folder == str(APPS_DIR / "static")
    assert app.static_url_path == "/static"


def test_static_folder_argument_sets_the_url_too() -> None:
    app = ts_module_app.create_app(fw, static_folder="assets")
    client = app.test_client()
    assert client.get("/assets/asset.txt").data == b"assets folder\n"
    assert client.get("/static/style.css").status_code == 404


@pytest.mark.parametrize(
    ("url_path", "url"), [("/files-at", "/files-at/style.css"), ("", "/style.css")]
)
def test_static_url_path(url_path: str, url: str) -> None:
    app = ts_module_app.create_app(fw, static_url_path=url_path)
    client = app.test_client()
    assert client.get(url).data == STYLE
    with app.test_request_context():
        assert fw.url_for("static", filename="style.css") == url


def test_no_static_folder() -> None:
    app = ts_module_app.create_app(fw, static_folder=None)
    assert not app.has_static_folder
    assert app.test_client().get("/static/style.css").status_code == 404
    with app.test_request_context(), pytest.raises(Exception, match="static"):
        fw.url_for("static", filename="style.css")


def test_url_for_static() -> None:
    app = ts_module_app.create_app(fw)
    with app.test_request_context():
        assert fw.url_for("static", filename="style.css") == "/static/style.css"
        assert fw.url_for("static", filename="sub/script.js") == "/static/sub/script.js"
        assert (
            fw.url_for("static", filename="style.css", _external=True)
            == "http://localhost/static/style.css"
        )
        assert fw.url_for("static", filename="a b.css") == "/static/a%20b.css"


def test_static_host_with_host_matching() -> None:
    app = fw.Flask("ts_module_app", host_matching=True, static_host="static.example.com")

    @app.route("/", host="www.example.com")
    def index() -> str:
        return "home"

    client = app.test_client()
    response = client.get("/static/style.css", base_url="http://static.example.com")
    assert response.data == STYLE
    assert client.get("/static/style.css", base_url="http://www.example.com").status_code == 404
    assert client.get("/", base_url="http://www.example.com").data == b"home"
    with app.test_request_context(base_url="http://www.example.com"):
        assert (
            fw.url_for("static", filename="style.css")
            == "http://static.example.com/static/style.css"
        )


def test_static_host_needs_host_matching() -> None:
    with pytest.raises(AssertionError):
        fw.Flask("ts_module_app", static_host="static.example.com")


def test_blueprint_static_folder(tmp_path: Path) -> None:
    (tmp_path / "bp.css").write_bytes(b"bp")
    app = fw.Flask("ts_module_app")
    bp = fw.Blueprint("shop", __name__, static_folder=str(tmp_path), static_url_path="/shop-static")
    app.register_blueprint(bp, url_prefix="/shop")
    assert app.test_client().get("/shop/shop-static/bp.css").data == b"bp"
    with app.test_request_context():
        assert fw.url_for("shop.static", filename="bp.css") == "/shop/shop-static/bp.css"


def test_send_static_file_directly() -> None:
    app = ts_module_app.create_app(fw)
    with app.test_request_context():
        response = app.send_static_file("style.css")
        response.direct_passthrough = False
        assert response.get_data() == STYLE
        response.close()


# --- caching --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "cache_control"),
    [
        (None, "no-cache"),
        (60, "public, max-age=60"),
        (timedelta(hours=1), "public, max-age=3600"),
        (0, "no-cache, max-age=0"),
    ],
)
def test_send_file_max_age_default(setting: t.Any, cache_control: str) -> None:
    app = ts_module_app.create_app(fw)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = setting
    response = app.test_client().get("/static/style.css")
    assert response.headers["Cache-Control"] == cache_control
    assert ("Expires" in response.headers) == (setting is not None)


def test_get_send_file_max_age_override() -> None:
    class PerTypeCaching(fw.Flask):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 600 if filename and filename.endswith(".css") else None

    app = PerTypeCaching("ts_module_app")
    client = app.test_client()
    assert client.get("/static/style.css").headers["Cache-Control"] == "public, max-age=600"
    assert client.get("/static/hello.txt").headers["Cache-Control"] == "no-cache"


# --- conditional answers ---------------------------------------------------------


def test_etag_and_last_modified_give_304(client: t.Any) -> None:
    first = client.get("/static/style.css")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Accept-Ranges"] == "bytes"
    again = client.get("/static/style.css", headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert again.headers["ETag"] == etag
    assert "Content-Length" not in again.headers
    by_date = client.get("/static/style.css", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    stale = client.get("/static/style.css", headers={"If-None-Match": '"old"'})
    assert (stale.status_code, stale.data) == (200, STYLE)


def test_range_206_and_416(client: t.Any) -> None:
    partial = client.get("/static/data.bin", headers={"Range": "bytes=256-511"})
    assert partial.status_code == 206
    assert partial.data == bytes(range(256))
    assert partial.headers["Content-Range"] == "bytes 256-511/10240"
    assert partial.headers["Content-Length"] == "256"
    tail = client.get("/static/data.bin", headers={"Range": "bytes=-10"})
    assert tail.data == bytes(range(246, 256))
    bad = client.get("/static/data.bin", headers={"Range": "bytes=10240-"})
    assert bad.status_code == 416
    assert bad.headers["Content-Range"] == "bytes */10240"
    several = client.get("/static/data.bin", headers={"Range": "bytes=0-1,4-5"})
    assert several.status_code == 200
    assert len(several.data) == 10240


def test_head_and_other_methods(client: t.Any) -> None:
    head = client.head("/static/style.css")
    assert (head.status_code, head.data) == (200, b"")
    assert head.headers["Content-Length"] == str(len(STYLE))
    assert client.post("/static/style.css").status_code == 405


# --- traversal: every attack is a 404 --------------------------------------------

ATTACKS = [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E%2Fsecret.txt",
    "/static/sub/../../secret.txt",
    "/static/..%5csecret.txt",
    "/static/sub%5c..%5c..%5csecret.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/c:/windows/win.ini",
    "/static/C:%5cwindows%5cwin.ini",
    "/static/style.css%00.png",
    "/static/NUL",
    "/static/nul",
    "/static/CON%20",
    "/static/NUL.txt",
    "/static/com1.log",
    "/static/example/NUL",
    "/static/example/aux.html",
]


@pytest.fixture
def trap_app(tmp_path: Path) -> t.Any:
    """A static folder holding files named like Windows devices, next to a secret.

    Because these files exist, a 404 proves the request was refused, not merely missed.
    """
    static = tmp_path / "static"
    (static / "example").mkdir(parents=True)
    (static / "sub").mkdir()
    (static / "style.css").write_bytes(b"ok")
    for name in ("NUL", "nul", "CON ", "NUL.txt", "com1.log", "example/NUL", "example/aux.html"):
        (static / name).write_bytes(b"device file")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    app = fw.Flask("ts_module_app", static_folder=str(static), static_url_path="/static")

    @app.route("/download/<path:name>")
    def download(name: str) -> t.Any:
        return fw.send_from_directory(static, name)

    return app


@pytest.mark.parametrize("url", ATTACKS)
def test_static_traversal_is_404(trap_app: t.Any, url: str) -> None:
    # "//" may first be redirected to a merged-slash URL, which must then 404.
    response = trap_app.test_client().get(url, follow_redirects=True)
    assert response.status_code == 404
    assert b"secret" not in response.data and b"device file" not in response.data


@pytest.mark.parametrize("url", ATTACKS)
def test_send_from_directory_traversal_is_404(trap_app: t.Any, url: str) -> None:
    response = trap_app.test_client().get(
        url.replace("/static/", "/download/", 1), follow_redirects=True
    )
    assert response.status_code == 404
    assert b"secret" not in response.data and b"device file" not in response.data


def test_trap_app_serves_normal_files(trap_app: t.Any) -> None:
    client = trap_app.test_client()
    assert client.get("/static/style.css").data == b"ok"
    assert client.get("/download/style.css").data == b"ok"
    assert client.get("/static/sub/../style.css").data == b"ok"


def test_safe_join_is_in_utils() -> None:
    from hipflask.utils import safe_join

    assert safe_join("/srv", "a/b.txt") == "/srv/a/b.txt"
    for attack in ("../x", "NUL.txt", "c:/windows/win.ini", "a\\b", "a\x00b", "example/NUL"):
        assert safe_join("/srv", attack) is None
