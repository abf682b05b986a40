"""The example blog (examples/blog) through the test client: accounts, posts, permissions,
CSRF, error pages and the database commands. Each test gets its own instance folder and
SQLite file under tmp_path, so nothing is written into the repository."""

from __future__ import annotations

import ast
import re
import sqlite3
import sys
import typing as t
from pathlib import Path

import pytest

from hipflask import Flask
from hipflask.testing import FlaskClient

BLOG_DIR = Path(__file__).resolve().parents[2] / "examples" / "blog"
sys.path.insert(0, str(BLOG_DIR))

from blog import create_app  # noqa: E402
from blog.auth import check_password, hash_password  # noqa: E402

TOKEN_RE = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(tmp_path / "blog.sqlite")},
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def rows(app: Flask, sql: str, *params: t.Any) -> list[sqlite3.Row]:
    """Query the app's database directly (to check what a request really stored)."""
    db = sqlite3.connect(app.config["DATABASE"])
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def token(client: FlaskClient, page: str = "/auth/login") -> str:
    """The CSRF token a browser would find in *page*'s form."""
    found = TOKEN_RE.search(client.get(page).get_data(as_text=True))
    assert found, f"no CSRF field on {page}"
    return found.group(1)


def post(client: FlaskClient, url: str, form_page: str | None = None, **data: str) -> t.Any:
    """Submit a form as a browser would: fetch the page for its token, then POST."""
    data["csrf_token"] = token(client, form_page or url)
    return client.post(url, data=data)


def register(
    client: FlaskClient, username: str = "alice", password: str = "correct horse"
) -> t.Any:
    return post(client, "/auth/register", username=username, password=password)


def login(client: FlaskClient, username: str = "alice", password: str = "correct horse") -> t.Any:
    return post(client, "/auth/login", username=username, password=password)


def logged_in(app: Flask, username: str = "alice") -> FlaskClient:
    """A fresh client for a newly registered and logged-in *username*."""
    client = app.test_client()
    assert register(client, username).status_code == 302
    assert login(client, username).status_code == 302
    return client


def write(client: FlaskClient, title: str = "First post", body: str = "Hello.") -> int:
    """Publish a post; return its id."""
    response = post(client, "/create", title=title, body=body)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(rows(client.application, "SELECT max(id) FROM post")[0][0])


# -- accounts ------------------------------------------------------------------------------


