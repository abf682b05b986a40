"""Malformed ``Host`` headers never give a 500 on a path that builds a URL from the host.

Requests are raw WSGI environs (and the ASGI scopes a server would build from them), so no
test client normalises the header first. The paths: a strict-slash redirect (``/a/``
requested as ``/a``), ``url_for(_external=True)``, ``redirect()`` to a relative URL,
``request.url`` / ``request.host_url`` and ``request.host``.

Deliberate differences from Flask 3.1 / Werkzeug 3.1 (checked against the real Flask below):

* A Host header that is present but not a host name (bad characters, an empty value, a
  bad or out-of-range port, an unclosed IPv6 bracket, non-ASCII bytes) is a **400**
  ("The Host header is not a valid host name.") as soon as a URL has to be built from it:
  Flask builds ``http:///a/`` for most of these, and answers 500 for a port past 65535
  (``urllib`` raises ``ValueError`` on it). RFC 9112 section 3.2 asks for a 400 for an
  invalid Host.
* ``request.host`` stays ``""`` for such a header and ``request.url`` is host-less, as in
  Werkzeug, so a view that only reads them still answers (Werkzeug 500s on ``request.url``
  for a port past 65535).
* A view that builds no URL from the host is served whatever the Host header (Flask binds
  the URL adapter eagerly and 400s every request whose host is not valid IDNA).
"""

from __future__ import annotations

import asyncio
import io
import sys
import typing as t

import pytest

import hipflask
from hipflask.asgi.testing import call_http, environ_to_scope

MALFORMED = [
    "",
    ".",
    "..",
    "a..b",
    "example.com:99999",
    "[::1]:99999",
    "example.com:-1",
    "example.com:abc",
    "[::1",
    "ex\xe4mple.com",  # the latin-1 text of the raw bytes, as a WSGI server hands it over
    "a b",
    "@",
    "user@example.com",
    "x" * 300,
]
PATHS = ["/a", "/ext", "/rel", "/url", "/host", "/a/"]


def _make(fw: t.Any, trusted: bool = False) -> t.Any:
    app = fw.Flask(__name__)
    if trusted:
        app.config["TRUSTED_HOSTS"] = ["example.com"]

    @app.route("/a/")
    def a() -> str:
        return "a"

    @app.route("/ext")
    def ext() -> str:
        return str(fw.url_for("ext", _external=True))

    @app.route("/rel")
    def rel() -> t.Any:
        return fw.redirect("/a/")

    @app.route("/url")
    def url() -> str:
        return f"{fw.request.url} {fw.request.host_url}"

    @app.route("/host")
    def host() -> str:
        return str(fw.request.host)

    return app


def _environ(path: str, host: str) -> dict[str, t.Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


class Answer(t.NamedTuple):
    status: int
    location: str | None
    body: bytes


def _wsgi(app: t.Any, path: str, host: str) -> Answer:
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc: t.Any = None) -> None:
        started.append((status, headers))

    body = b"".join(app(_environ(path, host), start_response))
    status, headers = started[-1]
    return Answer(int(status[:3]), dict(headers).get("Location"), body)


def _asgi(app: t.Any, path: str, host: str) -> Answer:
    result = asyncio.run(call_http(app.asgi_app, environ_to_scope(_environ(path, host)), b""))
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in result.headers}
    return Answer(result.status, headers.get("location"), b"".join(result.chunks))


CALLERS = {"wsgi": _wsgi, "asgi": _asgi}


@pytest.fixture(scope="module")
def apps() -> dict[bool, t.Any]:
    return {False: _make(hipflask), True: _make(hipflask, trusted=True)}


@pytest.mark.parametrize("via", ["wsgi", "asgi"])
@pytest.mark.parametrize("host", MALFORMED)
def test_malformed_host_is_never_a_500(apps: dict[bool, t.Any], via: str, host: str) -> None:
    call = CALLERS[via]
    app = apps[False]
    # URLs built from the host: refused with a short reason.
    for path in ("/a", "/ext"):
        answer = call(app, path, host)
        assert answer.status == 400, (path, answer)
        assert b"Host" in answer.body and len(answer.body) < 400
    # A relative redirect needs no host; the host attributes read as Werkzeug's do.
    assert call(app, "/rel", host)[:2] == (302, "/a/")
    answer = call(app, "/url", host)
    assert answer.status == 200
    assert answer.body.startswith(b"http://") and answer.body.endswith(b"/")
    assert call(app, "/host", host).status == 200
    assert call(app, "/a/", host).status == 200


@pytest.mark.parametrize("via", ["wsgi", "asgi"])
@pytest.mark.parametrize("host", [*MALFORMED, "evil.test", "example.com.evil.test"])
def test_with_trusted_hosts_every_path_refuses(
    apps: dict[bool, t.Any], via: str, host: str
) -> None:
    for path in PATHS:
        answer = CALLERS[via](apps[True], path, host)
        assert answer.status == 400, (path, answer)
        assert b"Host" in answer.body


@pytest.mark.parametrize("via", ["wsgi", "asgi"])
def test_valid_hosts_still_build_urls(apps: dict[bool, t.Any], via: str) -> None:
    call = CALLERS[via]
    for trusted in (False, True):
        app = apps[trusted]
        assert call(app, "/a", "example.com")[:2] == (308, "http://example.com/a/")
        assert call(app, "/ext", "example.com:8080").body == b"http://example.com:8080/ext"
        assert call(app, "/host", "example.com:65535").body == b"example.com:65535"
    assert call(apps[False], "/ext", "[::1]:5000").body == b"http://[::1]:5000/ext"


def test_differences_from_flask_are_only_400s_for_what_flask_gets_wrong(
    apps: dict[bool, t.Any],
) -> None:
    import flask

    flask_app = _make(flask)
    seen_flask_500 = False
    for host in MALFORMED:
        for path in PATHS:
            ours = _wsgi(apps[False], path, host)
            assert ours.status != 500
            try:
                theirs: Answer | None = _wsgi(flask_app, path, host)
            except ValueError:
                theirs = None  # Werkzeug lets "Port out of range" escape the app
            if theirs is None or theirs.status == 500:
                seen_flask_500 = True
                assert ours.status in (200, 400)
            elif ours.status != theirs.status:
                # Only where Flask builds a host-less URL ("http:///a/"), or refuses a host
                # that the view never needed.
                assert (ours.status, path) in {(400, "/a"), (400, "/ext")} or (
                    theirs.status == 400 and ours.status in (200, 302)
                ), (host, path, ours, theirs)
                if ours.status == 400:
                    built = (theirs.location or "") + theirs.body.decode("latin-1")
                    # ... a host-less URL, or one whose port no URL parser accepts.
                    assert theirs.status == 400 or "http:///" in built or ":99999/" in built
    assert seen_flask_500  # the port past 65535: the case this file exists for
