"""A small blog built with hipflask: the application factory.

Run it from the repository root with ``hipflask --app examples/blog/blog run`` (or, from
``examples/blog``, ``hipflask --app blog run``). The database is created on first start;
``hipflask --app blog init-db`` wipes it and starts afresh.
"""

from __future__ import annotations

import os
import typing as t

from hipflask import Flask, render_template

from . import auth, csrf, db, posts


def create_app(
    test_config: t.Mapping[str, t.Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build and configure the blog application.

    *test_config* replaces the instance folder's ``config.py`` (tests pass their own
    database path); *instance_path* lets tests keep the instance folder out of the repo.
    """
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(
        # Development only: anyone who knows this key can forge sessions. In production,
        # put a random one in instance/config.py, e.g. the output of
        # python -c "import secrets; print(secrets.token_hex())"
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "blog.sqlite"),
        # The browser sends the session cookie on same-site requests and top-level
        # navigation only, one more line of defence behind the CSRF tokens.
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(posts.bp)
    # After the auth blueprint, so g.user is loaded even when the CSRF check refuses a
    # request (the error page still shows who is logged in).
    csrf.init_app(app)

    for code in (400, 403, 404):
        app.register_error_handler(code, render_error)

    # One command starts a working blog: the first run creates the database.
    if not os.path.exists(app.config["DATABASE"]):
        with app.app_context():
            db.init_db()
        app.logger.info("Created the database at %s", app.config["DATABASE"])

    return app


def render_error(error: t.Any) -> tuple[str, int]:
    """Show a client error (bad request, forbidden, not found) in the site's own layout."""
    return render_template("error.html", error=error), error.code
