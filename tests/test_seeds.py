"""Every code example of the product pages (the Flask quickstart in English, Russian, Chinese
and Uzbek, /work/shared/seeds/) that can run in-process, run on Flask and on hipflask alike.

The examples are copied as the pages give them; where a page leaves a name undefined
(``do_the_login()``, ``get_current_user()``, a template's contents, ``...``) the smallest stub
that makes the example run is added, marked "stub". Each app is checked twice: the documented
result where the page states one, and the differential comparison with the real Flask through
the harness in tests/differential/conftest.py (test client and raw WSGI).
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _harness() -> ModuleType:
    """The differential harness (tests/differential/conftest.py), loaded once."""
    loaded = sys.modules.get("hipflask_difftools")
    if loaded is not None:
        return loaded
    path = Path(__file__).parent / "differential" / "conftest.py"
    spec = importlib.util.spec_from_file_location("hipflask_difftools", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hipflask_difftools"] = module
    spec.loader.exec_module(module)
    return module


H = _harness()
Req = H.Req
FW = Any

TEMPLATES = {
    # the seeds' example template, verbatim
    "hello.html": (
        "<!doctype html>\n<title>Hello from Flask</title>\n{% if name %}\n"
        "  <h1>Hello {{ name }}!</h1>\n{% else %}\n  <h1>Hello, World!</h1>\n{% endif %}\n"
    ),
    # stubs for templates the pages name without showing
    "login.html": "{% if error %}<p class=error>{{ error }}</p>{% endif %}<form>login</form>",
    "page_not_found.html": "<h1>Page not found: {{ request.path }}</h1>",
    "error.html": "<h1>Error page</h1>",
    "index.html": "<p>index for {{ request.cookies.get('username', 'nobody') }}</p>",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seedsite")
    (root / "templates").mkdir()
    for name, text in TEMPLATES.items():
        (root / "templates" / name).write_text(text)
    (root / "static").mkdir()
    (root / "static" / "style.css").write_text("body { color: black }")
    (root / "uploads").mkdir()
    return root


@pytest.fixture
def diff() -> Any:
    return H.Differ(H.make_oracle(), H.make_candidate())


def new_app(fw: FW, site: Path | None = None) -> Any:
    if site is None:
        return fw.Flask(__name__)
    return fw.Flask(
        __name__,
        root_path=str(site),
        template_folder=str(site / "templates"),
        static_folder=str(site / "static"),
    )


# ------------------------------------------------------------------ A Minimal Application


def test_minimal_application(diff: Any) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/")
        def hello_world() -> str:
            return "<p>Hello, World!</p>"

        return app

    diff.check(build, [Req("GET", "/", expect=200), Req("GET", "/other", expect=404)])
    resp = build(diff.candidate).test_client().get("/")
    assert (resp.data, resp.mimetype) == (b"<p>Hello, World!</p>", "text/html")


def test_minimal_application_old_style(diff: Any) -> None:
    """The Chinese page's version (with ``app.run()`` under ``__main__``, not run here)."""

    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/")
        def hello_world() -> str:
            return "Hello World!"

        return app

    diff.check(build, [Req("GET", "/", expect=200)])


def test_russian_mini_flask(diff: Any) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/")
        def index() -> str:
            return """<html><body>
        <h1>Главная страница.</h1>
        <h3><a href="/hello/">Страница приветствия...</a></h3>
    </body></html>"""

        @app.route("/hello/")
        def hello() -> str:
            return """<html><body>
        <h1>Привет Flask!</h1>
        <h3><a href="/"><= назад</a></h3>
    </body></html>"""

        return app

    diff.check(
        build,
        [
            Req("GET", "/", expect=200),
            Req("GET", "/hello", expect=308),
            Req("GET", "/hello/", expect=200),
        ],
    )
    with build(diff.candidate).test_request_context():
        assert diff.candidate.url_for("hello") == "/hello/"


