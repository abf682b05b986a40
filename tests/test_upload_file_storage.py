"""hipflask.datastructures.FileStorage, compared with Werkzeug's where observable."""

from __future__ import annotations

import io
import pathlib
import tempfile

import pytest
from werkzeug.datastructures import FileStorage as WFileStorage
from werkzeug.datastructures import Headers as WHeaders

from hipflask.datastructures import FileStorage, Headers


def both(*args: object, **kwargs: object) -> tuple[FileStorage, WFileStorage]:
    def stream() -> io.BytesIO | None:
        return io.BytesIO(b"line1\nline2\n") if not args else None

    ours = FileStorage(stream(), *args, **kwargs)  # type: ignore[arg-type]
    theirs = WFileStorage(stream(), *args, **kwargs)  # type: ignore[arg-type]
    return ours, theirs


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filename": "a.txt", "name": "f"},
        {"filename": "a.txt", "content_type": "Text/HTML; Charset=UTF-8"},
        {"filename": "", "content_type": "application/octet-stream", "content_length": 12},
        {"content_type": 'multipart/mixed; boundary="x y"'},
    ],
)
def test_attributes_match_werkzeug(kwargs: dict[str, object]) -> None:
    ours, theirs = both(**kwargs)
    for attr in (
        "filename",
        "name",
        "content_type",
        "content_length",
        "mimetype",
        "mimetype_params",
    ):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert bool(ours) == bool(theirs)
    assert repr(ours) == repr(theirs)
    assert list(ours.headers.items()) == list(theirs.headers.items())


def test_content_length_must_be_plain_digits() -> None:
    for raw, want in [
        ("12", 12),
        (" 7 ", 7),
        ("+3", 0),
        ("1_0", 0),
        ("-1", -1),
        ("--1", 0),
        ("x", 0),
        ("٣", 0),
        ("", 0),
    ]:
        # Headers() refuses non-latin-1 values (hipflask is stricter than Werkzeug there).
        headers = Headers.from_list([("Content-Length", raw)])
        assert FileStorage(headers=headers).content_length == want, raw
        wheaders = WHeaders([("Content-Length", raw)])
        assert WFileStorage(headers=wheaders).content_length == want, raw


