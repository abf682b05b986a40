"""Gaps unmodified Flask extensions hit (issue 10, item 3), each checked against the real
Flask/Werkzeug where they have the same name."""

from __future__ import annotations

import cProfile
import http.server
import io
import threading
import warnings
from collections.abc import Iterator
from contextvars import copy_context

import flask
import pytest
import werkzeug.local
import werkzeug.routing
import werkzeug.test

import hipflask
from hipflask.datastructures import FileStorage
from hipflask.dropin import werkzeug_internal
from hipflask.formparser import FormDataParser
from hipflask.local import Local, LocalProxy, LocalStack, release_local
from hipflask.middleware.http_proxy import ProxyMiddleware
from hipflask.middleware.lint import HTTPWarning, LintMiddleware, WSGIWarning
from hipflask.middleware.profiler import ProfilerMiddleware
from hipflask.routing import Map
from hipflask.test import Client, create_environ, encode_multipart
from hipflask.testing import FlaskClient

# -- Response state lives in __dict__ -----------------------------------------------------


class Mixin:
    """A plain class, as extensions mix into response classes."""

    def hello(self) -> str:
        return "mixed"


@pytest.mark.parametrize("fw", [hipflask, flask], ids=["hipflask", "flask"])
def test_response_subclass_with_plain_mixin(fw) -> None:  # type: ignore[no-untyped-def]
    class MixedResponse(fw.Response, Mixin):
        pass

    app = fw.Flask("mixin")
    app.response_class = MixedResponse

    @app.route("/")
    def index() -> str:
        return "body"

    @app.route("/abort")
    def aborting() -> None:
        fw.abort(fw.Response("teapot", 418))

    @app.route("/plain")
    def plain():  # type: ignore[no-untyped-def]
        return fw.Response("converted", 201)

    client = app.test_client()
    response = client.get("/")
    assert response.data == b"body"
    assert client.get("/abort").status_code == 418
    converted = MixedResponse.force_type(fw.Response("x", 202))
    assert type(converted) is MixedResponse and converted.hello() == "mixed"
    assert converted.status_code == 202 and converted.get_data() == b"x"
    assert client.get("/plain").status_code == 201


@pytest.mark.parametrize("fw", [hipflask, flask], ids=["hipflask", "flask"])
def test_copying_response_dict_copies_the_body(fw) -> None:  # type: ignore[no-untyped-def]
    # Flask-Caching rebuilds a cached response this way.
    cached = fw.Response("cached body", 203, headers={"X-A": "1"})
    rebuilt = fw.Response()
    rebuilt.__dict__.update(cached.__dict__)
    assert rebuilt.get_data() == b"cached body"
    assert rebuilt.status_code == 203 and rebuilt.headers["X-A"] == "1"
    fresh = object.__new__(fw.Response)
    fresh.__dict__ = dict(cached.__dict__)
    assert fresh.get_data() == b"cached body"


# -- private names extensions call --------------------------------------------------------


def test_request_from_builder_args_is_the_override_point() -> None:
    seen = []

    class TracingClient(FlaskClient):
        def _request_from_builder_args(self, args, kwargs):  # type: ignore[no-untyped-def]
            kwargs.setdefault("headers", {})["X-Extra"] = "set by the subclass"
            seen.append(args)
            return super()._request_from_builder_args(args, kwargs)

    app = hipflask.Flask("builder")
    app.test_client_class = TracingClient

    @app.route("/h")
    def header() -> str:
        return hipflask.request.headers.get("X-Extra", "-")

    assert app.test_client().get("/h").data == b"set by the subclass"
    assert seen == [("/h",)]


def test_internal_log_writes_to_the_werkzeug_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="werkzeug"):
        werkzeug_internal._log("info", "hello %s\n", "world")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("werkzeug", "INFO", "hello world")
    ]


# -- routing factories ---------------------------------------------------------------------


def _rules(module) -> list:  # type: ignore[no-untyped-def,type-arg]
    r = module
    template = r.RuleTemplate([r.Rule("/$kind/<int:id>", endpoint="$kind.show")])
    return [
        r.Submount(
            "/api/",
            [
                r.Rule("/users", endpoint="users"),
                r.EndpointPrefix("v2.", [r.Rule("/items/<name>", endpoint="items")]),
            ],
        ),
        r.Subdomain("admin", [r.Rule("/", endpoint="admin")]),
        template(kind="post"),
    ]


def test_rule_factories_match_werkzeug() -> None:
    ours = Map(_rules(__import__("hipflask.routing", fromlist=["x"])))
    theirs = werkzeug.routing.Map(_rules(werkzeug.routing))
    assert sorted((r.rule, r.endpoint, r.subdomain) for r in ours.iter_rules()) == sorted(
        (r.rule, r.endpoint, r.subdomain) for r in theirs.iter_rules()
    )
    adapter = ours.bind("example.com")
    assert adapter.match("/api/users") == ("users", {})
    assert adapter.match("/api/items/x") == ("v2.items", {"name": "x"})
    assert adapter.match("/post/3") == ("post.show", {"id": 3})
    assert adapter.build("v2.items", {"name": "y"}) == "/api/items/y"
    assert ours.bind("example.com", subdomain="admin").match("/") == ("admin", {})


# -- Local / LocalStack ------------------------------------------------------------------