def test_debug_attribute(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        before = app.debug
        app.debug = True
        return before, app.debug, app.config["DEBUG"]

    assert diff.same(probe) == (False, True, True)


# ----------------------------------------------------------------------------- HTML Escaping


def test_html_escaping(diff: Any) -> None:
    def build(fw: FW) -> Any:
        from markupsafe import escape

        app = fw.Flask(__name__)

        @app.route("/<name>")
        def hello(name: str) -> str:
            return f"Hello, {escape(name)}!"

        return app

    bad = "/%3Cscript%3Ealert(%22bad%22)%3C%2Fscript%3E"
    diff.check(build, [Req("GET", "/world", expect=200), Req("GET", bad, expect=404)])
    # the page's point: the script comes back as text (a "/" in a name needs a path rule)
    resp = build(diff.candidate).test_client().get("/%3Cscript%3Ealert(%22bad%22)")
    assert resp.data == b"Hello, &lt;script&gt;alert(&#34;bad&#34;)!"


# ---------------------------------------------------------------------------------- Routing


def build_routing(fw: FW) -> Any:
    from markupsafe import escape

    app = fw.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "Index Page"

    @app.route("/hello")
    def hello() -> str:
        return "Hello, World"

    @app.route("/user/<username>")
    def show_user_profile(username: str) -> str:
        # show the user profile for that user
        return f"User {escape(username)}"

    @app.route("/post/<int:post_id>")
    def show_post(post_id: int) -> str:
        # show the post with the given id, the id is an integer
        return f"Post {post_id}"

    @app.route("/path/<path:subpath>")
    def show_subpath(subpath: str) -> str:
        # show the subpath after /path/
        return f"Subpath {escape(subpath)}"

    @app.route("/projects/")
    def projects() -> str:
        return "The project page"

    @app.route("/about")
    def about() -> str:
        return "The about page"

    return app


def test_routing_and_variable_rules(diff: Any) -> None:
    diff.check(
        build_routing,
        [
            Req("GET", "/", expect=200),
            Req("GET", "/hello", expect=200),
            Req("GET", "/user/%3Cb%3EJohn", expect=200),
            Req("GET", "/post/42", expect=200),
            Req("GET", "/post/abc", expect=404),
            Req("GET", "/path/a/b/c", expect=200),
            Req("GET", "/projects/", expect=200),
            Req("GET", "/projects", expect=308),
            Req("GET", "/about", expect=200),
            Req("GET", "/about/", expect=404),
        ],
    )
    client = build_routing(diff.candidate).test_client()
    assert client.get("/user/<b>John").data == b"User &lt;b&gt;John"
    assert client.get("/post/42").data == b"Post 42"
    assert client.get("/path/a/b/c").data == b"Subpath a/b/c"
    redirect = client.get("/projects")
    assert redirect.status_code == 308
    assert redirect.headers["Location"].endswith("/projects/")
    assert client.get("/about/").status_code == 404


def test_old_style_variable_rules(diff: Any) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/user/<username>")
        def show_user_profile(username: str) -> str:
            return "User %s" % username  # noqa: UP031 - as the page writes it

        @app.route("/post/<int:post_id>")
        def show_post(post_id: int) -> str:
            return "Post %d" % post_id  # noqa: UP031

        return app

    diff.check(build, [Req("GET", "/user/ann", expect=200), Req("GET", "/post/7", expect=200)])


# ----------------------------------------------------------------------------- URL Building


def test_url_building(diff: Any, capsys: pytest.CaptureFixture[str]) -> None:
    def probe(fw: FW) -> Any:
        url_for = fw.url_for
        app = fw.Flask(__name__)

        @app.route("/")
        def index() -> str:
            return "index"

        @app.route("/login")
        def login() -> str:
            return "login"

        @app.route("/user/<username>")
        def profile(username: str) -> str:
            return f"{username}'s profile"

        with app.test_request_context():
            print(url_for("index"))
            print(url_for("login"))
            print(url_for("login", next="/"))
            print(url_for("profile", username="John Doe"))
        return capsys.readouterr().out

    assert diff.same(probe) == "/\n/login\n/login?next=/\n/user/John%20Doe\n"


def test_url_building_russian(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/")
        def index() -> None:
            pass

        @app.route("/login")
        def login() -> None:
            pass

        @app.route("/user/<username>")
        def profile(username: str) -> None:
            pass

        with app.test_request_context():
            return [
                fw.url_for("index"),
                fw.url_for("login"),
                fw.url_for("login", next="then"),
                fw.url_for("profile", username="admin"),
            ]

    assert diff.same(probe) == ["/", "/login", "/login?next=then", "/user/admin"]


def test_views_returning_none_fail_like_flask(diff: Any) -> None:
    """The Russian page's ``def index(): pass`` views, requested: a TypeError, so a 500."""

    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/")
        def index() -> None:
            pass

        return app

    diff.check(build, [Req("GET", "/", expect=500)])


# ----------------------------------------------------------------------------- HTTP Methods


def do_the_login() -> str:  # stub
    return "logged in"


def show_the_login_form() -> str:  # stub
    return "<form method=post></form>"


def test_http_methods(diff: Any) -> None:
    def build(fw: FW) -> Any:
        request = fw.request
        app = fw.Flask(__name__)

        @app.route("/login", methods=["GET", "POST"])
        def login() -> str:
            if request.method == "POST":
                return do_the_login()
            else:
                return show_the_login_form()

        return app

    reqs = [Req(m, "/login") for m in ("GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE")]
    diff.check(build, reqs)
    client = build(diff.candidate).test_client()
    assert client.get("/login").data == b"<form method=post></form>"
    assert client.post("/login").data == b"logged in"
    head = client.head("/login")
    assert (head.data, head.headers["Content-Length"]) == (b"", "25")
    assert set(client.options("/login").headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
    }


def test_http_methods_separate_views(diff: Any) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.get("/login")
        def login_get() -> str:
            return show_the_login_form()

        @app.post("/login")
        def login_post() -> str:
            return do_the_login()

        return app

    diff.check(build, [Req(m, "/login") for m in ("GET", "POST", "HEAD", "OPTIONS", "PUT")])


def test_http_methods_russian_without_return(diff: Any) -> None:
    """The Russian page's variant calls the helpers without returning: a 500 on both."""

    def build(fw: FW) -> Any:
        request = fw.request
        app = fw.Flask(__name__)

        @app.route("/login", methods=["GET", "POST"])
        def login() -> None:
            if request.method == "POST":
                do_the_login()
            else:
                show_the_login_form()

        return app

    diff.check(build, [Req("GET", "/login", expect=500), Req("POST", "/login", expect=500)])


# -------------------------------------------------------------------- Static Files, Templates


def test_static_files(diff: Any, site: Path) -> None:
    def probe(fw: FW) -> Any:
        app = new_app(fw, site)
        with app.test_request_context():
            return fw.url_for("static", filename="style.css")

    assert diff.same(probe) == "/static/style.css"

    def build(fw: FW) -> Any:
        return new_app(fw, site)

    diff.check(
        build,
        [
            Req("GET", "/static/style.css", expect=200, body="exact"),
            Req("GET", "/static/missing.css", expect=404),
            Req("GET", "/static/../templates/hello.html", expect=404, modes=("wsgi",)),
        ],
        headers=["Cache-Control"],
    )


def test_rendering_templates(diff: Any, site: Path) -> None:
    def build(fw: FW) -> Any:
        render_template = fw.render_template
        app = new_app(fw, site)

        @app.route("/hello/")
        @app.route("/hello/<name>")
        def hello(name: str | None = None) -> str:
            return render_template("hello.html", name=name)

        return app

    diff.check(
        build,
        [
            Req("GET", "/hello/", expect=200),
            Req("GET", "/hello/Ann", expect=200),
            Req("GET", "/hello/%3Cb%3E", expect=200),
        ],
    )
    client = build(diff.candidate).test_client()
    assert b"<h1>Hello, World!</h1>" in client.get("/hello/").data
    assert b"<h1>Hello &lt;b&gt;!</h1>" in client.get("/hello/%3Cb%3E").data


def test_markup_examples(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        from markupsafe import Markup

        return [
            Markup("<strong>Hello %s!</strong>") % "<blink>hacker</blink>",
            Markup.escape("<blink>hacker</blink>"),
            Markup("<em>Marked up</em> &raquo; HTML").striptags(),
            # the old pages import it from the framework
            fw.Markup("<strong>Hello %s!</strong>") % "<blink>hacker</blink>",
        ]

    result = diff.same(probe)
    assert result[0] == "<strong>Hello &lt;blink&gt;hacker&lt;/blink&gt;!</strong>"
    assert result[1] == "&lt;blink&gt;hacker&lt;/blink&gt;"
    assert result[2] == "Marked up \xbb HTML"


# --------------------------------------------------------------------------- Context Locals


def test_context_locals(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        request = fw.request
        app = fw.Flask(__name__)

        with app.test_request_context("/hello", method="POST"):
            # now you can do something with the request until the
            # end of the with block, such as basic assertions:
            assert request.path == "/hello"
            assert request.method == "POST"

        environ = H.make_environ("POST", "/hello")  # stub: a server's environ
        with app.request_context(environ):
            assert request.method == "POST"
        return "ok"

    assert diff.same(probe) == "ok"


# ------------------------------------------------------------------------ The Request Object


def valid_login(username: str, password: str) -> bool:  # stub
    return (username, password) == ("admin", "secret")


def log_the_user_in(username: str) -> str:  # stub
    return f"welcome {username}"


def test_request_object_login(diff: Any, site: Path) -> None:
    def build(fw: FW) -> Any:
        request, render_template = fw.request, fw.render_template
        app = new_app(fw, site)

        @app.route("/login", methods=["POST", "GET"])
        def login() -> str:
            error = None
            if request.method == "POST":
                if valid_login(request.form["username"], request.form["password"]):
                    return log_the_user_in(request.form["username"])
                else:
                    error = "Invalid username/password"
            # the code below is executed if the request method
            # was GET or the credentials were invalid
            return render_template("login.html", error=error)

        @app.route("/search")
        def search() -> str:
            searchword = request.args.get("key", "")
            return f"searching {searchword!r}"

        @app.route("/search-q")
        def search_q() -> str:
            searchword = request.args.get("q", "")
            return f"searching {searchword!r}"

        return app

    diff.check(
        build,
        [
            Req("GET", "/login", expect=200),
            Req("POST", "/login", form={"username": "admin", "password": "secret"}, expect=200),
            Req("POST", "/login", form={"username": "admin", "password": "wrong"}, expect=200),
            Req("POST", "/login", form={"username": "admin"}, expect=400),
            Req("GET", "/search?key=flask", expect=200),
            Req("GET", "/search", expect=200),
            Req("GET", "/search-q?q=x+y", expect=200),
        ],
    )


def test_old_login_form_check(diff: Any, site: Path) -> None:
    """The Chinese page's variant tests a tuple (always true)."""

    def build(fw: FW) -> Any:
        request, render_template = fw.request, fw.render_template
        app = new_app(fw, site)

        @app.route("/login", methods=["POST", "GET"])
        def login() -> str:
            error = None
            if request.method == "POST":
                if (request.form["username"], request.form["password"]):  # noqa: F634
                    return log_the_user_in(request.form["username"])
                else:
                    error = "Invalid username/password"
            return render_template("login.html", error=error)

        return app

    diff.check(
        build,
        [
            Req("POST", "/login", form={"username": "u", "password": "p"}, expect=200),
            Req("POST", "/login", form={"password": "p"}, expect=400),
        ],
    )


# ----------------------------------------------------------------------------- File Uploads


def test_file_uploads(diff: Any, site: Path) -> None:
    def build(fw: FW) -> Any:
        request = fw.request
        secure_filename = fw.utils.secure_filename
        app = new_app(fw, site)
        uploads = site / "uploads" / fw.label

        @app.route("/upload", methods=["GET", "POST"])
        def upload_file() -> str:
            if request.method == "POST":
                f = request.files["the_file"]
                uploads.mkdir(exist_ok=True)
                f.save(str(uploads / "uploaded_file.txt"))
            return "ok"  # stub for the page's "..."

        @app.route("/upload-secure", methods=["GET", "POST"])
        def upload_secure() -> str:
            if request.method == "POST":
                file = request.files["the_file"]
                uploads.mkdir(exist_ok=True)
                file.save(f"{uploads}/{secure_filename(file.filename)}")
            return "ok"

        return app

    def upload(path: str, filename: str, data: bytes) -> Any:
        return Req(
            "POST",
            path,
            client={"data": H.Fresh(lambda: {"the_file": (io.BytesIO(data), filename)})},
            modes=("client",),
            expect=200,
        )

    diff.check(
        build,
        [
            Req("GET", "/upload", expect=200),
            upload("/upload", "a.txt", b"hello file"),
            upload("/upload-secure", "../../etc/passwd", b"evil"),
            Req("POST", "/upload", form={"x": "1"}, expect=400),
        ],
    )
    for label in ("flask", diff.candidate.label):
        folder = site / "uploads" / label
        assert (folder / "uploaded_file.txt").read_bytes() == b"hello file"
        assert (folder / "etc_passwd").read_bytes() == b"evil"


# ---------------------------------------------------------------------------------- Cookies


def test_cookies(diff: Any, site: Path) -> None:
    def build(fw: FW) -> Any:
        request, make_response = fw.request, fw.make_response
        render_template = fw.render_template
        app = new_app(fw, site)

        @app.route("/")
        def index() -> str:
            username = request.cookies.get("username")
            # use cookies.get(key) instead of cookies[key] to not get a
            # KeyError if the cookie is missing.
            return f"username={username}"  # stub: the page's view stops here

        @app.route("/store")
        def store() -> Any:
            resp = make_response(render_template("index.html"))  # stub template for "..."
            resp.set_cookie("username", "the username")
            return resp

        return app

    diff.check(
        build,
        [
            Req("GET", "/", expect=200),
            Req("GET", "/store", expect=200),
            Req("GET", "/", expect=200),  # the cookie comes back (jar in both modes)
            Req("GET", "/store", expect=200),
        ],
    )
    client = build(diff.candidate).test_client()
    client.get("/store")
    assert client.get("/").data == b"username=the username"


# --------------------------------------------------------------------- Redirects and Errors


def test_redirects_and_errors(diff: Any, site: Path) -> None:
    def build(fw: FW) -> Any:
        abort, redirect, url_for = fw.abort, fw.redirect, fw.url_for
        render_template = fw.render_template
        app = new_app(fw, site)

        @app.route("/")
        def index() -> Any:
            return redirect(url_for("login"))

        @app.route("/login")
        def login() -> Any:
            abort(401)
            this_is_never_executed()  # type: ignore[name-defined]  # noqa: F821

        @app.errorhandler(404)
        def page_not_found(error: Any) -> Any:
            return render_template("page_not_found.html"), 404

        return app

    diff.check(
        build,
        [
            Req("GET", "/", expect=302),
            Req("GET", "/login", expect=401),
            Req("GET", "/", client={"follow_redirects": True}, modes=("client",), expect=401),
            Req("GET", "/missing", expect=404),
        ],
    )
    resp = build(diff.candidate).test_client().get("/")
    assert (resp.status_code, resp.headers["Location"]) == (302, "/login")


# -------------------------------------------------------------------------- About Responses


def test_about_responses(diff: Any, site: Path) -> None:
    def build_plain(fw: FW) -> Any:
        render_template = fw.render_template
        app = new_app(fw, site)

        @app.errorhandler(404)
        def not_found(error: Any) -> Any:
            return render_template("error.html"), 404

        return app

    def build_wrapped(fw: FW) -> Any:
        render_template, make_response = fw.render_template, fw.make_response
        app = new_app(fw, site)

        @app.errorhandler(404)
        def not_found(error: Any) -> Any:
            resp = make_response(render_template("error.html"), 404)
            resp.headers["X-Something"] = "A value"
            return resp

        return app

    diff.check(build_plain, [Req("GET", "/x", expect=404)])
    diff.check(build_wrapped, [Req("GET", "/x", expect=404), Req("HEAD", "/x", expect=404)])
    resp = build_wrapped(diff.candidate).test_client().get("/x")
    assert (resp.data, resp.headers["X-Something"]) == (b"<h1>Error page</h1>", "A value")


class User:  # stub for the JSON API examples
    username = "ann"
    theme = "dark"
    image = "ann.png"

    def to_json(self) -> dict[str, str]:
        return {"username": self.username, "theme": self.theme}


def get_current_user() -> User:  # stub
    return User()


def get_all_users() -> list[User]:  # stub
    return [User(), User()]


def test_apis_with_json(diff: Any) -> None:
    def build(fw: FW) -> Any:
        url_for, jsonify = fw.url_for, fw.jsonify
        app = fw.Flask(__name__)

        @app.route("/img/<filename>")  # stub: the endpoint the example links to
        def user_image(filename: str) -> str:
            return filename

        @app.route("/me")
        def me_api() -> Any:
            user = get_current_user()
            return {
                "username": user.username,
                "theme": user.theme,
                "image": url_for("user_image", filename=user.image),
            }

        @app.route("/users")
        def users_api() -> Any:
            users = get_all_users()
            return jsonify([user.to_json() for user in users])

        @app.route("/users-list")  # the Uzbek page returns the list itself
        def users_api_list() -> Any:
            users = get_all_users()
            return [user.to_json() for user in users]

        return app

    diff.check(
        build,
        [
            Req("GET", "/me", expect=200),
            Req("GET", "/users", expect=200),
            Req("GET", "/users-list", expect=200),
        ],
    )
    resp = build(diff.candidate).test_client().get("/me")
    assert resp.get_json() == {"username": "ann", "theme": "dark", "image": "/img/ann.png"}
    assert resp.mimetype == "application/json"


# --------------------------------------------------------------------------------- Sessions


def build_sessions(fw: FW, secret: Any, old_style: bool) -> Any:
    session, redirect, url_for, request = fw.session, fw.redirect, fw.url_for, fw.request
    escape = fw.escape
    app = fw.Flask(__name__)
    app.secret_key = secret

    @app.route("/")
    def index() -> str:
        if "username" in session:
            if old_style:
                return "Logged in as %s" % escape(session["username"])  # noqa: UP031
            return f"Logged in as {session['username']}"
        return "You are not logged in"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            session["username"] = request.form["username"]
            return redirect(url_for("index"))
        return """
        <form method="post">
            <p><input type=text name=username>
            <p><input type=submit value=Login>
        </form>
    """

    @app.route("/logout")
    def logout() -> Any:
        # remove the username from the session if it's there
        session.pop("username", None)
        return redirect(url_for("index"))

    return app


SESSION_FLOW = [
    Req("GET", "/", expect=200),
    Req("GET", "/login", expect=200),
    Req("POST", "/login", form={"username": "<b>ann</b>"}, expect=302),
    Req("GET", "/", expect=200),
    Req("GET", "/logout", expect=302),
    Req("GET", "/", expect=200),
    Req("POST", "/login", form={}, expect=400),
]


@pytest.mark.parametrize(
    ("secret", "old_style"),
    [
        (b'_5#y2L"F4Q8z\n\xec]/', False),
        (b"\xbc\xf6\x8aTP\xba\xe7\xf8*\xcc\xa7\xbe\xb2S\xd5\x83", True),
        ("A0Zr98j/3yX R~XHH!jmN]LWX/,?RT", True),
    ],
)
def test_sessions(diff: Any, secret: Any, old_style: bool) -> None:
    # the signed cookie's bytes differ by timestamp: compare its attributes, not its value
    def build(fw: FW) -> Any:
        return build_sessions(fw, secret, old_style)

    diff.check(build, SESSION_FLOW, cookie_values=False)

    client = build(diff.candidate).test_client()
    assert client.get("/").data == b"You are not logged in"
    client.post("/login", data={"username": "<b>ann</b>"})
    expected = b"Logged in as &lt;b&gt;ann&lt;/b&gt;" if old_style else b"Logged in as <b>ann</b>"
    assert client.get("/").data == expected
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.path == "/"
    client.get("/logout")
    assert client.get("/").data == b"You are not logged in"


def test_session_cookie_attributes_match_flask(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        client = build_sessions(fw, "key", False).test_client()
        resp = client.post("/login", data={"username": "ann"})
        cookie = H.parse_set_cookie(resp.headers["Set-Cookie"])
        logout = client.get("/logout")
        gone = H.parse_set_cookie(logout.headers["Set-Cookie"])
        return (
            cookie["name"],
            sorted(cookie["attrs"].items()),
            gone["value"],
            sorted((k, str(v)) for k, v in gone["attrs"].items()),
            resp.headers.get("Vary"),
        )

    diff.same(probe)


def test_session_cookie_is_tamper_proof(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        client = build_sessions(fw, "key", False).test_client()
        client.post("/login", data={"username": "ann"})
        value = client.get_cookie("session").value
        forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
        client.set_cookie("session", forged)
        return client.get("/").data

    assert diff.same(probe) == b"You are not logged in"


# ---------------------------------------------------------------------------------- Logging


def test_logging_calls(diff: Any) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        app.logger.debug("A value for debugging")
        app.logger.warning("A warning occurred (%d apples)", 42)
        app.logger.error("An error occurred")
        return app.logger.name

    diff.same(probe)


def test_logging_in_a_view(diff: Any, caplog: pytest.LogCaptureFixture) -> None:
    class FakeUser:  # stub for get_user / check_password / login_user
        def __init__(self, username: str) -> None:
            self.username = username

        def check_password(self, password: str) -> bool:
            return password == "pw"

    def build(fw: FW) -> Any:
        request, redirect, url_for, abort = fw.request, fw.redirect, fw.url_for, fw.abort
        app = fw.Flask(__name__)

        @app.route("/")
        def index() -> str:
            return "index"

        @app.route("/login", methods=["POST"])
        def login() -> Any:
            user = FakeUser(request.form["username"])
            if user.check_password(request.form["password"]):
                app.logger.info("%s успешно вошел в систему", user.username)
                return redirect(url_for("index"))
            else:
                app.logger.info("%s не удалось войти в систему", user.username)
                abort(401)

        return app

    caplog.set_level("INFO")
    diff.check(
        build,
        [
            Req("POST", "/login", form={"username": "u", "password": "pw"}, expect=302),
            Req("POST", "/login", form={"username": "u", "password": "no"}, expect=401),
        ],
    )
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("u успешно вошел в систему") == 4  # 2 modes x 2 frameworks
    assert messages.count("u не удалось войти в систему") == 4


# ------------------------------------------------------------------------ WSGI Middleware


def test_hooking_in_wsgi_middleware(diff: Any) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/")
        def index() -> Any:
            return {"remote": fw.request.remote_addr, "scheme": fw.request.scheme}

        app.wsgi_app = fw.ProxyFix(app.wsgi_app)
        return app

    diff.check(
        build,
        [
            Req("GET", "/", expect=200),
            Req(
                "GET",
                "/",
                headers=[("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https")],
                expect=200,
            ),
        ],
    )
    app = build(diff.candidate)
    assert isinstance(app, diff.candidate.Flask)
    resp = app.test_client().get("/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.get_json()["remote"] == "203.0.113.9"


def test_old_framework_imports(diff: Any) -> None:
    """``from flask import Flask, session, redirect, url_for, escape, request`` (old pages)."""

    def probe(fw: FW) -> Any:
        names = ["Flask", "session", "redirect", "url_for", "escape", "request", "Markup"]
        return [getattr(fw, n) is not None for n in names]

    assert all(diff.same(probe))
    from hipflask import Flask, Markup, escape, redirect, request, session, url_for  # noqa: F401
