"""A realistic app written only against ``flask`` and its extensions (tests/apps/dropin_app:
Flask-Login, Flask-WTF CSRF, Flask-SQLAlchemy on SQLite, a blueprint, a Flask-Migrate
migration, settings in ``.flaskenv``) run unchanged by the ``hipflask`` command: ``hipflask
db upgrade`` creates the tables, ``hipflask run`` serves it, ``requests`` drives it."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests
from _procs import procs

APP_DIR = Path(__file__).resolve().parent / "apps" / "dropin_app"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


@pytest.mark.slow
def test_flask_app_with_extensions_runs_on_hipflask(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(APP_DIR, project)
    env = procs.clean_env()

    upgrade = subprocess.run(
        procs.hipflask("db", "upgrade"),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    database = project / "instance" / "notes.db"
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master")}
        revision = conn.execute("select version_num from alembic_version").fetchall()
    assert {"user", "note", "alembic_version"} <= tables
    assert revision == [("0001",)]

    port = procs.free_port()
    with procs.start(procs.hipflask("run", "--port", str(port)), project, env=env) as proc:
        procs.wait_until_serving(proc, port, "/auth/login")
        assert " * Serving hipflask app 'notes:create_app'" in proc.stdout  # from .flaskenv
        base = f"http://127.0.0.1:{port}"
        browser = requests.Session()

        # the protected page sends an anonymous visitor to the login page
        response = browser.get(f"{base}/", allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")

        # register (the form carries a CSRF token bound to the session)
        page = browser.get(f"{base}/auth/register", timeout=10)
        form = {"username": "ada", "password": "s3cret!", "csrf_token": csrf_token(page.text)}
        response = browser.post(f"{base}/auth/register", data=form, timeout=10)
        assert response.url == f"{base}/auth/login"
        assert "Registered; please log in." in response.text

        # a wrong password is refused; the right one logs in
        token = csrf_token(response.text)
        response = browser.post(
            f"{base}/auth/login",
            data={"username": "ada", "password": "nope", "csrf_token": token},
            timeout=10,
        )
        assert "Wrong name or password." in response.text
        response = browser.post(
            f"{base}/auth/login",
            data={
                "username": "ada",
                "password": "s3cret!",
                "csrf_token": csrf_token(response.text),
            },
            timeout=10,
        )
        assert response.url == f"{base}/"
        assert "Notes of ada" in response.text

        # a form post with the token adds a note; without it, 400
        token = csrf_token(response.text)
        response = browser.post(
            f"{base}/", data={"body": "first note", "csrf_token": token}, timeout=10
        )
        assert '<li class="note">first note</li>' in response.text
        missing = browser.post(f"{base}/", data={"body": "forged"}, timeout=10)
        assert missing.status_code == 400
        assert "The CSRF token is missing." in missing.text
        assert "forged" not in browser.get(f"{base}/", timeout=10).text

        # log out: the protected page is closed again
        response = browser.post(
            f"{base}/auth/logout", data={"csrf_token": csrf_token(response.text)}, timeout=10
        )
        assert "/auth/login" in response.url
        assert browser.get(f"{base}/", allow_redirects=False, timeout=10).status_code == 302

    with sqlite3.connect(database) as conn:
        assert conn.execute("select username from user").fetchall() == [("ada",)]
        assert conn.execute("select body from note").fetchall() == [("first note",)]
