"""Issue 4, sessions and flashing: the same apps on Flask and hipflask, compared.

Cookies are compared byte for byte: both sides sign with the same key, itsdangerous' clock is
frozen for the test so both sign the same timestamp, and the payload JSON must be identical.
Set-Cookie ``Expires`` is compared within a few seconds by the harness.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hipflask_difftools import FW, SELFTEST, Differ, Req
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

SEED_KEY = b'_5#y2L"F4Q8z\n\xec]/'
NOW = int(time.time())


@pytest.fixture(autouse=True)
def frozen_signing_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: NOW)
    # hipflask signs the default format itself (hipflask.session_cookie), on its own clock.
    monkeypatch.setattr("hipflask.session_cookie.now", lambda: NOW)


def signed(data: Any, key: str | bytes = SEED_KEY, at: int = NOW) -> str:
    """A session cookie value signed the way Flask does, with timestamp ``at``."""
    from flask.sessions import SecureCookieSessionInterface, session_json_serializer

    class AtSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return at

    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer=AtSigner,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    ).dumps(data)


def cookie(value: str, name: str = "session") -> list[tuple[str, str]]:
    """A Cookie header. Use it in raw-WSGI requests only: Werkzeug's test client replaces a
    Cookie header by its own jar's content."""
    return [("Cookie", f"{name}={value}")]


WSGI = ("wsgi",)


# --- the seeds' example ----------------------------------------------------------------------


def seed_app(fw: FW, **config: Any) -> Any:
    app = fw.Flask("seed")
    app.secret_key = SEED_KEY
    app.config.update(config)
    session, request = fw.session, fw.request

    @app.route("/")
    def index() -> str:
        if "username" in session:
            return f"Logged in as {session['username']}"
        return "You are not logged in"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            session["username"] = request.form["username"]
            return fw.redirect(fw.url_for("index"))
        return "<form method=post><input name=username></form>"

    @app.route("/logout")
    def logout() -> Any:
        session.pop("username", None)
        return fw.redirect(fw.url_for("index"))

    return app


LOGIN_FLOW = [
    Req("GET", "/", expect=200),
    Req("GET", "/login", expect=200),
    Req("POST", "/login", form={"username": "ann \u00e9 <b>"}, expect=302),
    Req("GET", "/", expect=200),
    Req("GET", "/", expect=200),
    Req("GET", "/logout", expect=302),
    Req("GET", "/", expect=200),
    Req("GET", "/logout", expect=302),
]


def test_seed_login_logout(diff: Differ) -> None:
    diff.check(seed_app, LOGIN_FLOW)


def test_seed_login_follow_redirects(diff: Differ) -> None:
    diff.check(
        seed_app,
        [
            Req("POST", "/login", form={"username": "bob"}, client={"follow_redirects": True}),
            Req("GET", "/logout", client={"follow_redirects": True}),
        ],
        modes=("client",),
    )


@pytest.mark.parametrize(
    "config",
    [
        {"SESSION_COOKIE_NAME": "sid"},
        {"SESSION_COOKIE_DOMAIN": "example.test"},
        {"SESSION_COOKIE_PATH": "/app"},
        {"APPLICATION_ROOT": "/root"},
        {"SESSION_COOKIE_HTTPONLY": False},
        {"SESSION_COOKIE_SECURE": True},
        {"SESSION_COOKIE_SAMESITE": "Lax"},
        {"SESSION_COOKIE_SAMESITE": "Strict", "SESSION_COOKIE_PARTITIONED": True},
        {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True},
    ],
    ids=repr,
)
def test_cookie_settings(diff: Differ, config: dict[str, Any]) -> None:
    def build(fw: FW) -> Any:
        return seed_app(fw, **config)

    # Raw WSGI only: the test clients' jars would (rightly) not send a cookie scoped to
    # another domain or path back, and that is the client's business, not the session's.
    diff.check(build, LOGIN_FLOW, modes=("wsgi",))


# --- Vary and refresh --------------------------------------------------------------------------

