"""The SQLite database: one connection per app context, closed when the context ends."""

from __future__ import annotations

import sqlite3

import click

from hipflask import Flask, current_app, g
from hipflask.cli import with_appcontext


def get_db() -> sqlite3.Connection:
    """The connection for this request (opened on first use); rows act like dicts."""
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
        g.db.execute("PRAGMA foreign_keys = ON")
    db: sqlite3.Connection = g.db
    return db


def close_db(exception: BaseException | None = None) -> None:
    """Close the connection, if this context opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Drop the tables and create them again from schema.sql."""
    db = get_db()
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))


@click.command("init-db")
# The hipflask command pushes an app context itself; test_cli_runner() does not.
@with_appcontext
def init_db_command() -> None:
    """Clear the existing data and create new tables."""
    init_db()
    click.echo(f"Initialized the database at {current_app.config['DATABASE']}.")


def init_app(app: Flask) -> None:
    """Close the connection after each request and add the ``init-db`` command."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
