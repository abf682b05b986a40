"""Serve static files in front of a WSGI app (Werkzeug's ``SharedDataMiddleware``)."""

from __future__ import annotations

import collections.abc as cabc
import fnmatch
import importlib.resources
import mimetypes
import os
import pathlib
import posixpath
import typing as t
from datetime import datetime, timezone
from io import BytesIO
from time import time
from zlib import adler32

from ..conditional import RangeWrapper, evaluate_preconditions, select_range
from ..exceptions import RequestedRangeNotSatisfiable
from ..http import HTTP_STATUS_CODES, http_date
from ..security import safe_join
from ..utils import get_content_type
from ..wsgi import wrap_file

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["SharedDataMiddleware"]

#: ``opener() -> (binary file, last-modified time, size in bytes)``
_Opener = t.Callable[[], tuple[t.IO[bytes], datetime, int]]
#: ``loader(relative path or None) -> (file name, opener)``, ``(None, None)`` if absent.
_Loader = t.Callable[[str | None], tuple[str | None, _Opener | None]]
_Export = t.Union[str, "os.PathLike[str]", tuple[str, str]]

_NOT_FOUND: tuple[None, None] = (None, None)


def _path_info(environ: WSGIEnvironment) -> str:
    """PATH_INFO as text: WSGI hands it over as latin-1-decoded bytes."""
    raw = environ.get("PATH_INFO", "")
    try:
        return t.cast(str, raw.encode("latin-1").decode("utf-8", "replace"))
    except UnicodeEncodeError:  # a server that already decoded it
        return t.cast(str, raw)


def _file_opener(filename: str) -> _Opener:
    def opener() -> tuple[t.IO[bytes], datetime, int]:
        file = open(filename, "rb")  # noqa: SIM115 - returned to the caller, who closes it
        stat = os.fstat(file.fileno())
        return file, datetime.fromtimestamp(stat.st_mtime, timezone.utc), stat.st_size

    return opener


