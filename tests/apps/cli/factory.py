"""An app built by a factory, with and without arguments."""

from hipflask import Flask


def create_app(greeting="factory"):
    app = Flask(__name__)

    @app.route("/")
    def index():
        return greeting

    return app
