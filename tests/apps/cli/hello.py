"""The quickstart app plus a few endpoints the server and CLI tests need."""

import hashlib
import os

from hipflask import Flask, request

app = Flask(__name__)


@app.route("/")
def hello_world():
    return "<p>Hello, World!</p>"


@app.route("/double/<int:n>")
def double(n):
    return str(n * 2)


@app.route("/upload", methods=["POST"])
def upload():
    data = request.get_data()
    return f"{len(data)} {hashlib.sha256(data).hexdigest()}"


@app.route("/environ")
def environ():
    env = request.environ
    return {
        "path": env["PATH_INFO"],
        "multithread": env["wsgi.multithread"],
        "scheme": env["wsgi.url_scheme"],
        "pid": os.getpid(),
    }


@app.route("/stream")
def stream():
    def generate():
        for i in range(100000):
            yield f"line {i}\n" * 100

    return app.response_class(generate(), mimetype="text/plain")


@app.route("/dir/")
def directory():
    return "directory"


@app.cli.command("greet")
def greet():
    """Print a greeting naming the app."""
    from hipflask import current_app

    print(f"hello from {current_app.name}")


if __name__ == "__main__":
    # `python hello.py`: the port comes from the test, the rest from app.run's defaults.
    app.run(port=int(os.environ["TEST_PORT"]))
