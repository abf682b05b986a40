"""Differential test harness: run one small app on the real Flask and on hipflask, compare.

A test writes its app once against a framework object ``fw`` (``fw.Flask``, ``fw.request``,
``fw.jsonify``, ``fw.routing.BaseConverter``, ``fw.exceptions.NotFound``, ...) and hands it to
the ``diff`` fixture with a list of requests::

    def test_hello(diff):
        def build(fw):
            app = fw.Flask(__name__)

            @app.route("/")
            def index():
                return "hi"

            return app

        diff.check(build, [Req("GET", "/", expect=200), Req("GET", "/nope", expect=404)])

Each request goes through each app twice: once through the framework's own ``test_client()``
and once as a raw WSGI call with an environ built here by hand, so a bug in our test client
cannot hide a bug in the app (or the other way round). The outcomes are compared on status,
body and the headers that matter; a failure prints every difference, one line each.

Environment: ``HIPFLASK_DIFF_SELFTEST=1`` makes both sides the real Flask. That checks the
harness and the tests themselves (they must pass Flask against Flask) before and independently
of hipflask.

The helpers here are generic on purpose: other engineers' ``test_<area>_diff.py`` files use the
same fixtures (``diff``, ``oracle``, ``candidate``, ``fw_each``) and ``Req``/``make_environ``/
``call_wsgi`` through the ``difftools`` fixture.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import io
import json as jsonlib
import os
import re
import sys
import types
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from markupsafe import escape

SELFTEST = os.environ.get("HIPFLASK_DIFF_SELFTEST") == "1"

# Where the toolkit names live on each side. Anything not listed falls through to the
# top-level module (``flask`` / ``hipflask``).
_FLASK_MODULES = {
    "routing": "werkzeug.routing",
    "exceptions": "werkzeug.exceptions",
    "datastructures": "werkzeug.datastructures",
    "http": "werkzeug.http",
    "utils": "werkzeug.utils",
    "urls": "werkzeug.urls",
    "wsgi": "werkzeug.wsgi",
    "security": "werkzeug.security",
    "testing": "flask.testing",
    "wrappers": "flask.wrappers",
    "ctx": "flask.ctx",
    "globals": "flask.globals",
    "helpers": "flask.helpers",
    "views": "flask.views",
    "sessions": "flask.sessions",
}
_HIP_MODULES = {name: f"hipflask.{name}" for name in _FLASK_MODULES}
# Flask 3.x dropped ``flask.escape``/``flask.Markup``; older tutorials in the seeds still use
# them and hipflask keeps them, so on the Flask side they come from MarkupSafe.
_FLASK_EXTRA_NAMES = {
    "escape": ("markupsafe", "escape"),
    "Markup": ("markupsafe", "Markup"),
    "ProxyFix": ("werkzeug.middleware.proxy_fix", "ProxyFix"),
    "werkzeug_Request": ("werkzeug.wrappers", "Request"),
}
_HIP_EXTRA_NAMES = {
    "ProxyFix": ("hipflask.middleware", "ProxyFix"),
    "werkzeug_Request": ("hipflask.wrappers", "Request"),
}


class FW:
    """One framework under test, seen through one object.

    ``fw.X`` is ``flask.X`` / ``hipflask.X``; ``fw.routing``, ``fw.exceptions``,
    ``fw.datastructures``, ``fw.http``, ``fw.utils``... are the matching toolkit modules
    (Werkzeug's on the Flask side), so an app written against ``fw`` is one source for both.
    """

    def __init__(
        self,
        label: str,
        top: str,
        modules: Mapping[str, str],
        extra_names: Mapping[str, tuple[str, str]],
    ) -> None:
        self.label = label
        self.name = top
        self._modules = dict(modules)
        self._extra = dict(extra_names)
        self.module = importlib.import_module(top)

    @property
    def is_hipflask(self) -> bool:
        """True for the framework under test (False for Flask, also in self-test mode)."""
        return self.name == "hipflask"

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr in self._modules:
            return importlib.import_module(self._modules[attr])
        if attr in self._extra:
            mod, name = self._extra[attr]
            return getattr(importlib.import_module(mod), name)
        return getattr(self.module, attr)

    def __repr__(self) -> str:
        return f"<FW {self.label}>"


def make_oracle() -> FW:
    """The reference side: the real Flask."""
    return FW("flask", "flask", _FLASK_MODULES, _FLASK_EXTRA_NAMES)


def make_candidate() -> FW:
    """The side under test: hipflask (or Flask again in self-test mode)."""
    if SELFTEST:
        return FW("flask(selftest)", "flask", _FLASK_MODULES, _FLASK_EXTRA_NAMES)
    fw = FW("hipflask", "hipflask", _HIP_MODULES, _HIP_EXTRA_NAMES)
    if not hasattr(fw.module, "Flask"):
        pytest.fail(
            "hipflask.Flask does not exist yet (the core is not ready); "
            "run with HIPFLASK_DIFF_SELFTEST=1 to check the tests against Flask alone"
        )
    return fw


# --------------------------------------------------------------------------------- requests

_MISSING: Any = object()


class Fresh:
    """A test-client argument made anew for every call (file objects are consumed by a call):
    ``Req(client={"data": Fresh(lambda: {"f": (io.BytesIO(b"x"), "a.txt")})})``."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __repr__(self) -> str:
        return f"Fresh({self.make()!r})"


@dataclasses.dataclass
class Req:
    """One request to send to both apps.

    ``path`` is the request target as a client sends it: percent-encoded, optionally with
    ``?query``; ``bytes`` targets (e.g. invalid UTF-8) only make sense in ``wsgi`` mode.
    ``form``/``json`` build the body and its Content-Type. ``environ`` adds environ keys in
    both modes (through ``environ_overrides`` for the test client). ``client`` adds keyword
    arguments for the test client only (``follow_redirects``, ``query_string``...).
    ``expect`` is the status Flask must give: it guards the test itself against typos.
    ``body`` chooses how bodies are compared: ``"exact"``, ``"json"`` or ``"skip"``.
    """

    method: str = "GET"
    path: str | bytes = "/"
    headers: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    data: bytes | str | None = None
    form: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None
    json: Any = _MISSING
    environ: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    client: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    modes: tuple[str, ...] = ("client", "wsgi")
    expect: int | None = None
    body: str = "exact"

    def header_list(self) -> list[tuple[str, str]]:
        """Headers as a list of pairs, with the Content-Type implied by form/json added."""
        if isinstance(self.headers, Mapping):
            pairs = list(self.headers.items())
        else:
            pairs = list(self.headers)
        names = {k.lower() for k, _ in pairs}
        if "content-type" not in names:
            if self.form is not None:
                pairs.append(("Content-Type", "application/x-www-form-urlencoded"))
            elif self.json is not _MISSING:
                pairs.append(("Content-Type", "application/json"))
        return pairs

    def body_bytes(self) -> bytes | None:
        """The request body, or None when the request has none."""
        if self.form is not None:
            return urllib.parse.urlencode(self.form, doseq=True).encode()
        if self.json is not _MISSING:
            return jsonlib.dumps(self.json).encode()
        if isinstance(self.data, str):
            return self.data.encode()
        return self.data

    def describe(self) -> str:
        """A one-line label for reports."""
        target = self.path if isinstance(self.path, str) else repr(self.path)
        extra = []
        if self.environ:
            extra.append(f"environ={dict(self.environ)!r}")
        if self.client:
            extra.append(f"client={dict(self.client)!r}")
        if self.headers:
            extra.append(f"headers={self.header_list()!r}")
        body = self.body_bytes()
        if body:
            extra.append(f"body={_short(body, 60)}")
        return " ".join([self.method, str(target), *extra])


def make_environ(
    method: str = "GET",
    target: str | bytes = "/",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | None = None,
    *,
    host: str = "localhost",
    scheme: str = "http",
    script_name: str = "",
    remote_addr: str = "127.0.0.1",
    wsgi_input: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A PEP 3333 environ built the way a real server (gunicorn, waitress) builds it.

    The target's path is percent-decoded to bytes and carried as latin-1 in ``PATH_INFO``; the
    query string is passed undecoded. ``Host`` comes from *host* unless a header sets it.
    """
    raw = target if isinstance(target, bytes) else target.encode("latin-1")
    raw_path, _, raw_query = raw.partition(b"?")
    path_info = urllib.parse.unquote_to_bytes(raw_path).decode("latin-1")
    server_name, _, port = host.partition(":")
    if not port:
        port = "443" if scheme == "https" else "80"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": raw_query.decode("latin-1"),
        "RAW_URI": raw.decode("latin-1"),
        "REQUEST_URI": raw.decode("latin-1"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr,
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": wsgi_input if wsgi_input is not None else io.BytesIO(body or b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "HOST":
            environ.pop("HTTP_HOST", None)
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            key = "HTTP_" + key
            # repeated headers are joined as servers do (Cookie with "; ", others with ",")
            if key in environ and key != "HTTP_HOST":
                sep = "; " if key == "HTTP_COOKIE" else ","
                environ[key] = f"{environ[key]}{sep}{value}"
            else:
                environ[key] = value
    if body is not None and "CONTENT_LENGTH" not in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    for key, value in (extra or {}).items():
        if value is None:  # None removes a key, e.g. a request without a Host header
            environ.pop(key, None)
        else:
            environ[key] = value
    return environ


# --------------------------------------------------------------------------------- outcomes


@dataclasses.dataclass
class Outcome:
    """What one request produced on one side."""

    status: str | None = None
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    body: bytes = b""
    error: str | None = None  # "ExcClassName: message" when the call raised
    error_type: str | None = None
    problems: list[str] = dataclasses.field(default_factory=list)  # PEP 3333 violations
    history: list[tuple[int, str | None]] = dataclasses.field(default_factory=list)
    final_path: str | None = None
    method: str = "GET"

    @property
    def status_code(self) -> int | None:
        """The status as an int (None when the call raised)."""
        return int(self.status.split(None, 1)[0]) if self.status else None

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive)."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of a header (case-insensitive)."""
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]


def call_wsgi(app: Callable[..., Any], environ: dict[str, Any]) -> Outcome:
    """Call a WSGI app as a strict server would, recording PEP 3333 violations.

    Checks: status and header names/values are ``str`` and latin-1 encodable, headers are a
    list of 2-tuples, body items are ``bytes``, ``start_response`` is called before the first
    body item, ``close()`` is called when present (and does not raise).
    """
    out = Outcome(method=environ.get("REQUEST_METHOD", "GET"))
    written: list[bytes] = []

    def write(data: bytes) -> None:
        if not isinstance(data, bytes):
            out.problems.append(f"write() got {type(data).__name__}, not bytes")
        written.append(bytes(data))

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if out.status is not None and exc_info is None:
            out.problems.append("start_response called twice without exc_info")
        if not isinstance(status, str):
            out.problems.append(f"status is {type(status).__name__}, not str")
        elif not re.fullmatch(r"\d{3} .+", status):
            out.problems.append(f"status {status!r} is not '<code> <reason>'")
        if not isinstance(headers, list):
            out.problems.append(f"headers is {type(headers).__name__}, not list")
        for item in headers:
            if not (isinstance(item, tuple) and len(item) == 2):
                out.problems.append(f"header item {item!r} is not a 2-tuple")
                continue
            for part in item:
                if not isinstance(part, str):
                    out.problems.append(f"header part {part!r} is not str")
                    continue
                try:
                    part.encode("latin-1")
                except UnicodeEncodeError:
                    out.problems.append(f"header part {part!r} is not latin-1")
                if "\n" in part or "\r" in part:
                    out.problems.append(f"header part {part!r} contains a newline")
        out.status = str(status)
        out.headers = [tuple(h) for h in headers]  # type: ignore[misc]
        return write

    try:
        app_iter = app(environ, start_response)
        try:
            chunks: list[bytes] = []
            for chunk in app_iter:
                if out.status is None:
                    out.problems.append("body item produced before start_response")
                if not isinstance(chunk, bytes):
                    out.problems.append(f"body item is {type(chunk).__name__}, not bytes")
                    chunk = bytes(chunk) if isinstance(chunk, (bytearray, memoryview)) else b""
                chunks.append(chunk)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        if out.status is None:
            out.problems.append("start_response was never called")
        out.body = b"".join(written) + b"".join(chunks)
    except Exception as exc:  # the outcome of the call, compared between sides
        out.error_type = type(exc).__name__
        out.error = f"{type(exc).__name__}: {exc}"
    return out


def call_client(client: Any, req: Req) -> Outcome:
    """Send *req* through a framework's own test client."""
    target = req.path if isinstance(req.path, str) else req.path.decode("latin-1")
    kwargs: dict[str, Any] = {"method": req.method, "headers": req.header_list()}
    body = req.body_bytes()
    if body is not None:
        kwargs["data"] = body
    if req.environ:
        kwargs["environ_overrides"] = dict(req.environ)
    kwargs.update({k: v.make() if isinstance(v, Fresh) else v for k, v in req.client.items()})
    out = Outcome(method=req.method)
    try:
        resp = client.open(target, **kwargs)
    except Exception as exc:
        out.error_type = type(exc).__name__
        out.error = f"{type(exc).__name__}: {exc}"
        return out
    out.status = resp.status
    out.headers = list(resp.headers.items())
    out.body = resp.get_data()
    history = getattr(resp, "history", ())
    out.history = [(r.status_code, r.headers.get("Location")) for r in history]
    request = getattr(resp, "request", None)
    if request is not None:
        out.final_path = request.path
    resp.close()
    return out


class CookieJar:
    """A minimal jar for the raw-WSGI mode: name -> value, no path/domain matching."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def update(self, outcome: Outcome) -> None:
        """Store/delete cookies from the response's Set-Cookie headers."""
        for raw in outcome.header_all("Set-Cookie"):
            cookie = parse_set_cookie(raw)
            attrs = cookie["attrs"]
            expired = attrs.get("max-age") == "0"
            expires = attrs.get("expires")
            if isinstance(expires, dt.datetime) and expires < dt.datetime.now(dt.timezone.utc):
                expired = True
            if expired:
                self.cookies.pop(cookie["name"], None)
            else:
                self.cookies[cookie["name"]] = cookie["value"]

    def header(self) -> tuple[str, str] | None:
        """The Cookie request header, or None when empty."""
        if not self.cookies:
            return None
        return ("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))


# ------------------------------------------------------------------------------- comparison


def parse_set_cookie(value: str) -> dict[str, Any]:
    """Parse one Set-Cookie value into name, value and lower-cased attributes."""
    first, *rest = value.split(";")
    name, _, val = first.partition("=")
    attrs: dict[str, Any] = {}
    for part in rest:
        key, eq, aval = part.strip().partition("=")
        key = key.strip().lower()
        if not key:
            continue
        if key == "expires" and eq:
            try:
                attrs[key] = parsedate_to_datetime(aval.strip())
            except (TypeError, ValueError):
                attrs[key] = aval.strip()
        else:
            attrs[key] = aval.strip() if eq else True
    return {"name": name.strip(), "value": val.strip(), "attrs": attrs}


def _cookies_equal(a: dict[str, Any], b: dict[str, Any], values: bool = True) -> bool:
    if a["name"] != b["name"] or (values and a["value"] != b["value"]):
        return False
    if not values and (a["value"] == "") != (b["value"] == ""):
        return False
    ka, kb = a["attrs"], b["attrs"]
    if set(ka) != set(kb):
        return False
    for key, va in ka.items():
        vb = kb[key]
        if isinstance(va, dt.datetime) and isinstance(vb, dt.datetime):
            # expiry is "now + max_age": the two sides run a few ms apart
            if abs((va - vb).total_seconds()) > 5:
                return False
        elif isinstance(va, str) and isinstance(vb, str) and key in ("samesite",):
            if va.lower() != vb.lower():
                return False
        elif va != vb:
            return False
    return True


_DEFAULT_PAGE_RE = re.compile(
    rb"\A<!doctype html>\s*<html lang=en>\s*<title>(\d{3}) ([^<]*)</title>"
)
_REDIRECT_PAGE_RE = re.compile(
    rb"\A<!doctype html>\s*<html lang=en>\s*<title>Redirecting\.\.\.</title>"
)

ALWAYS_COMPARED = ("Content-Type", "Content-Length", "Location", "Allow", "Vary", "ETag")


def _set_of_tokens(value: str | None, *, upper: bool = False) -> frozenset[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return frozenset(v.upper() if upper else v.lower() for v in items)


def _short(data: bytes | str | None, limit: int = 300) -> str:
    text = repr(data)
    return text if len(text) <= limit else text[:limit] + f"...({len(data or '')} long)"


def default_page_kind(out: Outcome) -> str | None:
    """'error'/'redirect' when *out*'s body is a framework-generated HTML page, else None.

    Those pages' wording is hipflask's own, so only their status, type and key content are
    compared, not their bytes.
    """
    if out.status_code is None or out.status_code < 300:
        return None
    if _REDIRECT_PAGE_RE.match(out.body):
        return "redirect"
    if _DEFAULT_PAGE_RE.match(out.body):
        return "error"
    return None


def compare_outcomes(
    ref: Outcome,
    got: Outcome,
    *,
    headers: Sequence[str] = (),
    body: str = "exact",
    cookie_values: bool = True,
) -> list[str]:
    """Every difference between *ref* (Flask) and *got* (candidate), one line each.

    ``cookie_values=False`` compares Set-Cookie attributes and emptiness but not values (for
    signed cookies, whose bytes carry a timestamp).
    """
    diffs: list[str] = []
    for problem in got.problems:
        diffs.append(f"PEP 3333: {problem}")
    if ref.error or got.error:
        if ref.error_type != got.error_type:
            diffs.append(f"raised: flask={ref.error!r} got={got.error!r}")
        return diffs
    if ref.status != got.status:
        diffs.append(f"status: flask={ref.status!r} got={got.status!r}")
    page = default_page_kind(ref)
    # a HEAD answer shows no body: an HTML page at 3xx/4xx/5xx is taken to be a framework
    # page, whose length is not compared (the GET request covers its content)
    if (
        page is None
        and ref.method == "HEAD"
        and (ref.status_code or 0) >= 300
        and (ref.header("Content-Type") or "").startswith("text/html")
    ):
        page = "head"
    names = list(ALWAYS_COMPARED) + [h for h in headers if h not in ALWAYS_COMPARED]
    names += sorted(
        {k for k, _ in ref.headers + got.headers if k.lower().startswith("x-")} - set(names)
    )
    for name in names:
        if page and name == "Content-Length":
            continue
        rv, gv = ref.header_all(name), got.header_all(name)
        lname = name.lower()
        if lname == "allow":
            same = _set_of_tokens(", ".join(rv) if rv else None, upper=True) == _set_of_tokens(
                ", ".join(gv) if gv else None, upper=True
            )
        elif lname == "vary":
            same = _set_of_tokens(", ".join(rv) if rv else None) == _set_of_tokens(
                ", ".join(gv) if gv else None
            )
        else:
            same = rv == gv
        if not same:
            diffs.append(f"header {name}: flask={rv!r} got={gv!r}")
    rc = sorted((parse_set_cookie(v) for v in ref.header_all("Set-Cookie")), key=_cookie_key)
    gc = sorted((parse_set_cookie(v) for v in got.header_all("Set-Cookie")), key=_cookie_key)
    if len(rc) != len(gc) or not all(
        _cookies_equal(a, b, cookie_values) for a, b in zip(rc, gc, strict=True)
    ):
        diffs.append(
            f"Set-Cookie: flask={ref.header_all('Set-Cookie')!r} "
            f"got={got.header_all('Set-Cookie')!r}"
        )
    # invariant on the candidate alone: a declared length is the real length
    cl = got.header("Content-Length")
    code = got.status_code or 0
    if (
        cl is not None
        and got.method != "HEAD"
        and code not in (204, 304)
        and code >= 200
        and cl.isdigit()
        and int(cl) != len(got.body)
    ):
        diffs.append(f"Content-Length {cl} but body has {len(got.body)} bytes")
    if got.method == "HEAD" and got.body:
        diffs.append(f"HEAD response has a body: {_short(got.body, 80)}")
    diffs.extend(_compare_bodies(ref, got, page, body))
    if ref.history != got.history:
        diffs.append(f"history: flask={ref.history!r} got={got.history!r}")
    if ref.final_path != got.final_path:
        diffs.append(f"final request path: flask={ref.final_path!r} got={got.final_path!r}")
    return diffs


def _cookie_key(cookie: dict[str, Any]) -> tuple[str, str, str]:
    attrs = cookie["attrs"]
    return (cookie["name"], str(attrs.get("path", "")), str(attrs.get("domain", "")))


def _compare_bodies(ref: Outcome, got: Outcome, page: str | None, mode: str) -> list[str]:
    if mode == "skip":
        return []
    if page == "error" and got.method != "HEAD":
        match = _DEFAULT_PAGE_RE.match(ref.body)
        assert match is not None
        phrase = match.group(2).decode()
        if phrase.lower().encode() not in got.body.lower():
            return [f"error page does not name {phrase!r}: got={_short(got.body)}"]
        return []
    if page == "redirect" and got.method != "HEAD":
        # the page links the target, HTML-escaped, either as sent in Location (URI) or as
        # the IRI the view gave; never unescaped
        location = ref.header("Location") or ""
        iri = urllib.parse.unquote(location)
        forms = {str(escape(location)).encode(), str(escape(iri)).encode()}
        if not any(form in got.body for form in forms):
            return [f"redirect page does not link {location!r}: got={_short(got.body)}"]
        if any(c in iri for c in '<>"') and iri.encode() in got.body:
            return [f"redirect page has the target unescaped: {_short(got.body)}"]
        return []
    if mode == "json":
        try:
            ref_doc, got_doc = jsonlib.loads(ref.body), jsonlib.loads(got.body)
        except ValueError:
            return [f"body (JSON expected): flask={_short(ref.body)} got={_short(got.body)}"]
        if isinstance(ref_doc, dict) and isinstance(got_doc, dict):
            # one line per differing key reads far better than two long bodies
            return [
                f"body[{key!r}]: flask={ref_doc.get(key, '<missing>')!r} "
                f"got={got_doc.get(key, '<missing>')!r}"
                for key in sorted(set(ref_doc) | set(got_doc), key=str)
                if ref_doc.get(key, _MISSING) != got_doc.get(key, _MISSING)
            ]
        same = ref_doc == got_doc
    else:
        same = ref.body == got.body
    if not same:
        return [f"body: flask={_short(ref.body)} got={_short(got.body)}"]
    return []


# ----------------------------------------------------------------------------------- driver


Build = Callable[[FW], Any]


class Differ:
    """Runs the same app and requests on both frameworks and compares (the ``diff`` fixture)."""

    def __init__(self, oracle: FW, candidate: FW) -> None:
        self.oracle = oracle
        self.candidate = candidate

    def outcomes(
        self, build: Build, reqs: Sequence[Req], fw: FW, mode: str
    ) -> list[Outcome | None]:
        """Run *reqs* in order on a fresh app built for *fw*, in ``client`` or ``wsgi`` mode.

        Requests that do not run in *mode* give None. The client keeps its own cookie jar;
        the raw mode keeps a minimal one, so session flows work in both.
        """
        app = build(fw)
        results: list[Outcome | None] = []
        if mode == "client":
            client = app.test_client()
            for req in reqs:
                results.append(call_client(client, req) if "client" in req.modes else None)
            return results
        jar = CookieJar()
        for req in reqs:
            if "wsgi" not in req.modes:
                results.append(None)
                continue
            headers = req.header_list()
            cookie = jar.header()
            if cookie and not any(k.lower() == "cookie" for k, _ in headers):
                headers.append(cookie)
            environ = make_environ(
                req.method, req.path, headers, req.body_bytes(), extra=req.environ
            )
            out = call_wsgi(app, environ)
            jar.update(out)
            results.append(out)
        return results

    def run(
        self,
        build: Build,
        reqs: Sequence[Req],
        *,
        modes: Sequence[str] = ("client", "wsgi"),
        headers: Sequence[str] = (),
        cookie_values: bool = True,
    ) -> list[str]:
        """Every difference for *reqs*, as report lines (empty when both sides agree)."""
        report: list[str] = []
        for mode in modes:
            ref_all = self.outcomes(build, reqs, self.oracle, mode)
            got_all = self.outcomes(build, reqs, self.candidate, mode)
            for req, ref, got in zip(reqs, ref_all, got_all, strict=True):
                if ref is None or got is None:
                    continue
                lines = []
                if req.expect is not None and ref.status_code != req.expect:
                    lines.append(
                        f"TEST BUG: Flask answered {ref.status or ref.error!r}, "
                        f"the test expects {req.expect}"
                    )
                lines += compare_outcomes(
                    ref, got, headers=headers, body=req.body, cookie_values=cookie_values
                )
                if lines:
                    report.append(f"[{mode}] {req.describe()}")
                    report.extend(f"    {line}" for line in lines)
        return report

    def check(
        self,
        build: Build,
        reqs: Sequence[Req],
        *,
        modes: Sequence[str] = ("client", "wsgi"),
        headers: Sequence[str] = (),
        cookie_values: bool = True,
    ) -> None:
        """Assert both frameworks answer every request the same way."""
        report = self.run(build, reqs, modes=modes, headers=headers, cookie_values=cookie_values)
        if report:
            name = getattr(build, "__qualname__", repr(build))
            pytest.fail(
                f"{self.oracle.label} and {self.candidate.label} differ for {name}:\n"
                + "\n".join(report),
                pytrace=False,
            )

    def same(
        self,
        fn: Callable[[FW], Any],
        *,
        normalize: Callable[[Any], Any] | None = None,
        raises: type[BaseException] | None = None,
    ) -> Any:
        """Assert ``fn(flask)`` and ``fn(candidate)`` return equal values or raise the same
        exception class (compared by name). Returns Flask's value (or exception).

        Flask raising is a test bug unless *raises* names the expected exception (a base
        class is fine), so a probe broken on both sides cannot pass by raising twice.
        """
        results = []
        for fw in (self.oracle, self.candidate):
            try:
                value = fn(fw)
                if normalize is not None:
                    value = normalize(value)
                results.append(("value", value))
            except Exception as exc:
                results.append(("raised", exc))
        (rk, rv), (gk, gv) = results
        if rk == "raised" and (raises is None or not isinstance(rv, raises)):
            pytest.fail(
                f"TEST BUG: Flask raised {type(rv).__name__}: {rv} "
                f"(expected {raises.__name__ if raises else 'a value'})",
                pytrace=False,
            )
        if rk != "raised" and raises is not None:
            pytest.fail(f"TEST BUG: Flask returned {rv!r}, expected {raises.__name__}")
        if rk == "raised" and gk == "raised":
            if type(rv).__name__ != type(gv).__name__:
                pytest.fail(
                    f"both raised, but flask raised {type(rv).__name__}: {rv} and "
                    f"{self.candidate.label} raised {type(gv).__name__}: {gv}",
                    pytrace=False,
                )
            return rv
        if rk != gk or rv != gv:
            pytest.fail(
                f"{getattr(fn, '__qualname__', fn)}:\n    flask: {rk} {rv!r}\n"
                f"    {self.candidate.label}: {gk} {gv!r}",
                pytrace=False,
            )
        return rv

    def both(self, fn: Callable[[FW], Any]) -> tuple[Any, Any]:
        """``(fn(flask), fn(candidate))`` for tests that compare in their own way."""
        return fn(self.oracle), fn(self.candidate)


# ----------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def oracle() -> FW:
    """The real Flask, seen as an ``FW``."""
    return make_oracle()


@pytest.fixture(scope="session")
def candidate() -> FW:
    """hipflask (Flask in self-test mode), seen as an ``FW``."""
    return make_candidate()


@pytest.fixture
def diff(oracle: FW, candidate: FW) -> Differ:
    """The differential runner: ``diff.check(build, [Req(...), ...])``, ``diff.same(fn)``."""
    return Differ(oracle, candidate)


@pytest.fixture(params=["flask", "candidate"])
def fw_each(request: pytest.FixtureRequest, oracle: FW, candidate: FW) -> FW:
    """Each framework in turn, for assertions that must hold on both."""
    return oracle if request.param == "flask" else candidate


@pytest.fixture(scope="session")
def difftools() -> types.SimpleNamespace:
    """The module-level helpers, for test files that cannot import this conftest."""
    return types.SimpleNamespace(
        Req=Req,
        Fresh=Fresh,
        Outcome=Outcome,
        make_environ=make_environ,
        call_wsgi=call_wsgi,
        call_client=call_client,
        compare_outcomes=compare_outcomes,
        parse_set_cookie=parse_set_cookie,
        SELFTEST=SELFTEST,
    )


# Test modules in this directory import Req and friends from here.
sys.modules.setdefault("hipflask_difftools", sys.modules[__name__])
