"""The seeds' Case 2: an application package with templates/ and static/ inside it."""

from __future__ import annotations

import types
import typing as t


def create_app(framework: types.ModuleType, **options: t.Any) -> t.Any:
    app = framework.Flask(__name__, **options)

    @app.route("/hello/")
    @app.route("/hello/<name>")
    def hello(name: str | None = None) -> str:
        return framework.render_template("hello.html", name=name)

    return app
