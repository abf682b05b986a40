"""Issue 3, section 5: app/request contexts, proxies, hooks and their order, ``g``."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from hipflask_difftools import FW, Differ, Req, make_environ


def build_hooks(fw: FW, log: list[str]) -> Any:
    app = fw.Flask(__name__)

    @app.before_request
    def before_1() -> Any:
        log.append(f"before_1 {fw.request.path}")
        fw.g.user = "alice"
        if fw.request.path == "/short":
            return "short-circuited", 203
        return None

    @app.before_request
    def before_2() -> None:
        log.append("before_2")

    @app.after_request
    def after_1(resp: Any) -> Any:
        log.append(f"after_1 {resp.status_code}")
        resp.headers["X-After-1"] = "1"
        return resp

    @app.after_request
    def after_2(resp: Any) -> Any:
        log.append("after_2")
        resp.headers["X-Order"] = resp.headers.get("X-Order", "") + "2"
        return resp

    @app.teardown_request
    def teardown_1(exc: BaseException | None) -> None:
        log.append(f"teardown_request_1 {type(exc).__name__ if exc else None}")

    @app.teardown_request
    def teardown_2(exc: BaseException | None) -> None:
        log.append("teardown_request_2")

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        log.append(f"teardown_appcontext {type(exc).__name__ if exc else None}")

    @app.route("/")
    def index() -> str:
        log.append(f"view user={fw.g.user}")
        return "index"

    @app.route("/short")
    def short() -> str:
        log.append("view short (never)")
        return "never"

    @app.route("/boom")
    def boom() -> str:
        log.append("view boom")
        raise ZeroDivisionError("boom")

    @app.route("/abort")
    def aborted() -> Any:
        log.append("view abort")
        fw.abort(418)

    @app.route("/handled")
    def handled() -> str:
        raise KeyError("handled")

    @app.errorhandler(KeyError)
    def on_key_error(e: KeyError) -> Any:
        log.append("errorhandler KeyError")
        return "handled", 409

    @app.route("/later")
    def later() -> str:
        @fw.after_this_request
        def add_header(resp: Any) -> Any:
            log.append("after_this_request")
            resp.headers["X-Later"] = "yes"
            return resp

        log.append("view later")
        return "later"

    return app


@pytest.mark.parametrize("path", ["/", "/short", "/boom", "/abort", "/handled", "/later", "/nope"])
def test_hook_order(diff: Differ, path: str) -> None:
    def probe(fw: FW) -> Any:
        log: list[str] = []
        app = build_hooks(fw, log)
        resp = app.test_client().get(path)
        return resp.status_code, dict(resp.headers).get("X-Order"), log

    diff.same(probe)
    log: list[str] = []
    diff.check(lambda fw: build_hooks(fw, log), [Req("GET", path)])


def test_g_namespace(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        with app.app_context():
            g = fw.g
            g.a = 1
            out = [
                "a" in g,
                "b" in g,
                g.get("a"),
                g.get("b"),
                g.get("b", 5),
                g.setdefault("c", 3),
                g.setdefault("c", 4),
                sorted(iter(g)),
                g.pop("a"),
                g.pop("a", "gone"),
                "a" in g,
            ]
            try:
                g.pop("a")
            except KeyError:
                out.append("KeyError")
            try:
                g.missing  # noqa: B018
            except AttributeError:
                out.append("AttributeError")
        with app.app_context():
            out.append("c" in fw.g)  # a new app context has a fresh g
        return out

    diff.same(probe)


def test_g_is_per_request(diff: Differ) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/set")
        def set_() -> str:
            fw.g.x = "set"
            return fw.g.x

        @app.route("/get")
        def get() -> str:
            return str(fw.g.get("x"))

        return app

    diff.check(build, [Req("GET", "/set", expect=200), Req("GET", "/get", expect=200)])


def test_test_request_context_arguments(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        out: list[Any] = []
        with app.test_request_context("/hello", method="POST"):
            out.append((fw.request.path, fw.request.method))
        with app.test_request_context(
            "/p?x=1",
            method="PUT",
            data="a=1&a=2",
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Y": "z"},
        ):
            r = fw.request
            out.append((r.full_path, r.form.getlist("a"), r.args["x"], r.headers["x-y"]))
        with app.test_request_context("/j", json={"k": [1, 2]}):
            out.append((fw.request.get_json(), fw.request.is_json, fw.request.mimetype))
        with app.test_request_context("/q", query_string={"a": "b c", "d": ["1", "2"]}):
            out.append((fw.request.args.getlist("d"), fw.request.query_string))
        with app.test_request_context(data=b"raw bytes", method="POST"):
            out.append((fw.request.get_data(), fw.request.content_length))
        return out

    diff.same(probe)


def test_request_context_from_environ(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        environ = make_environ("POST", "/x/y?z=1", [("Content-Type", "text/plain")], b"hi")
        with app.request_context(environ):
            r = fw.request
            return (
                r.method,
                r.path,
                r.args["z"],
                r.get_data(),
                fw.has_request_context(),
                fw.has_app_context(),
                fw.current_app.name,
            )

    assert diff.same(probe)[0] == "POST"


def test_has_context_flags_and_current_app(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask("someapp")
        out = [fw.has_request_context(), fw.has_app_context()]
        with app.app_context():
            out += [fw.has_request_context(), fw.has_app_context(), fw.current_app.name]
            out.append(fw.current_app._get_current_object() is app)
            with app.test_request_context():
                out += [fw.has_request_context(), fw.has_app_context()]
        out += [fw.has_request_context(), fw.has_app_context()]
        return out

    diff.same(probe)


@pytest.mark.parametrize(
    ("proxy", "context_word"),
    [("request", "request"), ("g", "application"), ("current_app", "application")],
)
def test_outside_context_is_a_helpful_runtime_error(
    diff: Differ, proxy: str, context_word: str
) -> None:
    def probe(fw: FW) -> Any:
        obj = getattr(fw, proxy)
        return obj.some_attribute

    diff.same(probe, raises=RuntimeError)
    try:
        probe(diff.candidate)
    except RuntimeError as exc:
        text = str(exc).lower()
        assert context_word in text, text
        assert "context" in text, text


def test_session_outside_request_context(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        return fw.session.get("x")

    diff.same(probe, raises=RuntimeError)


def test_teardown_appcontext_on_app_context_exit(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        log: list[Any] = []
        app = fw.Flask(__name__)
        app.teardown_appcontext(lambda exc: log.append(("app", exc)))
        app.teardown_request(lambda exc: log.append(("req", exc)))
        with app.app_context():
            log.append("inside")
        with app.test_request_context():
            log.append("inside request")
        return log

    diff.same(probe)


def test_context_does_not_leak_into_new_threads(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        seen: list[Any] = []

        @app.route("/")
        def index() -> str:
            def worker() -> None:
                seen.append(fw.has_request_context())

            t = threading.Thread(target=worker)
            t.start()
            t.join()
            return fw.request.path

        resp = app.test_client().get("/")
        return resp.get_data(), seen

    assert diff.same(probe) == (b"/", [False])


def test_threads_see_their_own_request(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        barrier = threading.Barrier(2, timeout=10)

        @app.route("/<name>")
        def index(name: str) -> str:
            barrier.wait()  # both requests are in flight at once
            return fw.request.path

        results: dict[str, bytes] = {}

        def run(name: str) -> None:
            results[name] = app.test_client().get(f"/{name}").get_data()

        threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    assert diff.same(probe) == {"a": b"/a", "b": b"/b"}


def test_contextvars_follow_asyncio_tasks(diff: Differ) -> None:
    """Each task keeps the context it was created in (contextvars, not thread locals)."""

    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)

        async def read(delay: float) -> str:
            await asyncio.sleep(delay)
            return fw.request.path

        async def main() -> list[str]:
            with app.test_request_context("/first"):
                first = asyncio.ensure_future(read(0.01))
            with app.test_request_context("/second"):
                second = asyncio.ensure_future(read(0))
            return list(await asyncio.gather(first, second))

        return asyncio.run(main())

    assert diff.same(probe) == ["/first", "/second"]