def test_filename_from_stream_name(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc")
    with open(path, "rb") as fh:
        assert FileStorage(fh).filename == str(path)
    assert FileStorage(filename=pathlib.Path("x/y.txt")).filename == "x/y.txt"
    pseudo = io.BytesIO()
    pseudo.name = "<stdin>"  # type: ignore[attr-defined]
    assert FileStorage(pseudo).filename is None
    with tempfile.TemporaryFile() as anon:  # name is an int fd: no filename
        assert FileStorage(anon).filename is None


def test_proxies_stream_methods() -> None:
    storage = FileStorage(io.BytesIO(b"line1\nline2\n"), "a.txt")
    assert storage.readline() == b"line1\n"
    assert storage.tell() == 6
    storage.seek(0)
    assert list(storage) == [b"line1\n", b"line2\n"]
    storage.seek(0)
    assert storage.read() == b"line1\nline2\n"
    with pytest.raises(AttributeError):
        storage.no_such_attribute  # noqa: B018


def test_proxies_spooled_file_methods() -> None:
    with tempfile.SpooledTemporaryFile(max_size=10) as spooled:
        spooled.write(b"x" * 100)
        spooled.seek(0)
        storage = FileStorage(spooled, "a.bin")  # type: ignore[arg-type]
        assert storage.readable()
        assert storage.seekable()
        assert storage.read(3) == b"xxx"
        storage.close()
        assert spooled.closed


def test_save_to_path_and_pathlike(tmp_path: pathlib.Path) -> None:
    storage = FileStorage(io.BytesIO(b"payload" * 10_000), "a.bin")
    storage.save(str(tmp_path / "one"))
    assert (tmp_path / "one").read_bytes() == b"payload" * 10_000
    storage.seek(0)
    storage.save(tmp_path / "two", buffer_size=7)
    assert (tmp_path / "two").read_bytes() == b"payload" * 10_000


def test_save_to_file_object_leaves_it_open() -> None:
    storage = FileStorage(io.BytesIO(b"abc"), "a.bin")
    out = io.BytesIO()
    storage.save(out)
    assert not out.closed and out.getvalue() == b"abc"


def test_save_copies_in_bounded_chunks() -> None:
    class Recording(io.BytesIO):
        sizes: list[int] = []

        def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
            self.sizes.append(-1 if n is None else n)
            return super().read(n)

    src = Recording(b"x" * 100_000)
    FileStorage(src, "a").save(io.BytesIO(), buffer_size=1000)
    assert src.sizes and max(src.sizes) == 1000


def test_close_never_raises() -> None:
    class Broken(io.BytesIO):
        def close(self) -> None:
            raise OSError("boom")

    FileStorage(Broken(), "a").close()  # no exception
    storage = FileStorage(io.BytesIO(b"x"), "a")
    storage.close()
    assert storage.stream.closed


def test_given_headers_are_used_and_updated() -> None:
    headers = Headers([("X-A", "1")])
    storage = FileStorage(headers=headers, content_type="text/plain")
    assert storage.headers is headers
    assert headers["Content-Type"] == "text/plain"
    assert storage.mimetype == "text/plain"


def test_copy_does_not_recurse() -> None:
    import copy

    storage = FileStorage(io.BytesIO(b"x"), "a.txt", "f")
    clone = copy.copy(storage)
    assert clone.filename == "a.txt" and clone.stream is storage.stream


def _spooled(data: bytes, rolled: bool) -> tempfile.SpooledTemporaryFile[bytes]:
    spooled: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=10)  # noqa: SIM115
    spooled.write(data if rolled else data[:5])
    if not rolled:
        assert not spooled._rolled  # type: ignore[attr-defined]
    return spooled


@pytest.mark.parametrize("rolled", [True, False])
@pytest.mark.parametrize("start", [0, 7])
def test_save_from_spooled_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, rolled: bool, start: int
) -> None:
    import os

    calls: list[int] = []
    real = os.sendfile

    def counting(out_fd: int, in_fd: int, offset: int, count: int) -> int:
        calls.append(count)
        return real(out_fd, in_fd, offset, min(count, 4096))  # force several rounds

    monkeypatch.setattr(os, "sendfile", counting)
    data = bytes(range(256)) * 100
    spooled = _spooled(data, rolled)
    expected = (data if rolled else data[:5])[start:]
    spooled.seek(start)
    storage = FileStorage(spooled, "a.bin")  # type: ignore[arg-type]
    storage.save(tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == expected
    assert storage.tell() == start + len(expected)  # positioned as after a Python copy
    assert bool(calls) == rolled  # the kernel copies only when both ends are OS files
    storage.close()


def test_save_falls_back_when_sendfile_refuses(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    def refuse(*args: object) -> int:
        raise OSError(22, "Invalid argument")  # what macOS says for a non-socket

    monkeypatch.setattr(os, "sendfile", refuse)
    spooled = _spooled(b"x" * 5000, rolled=True)
    spooled.seek(0)
    FileStorage(spooled, "a.bin").save(tmp_path / "out")  # type: ignore[arg-type]
    assert (tmp_path / "out").read_bytes() == b"x" * 5000
    spooled.close()


def test_save_from_regular_file(tmp_path: pathlib.Path) -> None:
    src = tmp_path / "src"
    src.write_bytes(b"abc" * 10_000)
    with open(src, "rb") as fh:
        FileStorage(fh).save(tmp_path / "dst")
        assert fh.read() == b""
    assert (tmp_path / "dst").read_bytes() == b"abc" * 10_000
