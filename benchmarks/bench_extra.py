"""Scenarios beyond bench_apps.py's GETs: request bodies, a template, a session (issue 12).

``extend_app(framework, app)`` adds these routes to an app built by
``bench_apps.make_wsgi``, doing the same work in each framework:

| route              | request                                | answer                           |
|--------------------|----------------------------------------|----------------------------------|
| ``POST /form``     | urlencoded body, 5 fields              | ``form <a> <e>`` (text)          |
| ``POST /json``     | ~1 kB JSON object                      | ``{"count": n, "total": sum}``   |
| ``/template``      | -                                      | a Jinja2 template, 20-item loop  |
| ``/session``       | a session cookie holding ``{"n": k}``  | reads ``n``, writes ``n + 1``    |

Falcon, Bottle and the raw callable render the template with a plain ``jinja2.Environment``
(autoescaping on, as Flask's); they have no session, so that scenario runs on hipflask and
Flask only. ``render_alone()`` is Jinja2's own render of the same template, without any
framework: the floor for the template scenario.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from bench_apps import Scenario

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "bench_items.html"
ITEMS = [{"name": f"item {i} <b>", "price": i * 1.5} for i in range(20)]
FORM_BODY = urlencode(
    {"a": "alpha", "b": "bravo value", "c": "3", "d": "d&d=x", "e": "echo"}
).encode()
JSON_BODY = json.dumps(
    {"items": [{"id": i, "name": f"name {i}", "tags": ["x", "y"]} for i in range(20)]}
).encode()
assert 900 <= len(JSON_BODY) <= 1200, len(JSON_BODY)


class BodyScenario(Scenario):
    """A scenario with a method, a request body and headers, limited to some frameworks."""

    __slots__ = ("body", "cookie_from", "frameworks", "headers", "method")

    def __init__(
        self,
        name: str,
        title: str,
        path: str,
        contains: bytes,
        *,
        method: str = "GET",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        frameworks: tuple[str, ...] | None = None,
        cookie_from: str | None = None,
    ) -> None:
        super().__init__(name, title, 10, path, "", 200, contains)
        self.method = method
        self.body = body
        self.headers = headers or {}
        self.frameworks = frameworks
        #: a path whose Set-Cookie answer becomes this request's Cookie header
        self.cookie_from = cookie_from


EXTRA_SCENARIOS = [
    BodyScenario(
        "form_post",
        "urlencoded form POST, 5 fields",
        "/form",
        b"form alpha echo",
        method="POST",
        body=FORM_BODY,
        headers={"CONTENT_TYPE": "application/x-www-form-urlencoded"},
    ),
    BodyScenario(
        "json_post",
        "1 kB JSON POST",
        "/json",
        b'"count"',
        method="POST",
        body=JSON_BODY,
        headers={"CONTENT_TYPE": "application/json"},
    ),
    BodyScenario("template", "Jinja2 template, 20-item loop", "/template", b"item 19 &lt;b&gt;"),
    BodyScenario(
        "session",
        "session read+write",
        "/session",
        b"n=",
        frameworks=("hipflask", "flask"),
        cookie_from="/session",
    ),
]


def _jinja_env() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def render_alone() -> Callable[[], str]:
    """Jinja2's own render of the template (no framework): the template scenario's floor."""
    template = _jinja_env().get_template(TEMPLATE)
    return lambda: template.render(title="Items", items=ITEMS)


def _json_summary(data: dict[str, Any]) -> dict[str, int]:
    items = data["items"]
    return {"count": len(items), "total": sum(item["id"] for item in items)}


def extend_app(framework: str, app: Any) -> Any:
    """*app* (from ``make_wsgi(framework)``) with the extra routes; may wrap it."""
    if framework in ("hipflask", "flask"):
        return _flask_like(framework, app)
    if framework == "falcon":
        return _falcon(app)
    if framework == "bottle":
        return _bottle(app)
    return _raw(app)


def _flask_like(module_name: str, app: Any) -> Any:
    import importlib

    fw = importlib.import_module(module_name)
    request, session = fw.request, fw.session
    app.secret_key = "bench secret"
    app.template_folder = str(TEMPLATES)

    @app.post("/form")
    def form() -> str:
        f = request.form
        return f"form {f['a']} {f['e']} {len(f)}"

    @app.post("/json")
    def json_post() -> Any:
        return _json_summary(request.get_json())

    @app.route("/template")
    def template() -> str:
        return fw.render_template(TEMPLATE, title="Items", items=ITEMS)

    @app.route("/session")
    def session_view() -> str:
        n = session.get("n", 0)
        session["n"] = n + 1
        return f"n={n}"

    return app


def _falcon(app: Any) -> Any:
    import falcon

    template = _jinja_env().get_template(TEMPLATE)

    class Form:
        def on_post(self, req: Any, resp: Any) -> None:
            f = req.get_media()
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"form {f['a']} {f['e']} {len(f)}"

    class Json:
        def on_post(self, req: Any, resp: Any) -> None:
            resp.media = _json_summary(req.get_media())

    class Template:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = template.render(title="Items", items=ITEMS)

    app.add_route("/form", Form())
    app.add_route("/json", Json())
    app.add_route("/template", Template())
    return app


def _bottle(app: Any) -> Any:
    import bottle

    request = bottle.request
    template = _jinja_env().get_template(TEMPLATE)

    @app.post("/form")
    def form() -> str:
        f = request.forms
        bottle.response.content_type = "text/plain; charset=utf-8"
        return f"form {f.getunicode('a')} {f.getunicode('e')} {len(f)}"

    @app.post("/json")
    def json_post() -> Any:
        return _json_summary(request.json)

    @app.route("/template")
    def template_view() -> str:
        return template.render(title="Items", items=ITEMS)

    return app


def _raw(inner: Any) -> Any:
    template = _jinja_env().get_template(TEMPLATE)

    def respond(start_response: Any, ctype: str, body: bytes) -> list[bytes]:
        start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/form" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(size).decode()
            f = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            body = f"form {f['a']} {f['e']} {len(f)}".encode()
            return respond(start_response, "text/plain; charset=utf-8", body)
        if path == "/json" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            data = json.loads(environ["wsgi.input"].read(size))
            return respond(
                start_response, "application/json", json.dumps(_json_summary(data)).encode()
            )
        if path == "/template":
            body = template.render(title="Items", items=ITEMS).encode()
            return respond(start_response, "text/html; charset=utf-8", body)
        return inner(environ, start_response)  # type: ignore[no-any-return]

    return app
