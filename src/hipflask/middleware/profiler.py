"""``ProfilerMiddleware``: profile each request with :mod:`cProfile` (development only)."""

from __future__ import annotations

import os.path
import sys
import time
import typing as t
from cProfile import Profile
from pstats import Stats

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]


class ProfilerMiddleware:
    """Run every request under a profiler and report where the time went.

    The statistics are printed to *stream* (stdout by default; None prints nothing), sorted
    by *sort_by* and cut down by *restrictions* (as :meth:`pstats.Stats.print_stats`). With
    *profile_dir*, each request's raw profile is also written there, named by
    *filename_format*: a format string with ``method``, ``path`` (slashes as dots),
    ``elapsed`` (ms) and ``time`` (epoch seconds), or a callable taking the environ.
    """

    def __init__(
        self,
        app: WSGIApplication,
        stream: t.IO[str] | None = sys.stdout,
        sort_by: t.Iterable[str] = ("time", "calls"),
        restrictions: t.Iterable[str | int | float] = (),
        profile_dir: str | None = None,
        filename_format: str | t.Callable[[WSGIEnvironment], str] = (
            "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
        ),
    ) -> None:
        self._app = app
        self._stream = stream
        self._sort_by = tuple(sort_by)
        self._restrictions = tuple(restrictions)
        self._profile_dir = profile_dir
        self._filename_format = filename_format

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> list[bytes]:
        body: list[bytes] = []

        def run_app() -> None:
            iterable = self._app(environ, start_response)
            try:
                body.extend(iterable)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()

        profile = Profile()
        started = time.time()
        profile.runcall(run_app)
        elapsed_ms = (time.time() - started) * 1000.0

        if self._profile_dir is not None:
            if callable(self._filename_format):
                filename = self._filename_format(environ)
            else:
                path = environ.get("PATH_INFO", "").strip("/").replace("/", ".") or "root"
                filename = self._filename_format.format(
                    method=environ["REQUEST_METHOD"],
                    path=path,
                    elapsed=elapsed_ms,
                    time=time.time(),
                )
            profile.dump_stats(os.path.join(self._profile_dir, filename))

        if self._stream is not None:
            stats = Stats(profile, stream=self._stream)
            stats.sort_stats(*self._sort_by)
            print("-" * 80, file=self._stream)
            print(f"PATH: {environ.get('PATH_INFO', '')!r}", file=self._stream)
            stats.print_stats(*self._restrictions)
            print(f"{'-' * 80}\n", file=self._stream)
        return body


__all__ = ["ProfilerMiddleware"]
