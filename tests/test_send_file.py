"""send_file at the WSGI level (hipflask.sending.wsgi_send_file), driven by raw environs.

App-level behaviour (root_path, SEND_FILE_MAX_AGE_DEFAULT, USE_X_SENDFILE) is in
test_send_file_app.py; the static route in test_static.py.
"""

from __future__ import annotations

import io
import os
import typing as t
from datetime import datetime, timezone
from pathlib import Path
from zlib import adler32

import pytest

from hipflask import sending
from hipflask.exceptions import NotFound, RequestedRangeNotSatisfiable
from hipflask.http import http_date, parse_date
from hipflask.sending import wsgi_send_file, wsgi_send_from_directory

CONTENT = b"The quick brown fox jumps over the lazy dog.\n" * 10  # 450 bytes


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "fox.txt"
    path.write_bytes(CONTENT)
    return path


class RecordingWrapper:
    """A server's ``wsgi.file_wrapper``: records the files it was given."""

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
def _reset_wrappers() -> None:
    RecordingWrapper.made.clear()


def make_environ(
    method: str = "GET", file_wrapper: bool = True, **headers: str
) -> dict[str, t.Any]:
    env: dict[str, t.Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if file_wrapper:
        env["wsgi.file_wrapper"] = RecordingWrapper
    for name, value in headers.items():
        env["HTTP_" + name.upper()] = value
    return env


class Result(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def serve(response: t.Any, env: dict[str, t.Any]) -> Result:
    """Run the response as a WSGI app the way a server does, closing the iterator."""
    captured: list[t.Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
        captured.append((status, headers))

    app_iter = response(env, start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    status, headers = captured[0]
    return Result(int(status.split()[0]), dict(headers), body)


def the_file() -> t.IO[bytes]:
    assert len(RecordingWrapper.made) == 1
    return RecordingWrapper.made[0].file


# --- a path ------------------------------------------------------------------------


def test_path_basics(text_file: Path) -> None:
    env = make_environ()
    result = serve(wsgi_send_file(str(text_file), env), env)
    assert result.status == 200
    assert result.body == CONTENT
    assert result.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert result.headers["Content-Length"] == str(len(CONTENT))
    assert result.headers["Content-Disposition"] == "inline; filename=fox.txt"
    assert result.headers["Cache-Control"] == "no-cache"
    assert result.headers["Accept-Ranges"] == "bytes"
    assert "Expires" not in result.headers
    mtime = os.stat(text_file).st_mtime
    assert result.headers["Last-Modified"] == http_date(mtime)
    checksum = adler32(str(text_file).encode()) & 0xFFFFFFFF
    assert result.headers["ETag"] == f'"{mtime}-{len(CONTENT)}-{checksum}"'
    assert the_file().closed


def test_pathlike_and_relative_paths(text_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_environ()
    assert serve(wsgi_send_file(text_file, env), env).body == CONTENT
    monkeypatch.chdir(text_file.parent)
    assert serve(wsgi_send_file("fox.txt", env), env).body == CONTENT
    other = text_file.parent / "elsewhere"
    other.mkdir()
    response = wsgi_send_file("../fox.txt", env, _root_path=str(other))
    assert serve(response, env).body == CONTENT


def test_missing_path_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        wsgi_send_file(str(tmp_path / "nope.txt"), make_environ())


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.html", "text/html; charset=utf-8"),
        ("a.css", "text/css; charset=utf-8"),
        ("a.json", "application/json"),
        ("a.png", "image/png"),
        ("a.svg", "image/svg+xml; charset=utf-8"),
        ("a.unknownext", "application/octet-stream"),
        ("noext", "application/octet-stream"),
    ],
)
def test_guessed_mimetype(tmp_path: Path, name: str, content_type: str) -> None:
    (tmp_path / name).write_bytes(b"x")
    env = make_environ()
    result = serve(wsgi_send_file(str(tmp_path / name), env), env)
    assert result.headers["Content-Type"] == content_type


def test_explicit_mimetype(text_file: Path) -> None:
    env = make_environ()
    result = serve(wsgi_send_file(str(text_file), env, mimetype="application/x-fox"), env)
    assert result.headers["Content-Type"] == "application/x-fox"


def test_compressed_file_encoding_only_inline(tmp_path: Path) -> None:
    path = tmp_path / "archive.tar.gz"
    path.write_bytes(b"\x1f\x8b fake")
    env = make_environ()
    inline = serve(wsgi_send_file(str(path), env), env)
    assert inline.headers["Content-Type"] == "application/x-tar"
    assert inline.headers["Content-Encoding"] == "gzip"
    attached = serve(wsgi_send_file(str(path), env, as_attachment=True), env)
    assert "Content-Encoding" not in attached.headers


# --- file objects --------------------------------------------------------------------


def test_bytesio_needs_a_name_or_mimetype() -> None:
    with pytest.raises(TypeError, match="mimetype"):
        wsgi_send_file(io.BytesIO(b"x"), make_environ())


def test_bytesio_has_a_length_but_no_validators() -> None:
    env = make_environ()
    result = serve(wsgi_send_file(io.BytesIO(b"hello"), env, mimetype="text/plain"), env)
    assert result.body == b"hello"
    assert result.headers["Content-Length"] == "5"
    assert result.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "ETag" not in result.headers
    assert "Last-Modified" not in result.headers
    assert "Content-Disposition" not in result.headers


def test_bytesio_supports_ranges() -> None:
    env = make_environ(range="bytes=1-3")
    result = serve(wsgi_send_file(io.BytesIO(b"hello"), env, mimetype="text/plain"), env)
    assert (result.status, result.body) == (206, b"ell")
    assert result.headers["Content-Range"] == "bytes 1-3/5"


def test_open_binary_file(text_file: Path) -> None:
    env = make_environ()
    with open(text_file, "rb") as file:
        result = serve(wsgi_send_file(file, env, download_name="fox.txt"), env)
        assert file.closed
    assert result.body == CONTENT
    assert result.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("opener", ["text-mode", "stringio"])
def test_text_files_are_refused_clearly(text_file: Path, opener: str) -> None:
    file: t.Any = open(text_file) if opener == "text-mode" else io.StringIO("x")  # noqa: SIM115
    try:
        with pytest.raises(ValueError, match="binary"):
            wsgi_send_file(file, make_environ(), mimetype="text/plain")
    finally:
        file.close()


# --- Content-Disposition ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "as_attachment", "expected"),
    [
        ("report.pdf", True, "attachment; filename=report.pdf"),
        ("my report.pdf", True, 'attachment; filename="my report.pdf"'),
        ('a"b.txt', False, 'inline; filename="a\\"b.txt"'),
        (
            "Grüße.txt",
            True,
            "attachment; filename=Grue.txt; filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt",
        ),
        (
            "日本語 ファイル.txt",
            False,
            "inline; filename=\" .txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%20"
            "%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.txt",
        ),
        (
            "naïve café.txt",
            True,
            "attachment; filename=\"naive cafe.txt\"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt",
        ),
    ],
)
def test_download_name(name: str, as_attachment: bool, expected: str) -> None:
    env = make_environ()
    response = wsgi_send_file(
        io.BytesIO(b"x"), env, download_name=name, as_attachment=as_attachment
    )
    assert response.headers["Content-Disposition"] == expected


def test_download_name_overrides_the_path_name_and_guesses_from_it(text_file: Path) -> None:
    env = make_environ()
    result = serve(wsgi_send_file(str(text_file), env, download_name="x.html"), env)
    assert result.headers["Content-Disposition"] == "inline; filename=x.html"
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"


def test_attachment_needs_a_name() -> None:
    with pytest.raises(TypeError, match="download_name"):
        wsgi_send_file(io.BytesIO(b"x"), make_environ(), mimetype="text/plain", as_attachment=True)


@pytest.mark.parametrize("name", ["evil\r\nSet-Cookie: a=b", "nul\x00.txt", "tab\t.txt"])
def test_download_name_header_injection_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="download_name"):
        wsgi_send_file(io.BytesIO(b"x"), make_environ(), download_name=name)


# --- caching headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_age", "cache_control"),
    [(None, "no-cache"), (60, "public, max-age=60"), (0, "no-cache, max-age=0")],
)
def test_max_age(text_file: Path, max_age: int | None, cache_control: str) -> None:
    env = make_environ()
    result = serve(wsgi_send_file(str(text_file), env, max_age=max_age), env)
    assert result.headers["Cache-Control"] == cache_control
    if max_age is None:
        assert "Expires" not in result.headers
    else:
        expires = parse_date(result.headers["Expires"])
        date = parse_date(result.headers["Date"])
        assert expires is not None and date is not None
        assert abs((expires - date).total_seconds() - max_age) <= 2


