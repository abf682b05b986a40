"""Session objects and the session interface, exercised without an app (stub app/request).

The app-level behaviour (headers on real responses, the lazy session of the core) is covered in
tests/test_sessions_app.py; the comparison with the real Flask in
tests/differential/test_sessions_diff.py.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from flask.sessions import SecureCookieSessionInterface as FlaskInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from hipflask.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)

DEFAULT_CONFIG: dict[str, Any] = {
    "SECRET_KEY_FALLBACKS": None,
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "APPLICATION_ROOT": "/",
}


class StubApp:
    """The few attributes the session interfaces (ours and Flask's) read from an app."""

    def __init__(self, secret_key: str | bytes | None = "secret", **config: Any) -> None:
        self.secret_key = secret_key
        self.config = {**DEFAULT_CONFIG, **config}
        self.permanent_session_lifetime = timedelta(days=31)
        self.logger = logging.getLogger("stub-app")


class StubRequest:
    def __init__(self, cookies: dict[str, str] | None = None) -> None:
        self.cookies = cookies or {}


class StubResponse:
    """Records what save_session does to a response."""

    def __init__(self) -> None:
        self.vary: set[str] = set()
        self.set_calls: list[tuple[str, str, dict[str, Any]]] = []
        self.delete_calls: list[tuple[str, dict[str, Any]]] = []

    def set_cookie(self, key: str, value: str = "", **kwargs: Any) -> None:
        self.set_calls.append((key, value, kwargs))

    def delete_cookie(self, key: str, **kwargs: Any) -> None:
        self.delete_calls.append((key, kwargs))


def signed(
    data: dict[str, Any], key: str | bytes = "secret", age: int = 0, salt: str = "cookie-session"
) -> str:
    """A session cookie value as Flask would write it, optionally ``age`` seconds old."""

    class AgedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(
        key,
        salt=salt,
        serializer=session_json_serializer,
        signer=AgedSigner,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    ).dumps(data)


# --- SecureCookieSession -----------------------------------------------------------------

READS: dict[str, Any] = {
    "getitem": lambda s: s["a"],
    "getitem-missing": lambda s: s.get("zz"),
    "get": lambda s: s.get("a"),
    "contains": lambda s: "a" in s,
    "not-contains": lambda s: "zz" not in s,
    "len": len,
    "bool": bool,
    "iter": lambda s: list(iter(s)),
    "for-loop": lambda s: [k for k in s],
    "reversed": lambda s: list(reversed(s)),
    "keys": lambda s: s.keys(),
    "values": lambda s: s.values(),
    "items": lambda s: s.items(),
    "copy": lambda s: s.copy(),
    "dict()": dict,
    "unpack": lambda s: {**s},
    "eq": lambda s: s == {"a": 1},
    "ne": lambda s: s != {"a": 1},
    "or": lambda s: s | {"b": 2},
    "ror": lambda s: {"b": 2} | s,
    "permanent": lambda s: s.permanent,
    "pop-default": lambda s: s.pop("zz", None),
    "setdefault-existing": lambda s: s.setdefault("a", 5),
}


@pytest.mark.parametrize("read", list(READS.values()), ids=list(READS))
def test_every_read_marks_accessed_not_modified(read: Any) -> None:
    session = SecureCookieSession({"a": 1})
    assert not session.accessed
    read(session)
    assert session.accessed
    assert not session.modified


WRITES: dict[str, Any] = {
    "setitem": lambda s: s.__setitem__("b", 2),
    "delitem": lambda s: s.__delitem__("a"),
    "pop": lambda s: s.pop("a"),
    "popitem": lambda s: s.popitem(),
    "clear": lambda s: s.clear(),
    "update": lambda s: s.update(b=2),
    "ior": lambda s: s.__ior__({"b": 2}),
    "setdefault-new": lambda s: s.setdefault("b", 2),
    "permanent": lambda s: setattr(s, "permanent", True),
}


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_every_write_marks_modified_and_accessed(write: Any) -> None:
    session = SecureCookieSession({"a": 1})
    write(session)
    assert session.modified
    assert session.accessed


def test_loading_data_is_not_a_modification() -> None:
    session = SecureCookieSession({"a": 1, "_permanent": True})
    assert not session.modified
    assert not session.accessed
    assert not session.new
    assert session.permanent
    assert isinstance(session, SessionMixin)


def test_pop_of_missing_key_is_not_a_modification() -> None:
    session = SecureCookieSession({"a": 1})
    assert session.pop("zz", None) is None
    assert not session.modified


def test_nested_mutation_needs_manual_flag() -> None:
    session = SecureCookieSession({"cart": [1]})
    session["cart"].append(2)
    assert not session.modified
    session.modified = True
    assert session.modified


def test_mixin_defaults() -> None:
    class DictSession(dict, SessionMixin):  # type: ignore[type-arg]
        pass

    session = DictSession()
    assert session.modified is True  # the mixin cannot know, so it assumes a change
    assert session.accessed is False
    assert session.new is False
    assert session.permanent is False
    session.permanent = True
    assert session["_permanent"] is True


# --- NullSession ---------------------------------------------------------------------------

NULL_WRITES: dict[str, Any] = {
    "setitem": lambda s: s.__setitem__("a", 1),
    "delitem": lambda s: s.__delitem__("a"),
    "pop": lambda s: s.pop("a", None),
    "popitem": lambda s: s.popitem(),
    "clear": lambda s: s.clear(),
    "update": lambda s: s.update(a=1),
    "ior": lambda s: s.__ior__({"a": 1}),
    "setdefault": lambda s: s.setdefault("a", 1),
    "permanent": lambda s: setattr(s, "permanent", True),
}


@pytest.mark.parametrize("write", list(NULL_WRITES.values()), ids=list(NULL_WRITES))
def test_null_session_refuses_writes_naming_the_fix(write: Any) -> None:
    with pytest.raises(RuntimeError, match=r"app\.secret_key") as info:
        write(NullSession())
    assert "SECRET_KEY" in str(info.value)


def test_null_session_allows_reads() -> None:
    session = NullSession()
    assert "a" not in session
    assert session.get("a", 3) == 3
    assert len(session) == 0
    assert not session.permanent
    assert list(session) == []


# --- SessionInterface defaults -------------------------------------------------------------


def test_base_interface_requires_open_and_save() -> None:
    interface = SessionInterface()
    app = StubApp()
    with pytest.raises(NotImplementedError, match="open_session"):
        interface.open_session(app, StubRequest())  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="save_session"):
        interface.save_session(app, SecureCookieSession(), StubResponse())  # type: ignore[arg-type]


