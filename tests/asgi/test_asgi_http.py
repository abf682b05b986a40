"""The HTTP side of ``app.asgi_app``, through the ASGI test client (no server)."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import typing as t
from pathlib import Path

import pytest

from hipflask import (
    Blueprint,
    Flask,
    abort,
    after_this_request,
    flash,
    g,
    get_flashed_messages,
    render_template,
    render_template_string,
    request,
    send_file,
    session,
    stream_with_context,
    url_for,
)
from hipflask.asgi.testing import ASGITestClient


def make_app(**config: t.Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-key", **config)
    return app


def test_sync_and_async_views_with_converters_and_url_for() -> None:
    app = make_app()

    @app.route("/user/<int:uid>")
    def user(uid: int) -> dict[str, t.Any]:
        return {
            "uid": uid,
            "url": url_for("user", uid=uid, _external=True),
            "thread": threading.current_thread().name,
        }

    @app.route("/a/<name>")
    async def a(name: str) -> dict[str, t.Any]:
        await asyncio.sleep(0)
        return {
            "name": name,
            "args": request.args.to_dict(),
            "thread": threading.current_thread().name,
        }

    c = app.asgi_test_client()
    data = c.get("/user/7").json
    assert data["uid"] == 7 and data["url"] == "http://localhost/user/7"
    # Sync views run in the app's pool, async views on the loop's thread.
    assert data["thread"].startswith("hipflask-sync")
    data = c.get("/a/x%C3%A9?q=1&q=2&r=%E2%82%AC").json
    assert data["name"] == "xé" and data["args"] == {"q": "1", "r": "€"}
    assert data["thread"] == "asgi-test-client"


def test_404_405_options_and_head() -> None:
    app = make_app()

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return "hi"

    app.add_url_rule("/dir/", "dir", lambda: "dir")
    c = app.asgi_test_client()
    assert c.get("/nope").status_code == 404
    r = c.delete("/")
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    r = c.options("/")
    assert r.status_code == 200 and "POST" in r.headers["Allow"]
    r = c.head("/")
    assert r.status_code == 200 and r.data == b"" and r.headers["Content-Length"] == "2"
    # Redirect to the canonical URL keeps working.
    r = c.get("/dir")
    assert r.status_code == 308 and r.headers["Location"] == "http://localhost/dir/"


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_hooks_sync_and_async(view_kind: str) -> None:
    app = make_app()
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @app.before_request
    async def before_async() -> None:
        g.seen = ["before_async"]

    @app.before_request
    def before_sync() -> None:
        g.seen.append("before_sync")

    @bp.before_request
    def bp_before() -> None:
        g.seen.append("bp_before")

    @app.after_request
    async def after_async(response: t.Any) -> t.Any:
        response.headers["X-After-Async"] = "1"
        return response

    @app.after_request
    def after_sync(response: t.Any) -> t.Any:
        response.headers["X-After-Sync"] = "1"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {exc!r}")

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        calls.append("teardown_app")

    if view_kind == "sync":

        @bp.route("/")
        def view() -> str:
            @after_this_request
            def once(response: t.Any) -> t.Any:
                response.headers["X-Once"] = "1"
                return response

            return ",".join(g.seen)
    else:

        @bp.route("/")
        async def view() -> str:
            @after_this_request
            async def once(response: t.Any) -> t.Any:
                response.headers["X-Once"] = "1"
                return response

            return ",".join(g.seen)

    app.register_blueprint(bp)
    r = app.asgi_test_client().get("/bp/")
    assert r.text == "before_async,before_sync,bp_before"
    assert r.headers["X-After-Async"] == r.headers["X-After-Sync"] == r.headers["X-Once"] == "1"
    assert calls == ["teardown None", "teardown_app"]


def test_before_request_short_circuits() -> None:
    app = make_app()

    @app.before_request
    async def gate() -> t.Any:
        if request.args.get("deny"):
            return "denied", 403
        return None

    @app.route("/")
    async def index() -> str:
        return "ok"

    c = app.asgi_test_client()
    assert c.get("/").text == "ok"
    r = c.get("/?deny=1")
    assert r.status_code == 403 and r.text == "denied"


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_error_handlers_sync_and_async(view_kind: str, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()

    @app.errorhandler(KeyError)
    async def on_key(e: Exception) -> t.Any:
        return "async handler", 409

    @app.errorhandler(418)
    def on_teapot(e: Exception) -> t.Any:
        return "sync handler", 418

    @app.errorhandler(404)
    async def on_404(e: Exception) -> t.Any:
        return f"no {request.path}", 404

    if view_kind == "sync":

        @app.route("/<what>")
        def boom(what: str) -> str:
            if what == "key":
                raise KeyError(what)
            if what == "teapot":
                abort(418)
            raise ValueError("secret detail")
    else:

        @app.route("/<what>")
        async def boom(what: str) -> str:
            if what == "key":
                raise KeyError(what)
            if what == "teapot":
                abort(418)
            raise ValueError("secret detail")

    c = app.asgi_test_client()
    r = c.get("/key")
    assert (r.status_code, r.text) == (409, "async handler")
    r = c.get("/teapot")
    assert (r.status_code, r.text) == (418, "sync handler")
    r = c.get("/a/b")
    assert (r.status_code, r.text) == (404, "no /a/b")
    r = c.get("/other")
    assert r.status_code == 500 and "secret detail" not in r.text
    assert "Exception on /other [GET]" in caplog.text and "ValueError: secret detail" in caplog.text


def test_unhandled_error_propagates_when_testing() -> None:
    app = make_app(TESTING=True)

    @app.route("/")
    async def index() -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        app.asgi_test_client().get("/")


def test_500_handler_async() -> None:
    app = make_app()

    @app.errorhandler(500)
    async def on_500(e: t.Any) -> t.Any:
        return f"handled {type(e.original_exception).__name__}", 500

    @app.route("/")
    async def index() -> str:
        raise RuntimeError("x")

    r = app.asgi_test_client().get("/")
    assert (r.status_code, r.text) == (500, "handled RuntimeError")


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_session_round_trip_and_flashing(view_kind: str) -> None:
    app = make_app()

    def login() -> str:
        session["user"] = request.form["user"]
        flash("welcome")
        return "ok"

    def whoami() -> str:
        return f"{session.get('user', 'anon')} {get_flashed_messages()}"

    async def awhoami() -> str:
        return whoami()

    app.add_url_rule("/login", view_func=login, methods=["POST"])
    app.add_url_rule("/who", view_func=whoami if view_kind == "sync" else awhoami)
    c = app.asgi_test_client()
    assert c.get("/who").text == "anon []"
    assert c.post("/login", data={"user": "ada"}).text == "ok"
    assert c.get("/who").text == "ada ['welcome']"
    assert c.get("/who").text == "ada []"
    with c.session_transaction() as sess:
        sess["user"] = "bob"
    assert c.get("/who").text == "bob []"


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_uploads_json_and_raw_body(view_kind: str) -> None:
    app = make_app(ASGI_BODY_MEMORY_LIMIT=100_000)

    def upload() -> dict[str, t.Any]:
        f = request.files["file"]
        return {"name": f.filename, "size": len(f.read()), "note": request.form["note"]}

    def echo() -> t.Any:
        return {"json": request.get_json(), "len": request.content_length}

    async def aupload() -> dict[str, t.Any]:
        return upload()

    app.add_url_rule(
        "/upload", view_func=upload if view_kind == "sync" else aupload, methods=["POST"]
    )
    app.add_url_rule("/echo", view_func=echo, methods=["POST"])
    c = app.asgi_test_client()
    # 300 kB spans several receive() messages and spills to a temporary file.
    r = c.post("/upload", data={"file": (io.BytesIO(b"x" * 300_000), "a.txt"), "note": "hi"})
    assert r.json == {"name": "a.txt", "size": 300_000, "note": "hi"}
    assert c.post("/echo", json={"a": [1, 2]}).json == {"json": {"a": [1, 2]}, "len": 13}
    assert c.post("/echo", data="{nope", content_type="application/json").status_code == 400


def test_max_content_length_while_receiving() -> None:
    app = make_app(MAX_CONTENT_LENGTH=1000)
    seen: list[str] = []

    @app.errorhandler(413)
    def too_large(e: t.Any) -> t.Any:
        seen.append(request.path)
        return "too big", 413

    @app.route("/up", methods=["POST"])
    async def up() -> str:
        seen.append("view")
        return "ok"

    c = app.asgi_test_client()
    assert c.post("/up", data=b"x" * 1000).text == "ok"
    r = c.post("/up", data=b"x" * 1001)  # declared Content-Length: refused before reading
    assert (r.status_code, r.text) == (413, "too big")
    assert seen == ["view", "/up"]

    # No Content-Length (chunked): counted while receiving, stopped at the limit.
    async def chunked() -> tuple[int, int]:
        received = 0
        chunks = [b"y" * 600] * 10

        async def receive() -> dict[str, t.Any]:
            nonlocal received
            if chunks:
                received += 1
                chunks.pop()
                return {"type": "http.request", "body": b"y" * 600, "more_body": bool(chunks)}
            await asyncio.sleep(10)
            return {"type": "http.disconnect"}

        status: list[int] = []

        async def send(message: dict[str, t.Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/up",
            "raw_path": b"/up",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"x")],
            "scheme": "http",
            "server": ("x", 80),
            "client": ("127.0.0.1", 1),
            "http_version": "1.1",
        }
        await app.asgi_app(scope, receive, send)
        return status[0], received

    status, received = asyncio.run(chunked())
    assert status == 413
    assert received == 2  # stopped as soon as 1200 > 1000 bytes had arrived


def test_form_limits_as_under_wsgi() -> None:
    app = make_app(MAX_FORM_MEMORY_SIZE=100, MAX_FORM_PARTS=3)

    @app.route("/form", methods=["POST"])
    async def form() -> str:
        return ",".join(request.form)

    c = app.asgi_test_client()
    assert c.post("/form", data={"a": "1", "b": "2"}).text == "a,b"
    assert c.post("/form", data={"a": "x" * 200}).status_code == 413
    many = {f"f{i}": (io.BytesIO(b"1"), f"{i}.txt") for i in range(5)}
    assert c.post("/form", data=many).status_code == 413
    bad = c.post("/form", data=b"--nope\r\n", content_type="multipart/form-data; boundary=b")
    assert bad.status_code == 400


def test_send_file_and_static(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("body{}")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 1000)
    app = Flask(__name__, root_path=str(tmp_path))

    @app.route("/file")
    def file() -> t.Any:
        return send_file(big, mimetype="application/octet-stream")

    @app.route("/afile")
    async def afile() -> t.Any:
        return send_file(big, mimetype="application/octet-stream", conditional=True)

    c = app.asgi_test_client()
    r = c.get("/file")
    assert r.data == big.read_bytes() and r.headers["Content-Length"] == "256000"
    r = c.get("/afile", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.data == big.read_bytes()[10:20]
    r = c.get("/static/app.css")
    assert r.text == "body{}" and r.mimetype == "text/css"
    etag = r.headers["ETag"]
    assert c.get("/static/app.css", headers={"If-None-Match": etag}).status_code == 304


def test_templates(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "hello.html").write_text("Hello {{ name }} {{ request.path }}!")
    app = Flask(__name__, root_path=str(tmp_path))

    @app.route("/t/<name>")
    async def t1(name: str) -> str:
        return render_template("hello.html", name=name)

    @app.route("/s")
    def t2() -> str:
        return render_template_string("{{ 1 + 1 }} <{{ x }}>", x="<b>")

    c = app.asgi_test_client()
    assert c.get("/t/ada").text == "Hello ada /t/ada!"
    assert c.get("/s").text == "2 <&lt;b&gt;>"


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_streaming_sync_generators(view_kind: str) -> None:
    app = make_app()

    def gen() -> t.Iterator[str]:
        for i in range(3):
            yield f"{request.args['p']}{i};"

    if view_kind == "sync":

        @app.route("/s")
        def s() -> t.Any:
            return stream_with_context(gen())
    else:

        @app.route("/s")
        async def s() -> t.Any:
            return stream_with_context(gen())

    @app.route("/agen")
    async def agen() -> t.Any:
        async def body() -> t.AsyncIterator[str]:
            for i in range(3):
                await asyncio.sleep(0)
                yield f"a{i};"

        return body(), {"Content-Type": "text/plain"}

    c = app.asgi_test_client()
    assert c.get("/s?p=x").text == "x0;x1;x2;"
    r = c.get("/agen")
    assert r.text == "a0;a1;a2;" and r.mimetype == "text/plain"
    assert c.head("/agen").data == b""


def test_disconnect_stops_generators_and_runs_teardown() -> None:
    app = make_app()
    events: list[str] = []
    done = threading.Event()

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")
        done.set()

    @app.route("/sync")
    def sync_stream() -> t.Any:
        def gen() -> t.Iterator[str]:
            try:
                for i in range(1000):
                    time.sleep(0.01)
                    yield f"{request.path}{i}\n"
            finally:
                events.append("sync closed")

        return stream_with_context(gen())

    @app.route("/async")
    async def async_stream() -> t.Any:
        async def gen() -> t.AsyncIterator[str]:
            try:
                for i in range(1000):
                    await asyncio.sleep(0.01)
                    yield f"{i}\n"
            finally:
                events.append("async closed")

        return gen()

    c = app.asgi_test_client()
    chunks = c.open_and_disconnect("/sync", after_chunks=2)
    assert chunks == [b"/sync0\n", b"/sync1\n"]
    assert done.wait(5)
    assert events == ["sync closed", "teardown"]
    events.clear()
    done.clear()
    chunks = c.open_and_disconnect("/async", after_chunks=3)
    assert chunks == [b"0\n", b"1\n", b"2\n"]
    assert done.wait(5)
    # The async body outlives the request context (as a plain generator under WSGI).
    assert events == ["teardown", "async closed"]


def test_async_views_run_concurrently() -> None:
    app = make_app()

    @app.route("/slow")
    async def slow() -> str:
        await asyncio.sleep(0.2)
        return "done"

    c = app.asgi_test_client()

    async def many() -> list[t.Any]:
        return await asyncio.gather(*(c.request_async("/slow") for _ in range(20)))

    start = time.perf_counter()
    responses = asyncio.run(many())
    elapsed = time.perf_counter() - start
    assert [r.text for r in responses] == ["done"] * 20
    assert elapsed < 1.5, elapsed  # serially it would take 4 s


def test_sync_views_use_a_bounded_pool() -> None:
    app = make_app(ASGI_SYNC_THREADS=2)
    active = [0, 0]
    lock = threading.Lock()

    @app.route("/block")
    def block() -> str:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return "ok"

    c = app.asgi_test_client()

    async def many() -> list[t.Any]:
        return await asyncio.gather(*(c.request_async("/block") for _ in range(6)))

    assert [r.text for r in asyncio.run(many())] == ["ok"] * 6
    assert active[1] == 2


def test_async_hook_in_sync_request_runs_on_the_loop() -> None:
    app = make_app()
    loops: list[t.Any] = []

    @app.before_request
    async def before() -> None:
        loops.append(asyncio.get_running_loop())

    @app.route("/")
    def index() -> str:
        return "ok"

    c = app.asgi_test_client()
    assert c.get("/").text == "ok"
    assert loops == [c._loop]


def test_wsgi_middleware_on_wsgi_app_still_applies() -> None:
    from hipflask.middleware import ProxyFix

    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    @app.route("/")
    def index() -> dict[str, t.Any]:
        return {"url": request.url, "remote": request.remote_addr}

    r = app.asgi_test_client().get(
        "/",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "example.com",
        },
    )
    assert r.json == {"url": "https://example.com/", "remote": "203.0.113.9"}


def test_root_path_and_header_mapping() -> None:
    app = make_app()

    @app.route("/p")
    async def p() -> dict[str, t.Any]:
        return {
            "root": request.root_path,
            "path": request.path,
            "url": request.url,
            "h": request.headers.get("X-Multi"),
            "under": request.headers.get("X-Under-Score"),
        }

    async def run() -> dict[str, t.Any]:
        sent: list[dict[str, t.Any]] = []

        async def receive() -> dict[str, t.Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/mnt/p",
            "raw_path": b"/mnt/p",
            "root_path": "/mnt",
            "query_string": b"",
            "scheme": "https",
            "headers": [
                (b"host", b"example.com"),
                (b"x-multi", b"a"),
                (b"x-multi", b"b"),
                (b"x_under_score", b"spoof"),
            ],
            "server": ("example.com", 443),
            "client": ("1.2.3.4", 5),
            "http_version": "2",
        }
        await app.asgi_app(scope, receive, send)
        import json

        return json.loads(sent[1]["body"])

    assert asyncio.run(run()) == {
        "root": "/mnt",
        "path": "/p",
        "url": "https://example.com/mnt/p",
        "h": "a,b",
        "under": None,
    }


def test_asgi_app_is_cached_and_client_type() -> None:
    app = make_app()
    assert app.asgi_app is app.asgi_app
    assert isinstance(app.asgi_test_client(), ASGITestClient)


def test_overridden_request_path_serves_async_views_through_the_sync_path() -> None:
    calls: list[str] = []

    class MyFlask(Flask):
        def full_dispatch_request(self) -> t.Any:
            calls.append("overridden")
            return super().full_dispatch_request()

    app = MyFlask(__name__)

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return f"async on {threading.current_thread().name}"

    assert app.asgi_test_client().get("/").text == "async on asgi-test-client"
    assert calls == ["overridden"]


def test_importing_hipflask_does_not_import_asyncio() -> None:
    import subprocess
    import sys

    code = (
        "import sys, hipflask; print('asyncio' in sys.modules, 'hipflask.asgi.http' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_async_stream_sees_no_app_context_without_stream_with_context() -> None:
    """While an async body streams, the contexts are gone: ``current_app`` is falsy (as
    under WSGI), not an AttributeError from the variable the ASGI path reset."""
    from hipflask import Flask, current_app

    app = Flask(__name__)

    @app.get("/s")
    async def streamed():  # type: ignore[no-untyped-def]
        async def body():  # type: ignore[no-untyped-def]
            yield "a"
            yield "bound" if current_app else "unbound"

        return body()

    response = app.asgi_test_client().get("/s")
    assert response.status_code == 200
    assert response.data == b"aunbound"