def test_max_age_callable_gets_the_path(text_file: Path) -> None:
    seen: list[str | None] = []

    def decide(path: str | None) -> int:
        seen.append(path)
        return 30

    env = make_environ()
    result = serve(wsgi_send_file(str(text_file), env, max_age=decide), env)
    assert seen == [str(text_file)]
    assert result.headers["Cache-Control"] == "public, max-age=30"


def test_etag_options(text_file: Path) -> None:
    env = make_environ()
    assert "ETag" not in serve(wsgi_send_file(str(text_file), env, etag=False), env).headers
    custom = serve(wsgi_send_file(str(text_file), env, etag="v42"), env)
    assert custom.headers["ETag"] == '"v42"'


def test_last_modified_override(text_file: Path) -> None:
    env = make_environ()
    when = datetime(2020, 5, 17, 12, 0, 0, tzinfo=timezone.utc)
    result = serve(wsgi_send_file(str(text_file), env, last_modified=when), env)
    assert result.headers["Last-Modified"] == "Sun, 17 May 2020 12:00:00 GMT"
    result = serve(wsgi_send_file(str(text_file), env, last_modified=0), env)
    assert result.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"


# --- conditional and range answers, and the file is always closed ------------------------


def etag_of(path: Path) -> str:
    env = make_environ()
    return t.cast(str, serve(wsgi_send_file(str(path), env), env).headers["ETag"])


