"""Compare the two streaming multipart parsers hipflask could build on.

    python benchmarks/multipart_libs.py [--quick]

Candidates: ``multipart`` (sans-io ``PushMultipartParser``, by Bottle's maintainer) and
``python-multipart`` (Starlette's; its low-level callback ``MultipartParser``). Werkzeug's
``MultiPartParser`` (what Flask uses) runs alongside as a reference point, and so does
``hipflask.formparser.parse_form_data`` (the chosen library plus hipflask's limits, filename
decoding and spooling of files to temporary files: its file columns include disk writes).

Each driver does the minimum a framework must do: feed 64 KiB chunks, collect each part's
name/filename/headers, join text-field bytes, count file bytes (files are not stored, so the
figures are parser cost only; benchmarks/upload_rss.py measures the end-to-end path). Timings
are the best of N runs, in one process, interleaved per shape.

The second half feeds malformed and hostile bodies to each parser and prints what it does:
an error (and which), or what it silently accepted.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import multipart as mp
from python_multipart import multipart as pm

BOUNDARY = "----hipflaskBenchBoundary7MA4YWxkTrZu0gW"
CHUNK = 64 * 1024

# python-multipart logs a warning for every parse error; keep the report readable.
logging.getLogger("python_multipart").setLevel(logging.CRITICAL)


@dataclass
class Result:
    """What a driver extracted from a body (compared across parsers for agreement)."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str | None, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- bodies


def part(name: str, value: bytes, filename: str | None = None, ctype: str | None = None) -> bytes:
    disp = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        disp += f'; filename="{filename}"'
    head = disp + "\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    return f"--{BOUNDARY}\r\n{head}\r\n".encode() + value + b"\r\n"


def close() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def body_small_fields(n: int) -> bytes:
    return b"".join(part(f"field{i}", b"value-%06d" % i) for i in range(n)) + close()


