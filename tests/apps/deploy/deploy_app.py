"""The app the deployment tests serve with gunicorn, waitress and uvicorn."""

import asyncio

from hipflask import Flask, jsonify, request, session, stream_with_context
from hipflask.middleware import ProxyFix
from hipflask.utils import secure_filename

app = Flask(__name__)
app.secret_key = b"deployment-test-key"
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]


@app.route("/")
def index() -> str:
    return "<p>Hello, World!</p>"


@app.route("/user/<int:user_id>")
def user(user_id: int) -> dict[str, object]:
    return {"id": user_id, "url": request.url, "remote": request.remote_addr}


@app.route("/async/<int:n>")
async def async_view(n: int) -> dict[str, object]:
    await asyncio.sleep(0.01)
    return {"n": n, "path": request.path}


@app.post("/upload")
def upload() -> object:
    file = request.files["file"]
    data = file.read()
    return jsonify(
        name=secure_filename(file.filename or ""), size=len(data), note=request.form["note"]
    )


@app.route("/login", methods=["POST"])
def login() -> str:
    session["username"] = request.form["username"]
    return "ok"


@app.route("/whoami")
def whoami() -> str:
    return session.get("username", "anonymous")


@app.route("/stream")
def stream() -> object:
    def generate():  # type: ignore[no-untyped-def]
        for i in range(3):
            yield f"{request.path}:{i}\n"

    return stream_with_context(generate())


@app.route("/echo", methods=["POST"])
def echo() -> object:
    return jsonify(request.get_json())
