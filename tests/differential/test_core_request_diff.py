"""Issue 3, section 6: every Request attribute, over a variety of environs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hipflask_difftools import FW, Differ, Req

UA = ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0")


def _multi(md: Any) -> Any:
    """A MultiDict as an ordered list of (key, [values])."""
    return [[k, md.getlist(k)] for k in md]


def _attempt(fn: Any) -> Any:
    try:
        return fn()
    except Exception as exc:
        code = getattr(exc, "code", None)
        return f"!{type(exc).__name__}{'/' + str(code) if code else ''}"


def dump_request(fw: FW) -> dict[str, Any]:
    """Every attribute issue 3 lists, made JSON-friendly; errors become '!ExcName/code'."""
    r = fw.request
    probes: dict[str, Any] = {
        "method": lambda: r.method,
        "path": lambda: r.path,
        "full_path": lambda: r.full_path,
        "script_root": lambda: r.script_root,
        "url": lambda: r.url,
        "base_url": lambda: r.base_url,
        "url_root": lambda: r.url_root,
        "host_url": lambda: r.host_url,
        "root_url": lambda: r.root_url,
        "host": lambda: r.host,
        "scheme": lambda: r.scheme,
        "is_secure": lambda: r.is_secure,
        "remote_addr": lambda: r.remote_addr,
        "access_route": lambda: list(r.access_route),
        "query_string": lambda: r.query_string.decode("latin-1"),
        "args": lambda: _multi(r.args),
        "args.get": lambda: r.args.get("a", "dflt"),
        "args.get_type": lambda: r.args.get("n", -1, type=int),
        "args.to_dict": lambda: r.args.to_dict(),
        "args.to_dict_flat": lambda: r.args.to_dict(flat=False),
        "args.type": lambda: isinstance(r.args, fw.datastructures.MultiDict),
        "form": lambda: _multi(r.form),
        "files": lambda: [[k, [f.filename, f.read().decode()]] for k, f in r.files.items()],
        "values": lambda: _multi(r.values),
        "data": lambda: r.data.decode("latin-1"),
        "get_data_text": lambda: r.get_data(as_text=True),
        "is_json": lambda: r.is_json,
        "get_json_silent": lambda: r.get_json(silent=True),
        "get_json_force_silent": lambda: r.get_json(force=True, silent=True),
        "json": lambda: r.json,
        "cookies": lambda: _multi(r.cookies),
        "cookies.get": lambda: r.cookies.get("username"),
        "headers.lower": lambda: r.headers.get("x-custom"),
        "headers.upper": lambda: r.headers.get("X-CUSTOM"),
        "headers.in": lambda: ["X-Custom" in r.headers, "x-nope" in r.headers],
        "headers.getlist": lambda: r.headers.getlist("X-Multi"),
        "headers.host": lambda: r.headers.get("Host"),
        "content_type": lambda: r.content_type,
        "mimetype": lambda: r.mimetype,
        "mimetype_params": lambda: r.mimetype_params,
        "content_length": lambda: r.content_length,
        "content_encoding": lambda: r.content_encoding,
        "user_agent": lambda: r.user_agent.string,
        "user_agent.str": lambda: str(r.user_agent),
        "accept_best": lambda: r.accept_mimetypes.best_match(["text/html", "application/json"]),
        "accept_best_default": lambda: r.accept_mimetypes.best_match(["image/png"], "x/y"),
        "accept_q_html": lambda: r.accept_mimetypes["text/html"],
        "accept_best_any": lambda: r.accept_mimetypes.best,
        "accept_json": lambda: r.accept_mimetypes.accept_json,
        "accept_languages": lambda: r.accept_languages.best_match(["en", "fr", "de"]),
        "environ.path": lambda: r.environ["PATH_INFO"],
        "view_args": lambda: r.view_args,
        "endpoint": lambda: r.endpoint,
        "url_rule": lambda: str(r.url_rule),
        "url_rule.methods": lambda: sorted(r.url_rule.methods),
        "blueprint": lambda: r.blueprint,
        "referrer": lambda: r.referrer,
        "authorization": lambda: (
            None if r.authorization is None else [r.authorization.type, r.authorization.username]
        ),
        "if_none_match": lambda: sorted(r.if_none_match),
        "max_content_length": lambda: r.max_content_length,
        "is_multiprocess": lambda: [r.is_multithread, r.is_multiprocess, r.is_run_once],
    }
    return {name: _attempt(fn) for name, fn in probes.items()}


def build(fw: FW) -> Any:
    app = fw.Flask(__name__)

    def view(**kwargs: Any) -> Any:
        return json.dumps(dump_request(fw), sort_keys=True, default=repr), {
            "Content-Type": "application/json"
        }

    app.add_url_rule("/", "root", view, methods=["GET", "POST", "PUT", "DELETE"])
    app.add_url_rule("/dump/<path:rest>", "dump", view, methods=["GET", "POST", "PUT"])
    app.add_url_rule("/item/<int:item_id>", "item", view, methods=["GET", "POST"])
    return app


FORM_CT = ("Content-Type", "application/x-www-form-urlencoded")
BOUNDARY = "----hipflaskboundary"
MULTIPART_BODY = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="field"\r\n\r\n'
    "value one\r\n"
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="upload"; filename="a b.txt"\r\n'
    "Content-Type: text/plain\r\n\r\n"
    "file body\r\n"
    f"--{BOUNDARY}--\r\n"
).encode()

REQUESTS = [
    Req("GET", "/", headers=[UA]),
    Req("GET", "/?a=1&a=2&b=&c&n=5", headers=[UA]),
    Req("GET", "/?a=b+c%20d&%C3%A9=%C3%A8&n=x", headers=[UA]),
    Req("GET", "/?a=1;b=2&&=x", headers=[UA]),
    Req("GET", "/dump/Jos%C3%A9/a%20b", headers=[UA]),
    Req("GET", "/dump/a%2Fb/%E2%82%AC", headers=[UA]),
    Req("GET", "/item/42?x=y", headers=[UA]),
    Req("GET", "/", headers=[UA, ("Host", "example.com:8080")]),
    Req("GET", "/", headers=[UA, ("Host", "example.com:80")]),
    Req("GET", "/", headers=[UA, ("Host", "[::1]:8000")]),
    Req("GET", "/", headers=[UA, ("Host", "Example.COM")]),
    Req(
        "GET",
        "/dump/x?y=1",
        headers=[UA, ("Host", "example.com")],
        environ={"wsgi.url_scheme": "https"},
    ),
    Req(
        "GET", "/", headers=[UA, ("Host", "example.com:443")], environ={"wsgi.url_scheme": "https"}
    ),
    Req("GET", "/dump/z?q=1", headers=[UA], environ={"SCRIPT_NAME": "/app"}),
    Req("GET", "/", headers=[UA], environ={"SCRIPT_NAME": "/app/"}),
    Req("GET", "/", headers=[UA], environ={"REMOTE_ADDR": "10.1.2.3"}),
    Req("GET", "/", headers=[UA, ("X-Forwarded-For", "1.2.3.4, 5.6.7.8")]),
    Req(
        "GET",
        "/",
        headers=[UA],
        environ={"HTTP_HOST": None, "SERVER_NAME": "srv.local", "SERVER_PORT": "8000"},
        modes=("wsgi",),
    ),
    Req(
        "GET",
        "/",
        headers=[
            UA,
            ("X-Custom", "v"),
            ("X-Multi", "1"),
            ("X-Multi", "2"),
            ("Cookie", 'username=bob; theme="dark mode"; empty='),
            ("Accept", "text/html;q=0.9, application/json, */*;q=0.1"),
            ("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8"),
            ("Referer", "http://ref.example/page"),
            ("If-None-Match", '"abc", W/"def"'),
            ("Authorization", "Basic dXNlcjpwYXNz"),
        ],
    ),
    Req("GET", "/", headers=[UA, ("Accept", "*/*")]),
    Req("POST", "/", headers=[UA], form={"username": "bob", "tags": ["a", "b"], "é": "è"}),
    Req("POST", "/?a=q", headers=[UA], form=[("a", "f1"), ("a", "f2")]),
    Req("GET", "/?a=q", headers=[UA, FORM_CT], data=b"a=f"),
    Req("PUT", "/", headers=[UA], json={"k": [1, 2, {"z": None}], "s": "é"}),
    Req("POST", "/", headers=[UA, ("Content-Type", "application/vnd.api+json")], data=b"[1]"),
    Req(
        "POST",
        "/",
        headers=[UA, ("Content-Type", "text/plain; charset=latin-1")],
        data=b"\xe9t\xe9",
    ),
    Req("POST", "/", headers=[UA, ("Content-Type", "application/json")], data=b"{bad json"),
    Req("POST", "/", headers=[UA, ("Content-Type", "application/json")], data=b""),
    Req("POST", "/", headers=[UA], data=b"no content type"),
    Req(
        "POST",
        "/",
        headers=[UA, ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")],
        data=MULTIPART_BODY,
    ),
    Req("DELETE", "/", headers=[UA, ("Content-Encoding", "identity")]),
]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: r.describe()[:60])
def test_request_attributes(diff: Differ, req: Req) -> None:
    req.body = "json"
    req.expect = 200
    diff.check(build, [req])


def build_keys(fw: FW) -> Any:
    app = fw.Flask(__name__)

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return fw.request.form["username"]

    @app.route("/args")
    def args() -> str:
        return fw.request.args["key"]

    @app.route("/caught")
    def caught() -> str:
        try:
            return fw.request.args["key"]
        except KeyError as exc:
            return f"caught {type(exc).__name__} {exc.args[0]!r}"

    @app.route("/files", methods=["POST"])
    def files() -> str:
        return fw.request.files["the_file"].filename or ""

    @app.route("/get")
    def get() -> str:
        return fw.request.args.get("key", "")

    return app


def test_missing_form_or_args_key_is_400(diff: Differ) -> None:
    diff.check(
        build_keys,
        [
            Req("POST", "/form", form={"other": "x"}, expect=400),
            Req("POST", "/form", form={"username": "bob"}, expect=200),
            Req("POST", "/form", expect=400),
            Req("GET", "/args", expect=400),
            Req("GET", "/args?key=v", expect=200),
            Req("GET", "/caught", expect=200),
            Req("POST", "/files", form={"x": "1"}, expect=400),
            Req("GET", "/get", expect=200),
            Req("GET", "/get?key=word", expect=200),
        ],
    )


def test_bad_request_key_error_is_a_key_error(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        with app.test_request_context("/?a=1"):
            try:
                fw.request.args["b"]
            except KeyError as exc:
                return (
                    isinstance(exc, fw.exceptions.BadRequest),
                    isinstance(exc, fw.exceptions.BadRequestKeyError),
                    exc.code,  # type: ignore[attr-defined]
                    exc.args,
                )
        return None

    assert diff.same(probe)[:3] == (True, True, 400)


def test_request_environ_is_the_servers_dict(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        from hipflask_difftools import make_environ

        app = fw.Flask(__name__)
        environ = make_environ("GET", "/")
        with app.request_context(environ):
            return fw.request.environ is environ

    assert diff.same(probe) is True