def body_large_file(size: int) -> bytes:
    # Realistic binary-ish payload: lines of varied bytes, with CRs and dashes sprinkled in
    # (so the boundary search meets false starts as it does with real files).
    unit = bytes(range(256)) + b"\r\n--not-a-boundary\r\n" + b"\r" * 3
    data = (unit * (size // len(unit) + 1))[:size]
    return part("file", data, "big.bin", "application/octet-stream") + close()


def body_tiny_parts(n: int) -> bytes:
    return b"".join(part("p", b"x") for _ in range(n)) + close()


def body_hostile_crlf(size: int) -> bytes:
    # A file part whose data is CR LF followed by megabytes without a newline: the shape that
    # made several parsers quadratic (Werkzeug CVE-2023-46136).
    data = b"\r\n" + b"a" * size
    return part("file", data, "x.bin", "application/octet-stream") + close()


def body_hostile_cr(size: int) -> bytes:
    # Nothing but CR bytes: every byte is a potential boundary start.
    return part("file", b"\r" * size, "x.bin") + close()


def body_hostile_partial(size: int) -> bytes:
    # Repeated near-boundaries ("\r\n--" + boundary minus its last byte): worst case for a
    # parser that rescans a partial match.
    unit = b"\r\n--" + BOUNDARY.encode()[:-1]
    return part("file", unit * (size // len(unit)), "x.bin") + close()


def body_hostile_preamble(size: int) -> bytes:
    # Megabytes of junk before the first boundary.
    return b"a" * size + b"\r\n" + part("f", b"v") + close()


# --------------------------------------------------------------------------- drivers


def chunks(body: bytes, size: int = CHUNK) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def run_multipart(pieces: list[bytes], *, max_segment_count: float = float("inf")) -> Result:
    """``multipart.PushMultipartParser``: events are segment objects, bytes, and None."""
    res = Result()
    parser = mp.PushMultipartParser(BOUNDARY, max_segment_count=max_segment_count)
    seg: mp.MultipartSegment | None = None
    buf: list[bytes] = []
    size = 0
    with parser:
        for piece in [*pieces, b""]:
            for event in parser.parse(piece):
                if isinstance(event, mp.MultipartSegment):
                    seg, buf, size = event, [], 0
                elif event:
                    if seg is not None and seg.filename is None:
                        buf.append(event)
                    else:
                        size += len(event)
                else:
                    assert seg is not None
                    if seg.filename is None:
                        res.fields.append(
                            (seg.name or "", b"".join(buf).decode("utf-8", "replace"))
                        )
                    else:
                        res.files.append((seg.name or "", seg.filename, size))
    return res


def run_python_multipart(pieces: list[bytes]) -> Result:
    """``python_multipart.MultipartParser``: callbacks with (data, start, end) slices."""
    res = Result()
    state: dict[str, object] = {}
    headers: list[tuple[bytes, bytes]] = []
    hname: list[bytes] = []
    hval: list[bytes] = []
    buf: list[bytes] = []
    counters = {"size": 0, "ended": 0}
    meta: dict[str, object] = {}

    def on_part_begin() -> None:
        headers.clear()
        buf.clear()
        counters["size"] = 0

    def on_header_field(data: bytes, start: int, end: int) -> None:
        hname.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        hval.append(data[start:end])

    def on_header_end() -> None:
        headers.append((b"".join(hname), b"".join(hval)))
        hname.clear()
        hval.clear()

    def on_headers_finished() -> None:
        disp = b""
        for k, v in headers:
            if k.lower() == b"content-disposition":
                disp = v
        _, opts = pm.parse_options_header(disp)
        meta["name"] = opts.get(b"name", b"").decode("utf-8", "replace")
        fn = opts.get(b"filename")
        meta["filename"] = None if fn is None else fn.decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if meta["filename"] is None:
            buf.append(data[start:end])
        else:
            counters["size"] += end - start

    def on_part_end() -> None:
        name = str(meta["name"])
        if meta["filename"] is None:
            res.fields.append((name, b"".join(buf).decode("utf-8", "replace")))
        else:
            res.files.append((name, str(meta["filename"]), counters["size"]))

    def on_end() -> None:
        counters["ended"] = 1

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_end": on_end,
    }
    parser = pm.MultipartParser(BOUNDARY, callbacks)  # type: ignore[arg-type]
    for piece in pieces:
        parser.write(piece)
    parser.finalize()
    if not counters["ended"]:
        # finalize() does not check completeness (a TODO upstream); a framework must.
        raise ValueError("python-multipart: body ended before the closing boundary")
    del state
    return res


def run_werkzeug(pieces: list[bytes]) -> Result:
    """Werkzeug's full MultiPartParser (Flask's), as a reference."""
    from werkzeug.formparser import MultiPartParser

    class Sink(io.RawIOBase):
        n = 0

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.n += len(b)
            return len(b)

        def seek(self, *a: object) -> int:
            return 0

    sinks: list[Sink] = []

    def factory(**_: object) -> Sink:
        s = Sink()
        sinks.append(s)
        return s

    stream = io.BytesIO(b"".join(pieces))
    parser = MultiPartParser(stream_factory=factory, buffer_size=CHUNK)  # type: ignore[arg-type]
    form, files = parser.parse(stream, BOUNDARY.encode(), None)
    res = Result(fields=list(form.items(multi=True)))
    for name, fs in files.items(multi=True):
        res.files.append((name, fs.filename, fs.stream.n))
    return res


def run_hipflask(pieces: list[bytes]) -> Result:
    """hipflask.formparser end to end (multipart + limits + spooling files to temp files)."""
    from hipflask.formparser import parse_form_data

    class Pieces(io.RawIOBase):
        def __init__(self) -> None:
            self.it = iter(pieces)

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:  # type: ignore[override]
            return next(self.it, b"")

    form, files = parse_form_data(
        Pieces(), "multipart/form-data", {"boundary": BOUNDARY}, None, max_form_parts=None
    )
    res = Result(fields=list(form.items(multi=True)))
    for name, storage in files.items(multi=True):
        storage.seek(0, 2)
        res.files.append((name, storage.filename, storage.tell()))
        storage.close()
    return res


DRIVERS: dict[str, Callable[[list[bytes]], Result]] = {
    "multipart 2.0": run_multipart,
    "python-multipart 0.0": run_python_multipart,
    "werkzeug (ref)": run_werkzeug,
    "hipflask (full)": run_hipflask,
}


# --------------------------------------------------------------------------- timing


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench(quick: bool) -> None:
    mb = 1024 * 1024
    big = 10 * mb if quick else 50 * mb
    hostile = 2 * mb if quick else 8 * mb
    shapes: list[tuple[str, bytes, int]] = [
        ("10,000 small fields", body_small_fields(10_000), 5),
        (f"one {big // mb} MB file", body_large_file(big), 3),
        ("100,000 tiny parts", body_tiny_parts(100_000), 3),
        (f"file: CRLF + {hostile // mb} MB no newline", body_hostile_crlf(hostile), 3),
        (f"file: {hostile // mb} MB of CR", body_hostile_cr(hostile), 3),
        (f"file: {hostile // mb} MB near-boundaries", body_hostile_partial(hostile), 3),
        (f"{hostile // mb} MB junk preamble", body_hostile_preamble(hostile), 3),
    ]
    names = list(DRIVERS)
    print(f"{'shape':42} {'body':>9} " + " ".join(f"{n:>22}" for n in names))
    for label, body, repeat in shapes:
        pieces = chunks(body)
        results = {n: _try(DRIVERS[n], pieces) for n in names}  # also warms up
        ref = results[names[0]]
        cells = []
        for n in names:
            if isinstance(results[n], str):
                cells.append(f"error: {results[n]}"[:22])
                continue
            seconds = best_of(lambda n=n, pieces=pieces: DRIVERS[n](pieces), repeat)
            mbps = len(body) / mb / seconds
            same = not isinstance(ref, str) and results[n].fields == ref.fields  # type: ignore[union-attr]
            agree = "" if same and _files_eq(results[n], ref) else " !"
            cells.append(f"{seconds * 1000:9.1f} ms {mbps:7.0f} MB/s{agree}")
        print(f"{label:42} {len(body) / mb:7.1f}MB " + " ".join(f"{c:>22}" for c in cells))
    print("(! = result differs from the first column)")


def _try(driver: Callable[[list[bytes]], Result], pieces: list[bytes]) -> Result | str:
    try:
        return driver(pieces)
    except Exception as exc:
        return type(exc).__name__


def _files_eq(a: Result | str, b: Result | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return False
    return [(n, s) for n, _, s in a.files] == [(n, s) for n, _, s in b.files]


# --------------------------------------------------------------------------- behaviour


def malformed_cases() -> list[tuple[str, bytes]]:
    b = BOUNDARY.encode()
    ok = part("a", b"1")
    return [
        ("valid (control)", ok + close()),
        ("truncated: no closing boundary", ok),
        ("truncated inside part data", ok[:-8]),
        ("empty body", b""),
        ("no boundary at all", b"just some bytes\r\n\r\n"),
        ("LF-only line endings", ok.replace(b"\r\n", b"\n") + close().replace(b"\r\n", b"\n")),
        (
            "header line of 64 KiB",
            b"--" + b + b"\r\nX-Big: " + b"a" * 65536 + b"\r\n" + ok[len(b) + 4 :] + close(),
        ),
        ("part header without CRLF, 1 MiB", b"--" + b + b"\r\n" + b"a" * (1 << 20)),
        (
            "100 part headers",
            b"--"
            + b
            + b"\r\n"
            + b"".join(b"X-H%d: v\r\n" % i for i in range(100))
            + ok[len(b) + 4 :]
            + close(),
        ),
        (
            "non-UTF-8 header bytes",
            b"--"
            + b
            + b'\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\nv\r\n'
            + close(),
        ),
        (
            "missing Content-Disposition",
            b"--" + b + b"\r\nContent-Type: text/plain\r\n\r\nv\r\n" + close(),
        ),
        (
            "Content-Disposition without name",
            b"--" + b + b"\r\nContent-Disposition: form-data\r\n\r\nv\r\n" + close(),
        ),
        (
            "Content-Disposition: attachment",
            b"--" + b + b'\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n' + close(),
        ),
        (
            "header without colon",
            b"--" + b + b'\r\nContent-Disposition form-data; name="a"\r\n\r\nv\r\n' + close(),
        ),
        (
            "NUL in header name",
            b"--"
            + b
            + b'\r\nX\x00Y: v\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n'
            + close(),
        ),
        ("junk preamble + epilogue", b"preamble\r\n" + ok + close() + b"epilogue junk"),
        ("garbage after boundary", b"--" + b + b"garbage\r\n" + ok[len(b) + 4 :] + close()),
        (
            "filename*=UTF-8''",
            b"--"
            + b
            + b"\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%82%AC.txt\r\n\r\nv\r\n"
            + close(),
        ),
        (
            "filename with %22 and %0A",
            b"--"
            + b
            + b'\r\nContent-Disposition: form-data; name="f"; filename="a%22b%0Ac.txt"\r\n\r\nv\r\n'
            + close(),
        ),
    ]


def behaviour() -> None:
    print("\nmalformed / edge input (64 KiB chunks):")
    names = list(DRIVERS)
    for label, body in malformed_cases():
        cells = []
        for n in names:
            try:
                r = DRIVERS[n](chunks(body))
                desc = f"ok {r.fields[:1]}{[(a, f) for a, f, _ in r.files][:1]}"
            except Exception as exc:
                desc = f"{type(exc).__name__}: {str(exc)[:48]}"
            cells.append(desc[:70])
        print(f"  {label}")
        for n, c in zip(names, cells, strict=True):
            print(f"      {n:22} {c}")


def split_check() -> None:
    """Every split point of a small body, 2 pieces, must give the same result."""
    body = part("a", b"x\r\ny") + part("f", b"\r\n--\r\r\n", "f.txt") + close()
    print("\nevery 2-way split of a small body gives the unsplit result:")
    for n in DRIVERS:
        want = DRIVERS[n]([body])
        bad = sum(1 for i in range(1, len(body)) if DRIVERS[n]([body[:i], body[i:]]) != want)
        print(f"  {n:22} {'yes' if not bad else f'NO ({bad} split points differ)'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller bodies (CI smoke run)")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, multipart {mp.__version__}, chunk {CHUNK} bytes")
    bench(args.quick)
    split_check()
    behaviour()


if __name__ == "__main__":
    main()