def test_null_session_helpers() -> None:
    interface = SessionInterface()
    null = interface.make_null_session(StubApp())  # type: ignore[arg-type]
    assert isinstance(null, NullSession)
    assert interface.is_null_session(null)
    assert not interface.is_null_session(SecureCookieSession())
    assert interface.pickle_based is False


def test_cookie_settings_are_read_from_config() -> None:
    interface = SecureCookieSessionInterface()
    app = StubApp(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
        APPLICATION_ROOT="/app",
    )
    a: Any = app
    assert interface.get_cookie_name(a) == "sid"
    assert interface.get_cookie_domain(a) == "example.test"
    assert interface.get_cookie_path(a) == "/app"
    app.config["SESSION_COOKIE_PATH"] = "/only"
    assert interface.get_cookie_path(a) == "/only"
    assert interface.get_cookie_httponly(a) is False
    assert interface.get_cookie_secure(a) is True
    assert interface.get_cookie_samesite(a) == "Strict"
    assert interface.get_cookie_partitioned(a) is True


def test_expiration_time_only_for_permanent_sessions() -> None:
    interface = SecureCookieSessionInterface()
    app: Any = StubApp()
    session = SecureCookieSession()
    assert interface.get_expiration_time(app, session) is None
    session.permanent = True
    before = datetime.now(timezone.utc)
    expires = interface.get_expiration_time(app, session)
    assert expires is not None
    assert before + timedelta(days=31) <= expires <= datetime.now(timezone.utc) + timedelta(days=31)


def test_should_set_cookie() -> None:
    interface = SecureCookieSessionInterface()
    app: Any = StubApp()
    assert not interface.should_set_cookie(app, SecureCookieSession({"a": 1}))
    permanent = SecureCookieSession({"_permanent": True})
    assert interface.should_set_cookie(app, permanent)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert not interface.should_set_cookie(app, permanent)
    permanent["x"] = 1
    assert interface.should_set_cookie(app, permanent)


# --- open_session --------------------------------------------------------------------------


def open_with(cookie: str | None, app: StubApp | None = None) -> Any:
    app = app or StubApp()
    cookies = {} if cookie is None else {"session": cookie}
    return SecureCookieSessionInterface().open_session(app, StubRequest(cookies))  # type: ignore[arg-type]


def test_open_without_secret_key_returns_none() -> None:
    assert open_with(signed({"a": 1}), StubApp(secret_key=None)) is None
    assert open_with(None, StubApp(secret_key="")) is None


def test_open_without_cookie_gives_fresh_session() -> None:
    session = open_with(None)
    assert isinstance(session, SecureCookieSession)
    assert dict(session) == {}
    assert not session.modified


