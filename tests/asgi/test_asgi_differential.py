"""The same app answers the same through WSGI (test_client) and ASGI (asgi_test_client)."""

from __future__ import annotations

import asyncio
import io
import typing as t
from pathlib import Path

import pytest

from hipflask import Flask, abort, jsonify, make_response, redirect, request, session, url_for

KEY_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Location",
    "Set-Cookie",
    "Allow",
    "ETag",
    "Cache-Control",
    "Last-Modified",
    "Content-Range",
    "Accept-Ranges",
    "Vary",
    "X-Custom",
)


def build_app(root: Path) -> Flask:
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / "a.txt").write_text("static text\n" * 50)
    app = Flask(__name__, root_path=str(root))
    app.config.update(SECRET_KEY="k", MAX_FORM_PARTS=5)

    @app.route("/")
    def index() -> str:
        return "<p>Hello</p>"

    @app.route("/async/<int:n>")
    async def async_view(n: int) -> t.Any:
        await asyncio.sleep(0)
        return {"n": n, "args": request.args.to_dict(flat=False)}

    @app.route("/json", methods=["POST"])
    async def post_json() -> t.Any:
        return jsonify(got=request.get_json(), ct=request.content_type)

    @app.route("/form", methods=["POST"])
    def form() -> t.Any:
        files = {k: (f.filename, len(f.read())) for k, f in request.files.items()}
        return {"form": request.form.to_dict(), "files": files}

    @app.route("/redirect")
    def to_index() -> t.Any:
        return redirect(url_for("index", q="x y"))

    @app.route("/cookie")
    async def cookie() -> t.Any:
        response = make_response("cookie", 201)
        response.set_cookie("a", "b", max_age=60, httponly=True)
        response.headers["X-Custom"] = "é"
        return response

    @app.route("/session")
    def sess() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/forbidden")
    async def forbidden() -> t.Any:
        abort(403, "no entry")

    @app.route("/boom")
    def boom() -> t.Any:
        raise ValueError("x")

    @app.route("/stream")
    def stream() -> t.Any:
        return (f"{i}\n" for i in range(5))

    @app.route("/empty")
    async def empty() -> t.Any:
        return "", 204

    @app.route("/uni/<name>")
    def uni(name: str) -> str:
        return f"{name} {request.path} {request.url}"

    return app


REQUESTS: list[tuple[str, str, dict[str, t.Any]]] = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("DELETE", "/", {}),
    ("GET", "/nope", {}),
    ("GET", "/async/5?a=1&a=2&b=", {}),
    ("GET", "/async/x", {}),
    ("POST", "/json", {"json": {"k": [1, "é"]}}),
    ("POST", "/json", {"data": "{bad", "content_type": "application/json"}),
    ("POST", "/form", {"data": {"f": "v", "up": (io.BytesIO(b"z" * 70_000), "u.bin")}}),
    (
        "POST",
        "/form",
        {"data": {f"p{i}": "1" for i in range(9)}, "content_type": "multipart/form-data"},
    ),
    ("GET", "/redirect", {}),
    ("GET", "/cookie", {}),
    ("GET", "/session", {}),
    ("GET", "/forbidden", {}),
    ("GET", "/boom", {}),
    ("GET", "/stream", {}),
    ("GET", "/empty", {}),
    ("GET", "/uni/%C3%A9t%C3%A9", {}),
    ("GET", "/static/a.txt", {}),
    ("GET", "/static/a.txt", {"headers": {"Range": "bytes=5-20"}}),
    ("GET", "/static/missing.txt", {}),
    ("GET", "/%ff", {}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS]
)
def test_wsgi_and_asgi_answer_alike(
    tmp_path: Path, method: str, path: str, kwargs: dict[str, t.Any]
) -> None:
    app = build_app(tmp_path)
    answers = []
    for client in (app.test_client(), app.asgi_test_client()):
        args = {k: (dict(v) if isinstance(v, dict) else v) for k, v in kwargs.items()}
        if "data" in args and isinstance(args["data"], dict):
            args["data"] = {
                k: ((io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v)
                for k, v in args["data"].items()
            }
        r = client.open(path, method=method, **args)
        headers = {name: r.headers.getlist(name) for name in KEY_HEADERS}
        headers["Last-Modified"] = [] if headers["Last-Modified"] else ["(set)"]
        answers.append((r.status_code, r.data, headers))
    assert answers[0] == answers[1]


def test_session_sequence_alike(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    results = []
    for client in (app.test_client(), app.asgi_test_client()):
        results.append([client.get("/session").text for _ in range(3)])
    assert results == [["1", "2", "3"], ["1", "2", "3"]]