def test_304_on_if_none_match_closes_the_file_at_once(text_file: Path) -> None:
    etag = etag_of(text_file)
    RecordingWrapper.made.clear()
    env = make_environ(if_none_match=etag)
    response = wsgi_send_file(str(text_file), env)
    assert response.status_code == 304
    assert the_file().closed  # before the server even calls the response
    result = serve(response, env)
    assert result.body == b""
    assert result.headers["ETag"] == etag
    assert "Content-Length" not in result.headers


def test_304_on_if_modified_since(text_file: Path) -> None:
    env = make_environ(if_modified_since=http_date(os.stat(text_file).st_mtime + 5))
    assert serve(wsgi_send_file(str(text_file), env), env).status == 304
    env = make_environ(if_modified_since="Mon, 01 Jan 2001 00:00:00 GMT")
    assert serve(wsgi_send_file(str(text_file), env), env).status == 200


def test_conditional_false_ignores_validators(text_file: Path) -> None:
    env = make_environ(if_none_match=etag_of(text_file), range="bytes=0-1")
    result = serve(wsgi_send_file(str(text_file), env, conditional=False), env)
    assert (result.status, result.body) == (200, CONTENT)
    assert "Accept-Ranges" not in result.headers


def test_412_sends_no_body_and_closes_the_file(text_file: Path) -> None:
    env = make_environ(if_match='"something-else"')
    response = wsgi_send_file(str(text_file), env)
    assert the_file().closed
    result = serve(response, env)
    assert (result.status, result.body) == (412, b"")
    assert result.headers["Content-Length"] == "0"


def test_range_206(text_file: Path) -> None:
    env = make_environ(range="bytes=4-8")
    result = serve(wsgi_send_file(str(text_file), env), env)
    assert (result.status, result.body) == (206, b"quick")
    assert result.headers["Content-Range"] == f"bytes 4-8/{len(CONTENT)}"
    assert result.headers["Content-Length"] == "5"
    assert the_file().closed


def test_range_from_the_end_without_a_server_wrapper(text_file: Path) -> None:
    env = make_environ(file_wrapper=False, range="bytes=-5")
    result = serve(wsgi_send_file(str(text_file), env), env)
    assert (result.status, result.body) == (206, CONTENT[-5:])


def test_if_range_mismatch_sends_the_whole_file(text_file: Path) -> None:
    env = make_environ(range="bytes=0-3", if_range='"stale"')
    result = serve(wsgi_send_file(str(text_file), env), env)
    assert (result.status, result.body) == (200, CONTENT)


def test_416_closes_the_file(text_file: Path) -> None:
    env = make_environ(range=f"bytes={len(CONTENT)}-")
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        wsgi_send_file(str(text_file), env)
    assert ("Content-Range", f"bytes */{len(CONTENT)}") in info.value.get_headers()
    assert the_file().closed


def test_head_keeps_length_and_closes_the_file(text_file: Path) -> None:
    env = make_environ("HEAD")
    response = wsgi_send_file(str(text_file), env)
    assert the_file().closed
    result = serve(response, env)
    assert (result.status, result.body) == (200, b"")
    assert result.headers["Content-Length"] == str(len(CONTENT))


def test_server_file_wrapper_is_passed_through(text_file: Path) -> None:
    env = make_environ()
    response = wsgi_send_file(str(text_file), env)
    app_iter = response(env, lambda status, headers, exc_info=None: None)
    # The very object the server made, so it can use sendfile().
    assert app_iter is RecordingWrapper.made[0]
    app_iter.close()