@pytest.mark.parametrize(
    "mod",
    [__import__("hipflask.local", fromlist=["x"]), werkzeug.local],
    ids=["hipflask", "werkzeug"],
)
def test_local_and_stack(mod) -> None:  # type: ignore[no-untyped-def]
    local = mod.Local()
    local.user = "alice"
    proxy = local("user")
    assert proxy.upper() == "ALICE"
    seen: list[object] = []
    copy_context().run(lambda: seen.append(getattr(local, "user", None)))
    other = threading.Thread(target=lambda: seen.append(getattr(local, "user", None)))
    other.start()
    other.join()
    assert seen == ["alice", None]  # a copied context sees it, another thread does not
    assert dict(iter(local)) == {"user": "alice"}
    mod.release_local(local)
    with pytest.raises(AttributeError):
        local.user  # noqa: B018
    with pytest.raises(RuntimeError):
        proxy.upper()

    stack = mod.LocalStack()
    assert stack.top is None and stack.pop() is None
    stack.push({"a": 1})
    stack.push("top")
    top = stack()
    assert top.upper() == "TOP"
    assert stack.pop() == "top" and stack.top == {"a": 1}
    assert stack.pop() == {"a": 1} and stack.top is None
    with pytest.raises(RuntimeError):
        top.upper()


def test_local_proxies_are_hipflasks() -> None:
    stack: LocalStack[str] = LocalStack()
    proxy = stack()
    assert type(proxy) is LocalProxy and proxy.__class__ is LocalProxy  # unbound
    stack.push("x")
    assert proxy.__class__ is str
    local = Local()
    local.value = 1
    release_local(local)
    assert list(local) == []


# -- FormDataParser and encode_multipart ------------------------------------------------


def test_form_data_parser_and_encode_multipart() -> None:
    boundary, body = encode_multipart(
        {"name": "x", "tags": ["a", "b"], "file": FileStorage(io.BytesIO(b"data"), "f.txt")}
    )
    environ = create_environ(
        method="POST",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
    )
    _, form, files = FormDataParser().parse_from_environ(environ)
    assert form.getlist("tags") == ["a", "b"] and form["name"] == "x"
    assert files["file"].filename == "f.txt" and files["file"].read() == b"data"
    # the same body parses with Werkzeug's parser
    w_environ = werkzeug.test.create_environ(
        method="POST",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
    )
    _, w_form, _ = (
        __import__("werkzeug.formparser", fromlist=["x"])
        .FormDataParser()
        .parse_from_environ(w_environ)
    )
    assert w_form.getlist("tags") == ["a", "b"]
    # 413 before reading an oversized body
    from hipflask.exceptions import RequestEntityTooLarge

    with pytest.raises(RequestEntityTooLarge):
        FormDataParser(max_content_length=10).parse(
            io.BytesIO(body), "multipart/form-data", len(body)
        )


# -- middleware ------------------------------------------------------------------------------


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def test_lint_middleware_passes_a_good_app_and_flags_bad_ones() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = Client(LintMiddleware(_app)).get("/")
        assert response.data == b"hello"
        response.close()

    unclosed = LintMiddleware(_app)(create_environ(), lambda *a: None)
    with pytest.warns(WSGIWarning, match="did not close"):
        del unclosed

    def bad(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200", [("Content-Length", "9"), ("X", 1)])
        return ["text"]

    with pytest.warns(WSGIWarning) as record:
        Client(LintMiddleware(bad)).get("/").close()
    messages = " | ".join(str(w.message) for w in record)
    assert "reason phrase" in messages
    assert "must be str" in messages
    assert "not bytes" in messages

    def no_content(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("304 Not Modified", [])
        return [b"body"]

    with pytest.warns(HTTPWarning):
        Client(LintMiddleware(no_content)).get("/").close()


def test_profiler_middleware(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    app = ProfilerMiddleware(_app, stream=out, profile_dir=str(tmp_path))
    assert Client(app).get("/some/path").data == b"hello"
    assert "PATH: '/some/path'" in out.getvalue() and "function calls" in out.getvalue()
    (dumped,) = tmp_path.iterdir()
    assert dumped.name.startswith("GET.some.path.") and dumped.suffix == ".prof"
    assert cProfile  # the stats file is a cProfile dump


@pytest.fixture
def upstream() -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, "host": self.headers["Host"]})
            body = f"upstream {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Up", "1")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_http_proxy_middleware(upstream) -> None:  # type: ignore[no-untyped-def]
    port, seen = upstream
    app = ProxyMiddleware(
        _app,
        {
            "/up/": {"target": f"http://127.0.0.1:{port}/"},
            "/strip": {"target": f"http://127.0.0.1:{port}/base", "remove_prefix": True},
        },
    )
    client = Client(app)
    response = client.get("/up/a?q=1")
    assert response.data == b"upstream /up/a?q=1" and response.headers["X-Up"] == "1"
    assert client.get("/strip/b").data == b"upstream /base/b"
    assert client.get("/other").data == b"hello"
    assert seen[0]["host"] == f"127.0.0.1:{port}"
    # a target that is not listening: 502, not a hang or a 500
    closed = ProxyMiddleware(_app, {"/x/": {"target": "http://127.0.0.1:9/"}}, timeout=2)
    assert Client(closed).get("/x/y").status_code == 502


# -- TRUSTED_HOSTS ---------------------------------------------------------------------------


@pytest.mark.parametrize("fw", [hipflask, flask], ids=["hipflask", "flask"])
def test_trusted_hosts(fw) -> None:  # type: ignore[no-untyped-def]
    app = fw.Flask("trusted")
    app.config["TRUSTED_HOSTS"] = ["good.example", ".sub.example"]

    @app.route("/")
    def index() -> str:
        return fw.request.host

    client = app.test_client()
    assert client.get("/", headers={"Host": "good.example"}).data == b"good.example"
    assert client.get("/", headers={"Host": "a.sub.example"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
