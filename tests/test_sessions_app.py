"""Sessions through real hipflask apps and the test client: cookies, Vary, lifetimes, errors."""

from __future__ import annotations

import logging
import secrets
import time
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from hipflask import Flask, redirect, render_template_string, request, session, url_for
from hipflask.globals import request_ctx
from hipflask.sessions import (
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)

SEED_KEY = b'_5#y2L"F4Q8z\n\xec]/'


def signed(data: Any, key: str | bytes = SEED_KEY, age: int = 0) -> str:
    """A session cookie value, ``age`` seconds old, as Flask would sign it."""

    class AgedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer=AgedSigner,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    ).dumps(data)


def unsign(value: str, key: str | bytes = SEED_KEY) -> Any:
    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    ).loads(value)


def set_cookies(response: Any) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def vary_tokens(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def seed_app() -> Flask:
    """The quickstart's session example, verbatim apart from the import."""
    app = Flask(__name__)
    app.secret_key = SEED_KEY

    @app.route("/")
    def index() -> str:
        if "username" in session:
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
        session.pop("username", None)
        return redirect(url_for("index"))

    return app


@pytest.fixture()
def app() -> Flask:
    return seed_app()


# --- the seeds' flow ----------------------------------------------------------------------


def test_login_logout_flow(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/")
    assert first.text == "You are not logged in"
    assert set_cookies(first) == []
    assert "cookie" in vary_tokens(first)  # the page depends on the (absent) session

    login = client.post("/login", data={"username": "ann <admin>"})
    assert login.status_code == 302
    (cookie,) = set_cookies(login)
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "Path=/" in cookie
    assert "Expires" not in cookie  # not permanent: a browser-session cookie
    assert "cookie" in vary_tokens(login)
    assert unsign(client.get_cookie("session").value) == {"username": "ann <admin>"}

    page = client.get("/")
    assert page.text == "Logged in as ann <admin>"
    assert set_cookies(page) == []  # unchanged, not permanent: nothing to resend
    assert "cookie" in vary_tokens(page)

    logout = client.get("/logout")
    (deleted,) = set_cookies(logout)
    assert deleted.startswith("session=;")
    assert "Max-Age=0" in deleted and "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in deleted
    assert "cookie" in vary_tokens(logout)
    assert client.get_cookie("session") is None
    assert client.get("/").text == "You are not logged in"


def test_login_with_follow_redirects(app: Flask) -> None:
    client = app.test_client()
    page = client.post("/login", data={"username": "bob"}, follow_redirects=True)
    assert page.text == "Logged in as bob"
    assert client.get("/logout", follow_redirects=True).text == "You are not logged in"


# --- Vary: Cookie on every read path --------------------------------------------------------

PROXY_READS: dict[str, Any] = {
    "in": lambda: "a" in session,
    "not-in": lambda: "zz" not in session,
    "len": lambda: len(session),
    "bool": lambda: bool(session),
    "get": lambda: session.get("a"),
    "getitem": lambda: session["a"],
    "iter": lambda: list(session),
    "keys": lambda: list(session.keys()),
    "values": lambda: list(session.values()),
    "items": lambda: list(session.items()),
    "dict": lambda: dict(session),
    "copy": lambda: session.copy(),
    "eq": lambda: session == {},
    "permanent": lambda: session.permanent,
    "modified-flag": lambda: session.modified,
    "template": lambda: render_template_string("{{ session.get('a') }}"),
    "template-in": lambda: render_template_string("{{ 'a' in session }}"),
}


@pytest.mark.parametrize("read", list(PROXY_READS.values()), ids=list(PROXY_READS))
@pytest.mark.parametrize("with_cookie", [True, False], ids=["cookie", "no-cookie"])
def test_any_read_adds_vary_cookie(read: Any, with_cookie: bool) -> None:
    app = Flask(__name__)
    app.secret_key = "k"

    @app.route("/")
    def index() -> str:
        try:
            read()
        except KeyError:  # session["a"] without a cookie
            return "ok"
        return "ok"

    client = app.test_client()
    if with_cookie:
        client.set_cookie("session", signed({"a": 1}, key="k"))
    response = client.get("/")
    assert response.status_code == 200
    assert vary_tokens(response) == {"cookie"}
    assert set_cookies(response) == []


def test_read_of_session_object_held_elsewhere_adds_vary() -> None:
    # The object, not only the proxy, tracks reads: a helper given the session object before
    # the view (here by a before_request hook through g) and read later still counts.
    app = Flask(__name__)
    app.secret_key = "k"
    holder: dict[str, SessionMixin] = {}

    @app.route("/")
    def index() -> str:
        obj = holder["s"]
        obj.accessed = False  # forget the proxy access that fetched it
        return str("a" in obj)

    @app.before_request
    def grab() -> None:
        holder["s"] = request_ctx.session

    response = app.test_client().get("/")
    assert response.text == "False"
    assert vary_tokens(response) == {"cookie"}


def test_template_not_using_session_adds_no_vary() -> None:
    app = Flask(__name__)
    app.secret_key = "k"

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ request.path }} {{ g }} {{ config.DEBUG }}")

    client = app.test_client()
    assert "Vary" not in client.get("/").headers
    client.set_cookie("session", signed({"a": 1}, key="k"))
    response = client.get("/")
    assert "Vary" not in response.headers and set_cookies(response) == []