def test_front_page_for_a_visitor(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Posts · Hipflask Blog</title>" in html
    assert "No posts yet." in html
    assert 'href="/auth/login"' in html and 'href="/static/style.css"' in html
    assert client.get("/static/style.css").status_code == 200


def test_register_stores_a_salted_hash_and_redirects_to_login(
    app: Flask, client: FlaskClient
) -> None:
    response = register(client, "alice", "correct horse")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert "Your account is ready." in client.get("/auth/login").get_data(as_text=True)

    register(app.test_client(), "bob", "correct horse")
    (alice,), (bob,) = rows(app, "SELECT password FROM user ORDER BY id")
    assert alice.startswith("scrypt:") and "correct horse" not in alice
    assert alice != bob  # same password, different salts
    assert check_password(alice, "correct horse")
    assert not check_password(alice, "correct hors")


def test_hash_password_round_trip() -> None:
    stored = hash_password("pässwörd!")
    assert check_password(stored, "pässwörd!")
    assert not check_password(stored, "passwörd!")


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "correct horse", "Username is required."),
        ("   ", "correct horse", "Username is required."),
        ("x" * 41, "correct horse", "Username must be at most 40 characters."),
        ("alice", "", "Password is required."),
        ("alice", "short", "Password must be at least 8 characters."),
    ],
)
def test_register_validation(
    app: Flask, client: FlaskClient, username: str, password: str, message: str
) -> None:
    response = register(client, username, password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows(app, "SELECT * FROM user") == []


def test_register_duplicate_username(app: Flask, client: FlaskClient) -> None:
    assert register(client, "alice").status_code == 302
    response = register(client, "alice", "another password")
    assert response.status_code == 400
    assert "User alice is already registered." in response.get_data(as_text=True)
    assert len(rows(app, "SELECT * FROM user")) == 1


def test_login_and_logout(client: FlaskClient) -> None:
    register(client)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["user_id"] == 1
    html = client.get("/").get_data(as_text=True)
    assert "Welcome back, alice!" in html
    assert "Signed in as <strong>alice</strong>" in html

    response = post(client, "/auth/logout", form_page="/")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "user_id" not in session
    html = client.get("/").get_data(as_text=True)
    assert "You have been logged out." in html and "Signed in as" not in html


def test_logout_is_post_only(client: FlaskClient) -> None:
    assert client.get("/auth/logout").status_code == 405


@pytest.mark.parametrize(
    ("username", "password"), [("nobody", "correct horse"), ("alice", "wrong one")]
)
def test_login_refused(client: FlaskClient, username: str, password: str) -> None:
    register(client)
    response = login(client, username, password)
    assert response.status_code == 400
    assert "Incorrect username or password." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_login_required(app: Flask, client: FlaskClient) -> None:
    response = client.get("/create")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "Please log in first." in client.get("/auth/login").get_data(as_text=True)
    author = logged_in(app)
    post_id = write(author)
    for url in ("/create", f"/{post_id}/update", f"/{post_id}/delete"):
        response = post(client, url, form_page="/auth/login", title="sneaky", body="")
        assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert [r["title"] for r in rows(app, "SELECT title FROM post")] == ["First post"]


# -- posts ---------------------------------------------------------------------------------


def test_create_list_edit_delete(app: Flask) -> None:
    client = logged_in(app)
    assert 'href="/create"' in client.get("/").get_data(as_text=True)
    assert client.get("/create").status_code == 200

    post_id = write(client, "First post", "Line one\nline two")
    html = client.get("/").get_data(as_text=True)
    assert "Your post is published." in html
    assert "<h2>First post</h2>" in html and "by alice on " in html
    assert f'href="/{post_id}/update"' in html

    assert client.get(f"/{post_id}/update").status_code == 200
    response = post(client, f"/{post_id}/update", title="Renamed", body="New body")
    assert response.status_code == 302
    assert [tuple(r) for r in rows(app, "SELECT title, body FROM post")] == [
        ("Renamed", "New body")
    ]
    assert "Your changes are saved." in client.get("/").get_data(as_text=True)

    response = post(client, f"/{post_id}/delete", form_page=f"/{post_id}/update")
    assert response.status_code == 302
    assert rows(app, "SELECT * FROM post") == []
    html = client.get("/").get_data(as_text=True)
    assert "The post is deleted." in html and "No posts yet." in html


def test_posts_are_listed_newest_first_and_escaped(app: Flask) -> None:
    client = logged_in(app)
    write(client, "Older", "one")
    write(client, "<script>alert(1)</script>", "two")
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert html.index("&lt;script&gt;") < html.index("Older")


@pytest.mark.parametrize(
    ("title", "message"), [("", "Title is required."), ("t" * 201, "at most 200")]
)
def test_post_validation(app: Flask, title: str, message: str) -> None:
    client = logged_in(app)
    response = post(client, "/create", title=title, body="text")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    post_id = write(client)
    response = post(client, f"/{post_id}/update", title=title, body="changed")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert [tuple(r) for r in rows(app, "SELECT title, body FROM post")] == [
        ("First post", "Hello.")
    ]


def test_only_the_author_may_edit_or_delete(app: Flask) -> None:
    post_id = write(logged_in(app, "alice"))
    bob = logged_in(app, "bob")
    assert f'href="/{post_id}/update"' not in bob.get("/").get_data(as_text=True)

    response = bob.get(f"/{post_id}/update")
    assert response.status_code == 403
    assert "Only its author may change this post." in response.get_data(as_text=True)
    response = post(bob, f"/{post_id}/update", form_page="/", title="Mine now", body="")
    assert response.status_code == 403
    response = post(bob, f"/{post_id}/delete", form_page="/")
    assert response.status_code == 403
    assert [r["title"] for r in rows(app, "SELECT title FROM post")] == ["First post"]


def test_missing_post_is_404(app: Flask) -> None:
    client = logged_in(app)
    for response in (
        client.get("/99/update"),
        post(client, "/99/update", form_page="/", title="x", body=""),
        post(client, "/99/delete", form_page="/"),
    ):
        assert response.status_code == 404
        assert "There is no post 99." in response.get_data(as_text=True)


def test_custom_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<title>Not Found · Hipflask Blog</title>" in html
    assert 'class="error-code">404<' in html and "Back to the front page" in html


# -- CSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/auth/register", "/auth/login", "/", "/create", "/1/update"])
def test_every_form_has_the_token(app: Flask, page: str) -> None:
    client = logged_in(app)
    write(client)
    if page.startswith("/auth/"):
        client = app.test_client()
    html = client.get(page).get_data(as_text=True)
    forms = html.count("<form")
    assert forms >= 1
    assert len(TOKEN_RE.findall(html)) == forms
    with client.session_transaction() as session:
        assert set(TOKEN_RE.findall(html)) == {session["csrf_token"]}


@pytest.mark.parametrize(
    ("token_value", "reason"),
    [(None, "CSRF token is missing"), ("", "CSRF token is missing"), ("forged", "does not match")],
)
def test_csrf_refused(app: Flask, token_value: str | None, reason: str) -> None:
    client = logged_in(app)
    client.get("/create")  # the session now holds a token
    data = {"title": "Forged", "body": "by another site"}
    if token_value is not None:
        data["csrf_token"] = token_value
    for url in ("/create", "/auth/logout"):
        response = client.post(url, data=data)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert reason in html and "Signed in as <strong>alice</strong>" in html
    assert rows(app, "SELECT * FROM post") == []


def test_no_csrf_check_where_no_view_runs(client: FlaskClient) -> None:
    assert client.post("/no/such/page").status_code == 404
    assert client.post("/").status_code == 405


def test_csrf_refused_without_a_session_token(app: Flask, client: FlaskClient) -> None:
    # A token from someone else's session is worthless in a session that has none.
    other_token = token(app.test_client())
    response = client.post(
        "/auth/register",
        data={"username": "mallory", "password": "long enough", "csrf_token": other_token},
    )
    assert response.status_code == 400
    assert "Your session has no CSRF token" in response.get_data(as_text=True)
    assert rows(app, "SELECT * FROM user") == []


# -- database and configuration ------------------------------------------------------------


def test_schema_is_created_on_first_start(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "blog.sqlite"
    database.parent.mkdir()
    config = {"TESTING": True, "DATABASE": str(database)}
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    assert database.exists()
    assert {r["name"] for r in rows(app, "SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "user",
        "post",
    }
    write(logged_in(app))
    # A second start (or the reloader's restart) keeps the data.
    again = create_app(config, instance_path=str(tmp_path / "instance"))
    assert len(rows(again, "SELECT * FROM post")) == 1


def test_default_database_lives_in_the_instance_folder(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    app = create_app(instance_path=str(instance))
    assert app.config["DATABASE"] == str(instance / "blog.sqlite")
    assert (instance / "blog.sqlite").exists()
    assert app.config["SECRET_KEY"] == "dev"


def test_instance_config_overrides_the_defaults(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        f"SECRET_KEY = 'from instance'\nDATABASE = {str(tmp_path / 'other.sqlite')!r}\n"
    )
    app = create_app(instance_path=str(instance))
    assert app.config["SECRET_KEY"] == "from instance"
    assert (tmp_path / "other.sqlite").exists()
    assert not (instance / "blog.sqlite").exists()


def test_init_db_command(app: Flask) -> None:
    write(logged_in(app))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"Initialized the database at {app.config['DATABASE']}." in result.output
    assert rows(app, "SELECT * FROM user") == [] and rows(app, "SELECT * FROM post") == []
    assert "init-db" in app.test_cli_runner().invoke(args=["--help"]).output


def test_the_blog_imports_hipflask_only() -> None:
    imported = set()
    for source in (BLOG_DIR / "blog").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert "hipflask" in imported
    assert not imported & {"flask", "werkzeug", "jinja2", "markupsafe"}
    assert imported - set(sys.stdlib_module_names) == {"hipflask", "click"}