def test_open_valid_cookie_restores_tagged_values() -> None:
    data = {
        "user": "ann",
        "t": (1, "two"),
        "b": b"\x00\x01",
        "m": Markup("<b>x</b>"),
        "u": UUID(int=7),
        "d": datetime(2030, 1, 1, tzinfo=timezone.utc),
        "n": {"deep": [1, None, 2.5, True]},
    }
    session = open_with(signed(data))
    assert dict(session) == data
    assert isinstance(session["m"], Markup)
    assert not session.modified


GARBAGE = {
    "empty-dot": ".",
    "three-dots": "...",
    "text": "hello",
    "non-ascii": "h\u00e9llo.w\u00f6rld.\u2603",
    "base64-junk": "eyJhIjoxfQ.AAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBB",
    "huge": "A" * 5000,
    "nul": "abc\x00def",
    "compressed-flag-junk": ".eJzz.AAAA.BBBB",
}


@pytest.mark.parametrize("cookie", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_cookie_gives_empty_session_quietly(
    cookie: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = open_with(cookie)
    assert isinstance(session, SecureCookieSession)
    assert dict(session) == {}
    assert all(record.levelno <= logging.INFO for record in caplog.records)


def test_tampered_cookie_gives_empty_session(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = signed({"user": "ann"})
    payload, timestamp, signature = good.split(".")
    # Claim to be someone else while keeping the old signature.
    forged_payload = signed({"user": "admin"}).split(".")[0]
    # Flip the first character: the last one of a base64 signature also carries unused
    # padding bits, so changing it can leave the decoded signature unchanged.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for cookie in (
        f"{forged_payload}.{timestamp}.{signature}",
        f"{payload}.{timestamp}.{flipped}",
        f"{payload}.{int(timestamp != 'x')}.{signature}",
        good[:-1],
        good[: len(good) // 2],
        good + "A",
    ):
        assert dict(open_with(cookie)) == {}, cookie
    assert dict(open_with(good)) == {"user": "ann"}
    assert all(record.levelno <= logging.INFO for record in caplog.records)


def test_cookie_signed_with_other_key_or_salt_is_rejected() -> None:
    assert dict(open_with(signed({"a": 1}, key="other"))) == {}
    assert dict(open_with(signed({"a": 1}, salt="other-salt"))) == {}


def test_expired_cookie_gives_empty_session(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = StubApp()
    app.permanent_session_lifetime = timedelta(seconds=60)
    assert dict(open_with(signed({"a": 1}, age=10), app)) == {"a": 1}
    assert dict(open_with(signed({"a": 1}, age=120), app)) == {}
    assert dict(open_with(signed({"a": 1, "_permanent": True}, age=120), app)) == {}
    assert all(record.levelno <= logging.INFO for record in caplog.records)


def test_cookie_from_the_future_is_rejected() -> None:
    assert dict(open_with(signed({"a": 1}, age=-3600))) == {}


def test_validly_signed_bad_payloads_give_empty_session() -> None:
    # A signed payload that is not a session object, or whose tags do not decode. Flask raises
    # (500) on the latter; only someone holding the key can produce these, but an empty
    # session is still the right answer.
    assert dict(open_with(signed([1, 2]))) == {}  # type: ignore[arg-type]
    signer = URLSafeTimedSerializer(
        "secret",
        salt="cookie-session",
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    )
    assert dict(open_with(signer.dumps({"u": {" u": "zz"}}))) == {}
    assert dict(open_with(signer.dumps("string"))) == {}


def test_debug_log_names_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="stub-app")
    open_with(signed({"a": 1}, key="wrong"))
    open_with(signed({"a": 1}, age=10**8))
    messages = [record.getMessage() for record in caplog.records]
    assert any("bad signature" in message for message in messages)
    assert any("expired" in message for message in messages)
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


# --- key rotation --------------------------------------------------------------------------


def test_fallback_keys_verify_but_current_key_signs() -> None:
    old_cookie = signed({"user": "ann"}, key="old")
    rotated = StubApp(secret_key="new", SECRET_KEY_FALLBACKS=["older", "old"])
    assert dict(open_with(old_cookie, rotated)) == {"user": "ann"}
    assert dict(open_with(old_cookie, StubApp(secret_key="new"))) == {}

    interface = SecureCookieSessionInterface()
    session = interface.open_session(rotated, StubRequest({"session": old_cookie}))  # type: ignore[arg-type]
    assert session is not None
    session["seen"] = True
    response = StubResponse()
    interface.save_session(rotated, session, response)  # type: ignore[arg-type]
    ((name, value, _),) = response.set_calls
    assert name == "session"
    assert dict(open_with(value, StubApp(secret_key="new"))) == {"user": "ann", "seen": True}
    assert dict(open_with(value, StubApp(secret_key="old"))) == {}


def test_signing_serializer_follows_config_changes() -> None:
    interface = SecureCookieSessionInterface()
    app = StubApp(secret_key="one")
    first = interface.get_signing_serializer(app)  # type: ignore[arg-type]
    assert first is interface.get_signing_serializer(app)  # type: ignore[arg-type]
    app.secret_key = "two"
    second = interface.get_signing_serializer(app)  # type: ignore[arg-type]
    assert second is not None and second is not first
    assert dict(open_with(second.dumps({"k": 1}), StubApp(secret_key="two"))) == {"k": 1}
    app.config["SECRET_KEY_FALLBACKS"] = ["one"]
    third = interface.get_signing_serializer(app)  # type: ignore[arg-type]
    assert third is not second
    interface.salt = "changed"
    assert interface.get_signing_serializer(app) is not third  # type: ignore[arg-type]


# --- save_session ---------------------------------------------------------------------------


def save(session: SecureCookieSession, app: StubApp | None = None) -> StubResponse:
    response = StubResponse()
    SecureCookieSessionInterface().save_session(app or StubApp(), session, response)  # type: ignore[arg-type]
    return response


def test_untouched_session_saves_nothing() -> None:
    response = save(SecureCookieSession({"a": 1}))
    assert response.set_calls == [] and response.delete_calls == [] and response.vary == set()


def test_read_session_adds_vary_only() -> None:
    session = SecureCookieSession({"a": 1})
    assert "a" in session
    response = save(session)
    assert response.vary == {"Cookie"}
    assert response.set_calls == []


def test_empty_unread_session_adds_no_vary() -> None:
    # save_session itself tests the session for emptiness; that must not count as a read.
    response = save(SecureCookieSession())
    assert response.vary == set() and response.set_calls == [] and response.delete_calls == []


def test_modified_session_sets_signed_cookie_with_attributes() -> None:
    app = StubApp(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/p",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
        SESSION_COOKIE_HTTPONLY=False,
    )
    session = SecureCookieSession()
    session["user"] = "ann"
    response = save(session, app)
    ((name, value, options),) = response.set_calls
    assert name == "sid"
    assert options == {
        "expires": None,
        "httponly": False,
        "domain": "example.test",
        "path": "/p",
        "secure": True,
        "partitioned": True,
        "samesite": "Lax",
    }
    assert response.vary == {"Cookie"}
    reopened = SecureCookieSessionInterface().open_session(app, StubRequest({"sid": value}))  # type: ignore[arg-type]
    assert reopened == {"user": "ann"}


def test_permanent_session_is_refreshed_with_expiry() -> None:
    session = SecureCookieSession({"_permanent": True, "a": 1})
    response = save(session)
    ((_, _, options),) = response.set_calls
    assert options["expires"] is not None
    assert options["expires"] > datetime.now(timezone.utc) + timedelta(days=30)
    assert response.vary == {"Cookie"}

    no_refresh = StubApp(SESSION_REFRESH_EACH_REQUEST=False)
    response = save(SecureCookieSession({"_permanent": True, "a": 1}), no_refresh)
    assert response.set_calls == [] and response.vary == set()


def test_emptied_session_deletes_cookie() -> None:
    app = StubApp(SESSION_COOKIE_DOMAIN="example.test", SESSION_COOKIE_SAMESITE="Strict")
    session = SecureCookieSession({"user": "ann"})
    session.pop("user")
    response = save(session, app)
    assert response.set_calls == []
    ((name, options),) = response.delete_calls
    assert name == "session"
    assert options == {
        "domain": "example.test",
        "path": "/",
        "secure": False,
        "partitioned": False,
        "samesite": "Strict",
        "httponly": True,
    }
    assert response.vary == {"Cookie"}


# --- interoperability with Flask's interface (same secret key) ------------------------------


def test_flask_reads_our_cookie_and_we_read_flasks() -> None:
    app = StubApp(secret_key="shared")
    data = {
        "user": "ann",
        "roles": ("a", "b"),
        "raw": b"\x01",
        "when": datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
    }

    ours = SecureCookieSessionInterface()
    session = ours.open_session(app, StubRequest())  # type: ignore[arg-type]
    assert session is not None
    session.update(data)
    response = StubResponse()
    ours.save_session(app, session, response)  # type: ignore[arg-type]
    ((_, our_cookie, _),) = response.set_calls

    theirs = FlaskInterface()
    assert dict(theirs.open_session(app, StubRequest({"session": our_cookie}))) == data  # type: ignore[arg-type,call-overload]
    flask_cookie = theirs.get_signing_serializer(app).dumps(data)  # type: ignore[arg-type,union-attr]
    assert dict(ours.open_session(app, StubRequest({"session": flask_cookie}))) == data  # type: ignore[arg-type,call-overload]
