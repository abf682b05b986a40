"""Sending files, the toolkit half: Werkzeug's ``send_file`` and ``send_from_directory``.

:func:`wsgi_send_file` / :func:`wsgi_send_from_directory` take the WSGI environ explicitly
and return the toolkit :class:`~hipflask.response.Response` unless told otherwise
(``hipflask.utils`` exports them under Werkzeug's names). Flask's ``send_file`` /
``send_from_directory``, which take the environ, ``USE_X_SENDFILE``,
``SEND_FILE_MAX_AGE_DEFAULT``, the response class and the root path from the current app
and request, are framework functions in :mod:`hipflask.helpers`.

Deliberate differences from Werkzeug, so a file is never left open and a
client never receives bytes it did not ask for:

- when the answer has no body (304, 412, HEAD) the file is closed at once
  and the body emptied, instead of relying on the server closing the iterator;
- a 412 carries no body (Werkzeug would send the whole file with it);
- ``download_name`` with a control character (CR, LF, NUL, ...) is a
  ``ValueError`` naming the argument, not a later header error;
- the range rules of :mod:`hipflask.conditional` apply (several ranges give
  the full 200 where Werkzeug gives 416).
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import typing as t
import unicodedata
from datetime import datetime
from time import time
from urllib.parse import quote
from zlib import adler32

from .conditional import _drop_body
from .exceptions import NotFound
from .http import dump_options_header, http_date, quote_etag
from .response import Response
from .security import safe_join
from .wsgi import wrap_file

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "wsgi_send_file",
    "wsgi_send_from_directory",
]

_MaxAge = t.Union[int, t.Callable[[str | None], int | None], None]

#: Characters that can never appear in a header value (header injection).
_control_chars = re.compile(r"[\x00-\x1f\x7f]")

#: RFC 5987 ``attr-char`` minus alphanumerics: left unescaped in ``filename*``.
_RFC5987_SAFE = "!#$&+-.^_`|~"


def _content_disposition(download_name: str, as_attachment: bool) -> str:
    """Build ``Content-Disposition`` with an ASCII ``filename`` and, if needed, ``filename*``.

    Non-ASCII names get the RFC 5987 form ``filename*=UTF-8''...`` (every
    current browser prefers it) plus an ASCII approximation for old clients:
    accents are decomposed and dropped (``Grüße`` -> ``Grue``), as Werkzeug does.
    """
    if _control_chars.search(download_name):
        raise ValueError(
            f"send_file(): download_name {download_name!r} contains a control"
            " character, which cannot be sent in a header."
        )
    kind = "attachment" if as_attachment else "inline"
    if download_name.isascii():
        return dump_options_header(kind, {"filename": download_name})
    fallback = unicodedata.normalize("NFKD", download_name)
    fallback = fallback.encode("ascii", "ignore").decode("ascii")
    encoded = quote(download_name, safe=_RFC5987_SAFE)
    return dump_options_header(kind, {"filename": fallback, "filename*": f"UTF-8''{encoded}"})


def _cache_control(max_age: int | None) -> str:
    # Without max_age, "no-cache" makes browsers revalidate (cheap 304s)
    # instead of guessing a freshness lifetime.
    if max_age is None:
        return "no-cache"
    if max_age > 0:
        return f"public, max-age={max_age}"
    return f"no-cache, max-age={max_age}"


def _file_etag(path: str, mtime: float, size: int) -> str:
    # Same shape as Werkzeug's ETag so the value is stable across a migration
    # and cheap: no hashing of the file's contents.
    checksum = adler32(path.encode()) & 0xFFFFFFFF
    return f'"{mtime}-{size}-{checksum}"'


def wsgi_send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    environ: WSGIEnvironment,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: _MaxAge = None,
    use_x_sendfile: bool = False,
    response_class: type[Response] | None = None,
    _root_path: os.PathLike[str] | str | None = None,
) -> Response:
    """Respond with a file's contents; Werkzeug's ``werkzeug.utils.send_file``.

    *path_or_file* is a trusted path (relative to the working directory, or
    to *_root_path*) or a binary file object such as ``io.BytesIO``; never
    pass a path from the client (use :func:`wsgi_send_from_directory`). The
    MIME type is guessed from *download_name* (default: the file's name);
    text types get ``charset=utf-8``. Paths get ``Content-Length``,
    ``Last-Modified`` and an ETag; BytesIO gets ``Content-Length``. With
    *conditional*, 304/412/206 answers and ``Accept-Ranges`` follow
    :func:`hipflask.conditional.make_conditional`; an unsatisfiable range
    raises ``RequestedRangeNotSatisfiable`` (the file is closed first).
    *max_age* (seconds, or a callable taking the path) sets
    ``Cache-Control: public, max-age=N`` and ``Expires``; without it the
    response is ``no-cache``. The server's ``wsgi.file_wrapper`` is used
    when offered. See the module docstring for the differences from Werkzeug.
    """
    if response_class is None:
        response_class = Response

    path: str | None = None
    file: t.IO[bytes] | None = None
    size: int | None = None
    mtime: float | None = None

    if isinstance(path_or_file, (os.PathLike, str)):
        if _root_path is not None:
            path = os.path.join(_root_path, path_or_file)
        else:
            path = os.path.abspath(path_or_file)
        stat = os.stat(path)
        size, mtime = stat.st_size, stat.st_mtime
    elif isinstance(path_or_file, io.TextIOBase):
        raise ValueError(
            "send_file() needs a binary file: open it with mode 'rb', or wrap"
            " text in io.BytesIO(text.encode())."
        )
    else:
        file = path_or_file

    if download_name is None and path is not None:
        download_name = os.path.basename(path)

    headers: list[tuple[str, str]] = []
    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "send_file() cannot guess the MIME type of a file object: pass"
                " 'mimetype' or 'download_name', or send a path."
            )
        mimetype, encoding = mimetypes.guess_type(download_name)
        if mimetype is None:
            mimetype = "application/octet-stream"
        # An attachment keeps its compression (a saved .tar.gz stays
        # compressed); inline, the browser should decode it.
        if encoding is not None and not as_attachment:
            headers.append(("Content-Encoding", encoding))

    if download_name is not None:
        headers.append(("Content-Disposition", _content_disposition(download_name, as_attachment)))
    elif as_attachment:
        raise TypeError(
            "send_file(as_attachment=True) needs a file name: pass 'download_name' or send a path."
        )

    data: t.Iterable[bytes] | None = None
    if use_x_sendfile and path is not None:
        # The front server reads the file itself; we send only headers.
        headers.append(("X-Sendfile", path))
    elif file is None:
        file = open(t.cast(str, path), "rb")  # noqa: SIM115 - the response closes it
    elif isinstance(file, io.BytesIO):
        size = file.getbuffer().nbytes
    try:
        if file is not None:
            data = wrap_file(environ, file)
        rv = response_class(data, mimetype=mimetype, headers=headers, direct_passthrough=True)
        _finish_headers(rv, path, size, mtime, etag, last_modified, max_age)
        if conditional:
            rv.make_conditional(environ, accept_ranges=True, complete_length=size)
    except BaseException:
        # A 416 or any other failure: the response will never be sent.
        if file is not None:
            file.close()
        raise

    status = rv.status_code
    if status in (304, 412):
        # Some X-Sendfile servers ignore the status and send the file anyway.
        rv.headers.pop("X-Sendfile", None)
    if status in (304, 412) or environ.get("REQUEST_METHOD") == "HEAD":
        _drop_body(rv)
    return rv


def _finish_headers(
    rv: Response,
    path: str | None,
    size: int | None,
    mtime: float | None,
    etag: bool | str,
    last_modified: datetime | int | float | None,
    max_age: _MaxAge,
) -> None:
    headers = rv.headers
    if size is not None:
        headers["Content-Length"] = str(size)
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    elif mtime is not None:
        headers["Last-Modified"] = http_date(mtime)
    if callable(max_age):
        max_age = max_age(path)
    headers["Cache-Control"] = _cache_control(max_age)
    if max_age is not None:
        headers["Expires"] = http_date(int(time() + max_age))
    if isinstance(etag, str):
        headers["ETag"] = quote_etag(etag)
    elif etag and path is not None:
        headers["ETag"] = _file_etag(path, t.cast(float, mtime), t.cast(int, size))


def wsgi_send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    environ: WSGIEnvironment,
    **kwargs: t.Any,
) -> Response:
    """Send *path* (from the client) from inside *directory* (trusted); 404 otherwise.

    Werkzeug's ``werkzeug.utils.send_from_directory``. The path goes through
    :func:`hipflask.security.safe_join`, so ``..``, absolute paths, drive
    letters, backslashes, NUL bytes and Windows device names (``CON``,
    ``NUL.txt``, ...) never reach the file system; anything that is not a
    regular file is a 404 too. Other keyword arguments go to
    :func:`wsgi_send_file`.
    """
    joined = safe_join(os.fspath(directory), os.fspath(path))
    if joined is None:
        raise NotFound()
    root_path = kwargs.get("_root_path")
    if root_path is not None:
        joined = os.path.join(root_path, joined)
    if not os.path.isfile(joined):
        raise NotFound()
    return wsgi_send_file(joined, environ, **kwargs)
