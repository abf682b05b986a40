"""ASGI scope -> WSGI-style environ, so :class:`~hipflask.Request` works unchanged.

Everything above the transport (routing, the lazy request object, sessions, the form
parser, ``url_for``) reads a PEP 3333 environ; building one dict per request is far cheaper
than teaching all of them a second input format, and keeps WSGI and ASGI behaviour
identical by construction. The mapping:

* ``PATH_INFO`` is the decoded path as latin-1 text of its UTF-8 bytes (as a WSGI server
  gives it), below ``root_path`` (``SCRIPT_NAME``); servers that include the root path in
  ``path`` (the ASGI spec's current wording) and ones that do not are both handled.
* headers become ``HTTP_*`` keys (repeated headers joined with ``,``; cookies with
  ``; ``). Header names containing ``_`` are dropped, as gunicorn and waitress do, so
  ``X_Forwarded_For`` cannot pose as ``X-Forwarded-For``.
* ``wsgi.input`` is the spooled body (see :mod:`hipflask.asgi.http`) and
  ``wsgi.input_terminated`` is set, so a body without ``Content-Length`` is readable.
* ``asgi.scope`` keeps the original scope for code that wants it.
"""

from __future__ import annotations

import io
import sys
import typing as t

Scope = t.MutableMapping[str, t.Any]


#: Header name bytes -> environ key (None for a name with ``_``, which is dropped). A
#: server sends the same few names over and over, so the decode/upper/replace is done once
#: per name; the cache is bounded so that a client inventing names cannot grow it forever.
_HEADER_KEYS: dict[bytes, str | None] = {}
_HEADER_KEYS_MAX = 1024


def _header_key(raw_name: bytes) -> str | None:
    name = raw_name.decode("latin-1").lower()
    if "_" in name:
        key = None
    elif name == "content-type":
        key = "CONTENT_TYPE"
    elif name == "content-length":
        key = "CONTENT_LENGTH"
    else:
        key = "HTTP_" + name.upper().replace("-", "_")
    if len(_HEADER_KEYS) < _HEADER_KEYS_MAX:
        _HEADER_KEYS[raw_name] = key
    return key


#: The keys every environ has, with their usual values: each request copies this dict and
#: sets what differs, which costs about a fifth less than building a 16-key literal (a
#: copy does not regrow the table key by key).
_ENVIRON_TEMPLATE: dict[str, t.Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.input": None,
    "wsgi.errors": None,
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
    "asgi.scope": None,
}


def scope_to_environ(
    scope: Scope, body: t.IO[bytes] | None, scheme: str | None = None
) -> dict[str, t.Any]:
    """The environ for an ASGI ``http`` or ``websocket`` *scope* with *body* as input.

    *scheme* overrides ``scope["scheme"]`` (WebSocket scopes may lack it: ``ws``).
    """
    root_path: str = scope.get("root_path") or ""
    path: str = scope["path"]
    if root_path:
        if path.startswith(root_path):
            rest = path[len(root_path) :]
            if not rest or rest[0] == "/":
                path = rest
        if not root_path.isascii():
            root_path = root_path.encode().decode("latin-1")
    environ = _ENVIRON_TEMPLATE.copy()
    environ["REQUEST_METHOD"] = scope.get("method", "GET")
    environ["SCRIPT_NAME"] = root_path
    environ["PATH_INFO"] = path if path.isascii() else path.encode().decode("latin-1")
    query: bytes = scope.get("query_string", b"")
    if query:
        environ["QUERY_STRING"] = query.decode("latin-1")
    server = scope.get("server")
    if server:
        environ["SERVER_NAME"] = server[0]
        if server[1] is not None:
            environ["SERVER_PORT"] = str(server[1])
    version = scope.get("http_version", "1.1")
    if version != "1.1":
        environ["SERVER_PROTOCOL"] = f"HTTP/{version}"
    environ["wsgi.url_scheme"] = scheme or scope.get("scheme") or "http"
    environ["wsgi.input"] = body if body is not None else io.BytesIO()
    environ["wsgi.errors"] = sys.stderr
    environ["asgi.scope"] = scope
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    keys = _HEADER_KEYS
    for raw_name, raw_value in scope["headers"]:
        key = keys.get(raw_name, "")
        if key == "":
            key = _header_key(raw_name)
        if key is None:
            continue
        value = raw_value.decode("latin-1")
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ


__all__ = ["scope_to_environ"]
