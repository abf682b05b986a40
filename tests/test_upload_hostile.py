"""Hostile multipart shapes: parsing work must stay linear in the body size.

Never asserts time. Instead the parser is instrumented: after every chunk it is fed, the
bytes it keeps for the next round must stay bounded by a constant (boundary length plus
slack). Each chunk's work is then proportional to the chunk's size, so the whole parse is
linear; a parser that re-scanned or re-buffered an ever-growing tail (the quadratic
behaviour behind Werkzeug's CVE-2023-46136) fails the bound.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import multipart
import pytest

from hipflask import formparser
from hipflask.exceptions import BadRequest, RequestEntityTooLarge
from hipflask.formparser import parse_form_data

B = "hostileboundary0123456789"
MB = 1024 * 1024


class CountingParser(multipart.PushMultipartParser):
    """Records the largest carried-over buffer and the bytes fed / emitted."""

    instances: list[CountingParser] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.max_carry = 0
        self.fed = 0
        self.emitted = 0
        self.events = 0
        CountingParser.instances.append(self)

    def parse(self, chunk: bytes) -> Iterator[object]:  # type: ignore[override]
        self.fed += len(chunk)
        for event in super().parse(chunk):
            self.events += 1
            if isinstance(event, (bytes, bytearray)):  # bytearray in multipart 1.x
                self.emitted += len(event)
            yield event
        # The carried-over tail (private attribute; fail loudly if the library renames it,
        # rather than pass without checking anything).
        self.max_carry = max(self.max_carry, len(self.__dict__["_buffer"]))


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingParser]:
    CountingParser.instances = []
    monkeypatch.setattr(formparser.multipart, "PushMultipartParser", CountingParser)
    return CountingParser


class ChunkStream(io.RawIOBase):
    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.pos = memoryview(data), size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        chunk = bytes(self.data[self.pos : self.pos + min(n, self.size)])
        self.pos += len(chunk)
        return chunk


def file_part(data: bytes, name: str = "f", filename: str = "x.bin") -> bytes:
    head = f'--{B}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n\r\n'
    return head.encode() + data + b"\r\n"


def end() -> bytes:
    return f"--{B}--\r\n".encode()


def parse(body: bytes, chunk: int = 64 * 1024, **kw: object) -> tuple:
    return parse_form_data(
        ChunkStream(body, chunk), "multipart/form-data", {"boundary": B}, None, **kw
    )  # type: ignore[arg-type]


# The bound on what the parser may carry between chunks: a partial delimiter
# ("\r\n--" + boundary + 2) or a partial header line (MAX_PART_HEADER_LINE).
CARRY_BOUND = formparser.MAX_PART_HEADER_LINE + len(B) + 8

HOSTILE_DATA = {
    "crlf then megabytes without newline": b"\r\n" + b"a" * (4 * MB),
    "megabytes of CR": b"\r" * (4 * MB),
    "megabytes of CRLF": b"\r\n" * (2 * MB),
    "repeated near-boundaries": (b"\r\n--" + B[:-1].encode()) * (4 * MB // (len(B) + 3)),
    "repeated dashes": b"-" * (4 * MB),
}


@pytest.mark.parametrize("chunk", [1000, 64 * 1024])
@pytest.mark.parametrize("data", list(HOSTILE_DATA.values()), ids=list(HOSTILE_DATA))
def test_hostile_file_data_is_linear(
    counting: type[CountingParser], data: bytes, chunk: int
) -> None:
    body = file_part(data) + end()
    _form, files = parse(body, chunk)
    storage = files["f"]
    assert storage.read() == data
    storage.close()
    (parser,) = counting.instances
    assert parser.fed == len(body)
    assert parser.emitted == len(data)  # every data byte emitted exactly once
    assert parser.max_carry <= CARRY_BOUND
    # Bounded events per chunk (no byte-at-a-time emission on CR-heavy input).
    assert parser.events <= 3 * (len(body) // chunk + 1) + 10


def test_hostile_preamble_is_linear(counting: type[CountingParser]) -> None:
    body = b"\r\n" + b"a" * (4 * MB) + b"\r\n" + file_part(b"ok") + end()
    _, files = parse(body, 4096)
    assert files["f"].read() == b"ok"
    assert counting.instances[0].max_carry <= CARRY_BOUND


def test_endless_part_header_stops_at_the_limit() -> None:
    body = f"--{B}\r\n".encode() + b"X" * (8 * MB)
    stream = ChunkStream(body, 4096)
    with pytest.raises(BadRequest, match="header"):
        parse_form_data(stream, "multipart/form-data", {"boundary": B}, None)
    assert stream.pos <= formparser.MAX_PART_HEADER_LINE + 2 * 4096 + len(B)


def test_100k_tiny_parts_with_raised_limit(counting: type[CountingParser]) -> None:
    n = 100_000
    head = f'--{B}\r\nContent-Disposition: form-data; name="p"\r\n\r\nx\r\n'.encode()
    body = head * n + end()
    form, files = parse(body, max_form_parts=n)
    assert len(form.getlist("p")) == n and set(form.getlist("p")) == {"x"}
    assert len(files) == 0
    parser = counting.instances[0]
    assert parser.max_carry <= CARRY_BOUND
    # Three events per part (segment, data, end): nothing re-parsed.
    assert parser.events == 3 * n


def test_100k_tiny_parts_hit_default_style_limit_early() -> None:
    head = f'--{B}\r\nContent-Disposition: form-data; name="p"\r\n\r\nx\r\n'.encode()
    body = head * 100_000 + end()
    stream = ChunkStream(body, 64 * 1024)
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(stream, "multipart/form-data", {"boundary": B}, None, max_form_parts=1000)
    # Rejected after ~1000 parts, not after reading all 100,000.
    assert stream.pos < 1001 * len(head) + 64 * 1024


def test_many_tiny_files_stay_bounded(counting: type[CountingParser]) -> None:
    n = 2000
    body = b"".join(file_part(b"y", filename=f"{i}.txt") for i in range(n)) + end()
    _, files = parse(body, max_form_parts=n)
    storages = files.getlist("f")
    assert len(storages) == n
    for s in storages:
        s.close()
