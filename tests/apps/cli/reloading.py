"""The reloader test edits VERSION below and expects the response to follow."""

from hipflask import Flask

VERSION = "one"

app = Flask(__name__)


@app.route("/")
def index():
    return VERSION