def test_read_in_after_request_hook_adds_vary() -> None:
    app = Flask(__name__)
    app.secret_key = "k"

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.after_request
    def peek(response: Any) -> Any:
        response.headers["X-User"] = str(session.get("user"))
        return response

    response = app.test_client().get("/")
    assert response.headers["X-User"] == "None"
    assert vary_tokens(response) == {"cookie"}


def test_untouched_session_without_cookies_costs_nothing() -> None:
    calls: list[str] = []

    class Counting(SecureCookieSessionInterface):
        def open_session(self, app: Any, request: Any) -> Any:
            calls.append("open")
            return super().open_session(app, request)

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            calls.append("save")
            super().save_session(app, session, response)

    app = Flask(__name__)
    app.secret_key = "k"
    app.session_interface = Counting()

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    response = client.get("/")
    assert response.text == "ok"
    assert set_cookies(response) == []
    assert "Vary" not in response.headers
    assert calls == []

    # With a cookie the session is opened at the end (to refresh a permanent session) but,
    # untouched and not permanent, it still sends neither a cookie nor Vary.
    client.set_cookie("session", signed({"a": 1}, key="k"))
    response = client.get("/")
    assert calls == ["open", "save"]
    assert set_cookies(response) == []
    assert "Vary" not in response.headers

    # Any other cookie: the session is empty, nothing is sent either.
    calls.clear()
    client.delete_cookie("session")
    client.set_cookie("theme", "dark")
    response = client.get("/")
    assert set_cookies(response) == [] and "Vary" not in response.headers


# --- permanent sessions and refresh ---------------------------------------------------------


def permanent_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.secret_key = "k"
    app.config.update(config)

    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = "ann"
        return "in"

    @app.route("/quiet")
    def quiet() -> str:
        return "quiet"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    return app


def expires_of(set_cookie: str) -> datetime:
    for part in set_cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "expires":
            return datetime.strptime(value, "%a, %d %b %Y %H:%M:%S GMT").replace(
                tzinfo=timezone.utc
            )
    raise AssertionError(f"no Expires in {set_cookie!r}")


def test_permanent_session_has_expiry_and_is_refreshed() -> None:
    app = permanent_app(PERMANENT_SESSION_LIFETIME=timedelta(hours=2))
    client = app.test_client()
    (cookie,) = set_cookies(client.get("/login"))
    now = datetime.now(timezone.utc)
    assert abs((expires_of(cookie) - now) - timedelta(hours=2)) < timedelta(seconds=10)
    assert unsign(client.get_cookie("session").value, "k") == {"_permanent": True, "user": "ann"}

    # A request that never touches the session still slides the expiry, with Vary.
    refreshed = client.get("/quiet")
    (again,) = set_cookies(refreshed)
    assert abs((expires_of(again) - now) - timedelta(hours=2)) < timedelta(seconds=10)
    assert vary_tokens(refreshed) == {"cookie"}
    assert client.get("/whoami").text == "ann"


