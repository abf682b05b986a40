"""The posts: everyone can read them, logged-in users write, only authors edit or delete."""

from __future__ import annotations

import sqlite3
import typing as t

from hipflask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from .auth import login_required
from .db import get_db

bp = Blueprint("posts", __name__)


@bp.route("/")
def index() -> str:
    """All posts, newest first."""
    posts = (
        get_db()
        .execute(
            "SELECT p.id, title, body, date(created) AS created, author_id, username"
            " FROM post p JOIN user u ON p.author_id = u.id"
            " ORDER BY p.created DESC, p.id DESC"
        )
        .fetchall()
    )
    return render_template("posts/index.html", posts=posts)


def get_post(id: int, check_author: bool = True) -> sqlite3.Row:
    """The post *id*, or 404 if there is none (403 if it is someone else's)."""
    post: sqlite3.Row | None = (
        get_db()
        .execute(
            "SELECT p.id, title, body, date(created) AS created, author_id, username"
            " FROM post p JOIN user u ON p.author_id = u.id"
            " WHERE p.id = ?",
            (id,),
        )
        .fetchone()
    )
    if post is None:
        abort(404, f"There is no post {id}.")
    if check_author and post["author_id"] != g.user["id"]:
        abort(403, "Only its author may change this post.")
    return post


def read_form() -> tuple[str, str, str | None]:
    """The submitted title and body, and what is wrong with them (None if nothing)."""
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "").strip()
    error = None
    if not title:
        error = "Title is required."
    elif len(title) > 200:
        error = "Title must be at most 200 characters."
    return title, body, error


@bp.route("/create", methods=("GET", "POST"))
@login_required
def create() -> t.Any:
    """Write a new post."""
    if request.method == "POST":
        title, body, error = read_form()
        if error is not None:
            flash(error, "error")
            return render_template("posts/create.html"), 400
        db = get_db()
        db.execute(
            "INSERT INTO post (title, body, author_id) VALUES (?, ?, ?)",
            (title, body, g.user["id"]),
        )
        db.commit()
        flash("Your post is published.", "success")
        return redirect(url_for("posts.index"))

    return render_template("posts/create.html")


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id: int) -> t.Any:
    """Edit one of your own posts."""
    post = get_post(id)
    if request.method == "POST":
        title, body, error = read_form()
        if error is not None:
            flash(error, "error")
            return render_template("posts/update.html", post=post), 400
        db = get_db()
        db.execute("UPDATE post SET title = ?, body = ? WHERE id = ?", (title, body, id))
        db.commit()
        flash("Your changes are saved.", "success")
        return redirect(url_for("posts.index"))

    return render_template("posts/update.html", post=post)


@bp.route("/<int:id>/delete", methods=("POST",))
@login_required
def delete(id: int) -> t.Any:
    """Delete one of your own posts."""
    get_post(id)
    db = get_db()
    db.execute("DELETE FROM post WHERE id = ?", (id,))
    db.commit()
    flash("The post is deleted.", "info")
    return redirect(url_for("posts.index"))
