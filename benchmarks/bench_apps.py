"""The same small application written for each framework the benchmarks compare.

Every framework gets the same routes, doing the same work:

| route                    | answer                                            |
|--------------------------|---------------------------------------------------|
| ``/``                    | ``Hello, World!`` (text/html)                     |
| ``/user/<int:user_id>``  | ``{"id": user_id, "name": "user42"}`` (JSON)      |
| ``/search?q=&page=``     | ``results for <q> page <page>`` (text)            |
| ``/route<i>/<int:id>``   | ``route <i> id <id>`` for ``i`` in ``range(n)``   |
| anything else            | the framework's own 404                           |

``make_wsgi(framework, n_routes)`` returns a WSGI callable and ``make_asgi(framework,
n_routes)`` an ASGI one (async views/responders throughout: each framework as it is meant to
be used on ASGI); servers load them through ``bench_served.py``. ``SCENARIOS`` lists the
requests and what a correct answer contains, so a harness can check an app before timing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

FRAMEWORKS = ("hipflask", "flask", "falcon", "bottle", "raw")
ASGI_FRAMEWORKS = ("hipflask", "falcon", "quart", "starlette", "raw")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Scenario:
    """One benchmarked request: which app variant, the target, and the expected answer."""

    __slots__ = ("contains", "n_routes", "name", "path", "query", "status", "title")

    def __init__(
        self,
        name: str,
        title: str,
        n_routes: int,
        path: str,
        query: str,
        status: int,
        contains: bytes,
    ) -> None:
        self.name = name
        self.title = title
        self.n_routes = n_routes
        self.path = path
        self.query = query
        self.status = status
        self.contains = contains

    @property
    def target(self) -> str:
        """The request target (path plus query string)."""
        return self.path + (f"?{self.query}" if self.query else "")


SCENARIOS = [
    Scenario("hello", "hello world", 10, "/", "", 200, b"Hello, World!"),
    Scenario("json_param", "int path parameter + JSON", 10, "/user/42", "", 200, b'"id"'),
    Scenario(
        "query",
        "query args",
        10,
        "/search",
        "q=flask&page=2&tag=a&tag=b",
        200,
        b"results for flask page 2",
    ),
    Scenario("not_found", "404", 10, "/does/not/exist", "", 404, b""),
    Scenario("routes_10", "last of 10 param. routes", 10, "/route9/42", "", 200, b"route 9 id 42"),
    Scenario(
        "routes_1000",
        "last of 1,000 param. routes",
        1000,
        "/route999/42",
        "",
        200,
        b"route 999 id 42",
    ),
]


def make_wsgi(framework: str, n_routes: int = 10) -> WSGIApp:
    """The benchmark app for *framework* with *n_routes* parametrized routes."""
    builders: dict[str, Callable[[int], WSGIApp]] = {
        "hipflask": lambda n: _flask_like("hipflask", n),
        "flask": lambda n: _flask_like("flask", n),
        "falcon": _falcon,
        "bottle": _bottle,
        "raw": _raw,
    }
    return builders[framework](n_routes)


def make_asgi(framework: str, n_routes: int = 10) -> Any:
    """The ASGI benchmark app for *framework* with *n_routes* parametrized routes."""
    builders: dict[str, Callable[[int], Any]] = {
        "hipflask": lambda n: _flask_like("hipflask", n, use_async=True).asgi_app,  # type: ignore[attr-defined]
        "quart": lambda n: _flask_like("quart", n, use_async=True),
        "falcon": _falcon_asgi,
        "starlette": _starlette,
        "raw": _raw_asgi,
    }
    return builders[framework](n_routes)


def _flask_like(module_name: str, n_routes: int, use_async: bool = False) -> WSGIApp:
    """Flask and hipflask (and Quart, with *use_async*) run the very same source."""
    if use_async:
        return _flask_like_async(module_name, n_routes)
    import importlib

    fw = importlib.import_module(module_name)
    app = fw.Flask("bench")
    request = fw.request

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/user/<int:user_id>")
    def user(user_id: int) -> Any:
        return {"id": user_id, "name": f"user{user_id}"}

    @app.route("/search")
    def search() -> str:
        args = request.args
        return f"results for {args.get('q', '')} page {args.get('page', 1, type=int)}"

    def make_route(i: int) -> Callable[[int], str]:
        def view(id: int) -> str:
            return f"route {i} id {id}"

        return view

    for i in range(n_routes):
        app.add_url_rule(f"/route{i}/<int:id>", f"route{i}", make_route(i))
    return app


def _flask_like_async(module_name: str, n_routes: int) -> Any:
    """The same app with ``async def`` views: hipflask's ``Flask`` or Quart's ``Quart``."""
    import importlib

    fw = importlib.import_module(module_name)
    app = fw.Quart("bench") if module_name == "quart" else fw.Flask("bench")
    request = fw.request

    @app.route("/")
    async def hello() -> str:
        return "Hello, World!"

    @app.route("/user/<int:user_id>")
    async def user(user_id: int) -> Any:
        return {"id": user_id, "name": f"user{user_id}"}

    @app.route("/search")
    async def search() -> str:
        args = request.args
        return f"results for {args.get('q', '')} page {args.get('page', 1, type=int)}"

    def make_route(i: int) -> Callable[[int], Any]:
        async def view(id: int) -> str:
            return f"route {i} id {id}"

        return view

    for i in range(n_routes):
        app.add_url_rule(f"/route{i}/<int:id>", f"route{i}", make_route(i))
    return app


def _falcon_asgi(n_routes: int) -> Any:
    import falcon
    import falcon.asgi

    class Hello:
        async def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = "Hello, World!"

    class User:
        async def on_get(self, req: Any, resp: Any, user_id: int) -> None:
            resp.media = {"id": user_id, "name": f"user{user_id}"}

    class Search:
        async def on_get(self, req: Any, resp: Any) -> None:
            q = req.get_param("q", default="")
            page = req.get_param_as_int("page", default=1)
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"results for {q} page {page}"

    class Route:
        def __init__(self, i: int) -> None:
            self.i = i

        async def on_get(self, req: Any, resp: Any, id: int) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"route {self.i} id {id}"

    app = falcon.asgi.App()
    app.add_route("/", Hello())
    app.add_route("/user/{user_id:int}", User())
    app.add_route("/search", Search())
    for i in range(n_routes):
        app.add_route(f"/route{i}/{{id:int}}", Route(i))
    return app


def _starlette(n_routes: int) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Any) -> Any:
        return HTMLResponse("Hello, World!")

    async def user(request: Any) -> Any:
        user_id = request.path_params["user_id"]
        return JSONResponse({"id": user_id, "name": f"user{user_id}"})

    async def search(request: Any) -> Any:
        q = request.query_params.get("q", "")
        try:
            page = int(request.query_params.get("page", 1))
        except ValueError:
            page = 1
        return PlainTextResponse(f"results for {q} page {page}")

    def make_route(i: int) -> Callable[[Any], Any]:
        async def view(request: Any) -> Any:
            return PlainTextResponse(f"route {i} id {request.path_params['id']}")

        return view

    routes = [Route("/", hello), Route("/user/{user_id:int}", user), Route("/search", search)]
    routes += [Route(f"/route{i}/{{id:int}}", make_route(i)) for i in range(n_routes)]
    return Starlette(routes=routes)


def _falcon(n_routes: int) -> WSGIApp:
    import falcon

    class Hello:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = "Hello, World!"

    class User:
        def on_get(self, req: Any, resp: Any, user_id: int) -> None:
            resp.media = {"id": user_id, "name": f"user{user_id}"}

    class Search:
        def on_get(self, req: Any, resp: Any) -> None:
            q = req.get_param("q", default="")
            page = req.get_param_as_int("page", default=1)
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"results for {q} page {page}"

    class Route:
        def __init__(self, i: int) -> None:
            self.i = i

        def on_get(self, req: Any, resp: Any, id: int) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"route {self.i} id {id}"

    app = falcon.App()
    app.add_route("/", Hello())
    app.add_route("/user/{user_id:int}", User())
    app.add_route("/search", Search())
    for i in range(n_routes):
        app.add_route(f"/route{i}/{{id:int}}", Route(i))
    return app


def _bottle(n_routes: int) -> WSGIApp:
    import bottle

    app = bottle.Bottle()
    request = bottle.request

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/user/<user_id:int>")
    def user(user_id: int) -> Any:
        return {"id": user_id, "name": f"user{user_id}"}

    @app.route("/search")
    def search() -> str:
        q = request.query.get("q", "")
        page = int(request.query.get("page", 1))
        bottle.response.content_type = "text/plain; charset=utf-8"
        return f"results for {q} page {page}"

    def make_route(i: int) -> Callable[[int], str]:
        def view(id: int) -> str:
            return f"route {i} id {id}"

        return view

    for i in range(n_routes):
        app.route(f"/route{i}/<id:int>", callback=make_route(i))
    return app


def _raw(n_routes: int) -> WSGIApp:
    """The floor: a hand-written WSGI callable doing the same work, no framework."""
    user_re = re.compile(r"/user/(\d+)\Z")
    route_re = re.compile(r"/route(\d+)/(\d+)\Z")
    not_found = b"<!doctype html><title>404 Not Found</title><h1>Not Found</h1>"

    def respond(
        start_response: Callable[..., Any], status: str, ctype: str, body: bytes
    ) -> list[bytes]:
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if environ.get("REQUEST_METHOD") != "GET":
            return respond(start_response, "405 Method Not Allowed", "text/plain", b"")
        if path == "/":
            return respond(start_response, "200 OK", "text/html; charset=utf-8", b"Hello, World!")
        if path == "/search":
            qs = parse_qs(environ.get("QUERY_STRING", ""))
            q = qs.get("q", [""])[0]
            try:
                page = int(qs.get("page", ["1"])[0])
            except ValueError:
                page = 1
            body = f"results for {q} page {page}".encode()
            return respond(start_response, "200 OK", "text/plain; charset=utf-8", body)
        m = user_re.match(path)
        if m:
            uid = int(m.group(1))
            body = json.dumps({"id": uid, "name": f"user{uid}"}).encode()
            return respond(start_response, "200 OK", "application/json", body)
        m = route_re.match(path)
        if m and int(m.group(1)) < n_routes:
            body = f"route {int(m.group(1))} id {int(m.group(2))}".encode()
            return respond(start_response, "200 OK", "text/plain; charset=utf-8", body)
        return respond(start_response, "404 Not Found", "text/html; charset=utf-8", not_found)

    return app


def _raw_asgi(n_routes: int) -> Any:
    """The ASGI floor: a hand-written ASGI callable doing the same work, no framework."""
    wsgi = _raw(n_routes)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        # The same routing code as the WSGI floor, fed a minimal environ: the floor is
        # the protocol's cost, not a different algorithm.
        environ = {
            "REQUEST_METHOD": scope["method"],
            "PATH_INFO": scope["path"],
            "QUERY_STRING": scope["query_string"].decode("latin-1"),
        }
        started: list[Any] = []
        body = b"".join(wsgi(environ, lambda status, headers: started.extend((status, headers))))
        status, headers = started
        await send(
            {
                "type": "http.response.start",
                "status": int(status[:3]),
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def framework_version(framework: str) -> str:
    """The installed version of *framework* ("-" for the raw callable)."""
    if framework == "raw":
        return "-"
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(framework)
    except PackageNotFoundError:
        return "?"