def test_lifetime_as_integer_seconds() -> None:
    app = permanent_app(PERMANENT_SESSION_LIFETIME=600)
    assert app.permanent_session_lifetime == timedelta(seconds=600)
    (cookie,) = set_cookies(app.test_client().get("/login"))
    delta = expires_of(cookie) - datetime.now(timezone.utc)
    assert timedelta(seconds=590) < delta <= timedelta(seconds=601)


def test_no_refresh_each_request() -> None:
    app = permanent_app(SESSION_REFRESH_EACH_REQUEST=False)
    client = app.test_client()
    assert len(set_cookies(client.get("/login"))) == 1
    quiet = client.get("/quiet")
    assert set_cookies(quiet) == []
    assert "Vary" not in quiet.headers
    assert set_cookies(client.get("/whoami")) == []
    assert set_cookies(client.get("/login")) != []  # modified: sent again


def test_expired_cookie_is_an_empty_session(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = permanent_app(PERMANENT_SESSION_LIFETIME=timedelta(minutes=5))
    client = app.test_client()
    client.set_cookie("session", signed({"user": "old", "_permanent": True}, "k", age=301))
    assert client.get("/whoami").text == "None"
    client.set_cookie("session", signed({"user": "fresh"}, "k", age=200))
    assert client.get("/whoami").text == "fresh"
    assert all(record.levelno <= logging.INFO for record in caplog.records)


# --- cookie attributes ----------------------------------------------------------------------


def attributes(set_cookie: str) -> dict[str, str | bool]:
    result: dict[str, str | bool] = {}
    for part in set_cookie.split(";")[1:]:
        name, eq, value = part.strip().partition("=")
        result[name.lower()] = value if eq else True
    return result


def test_cookie_attributes_from_config() -> None:
    app = permanent_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    (cookie,) = set_cookies(app.test_client().get("/login", base_url="https://example.test"))
    assert cookie.startswith("sid=")
    attrs = attributes(cookie)
    assert attrs["domain"] == "example.test"
    assert attrs["path"] == "/app"
    assert attrs["secure"] is True
    assert attrs["samesite"] == "Lax"
    assert attrs["partitioned"] is True
    assert "httponly" not in attrs
    assert "expires" in attrs


def test_cookie_path_defaults_to_application_root() -> None:
    app = permanent_app(APPLICATION_ROOT="/root")
    (cookie,) = set_cookies(app.test_client().get("/login"))
    assert attributes(cookie)["path"] == "/root"


def test_default_cookie_attributes() -> None:
    app = permanent_app()
    (cookie,) = set_cookies(app.test_client().get("/login"))
    attrs = attributes(cookie)
    assert attrs["path"] == "/" and attrs["httponly"] is True
    assert not {"domain", "secure", "samesite", "partitioned", "max-age"} & set(attrs)


def test_delete_uses_same_attributes() -> None:
    app = permanent_app(
        SESSION_COOKIE_DOMAIN="example.test", SESSION_COOKIE_PATH="/app", SESSION_COOKIE_SECURE=True
    )

    @app.route("/logout")
    def logout() -> str:
        session.clear()
        return "out"

    client = app.test_client()
    client.set_cookie("session", signed({"user": "ann"}, "k"), domain="example.test", path="/app")
    response = client.get("/logout", base_url="https://example.test")
    (cookie,) = set_cookies(response)
    attrs = attributes(cookie)
    assert cookie.startswith("session=;")
    assert attrs["domain"] == "example.test" and attrs["path"] == "/app" and attrs["secure"]
    assert attrs["max-age"] == "0"
    assert vary_tokens(response) == {"cookie"}


# --- values that round-trip -----------------------------------------------------------------


def test_tagged_values_round_trip_between_requests() -> None:
    stored = {
        "str": "h\u00e9llo \u2603",
        "int": 12345678901234567890,
        "float": 2.5,
        "bool": False,
        "none": None,
        "list": [1, "two", [3]],
        "dict": {"nested": {"deep": True}, " t": "looks like a tag"},
        "tuple": (1, ("a", b"b")),
        "bytes": b"\x00\xff",
        "markup": Markup("<b>safe</b>"),
        "uuid": UUID("0b5c83d0-52b8-4a0e-9a83-7e0f2a1e3b0c"),
        "datetime": datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
    }
    app = Flask(__name__)
    app.secret_key = "k"
    seen: dict[str, Any] = {}

    @app.route("/set")
    def set_values() -> str:
        session.update(stored)
        return "set"

    @app.route("/get")
    def get_values() -> str:
        seen.update(session)
        return "got"

    client = app.test_client()
    client.get("/set")
    client.get("/get")
    assert seen == stored
    for key, value in stored.items():
        assert type(seen[key]) is type(value), key


def test_nested_change_needs_modified_flag() -> None:
    app = Flask(__name__)
    app.secret_key = "k"

    @app.route("/init")
    def init() -> str:
        session["cart"] = []
        return ""

    @app.route("/add/<item>")
    def add(item: str) -> str:
        session["cart"].append(item)
        if request.args.get("flag"):
            session.modified = True
        return ""

    @app.route("/cart")
    def cart() -> str:
        return ",".join(session["cart"])

    client = app.test_client()
    client.get("/init")
    client.get("/add/x")
    assert client.get("/cart").text == ""
    client.get("/add/y?flag=1")
    assert client.get("/cart").text == "y"


# --- broken cookies -------------------------------------------------------------------------


def tampered(value: str) -> str:
    """``value`` with one payload character changed (the signature kept)."""
    index = 3
    return value[:index] + ("A" if value[index] != "A" else "B") + value[index + 1 :]


BROKEN = {
    "garbage": "garbage",
    "dots": "...",
    "truncated": signed({"user": "ann"}, "k")[:-5],
    "tampered": tampered(signed({"user": "ann"}, "k")),
    "wrong-key": signed({"user": "ann"}, "other"),
    "future": signed({"user": "ann"}, "k", age=-86400),
    "not-a-dict": signed(["user"], "k"),
    "huge": "x" * 8000,
    "non-ascii": "\u00e9\u2603.\u00e9.\u00e9",
    "quoted": '"abc\\"def"',
}


@pytest.mark.parametrize("value", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_cookie_gives_empty_session(value: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = permanent_app()
    client = app.test_client()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "huge" value is over the cookie size limit
        client.set_cookie("session", value)
    response = client.get("/whoami")
    assert response.status_code == 200
    assert response.text == "None"
    assert set_cookies(response) == []
    assert all(record.levelno <= logging.INFO for record in caplog.records)
    # The app still works for this client afterwards.
    assert client.get("/login").status_code == 200
    assert client.get("/whoami").text == "ann"


def test_broken_cookie_in_raw_header_is_not_a_500() -> None:
    app = permanent_app()
    client = app.test_client()
    for header in ("session", "session=", "session=\x7f", 'session="', "session=a=b=c", "=session"):
        response = client.get("/whoami", headers={"Cookie": header})
        assert response.status_code == 200, header
        assert response.text == "None"


# --- key rotation ---------------------------------------------------------------------------


def test_fallback_keys_verify_old_cookies_new_cookies_use_current_key() -> None:
    app = permanent_app(SECRET_KEY_FALLBACKS=["k0", "k1"])
    app.secret_key = "k2"
    client = app.test_client()
    client.set_cookie("session", signed({"user": "old"}, "k1"))
    assert client.get("/whoami").text == "old"
    client.get("/login")
    value = client.get_cookie("session").value
    assert unsign(value, "k2")["user"] == "ann"
    with pytest.raises(BadSignature):
        unsign(value, "k1")

    unrotated = permanent_app()
    unrotated.secret_key = "k2"
    other = unrotated.test_client()
    other.set_cookie("session", signed({"user": "old"}, "k1"))
    assert other.get("/whoami").text == "None"


# --- missing secret key ---------------------------------------------------------------------


def no_key_app() -> Flask:
    app = Flask(__name__)

    @app.route("/read")
    def read() -> str:
        return str("user" in session) + str(session.get("user"))

    @app.route("/write")
    def write() -> str:
        session["user"] = "ann"
        return "written"

    return app


def test_without_secret_key_reads_work_and_save_nothing() -> None:
    client = no_key_app().test_client()
    client.set_cookie("session", signed({"user": "ann"}, "k"))
    response = client.get("/read")
    assert response.text == "FalseNone"
    assert set_cookies(response) == []


def test_without_secret_key_writes_raise_in_testing() -> None:
    app = no_key_app()
    app.testing = True
    with pytest.raises(RuntimeError, match=r"app\.secret_key") as info:
        app.test_client().get("/write")
    assert "SECRET_KEY" in str(info.value)


def test_without_secret_key_writes_are_a_500_in_production(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = no_key_app()
    response = app.test_client().get("/write")
    assert response.status_code == 500
    assert "secret_key" not in response.text  # the developer's hint goes to the log, not users
    assert any("app.secret_key" in (r.exc_text or r.getMessage()) for r in caplog.records)


def test_empty_secret_key_counts_as_missing() -> None:
    app = no_key_app()
    app.secret_key = ""
    app.testing = True
    with pytest.raises(RuntimeError, match=r"app\.secret_key"):
        app.test_client().get("/write")


# --- oversized cookie -----------------------------------------------------------------------


def test_oversized_session_cookie_warns_with_its_size(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    app.secret_key = "k"

    @app.route("/big")
    def big() -> str:
        session["blob"] = secrets.token_urlsafe(5000)  # random: zlib cannot shrink it
        return "big"

    @app.route("/small")
    def small() -> str:
        session["blob"] = "x"
        return "small"

    client = app.test_client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.get("/big")
    (cookie,) = set_cookies(response)
    size = len(cookie.encode("latin-1"))
    assert size > 4093
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert any(str(size) in message for message in messages), messages

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        caplog.clear()
        client.get("/small")
    assert not [w for w in caught if "cookie" in str(w.message).lower()]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- replaceable interface ------------------------------------------------------------------


class MemorySession(dict, SessionMixin):  # type: ignore[type-arg]
    def __init__(self, sid: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.sid = sid
        self.modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.modified = True


class MemoryInterface(SessionInterface):
    """A server-side store keyed by an opaque cookie, as extensions implement it."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def open_session(self, app: Any, request: Any) -> MemorySession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and sid in self.store:
            return MemorySession(sid, self.store[sid])
        self.counter += 1
        return MemorySession(f"sid{self.counter}")

    def save_session(self, app: Any, session: Any, response: Any) -> None:
        if session.modified:
            self.store[session.sid] = dict(session)
            response.set_cookie(self.get_cookie_name(app), session.sid)


def test_custom_session_interface() -> None:
    app = Flask(__name__)
    interface = MemoryInterface()
    app.session_interface = interface
    app.config["SESSION_COOKIE_NAME"] = "sid"

    @app.route("/set/<value>")
    def set_value(value: str) -> str:
        session["v"] = value
        return "ok"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("v"))

    client = app.test_client()
    client.get("/set/hello")
    assert client.get_cookie("sid").value == "sid1"
    assert interface.store == {"sid1": {"v": "hello"}}
    assert client.get("/get").text == "hello"


def test_open_session_returning_none_gives_null_session() -> None:
    class Unavailable(SecureCookieSessionInterface):
        def open_session(self, app: Any, request: Any) -> None:
            return None

    app = Flask(__name__)
    app.secret_key = "k"
    app.testing = True
    app.session_interface = Unavailable()

    @app.route("/")
    def index() -> str:
        return type(session._get_current_object()).__name__  # type: ignore[attr-defined]

    @app.route("/write")
    def write() -> str:
        session["x"] = 1
        return ""

    client = app.test_client()
    assert client.get("/").text == "NullSession"
    with pytest.raises(RuntimeError):
        client.get("/write")


def test_session_transaction() -> None:
    app = permanent_app()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = "from-test"
    assert client.get("/whoami").text == "from-test"
    client.get("/login")
    with client.session_transaction() as sess:
        assert sess["user"] == "ann"
        assert sess.permanent


def test_session_class_is_secure_cookie_session() -> None:
    app = permanent_app()
    seen: list[Any] = []

    @app.route("/kind")
    def kind() -> str:
        seen.append(session._get_current_object())  # type: ignore[attr-defined]
        return ""

    app.test_client().get("/kind")
    assert isinstance(seen[0], SecureCookieSession)
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
