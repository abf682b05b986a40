"""Where uploaded file data lives: memory for small files, anonymous temporary files for
the rest; bounded memory whatever the upload size; no temporary file left behind."""

from __future__ import annotations

import io
import os
import tempfile
import tracemalloc
from collections.abc import Iterator

import pytest

from hipflask import formparser
from hipflask.exceptions import BadRequest, RequestEntityTooLarge
from hipflask.formparser import parse_form_data

B = "spoolboundary42"
KB = 1024
MB = 1024 * 1024


def file_part(name: str, size: int, filename: str = "f.bin") -> bytes:
    head = f'--{B}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n\r\n'
    return head.encode() + b"z" * size + b"\r\n"


def end() -> bytes:
    return f"--{B}--\r\n".encode()


def parse(body: bytes | io.RawIOBase, **kw: object) -> tuple:
    stream = io.BytesIO(body) if isinstance(body, bytes) else body
    return parse_form_data(stream, "multipart/form-data", {"boundary": B}, None, **kw)  # type: ignore[arg-type]


def in_memory(storage: object) -> bool:
    stream = storage.stream  # type: ignore[attr-defined]
    return isinstance(stream, tempfile.SpooledTemporaryFile) and not stream._rolled


class GeneratedBody(io.RawIOBase):
    """A multipart body with one ``size``-byte file, produced on the fly (never held)."""

    def __init__(self, size: int) -> None:
        self.pieces = self._gen(size)
        self.pending = b""

    def _gen(self, size: int) -> Iterator[bytes]:
        yield f'--{B}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n'.encode()
        block = bytes(range(256)) * 256  # 64 KiB
        sent = 0
        while sent < size:
            piece = block[: size - sent]
            sent += len(piece)
            yield piece
        yield b"\r\n" + end()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if not self.pending:
            self.pending = next(self.pieces, b"")
        chunk, self.pending = self.pending[:n], self.pending[n:]
        return chunk


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")


def test_small_file_stays_in_memory_large_goes_to_disk() -> None:
    _, files = parse(file_part("small", 10 * KB) + file_part("large", 600 * KB) + end())
    assert in_memory(files["small"])
    assert not in_memory(files["large"])
    assert files["large"].read() == b"z" * (600 * KB)
    for storage in files.values():
        storage.close()


def test_in_memory_total_is_bounded_per_request() -> None:
    # Eight files just under the per-file threshold: only the request budget's worth stays
    # in memory, the rest go to disk.
    body = b"".join(file_part(f"f{i}", 480 * KB) for i in range(8)) + end()
    _, files = parse(body)
    kept = [name for name, storage in files.items() if in_memory(storage)]
    assert kept == ["f0", "f1", "f2", "f3"]
    held = sum(480 * KB for _ in kept)
    assert held <= formparser.SPOOL_REQUEST_BUDGET
    for storage in files.values():
        assert storage.read() == b"z" * (480 * KB)
        storage.close()


def test_memory_stays_bounded_for_a_large_upload() -> None:
    size = 24 * MB
    stream = GeneratedBody(size)
    tracemalloc.start()
    try:
        _, files = parse(stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    storage = files["f"]
    try:
        assert peak < 2 * MB, f"peak {peak} bytes for a {size}-byte upload"
        storage.seek(0, os.SEEK_END)
        assert storage.tell() == size
    finally:
        storage.close()


def test_temporary_files_are_anonymous_and_closed(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", os.fspath(tmp_path))
    before = open_fds()
    _, files = parse(file_part("a", 700 * KB) + file_part("b", 3 * MB) + end())
    assert not in_memory(files["a"]) and not in_memory(files["b"])
    # Data is on disk, but there is no path to leak: nothing in the temp directory.
    assert os.listdir(tmp_path) == []
    assert len(open_fds() - before) == 2
    for storage in files.values():
        storage.close()
    assert open_fds() - before == set()


@pytest.mark.parametrize(
    "tail, error",
    [
        (b"", BadRequest),  # truncated after two files
        (
            b"".join(
                f'--{B}\r\nContent-Disposition: form-data; name="p"\r\n\r\nv\r\n'.encode()
                for _ in range(5)
            )
            + end(),
            RequestEntityTooLarge,
        ),
    ],
)
def test_temporary_files_closed_when_parsing_fails(tail: bytes, error: type[Exception]) -> None:
    before = open_fds()
    body = file_part("a", 700 * KB) + file_part("b", 2 * MB) + tail
    with pytest.raises(error):
        parse(body, max_form_parts=4)
    assert open_fds() - before == set()


def test_temporary_files_closed_when_stream_fails() -> None:
    class Disconnecting(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:  # type: ignore[override]
            chunk = self.inner.read(n)
            if not chunk:
                raise RequestEntityTooLarge()
            return chunk

    before = open_fds()
    with pytest.raises(RequestEntityTooLarge):
        parse(Disconnecting(file_part("a", 3 * MB)))
    assert open_fds() - before == set()
