"""The app the ASGI server tests serve (uvicorn, hypercorn, granian, gunicorn+uvicorn)."""

import asyncio
import time

from hipflask import Flask, jsonify, request, session, stream_with_context, websocket
from hipflask.utils import secure_filename

app = Flask(__name__)
app.secret_key = b"asgi-server-test-key"
state = {"started": 0, "closed": 0}


@app.before_serving
async def startup() -> None:
    state["started"] += 1


@app.route("/")
def index() -> str:
    return "<p>Hello, World!</p>"


@app.route("/async/<int:n>")
async def async_view(n: int) -> dict:
    await asyncio.sleep(0.01)
    return {"n": n, "path": request.path, "started": state["started"]}


@app.post("/upload")
def upload() -> object:
    file = request.files["file"]
    return jsonify(
        name=secure_filename(file.filename or ""), size=len(file.read()), note=request.form["note"]
    )


@app.post("/login")
def login() -> str:
    session["username"] = request.form["username"]
    return "ok"


@app.route("/whoami")
async def whoami() -> str:
    return session.get("username", "anonymous")


@app.route("/stream")
def stream() -> object:
    def generate():  # type: ignore[no-untyped-def]
        for i in range(3):
            yield f"{request.path}:{i}\n"

    return stream_with_context(generate())


@app.route("/astream")
async def astream() -> object:
    async def generate():  # type: ignore[no-untyped-def]
        for i in range(3):
            await asyncio.sleep(0.01)
            yield f"a{i}\n"

    return generate()


@app.route("/endless")
def endless() -> object:
    def generate():  # type: ignore[no-untyped-def]
        try:
            while True:
                time.sleep(0.02)
                yield "tick\n" * 100
        finally:
            state["closed"] += 1

    return generate()


@app.route("/closed")
async def closed() -> str:
    return str(state["closed"])


@app.websocket("/ws/<name>")
async def ws(name: str) -> None:
    user = session.get("username", "anonymous")
    while True:
        message = await websocket.receive()
        await websocket.send(f"{name}/{user}: {message}")


asgi = app.asgi_app