READS: dict[str, Any] = {
    "none": lambda s, fw: None,
    "in": lambda s, fw: "a" in s,
    "not-in": lambda s, fw: "zz" not in s,
    "len": lambda s, fw: len(s),
    "bool": lambda s, fw: bool(s),
    "get": lambda s, fw: s.get("a"),
    "getitem": lambda s, fw: s["a"],
    "iter": lambda s, fw: list(s),
    "keys": lambda s, fw: list(s.keys()),
    "values": lambda s, fw: list(s.values()),
    "items": lambda s, fw: list(s.items()),
    "permanent": lambda s, fw: s.permanent,
    "dict": lambda s, fw: dict(s),
    "template": lambda s, fw: fw.render_template_string("{{ session.a }}"),
    "template-without-session": lambda s, fw: fw.render_template_string("{{ request.path }}"),
    "flashes": lambda s, fw: fw.get_flashed_messages(),
}


def vary_app(fw: FW, **config: Any) -> Any:
    app = fw.Flask("vary")
    app.secret_key = "k"
    app.config.update(config)
    session = fw.session

    @app.route("/read/<kind>")
    def read(kind: str) -> str:
        try:
            READS[kind](session, fw)
        except KeyError:
            return "missing"
        return kind

    @app.route("/write")
    def write() -> str:
        session["a"] = 1
        return "w"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["a"] = 2
        return "p"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "c"

    return app


def read_all(headers: list[tuple[str, str]] | None = None) -> list[Req]:
    modes = WSGI if headers else ("client", "wsgi")
    return [
        Req("GET", f"/read/{kind}", headers=headers or [], expect=200, modes=modes)
        for kind in READS
    ]


def test_vary_without_any_cookie(diff: Differ) -> None:
    diff.check(vary_app, read_all())


def test_vary_with_session_cookie(diff: Differ) -> None:
    diff.check(vary_app, read_all(cookie(signed({"a": 1}, "k"))))


def test_vary_with_unrelated_cookie(diff: Differ) -> None:
    diff.check(vary_app, read_all(cookie("x", name="theme")))


def test_permanent_session_refresh(diff: Differ) -> None:
    flow = [
        Req("GET", "/permanent", expect=200),
        *read_all(),
        Req("GET", "/write", expect=200),
        Req("GET", "/clear", expect=200),
        Req("GET", "/read/none", expect=200),
    ]
    diff.check(vary_app, flow)

    def no_refresh(fw: FW) -> Any:
        return vary_app(fw, SESSION_REFRESH_EACH_REQUEST=False)

    diff.check(no_refresh, flow)

    def short_lifetime(fw: FW) -> Any:
        return vary_app(fw, PERMANENT_SESSION_LIFETIME=90)

    diff.check(short_lifetime, flow)


def test_write_then_clear(diff: Differ) -> None:
    diff.check(
        vary_app,
        [
            Req("GET", "/write"),
            Req("GET", "/read/get"),
            Req("GET", "/clear"),
            Req("GET", "/clear"),
            Req("GET", "/read/get"),
        ],
    )


# --- cookies from elsewhere: expired, tampered, rotated -----------------------------------------


def whoami_app(fw: FW, **config: Any) -> Any:
    app = fw.Flask("who")
    app.secret_key = "current"
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return repr(sorted(fw.session.items()))

    @app.route("/touch")
    def touch() -> str:
        fw.session["touched"] = True
        return "t"

    return app


GOOD = signed({"user": "ann"}, "current")
COOKIES = {
    "good": GOOD,
    "old-key": signed({"user": "old"}, "previous"),
    "unknown-key": signed({"user": "evil"}, "unknown"),
    "expired": signed({"user": "ann"}, "current", at=NOW - 32 * 86400),
    "almost-expired": signed({"user": "ann"}, "current", at=NOW - 30 * 86400),
    "future": signed({"user": "ann"}, "current", at=NOW + 3600),
    "truncated": GOOD[:-3],
    "tampered": GOOD[:5] + ("A" if GOOD[5] != "A" else "B") + GOOD[6:],
    "garbage": "garbage",
    "empty": "",
    "dots": "...",
    "permanent": signed({"user": "ann", "_permanent": True}, "current"),
}