class SharedDataMiddleware:
    """Serve files from directories, single files or package data at URL prefixes.

    ``exports`` maps URL prefixes to a directory, a file, or a
    ``(package, folder)`` tuple (package data, also from zipped packages)::

        app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {
            "/shared": "/srv/shared",
            "/assets": ("myapp", "assets"),
        })

    Requests that match no export (or a missing file) go to the wrapped app,
    so files can be mounted at ``/`` next to the app. Client paths go through
    :func:`hipflask.security.safe_join`: ``..``, absolute paths, drive letters,
    backslashes, NUL bytes and Windows device names never reach the file
    system (such requests fall through to the app, which normally 404s).
    ``disallow`` is an :mod:`fnmatch` pattern (or a list of them) for file
    names never served. With ``cache`` the response gets an ETag,
    ``Cache-Control: max-age=cache_timeout, public`` and ``Expires``, and
    conditional requests get 304/412. Unknown types get ``fallback_mimetype``;
    text types get ``charset=utf-8``.

    Differences from Werkzeug: only GET and HEAD are served (other methods
    go to the app instead of receiving the file); a single ``Range`` gets a
    206 (``Accept-Ranges: bytes``); HEAD gets no body and the file is closed
    at once; ``If-Match`` failures get 412 (Werkzeug answers 304); the ETag
    value has a different (equally opaque) format; ``disallow`` may be a list.
    """

    def __init__(
        self,
        app: WSGIApplication,
        exports: cabc.Mapping[str, _Export] | cabc.Iterable[tuple[str, _Export]],
        disallow: str | cabc.Iterable[str] | None = None,
        cache: bool = True,
        cache_timeout: int = 60 * 60 * 12,
        fallback_mimetype: str = "application/octet-stream",
    ) -> None:
        self.app = app
        self.exports: list[tuple[str, _Loader]] = []
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.fallback_mimetype = fallback_mimetype
        if isinstance(exports, cabc.Mapping):
            exports = exports.items()
        for prefix, target in exports:
            self.exports.append((prefix, self._loader_for(prefix, target)))
        if disallow is None:
            self._disallowed: list[str] = []
        elif isinstance(disallow, str):
            self._disallowed = [disallow]
        else:
            self._disallowed = list(disallow)

    def _loader_for(self, prefix: str, target: _Export) -> _Loader:
        if isinstance(target, tuple):
            return self.get_package_loader(*target)
        if isinstance(target, (str, os.PathLike)):
            target = os.fspath(target)
            if os.path.isfile(target):
                return self.get_file_loader(target)
            return self.get_directory_loader(target)
        raise TypeError(
            f"SharedDataMiddleware: export {prefix!r} must be a path or a"
            f" (package, folder) tuple, not {type(target).__name__}."
        )

    def is_allowed(self, filename: str) -> bool:
        """Whether *filename* may be served; subclass to add rules.

        The default rejects names matching a ``disallow`` pattern.
        """
        return not any(fnmatch.fnmatch(filename, p) for p in self._disallowed)

    def get_file_loader(self, filename: str) -> _Loader:
        """Loader for an export that is a single file."""
        name = os.path.basename(filename)

        def loader(path: str | None) -> tuple[str | None, _Opener | None]:
            return name, _file_opener(filename)

        return loader

    def get_directory_loader(self, directory: str) -> _Loader:
        """Loader for a directory export: client paths are checked with ``safe_join``."""

        def loader(path: str | None) -> tuple[str | None, _Opener | None]:
            if path is None:
                return _NOT_FOUND
            joined = safe_join(directory, path)
            if joined is None or not os.path.isfile(joined):
                return _NOT_FOUND
            return os.path.basename(joined), _file_opener(joined)

        return loader

    def get_package_loader(self, package: str, package_path: str) -> _Loader:
        """Loader for data inside an importable package (a folder or a zip)."""
        try:
            root = importlib.resources.files(package)
        except (ModuleNotFoundError, TypeError) as exc:
            raise ValueError(
                f"SharedDataMiddleware: cannot export data of package {package!r}: {exc}"
            ) from None
        if isinstance(root, pathlib.Path):
            return self.get_directory_loader(os.path.join(root, package_path))

        # Zipped or otherwise virtual package: files have no modification
        # time, so the import time stands in for it (as Werkzeug does).
        load_time = datetime.now(timezone.utc)

        def loader(path: str | None) -> tuple[str | None, _Opener | None]:
            if path is None:
                return _NOT_FOUND
            joined = safe_join(package_path, path)
            if joined is None:
                return _NOT_FOUND
            resource = root
            for part in joined.split("/"):
                if part:
                    resource = resource.joinpath(part)
            if not resource.is_file():
                return _NOT_FOUND

            def opener() -> tuple[t.IO[bytes], datetime, int]:
                data = resource.read_bytes()
                return BytesIO(data), load_time, len(data)

            return posixpath.basename(joined), opener

        return loader

    def generate_etag(self, mtime: datetime, file_size: int, real_filename: str) -> str:
        """An opaque, unquoted ETag from the file's time, size and name (no hashing)."""
        checksum = adler32(os.fsencode(real_filename)) & 0xFFFFFFFF
        return f"sd-{mtime.timestamp()}-{file_size}-{checksum}"

    def _find(self, path: str) -> tuple[str | None, _Opener | None]:
        for prefix, loader in self.exports:
            if path == prefix:
                found = loader(None)
                if found[1] is not None:
                    return found
            directory_prefix = prefix if prefix.endswith("/") else prefix + "/"
            if path.startswith(directory_prefix):
                found = loader(path[len(directory_prefix) :])
                if found[1] is not None:
                    return found
        return _NOT_FOUND

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Serve a matching file, or hand the request to the wrapped app."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        name, opener = self._find(_path_info(environ))
        if opener is None or name is None or not self.is_allowed(name):
            return self.app(environ, start_response)
        try:
            file, mtime, size = opener()
        except OSError:  # removed or unreadable since the lookup
            return self.app(environ, start_response)
        try:
            return self._respond(environ, start_response, name, file, mtime, size)
        except BaseException:
            file.close()
            raise

    def _respond(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        name: str,
        file: t.IO[bytes],
        mtime: datetime,
        size: int,
    ) -> t.Iterable[bytes]:
        headers = [("Date", http_date()), ("Accept-Ranges", "bytes")]
        etag: str | None = None
        if self.cache:
            etag = f'"{self.generate_etag(mtime, size, name)}"'
            headers.append(("ETag", etag))
            headers.append(("Cache-Control", f"max-age={self.cache_timeout}, public"))
            status = evaluate_preconditions(environ, etag, mtime)
            if status != 200:
                file.close()
                if status == 412:
                    headers.append(("Content-Length", "0"))
                start_response(f"{status} {HTTP_STATUS_CODES[status]}", headers)
                return []
            headers.append(("Expires", http_date(time() + self.cache_timeout)))
        else:
            headers.append(("Cache-Control", "public"))
        guessed = mimetypes.guess_type(name)[0] or self.fallback_mimetype
        headers.append(("Content-Type", get_content_type(guessed, "utf-8")))
        headers.append(("Last-Modified", http_date(mtime)))

        try:
            chosen = select_range(environ, size, etag, mtime)
        except RequestedRangeNotSatisfiable:
            file.close()
            body = b"Requested range not satisfiable.\n"
            start_response(
                "416 Requested Range Not Satisfiable",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Content-Range", f"bytes */{size}"),
                ],
            )
            return [body]

        if environ.get("REQUEST_METHOD") == "HEAD":
            file.close()
            headers.append(("Content-Length", str(size)))
            start_response("200 OK", headers)
            return []
        if chosen is None:
            headers.append(("Content-Length", str(size)))
            start_response("200 OK", headers)
            return wrap_file(environ, file)
        start, stop = chosen
        headers.append(("Content-Length", str(stop - start)))
        headers.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
        start_response("206 Partial Content", headers)
        return RangeWrapper(wrap_file(environ, file), start, stop - start)