def test_client_disconnect_mid_body_closes_the_file(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(100_000))
    env = make_environ()
    app_iter = wsgi_send_file(str(big), env)(env, lambda *args: None)
    assert len(next(iter(app_iter))) == 8192
    app_iter.close()  # what a server does when the client goes away
    assert the_file().closed


def test_without_server_wrapper_the_file_is_closed_too(
    text_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[t.IO[bytes]] = []

    def tracking_open(path: str, mode: str = "r") -> t.IO[bytes]:
        file = open(path, mode)  # noqa: SIM115
        opened.append(file)
        return file

    monkeypatch.setattr(sending, "open", tracking_open, raising=False)
    for env in (
        make_environ(file_wrapper=False),
        make_environ(file_wrapper=False, range="bytes=1-2"),
    ):
        app_iter = wsgi_send_file(str(text_file), env)(env, lambda *args: None)
        next(iter(app_iter))
        app_iter.close()
        assert opened.pop().closed


def test_x_sendfile(text_file: Path) -> None:
    env = make_environ()
    result = serve(wsgi_send_file(str(text_file), env, use_x_sendfile=True), env)
    assert result.headers["X-Sendfile"] == str(text_file)
    assert result.body == b""
    assert result.headers["Content-Length"] == str(len(CONTENT))
    assert RecordingWrapper.made == []  # the file was never opened
    env = make_environ(if_none_match=etag_of(text_file))
    not_modified = serve(wsgi_send_file(str(text_file), env, use_x_sendfile=True), env)
    assert not_modified.status == 304
    assert "X-Sendfile" not in not_modified.headers


def test_custom_response_class(text_file: Path) -> None:
    from hipflask.wrappers import Response

    class MyResponse(Response):
        pass

    response = wsgi_send_file(str(text_file), make_environ(), response_class=MyResponse)
    assert type(response) is MyResponse
    response.close()


# --- send_from_directory ---------------------------------------------------------------------


@pytest.fixture
def served_dir(tmp_path: Path) -> Path:
    root = tmp_path / "public"
    (root / "sub").mkdir(parents=True)
    (root / "index.txt").write_bytes(b"index")
    (root / "sub" / "deep.txt").write_bytes(b"deep")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    # Files named like Windows devices exist here, so a 404 proves they were refused.
    for name in ("NUL", "CON ", "nul.txt", "com1.log", "AUX.tar.gz"):
        (root / name).write_bytes(b"device")
    (root / "example").mkdir()
    (root / "example" / "NUL").write_bytes(b"device")
    return root


def test_send_from_directory_serves_files_inside(served_dir: Path) -> None:
    env = make_environ()
    assert serve(wsgi_send_from_directory(served_dir, "index.txt", env), env).body == b"index"
    assert (
        serve(wsgi_send_from_directory(str(served_dir), "sub/deep.txt", env), env).body == b"deep"
    )
    # ".." that stays inside is fine
    assert (
        serve(wsgi_send_from_directory(served_dir, "sub/../index.txt", env), env).body == b"index"
    )


TRAVERSALS = [
    "../secret.txt",
    "sub/../../secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "..",
    "../",
    "..\\secret.txt",
    "sub\\..\\..\\secret.txt",
    "c:/windows/win.ini",
    "C:\\windows\\win.ini",
    "c:secret.txt",
    "index.txt\x00.png",
    "NUL",
    "nul",
    "CON ",
    "nul.txt",
    "com1.log",
    "AUX.tar.gz",
    "example/NUL",
    "example/nul.txt",
    "sub",
    "",
    "missing.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_send_from_directory_refuses(served_dir: Path, path: str) -> None:
    with pytest.raises(NotFound):
        wsgi_send_from_directory(served_dir, path, make_environ())
    assert RecordingWrapper.made == []


def test_send_from_directory_with_root_path(served_dir: Path) -> None:
    env = make_environ()
    response = wsgi_send_from_directory(
        "public", "index.txt", env, _root_path=str(served_dir.parent)
    )
    assert serve(response, env).body == b"index"
    with pytest.raises(NotFound):
        wsgi_send_from_directory("public", "../secret.txt", env, _root_path=str(served_dir.parent))


def test_send_from_directory_passes_options(served_dir: Path) -> None:
    env = make_environ()
    response = wsgi_send_from_directory(served_dir, "index.txt", env, as_attachment=True, max_age=5)
    result = serve(response, env)
    assert result.headers["Content-Disposition"] == "attachment; filename=index.txt"
    assert result.headers["Cache-Control"] == "public, max-age=5"
