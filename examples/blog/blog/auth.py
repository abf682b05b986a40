"""Registering, logging in and out, and the ``login_required`` decorator."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import sqlite3
import typing as t

from hipflask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

# scrypt is deliberately slow and memory-hungry, so a stolen table of hashes is costly to
# attack; the parameters are stored with each hash, so they can be raised later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """A salted hash of *password*, as ``scrypt:n:r:p$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """Whether *password* produces the *stored* hash (compared in constant time)."""
    method, salt, expected = stored.split("$")
    n, r, p = (int(part) for part in method.split(":")[1:])
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=n, r=r, p=p)
    return hmac.compare_digest(digest.hex(), expected)


def login_required(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """Send anonymous visitors to the login page instead of running *view*."""

    @functools.wraps(view)
    def wrapped_view(**kwargs: t.Any) -> t.Any:
        if g.user is None:
            flash("Please log in first.", "info")
            return redirect(url_for("auth.login"))
        return view(**kwargs)

    return wrapped_view


@bp.before_app_request
def load_logged_in_user() -> None:
    """Make the logged-in user (a row) or None available as ``g.user`` on every request."""
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None:
        g.user = get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()


@bp.route("/register", methods=("GET", "POST"))
def register() -> t.Any:
    """Create an account, then send the new user to the login page."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        error = None
        if not username:
            error = "Username is required."
        elif len(username) > 40:
            error = "Username must be at most 40 characters."
        elif not password:
            error = "Password is required."
        elif len(password) < MIN_PASSWORD_LENGTH:
            error = f"Password must be at least {MIN_PASSWORD_LENGTH} characters."

        if error is None:
            db = get_db()
            try:
                db.execute(
                    "INSERT INTO user (username, password) VALUES (?, ?)",
                    (username, hash_password(password)),
                )
                db.commit()
            except sqlite3.IntegrityError:  # the UNIQUE constraint: no race to lose
                error = f"User {username} is already registered."
            else:
                flash("Your account is ready. Please log in.", "success")
                return redirect(url_for("auth.login"))

        flash(error, "error")
        return render_template("auth/register.html"), 400

    return render_template("auth/register.html")


@bp.route("/login", methods=("GET", "POST"))
def login() -> t.Any:
    """Check the username and password and remember the user in the session."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = get_db().execute("SELECT * FROM user WHERE username = ?", (username,)).fetchone()
        # One message for both mistakes: don't tell strangers which usernames exist.
        if user is None or not check_password(user["password"], password):
            flash("Incorrect username or password.", "error")
            return render_template("auth/login.html"), 400

        # A fresh session on login, so a token planted before it cannot ride along.
        session.clear()
        session["user_id"] = user["id"]
        flash(f"Welcome back, {user['username']}!", "success")
        return redirect(url_for("posts.index"))

    return render_template("auth/login.html")


@bp.route("/logout", methods=("POST",))
def logout() -> t.Any:
    """Forget the user. A POST (with its CSRF token) so other sites cannot log you out."""
    session.clear()
    flash("You have been logged out.", "info")
    return redirect(url_for("posts.index"))
