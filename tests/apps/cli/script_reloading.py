"""Run as `python script_reloading.py`: app.run(debug=True) with the reloader."""

import os

from hipflask import Flask

VERSION = "one"

app = Flask(__name__)


@app.route("/")
def index():
    return VERSION


if __name__ == "__main__":
    app.run(
        port=int(os.environ["TEST_PORT"]),
        debug=True,
        use_debugger=False,
        reloader_type=os.environ.get("TEST_RELOADER", "auto"),
    )