@pytest.mark.parametrize("value", list(COOKIES.values()), ids=list(COOKIES))
def test_incoming_cookie(diff: Differ, value: str) -> None:
    def rotated(fw: FW) -> Any:
        return whoami_app(fw, SECRET_KEY_FALLBACKS=["previous"])

    reqs = [
        Req("GET", "/", headers=cookie(value), expect=200, modes=WSGI),
        Req("GET", "/touch", headers=cookie(value), expect=200, modes=WSGI),
    ]
    diff.check(whoami_app, reqs)
    diff.check(rotated, reqs)


def test_validly_signed_but_undecodable_payload(diff: Differ) -> None:
    # Deliberate difference: Flask only catches BadSignature, so a correctly signed payload
    # whose tags do not decode (only a key holder can make one) is a 500 (or a crash while
    # opening the session) there; hipflask answers with an empty session, as for any other
    # unreadable cookie.
    plain = URLSafeTimedSerializer(
        "current",
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    value = plain.dumps({"u": {" u": "not-a-uuid"}})

    def status_and_body(fw: FW) -> tuple[int, str] | str:
        client = whoami_app(fw).test_client()
        client.set_cookie("session", value)
        try:
            response = client.get("/")
        except Exception as exc:  # Flask fails while opening the session
            return f"raised {type(exc).__name__}"
        return response.status_code, response.get_data(as_text=True)

    flask_result, ours = diff.both(status_and_body)
    assert flask_result == (500, flask_result[1]) or str(flask_result).startswith("raised")
    # (In self-test mode both sides are Flask, so they must simply agree.)
    assert ours == (flask_result if SELFTEST else (200, "[]"))


# --- values and cross-reading -----------------------------------------------------------------

VALUES: dict[str, Any] = {
    "str": "h\u00e9llo \u2603 \U0001f600",
    "int": 2**70,
    "float": 0.1,
    "list": [1, [2, (3,)], None],
    "tuple": ("a", b"b"),
    "bytes": b"\x00\xff",
    "markup": Markup("<em>hi</em>"),
    "uuid": UUID(int=42),
    "datetime": datetime(2033, 4, 5, 6, 7, 8, tzinfo=timezone.utc),
    "dict": {" t": "tag look-alike", "n": {"m": 1}},
}


def values_app(fw: FW) -> Any:
    app = fw.Flask("values")
    app.secret_key = "k"

    @app.route("/set")
    def set_values() -> str:
        fw.session.update(VALUES)
        return "set"

    @app.route("/get")
    def get_values() -> str:
        return repr(sorted((k, type(v).__name__, v) for k, v in fw.session.items()))

    return app


def test_tagged_values(diff: Differ) -> None:
    diff.check(values_app, [Req("GET", "/set"), Req("GET", "/get"), Req("GET", "/get")])


def test_cross_reading_both_ways(oracle: FW, candidate: FW) -> None:
    for writer, reader in ((oracle, candidate), (candidate, oracle)):
        write_client = values_app(writer).test_client()
        write_client.get("/set")
        value = write_client.get_cookie("session").value
        read_client = values_app(reader).test_client()
        read_client.set_cookie("session", value)
        body = read_client.get("/get").get_data(as_text=True)
        assert body == repr(sorted((k, type(v).__name__, v) for k, v in VALUES.items()))


def test_seed_session_moves_between_frameworks(oracle: FW, candidate: FW) -> None:
    flask_client = seed_app(oracle).test_client()
    flask_client.post("/login", data={"username": "ann"})
    ours = seed_app(candidate).test_client()
    ours.set_cookie("session", flask_client.get_cookie("session").value)
    assert ours.get("/").get_data(as_text=True) == "Logged in as ann"
    ours.get("/logout")
    ours.post("/login", data={"username": "zed"})
    flask_client.set_cookie("session", ours.get_cookie("session").value)
    assert flask_client.get("/").get_data(as_text=True) == "Logged in as zed"


# --- no secret key ---------------------------------------------------------------------------


def keyless_app(fw: FW, testing: bool) -> Any:
    app = fw.Flask("keyless")
    app.testing = testing

    @app.route("/read")
    def read() -> str:
        return repr(("a" in fw.session, fw.session.get("a"), len(fw.session)))

    @app.route("/write")
    def write() -> str:
        fw.session["a"] = 1
        return "w"

    @app.route("/flash")
    def flash() -> str:
        fw.flash("x")
        return "f"

    return app


@pytest.mark.parametrize("testing", [False, True])
def test_without_secret_key(diff: Differ, testing: bool) -> None:
    def build(fw: FW) -> Any:
        return keyless_app(fw, testing)

    diff.check(
        build,
        [
            Req("GET", "/read", headers=cookie(signed({"a": 1}, "k")), modes=WSGI),
            Req("GET", "/write"),
            Req("GET", "/flash"),
        ],
    )


# --- flashing --------------------------------------------------------------------------------


def flash_app(fw: FW) -> Any:
    app = fw.Flask("flash")
    app.secret_key = "k"

    @app.route("/flash/<category>/<message>")
    def do_flash(category: str, message: str) -> str:
        fw.flash(message, category)
        return "ok"

    @app.route("/markup")
    def markup() -> str:
        fw.flash(Markup("<b>bold</b>"))
        fw.flash("<i>plain</i>", "info")
        return "ok"

    @app.route("/show")
    def show() -> str:
        return fw.render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
            "{% endfor %}|{{ get_flashed_messages() }}"
        )

    @app.route("/filter")
    def filtered() -> str:
        return repr(
            (
                fw.get_flashed_messages(category_filter=["error", "info"]),
                fw.get_flashed_messages(with_categories=True, category_filter=("warning",)),
                fw.get_flashed_messages(category_filter="error"),  # a str, as people do
            )
        )

    return app


