"""Calls app.run() at import time (no __main__ guard): under the CLI it must be a no-op."""

from hipflask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "imported"


app.run()
