"""The seeds' Case 1: an application module with templates/ and static/ next to it.

``create_app(framework)`` builds the same app on hipflask or on the real Flask
(the differential tests pass ``flask``), so both read the same files.
"""

from __future__ import annotations

import types
import typing as t


def create_app(framework: types.ModuleType, **options: t.Any) -> t.Any:
    app = framework.Flask(__name__, **options)

    @app.route("/hello/")
    @app.route("/hello/<name>")
    def hello(name: str | None = None) -> str:
        return framework.render_template("hello.html", name=name)

    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return framework.send_from_directory("static", name)

    return app