def test_flash_flow(diff: Differ) -> None:
    diff.check(
        flash_app,
        [
            Req("GET", "/show"),
            Req("GET", "/flash/error/e1"),
            Req("GET", "/flash/info/i1"),
            Req("GET", "/flash/warning/w1"),
            Req("GET", "/flash/err/substring"),
            Req("GET", "/filter"),
            Req("GET", "/filter"),
            Req("GET", "/markup"),
            Req("GET", "/show"),
            Req("GET", "/show"),
        ],
    )


def test_flashes_cross_frameworks(oracle: FW, candidate: FW) -> None:
    for writer, reader in ((oracle, candidate), (candidate, oracle)):
        write_client = flash_app(writer).test_client()
        write_client.get("/flash/error/boom")
        write_client.get("/markup")
        read_client = flash_app(reader).test_client()
        read_client.set_cookie("session", write_client.get_cookie("session").value)
        assert read_client.get("/show").get_data(as_text=True) == (
            "[error:boom][message:<b>bold</b>][info:&lt;i&gt;plain&lt;/i&gt;]|"
            "[&#39;boom&#39;, Markup(&#39;&lt;b&gt;bold&lt;/b&gt;&#39;), "
            "&#39;&lt;i&gt;plain&lt;/i&gt;&#39;]"
        )


def test_lifetime_config_as_timedelta(diff: Differ) -> None:
    def build(fw: FW) -> Any:
        return vary_app(fw, PERMANENT_SESSION_LIFETIME=timedelta(minutes=3))

    diff.check(
        build,
        [
            Req("GET", "/permanent"),
            Req(
                "GET", "/read/none", headers=cookie(signed({"a": 1}, "k", at=NOW - 200)), modes=WSGI
            ),
            Req(
                "GET", "/read/get", headers=cookie(signed({"a": 1}, "k", at=NOW - 100)), modes=WSGI
            ),
        ],
    )
