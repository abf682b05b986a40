"""A plain WSGI application (no hipflask core) that fails, for the debugger's tests."""

from __future__ import annotations

import typing as t


def compute_ratio(total: int, count: int) -> float:
    """Fails with ZeroDivisionError when *count* is 0."""
    return total / count


def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
    """``/`` answers "hello"; ``/fail`` raises, with local variables to inspect."""
    if environ.get("PATH_INFO") != "/fail":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]
    answer = 42
    visitor = "<img src=x onerror=alert(1)>"
    try:
        compute_ratio(answer, 0)
    except ZeroDivisionError as error:
        raise RuntimeError(f"could not compute the ratio for {visitor}") from error
    return []
