"""Issue 3, section 10: the test client (methods, data forms, cookies, redirects, ``with``)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hipflask_difftools import FW, Differ


def build(fw: FW) -> Any:
    app = fw.Flask(__name__)
    app.secret_key = "test secret"

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    def echo() -> Any:
        r = fw.request
        return {
            "method": r.method,
            "path": r.path,
            "args": [[k, r.args.getlist(k)] for k in r.args],
            "form": [[k, r.form.getlist(k)] for k in r.form],
            "files": {k: [f.filename, f.read().decode(), f.mimetype] for k, f in r.files.items()},
            "json": r.get_json(silent=True),
            "data": r.get_data(as_text=True),
            "ct": r.mimetype,
            # multipart boundaries are random, so their length is too
            "cl": None if r.mimetype == "multipart/form-data" else r.content_length,
            "x": r.headers.get("X-Test"),
            "cookies": dict(r.cookies),
            "remote": r.remote_addr,
            "host": r.host,
            "scheme": r.scheme,
            "script_root": r.script_root,
            "url": r.url,
        }

    @app.route("/set/<name>/<value>")
    def set_cookie(name: str, value: str) -> Any:
        resp = fw.make_response("set")
        resp.set_cookie(name, value)
        return resp

    @app.route("/set-path")
    def set_path() -> Any:
        resp = fw.make_response("set")
        resp.set_cookie("scoped", "s", path="/echo")
        resp.set_cookie("other", "o", path="/elsewhere")
        return resp

    @app.route("/del/<name>")
    def del_cookie(name: str) -> Any:
        resp = fw.make_response("deleted")
        resp.delete_cookie(name)
        return resp

    @app.route("/r1")
    def r1() -> Any:
        return fw.redirect("/r2?from=r1")

    @app.route("/r2")
    def r2() -> Any:
        return fw.redirect(fw.url_for("echo", hop="2"), 307)

    @app.route("/loop")
    def loop() -> Any:
        return fw.redirect("/loop")

    @app.route("/external")
    def external() -> Any:
        return fw.redirect("http://other.example/x")

    @app.route("/post-redirect", methods=["POST"])
    def post_redirect() -> Any:
        return fw.redirect("/echo", 303)

    @app.route("/post-redirect-307", methods=["POST"])
    def post_redirect_307() -> Any:
        return fw.redirect("/echo", 307)

    @app.route("/session/<value>")
    def session_set(value: str) -> str:
        fw.session["v"] = value
        return "ok"

    @app.route("/session")
    def session_get() -> str:
        return str(fw.session.get("v"))

    return app


def _resp(r: Any) -> Any:
    body = r.get_data()
    return {
        "status": r.status,
        "code": r.status_code,
        "mimetype": r.mimetype,
        "json": r.get_json(silent=True),
        # error and redirect pages have hipflask's own wording
        "text": r.text if r.status_code < 300 else bool(body),
        "data_is_bytes": isinstance(r.data, bytes),
        "location": r.headers.get("Location"),
        "is_json": r.is_json,
    }


def _echo(r: Any) -> Any:
    data = json.loads(r.get_data())
    return data


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get", {}),
    ("post", {}),
    ("put", {"data": "a=1"}),
    ("patch", {"data": b"\x00bytes"}),
    ("delete", {}),
    ("get", {"query_string": {"a": "1", "b": ["x", "y"], "c": "é"}}),
    ("get", {"query_string": "a=1&a=2"}),
    ("post", {"data": {"user": "bob", "tags": ["a", "b"]}}),
    ("post", {"data": {"f": (io.BytesIO(b"file data"), "up.txt"), "k": "v"}}),
    ("post", {"data": {"f": (io.BytesIO(b"x"), "a.csv", "text/csv")}}),
    ("post", {"data": "plain text", "content_type": "text/plain"}),
    ("post", {"json": {"a": [1, 2], "b": None}}),
    ("post", {"json": [1, "x"]}),
    ("put", {"json": "str"}),
    ("post", {"data": b"{}", "headers": {"Content-Type": "application/json"}}),
    ("get", {"headers": {"X-Test": "hdr"}}),
    ("get", {"headers": [("X-Test", "list")]}),
    ("get", {"environ_overrides": {"REMOTE_ADDR": "10.0.0.9"}}),
    ("get", {"environ_base": {"REMOTE_ADDR": "10.0.0.8", "HTTP_X_TEST": "base"}}),
    ("get", {"base_url": "https://example.com:8443/prefix"}),
    ("get", {"environ_overrides": {"wsgi.url_scheme": "https", "HTTP_HOST": "h.example"}}),
]


@pytest.mark.parametrize(
    ("method", "kwargs"), CALLS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(CALLS)]
)
def test_client_methods_and_arguments(diff: Differ, method: str, kwargs: dict[str, Any]) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client()
        # BytesIO arguments are consumed: give each side fresh ones
        fresh = _fresh(kwargs)
        r = getattr(client, method)("/echo", **fresh)
        return _resp(r)["status"], _echo(r)

    diff.same(probe)


def _fresh(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = dict(kwargs)
    data = out.get("data")
    if isinstance(data, dict):
        out["data"] = {
            k: (io.BytesIO(v[0].getvalue()), *v[1:]) if isinstance(v, tuple) else v
            for k, v in data.items()
        }
    return out


def test_head_and_options_methods(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client()
        h = client.head("/echo")
        o = client.options("/echo")
        return (
            h.status,
            h.data,
            o.status,
            sorted(o.headers.get("Allow", "").split(", ")),
            o.data,
        )

    diff.same(probe)


def test_response_attributes(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client()
        return [
            _resp(client.get("/echo")),
            _resp(client.get("/nope")),
            _resp(client.get("/r1")),
            _resp(client.get("/set/a/b")),
        ]

    diff.same(probe)


def test_cookie_jar(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client()
        steps: list[Any] = []

        def cookies() -> Any:
            return _echo(client.get("/echo"))["cookies"]

        steps.append(cookies())
        client.get("/set/a/1")
        client.get("/set/b/2")
        steps.append(cookies())
        c = client.get_cookie("a")
        steps.append((c.key, c.value, c.domain, c.path) if c else None)
        steps.append(client.get_cookie("missing"))
        client.get("/del/a")
        steps.append(cookies())
        client.set_cookie("manual", "m")
        steps.append(cookies())
        client.delete_cookie("manual")
        steps.append(cookies())
        client.get("/set-path")
        steps.append(cookies())  # "scoped" is sent to /echo, "other" is not
        steps.append(_echo(client.get("/echo", headers={"Cookie": "hdr=1"}))["cookies"])
        return steps

    diff.same(probe)


def test_client_without_cookies(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client(use_cookies=False)
        client.get("/set/a/1")
        return _echo(client.get("/echo"))["cookies"]

    assert diff.same(probe) == {}


def test_session_across_requests(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client()
        first = client.get("/session").text
        client.get("/session/hello")
        second = client.get("/session").text
        other = build(fw).test_client().get("/session").text
        return first, second, other

    assert diff.same(probe) == ("None", "hello", "None")


def test_follow_redirects_and_history(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        client = build(fw).test_client()
        out: list[Any] = []
        r = client.get("/r1", follow_redirects=True)
        out.append(
            (
                r.status_code,
                _echo(r)["args"],
                r.request.path,
                [(h.status_code, h.headers["Location"]) for h in r.history],
            )
        )
        r = client.get("/r1")
        out.append((r.status_code, r.history))
        r = client.post("/post-redirect", data={"a": "1"}, follow_redirects=True)
        out.append((r.status_code, _echo(r)["method"], _echo(r)["form"]))
        r = client.post("/post-redirect-307", data={"a": "1"}, follow_redirects=True)
        out.append((r.status_code, _echo(r)["method"], _echo(r)["form"]))
        r = client.get("/slash-missing", follow_redirects=True)
        out.append(r.status_code)
        return out

    diff.same(probe)


def test_redirect_loop_is_detected(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        return build(fw).test_client().get("/loop", follow_redirects=True)

    diff.same(probe, raises=Exception)


def test_external_redirect_is_not_followed_into_the_app(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        r = build(fw).test_client().get("/external", follow_redirects=True)
        return r.status_code

    diff.same(probe, raises=Exception)


def test_with_client_preserves_context(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)
        out: list[Any] = []
        with app.test_client() as client:
            client.get("/echo?x=1", headers={"X-Test": "ctx"})
            out.append((fw.request.path, fw.request.args["x"], fw.request.headers["X-Test"]))
            out.append(fw.has_request_context())
            client.get("/session/kept")
            out.append((fw.request.path, fw.session.get("v")))
        out.append(fw.has_request_context())
        return out

    diff.same(probe)


def test_client_open_with_environ_builder_and_environ(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build(fw)
        client = app.test_client()
        builder = fw.testing.EnvironBuilder(app, "/echo", method="POST", data={"z": "1"})
        r1 = client.open(builder)
        env = builder.get_environ()
        r2 = client.open(env)
        return _echo(r1)["form"], _echo(r2)["method"]

    diff.same(probe)
