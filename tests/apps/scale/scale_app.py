"""A Flask app (written against ``flask`` imports) served by hipflask's drop-in mode, two
instances behind nginx in tests/test_scale_out.py.

Settings come from the environment: ``INSTANCE`` names the process in an ``X-Instance``
response header; ``SESSION_REDIS_PORT``, when set, moves sessions into Redis through
Flask-Session (server-side sessions); otherwise the default signed cookie is used.
"""

import hipflask.as_flask  # noqa: F401,I001  (first: the imports below resolve to hipflask)

import os

from flask import Flask, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

INSTANCE = os.environ.get("INSTANCE", str(os.getpid()))

app = Flask(__name__)
# Both instances share the key: a cookie signed by one is valid on the other.
app.config["SECRET_KEY"] = "scale-out-shared-secret"
app.config["TRUSTED_HOSTS"] = ["app.example"]
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

if os.environ.get("SESSION_REDIS_PORT"):
    import redis
    from flask_session import Session

    app.config["SESSION_TYPE"] = "redis"
    app.config["SESSION_REDIS"] = redis.Redis(
        host="127.0.0.1", port=int(os.environ["SESSION_REDIS_PORT"])
    )
    Session(app)


@app.after_request
def name_the_instance(response):  # type: ignore[no-untyped-def]
    response.headers["X-Instance"] = INSTANCE
    return response


@app.post("/login")
def login() -> str:
    session["user"] = request.form["user"]
    return "ok"


@app.post("/logout")
def logout() -> str:
    session.clear()
    return "bye"


@app.route("/whoami")
def whoami() -> str:
    return session.get("user", "anonymous")


@app.route("/where")
def where() -> dict[str, str | None]:
    # What the app sees once ProxyFix has applied nginx's X-Forwarded-* headers.
    return {"url": request.url, "remote": request.remote_addr, "scheme": request.scheme}
