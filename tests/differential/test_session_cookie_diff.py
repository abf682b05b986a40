"""hipflask's own session cookie codec (hipflask.session_cookie) against Flask 3.1.3.

Both frameworks save the same session with the same keys at the same second and must produce
the same cookie bytes; each reads the other's cookies; tampered, expired and malformed cookies
give both an empty session, and hipflask never raises for them.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import flask
import flask.sessions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner
from markupsafe import Markup

import hipflask
import hipflask.sessions
from hipflask.session_cookie import CookieCodec

NOW = 1_764_800_000
KEY = b'_5#y2L"F4Q8z\n\xec]/'


@pytest.fixture(autouse=True)
def frozen_clocks(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, NOW)


def set_clock(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: seconds)
    monkeypatch.setattr("hipflask.session_cookie.now", lambda: seconds)


def make_app(fw: Any, interface: Any = None, **config: Any) -> Any:
    app = fw.Flask("cookie_diff")
    app.secret_key = KEY
    app.config.update(config)
    if interface is not None:
        app.session_interface = interface
    return app


def save(app: Any, data: dict[str, Any]) -> str:
    """The session cookie value ``app`` writes for ``data``."""
    with app.test_request_context("/"):
        iface = app.session_interface
        session = iface.session_class(data)
        session.modified = True
        response = app.response_class()
        iface.save_session(app, session, response)
        header = response.headers["Set-Cookie"]
    assert header.startswith("session=")
    return str(header[len("session=") :].split(";", 1)[0])


def load(app: Any, value: str) -> dict[str, Any] | None:
    """The session ``app`` opens from a cookie value (None: Flask raised)."""
    with app.test_request_context("/", headers={"Cookie": f"session={value}"}):
        try:
            session = app.session_interface.open_session(app, flask.request)
        except Exception:
            return None
        return dict(session)


def hip_load(app: Any, value: str) -> dict[str, Any]:
    with app.test_request_context("/", headers={"Cookie": f"session={value}"}):
        session = app.session_interface.open_session(app, hipflask.request)
        assert session is not None
        return dict(session)


PAYLOADS: dict[str, dict[str, Any]] = {
    "small": {"n": 1},
    "empty-ish": {"_permanent": True},
    "unicode": {"name": "Zoë \u00e9\u4e2d\u6587 \U0001f600", "k\u00e9y": "\u2028\u2029"},
    "tuple": {"t": (1, "two", (3.5, None))},
    "bytes": {"b": b"\x00\xff binary \x80"},
    "markup": {"m": Markup("<b>bold</b> &amp;")},
    "datetime": {"d": datetime(2024, 2, 29, 13, 14, 15, tzinfo=timezone.utc)},
    "uuid": {"u": UUID("12345678-1234-5678-1234-567812345678")},
    "dict-with-tag-key": {"x": {" t": "not a tuple"}, "y": {" t": [1, 2]}},
    "nested": {"l": [{"a": [1, 2, {"b": (b"x",)}]}, [], {}], "f": 1.5, "neg": -3, "z": False},
    "large-compressible": {"items": ["same text again and again"] * 60},
    "large-random": {"r": random.Random(7).randbytes(1500).hex()},
}


def assert_same(a: Any, b: Any) -> None:
    assert a == b
    assert type(a) is type(b)
    if isinstance(a, dict):
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_cookie_bytes_identical_and_read_both_ways(name: str) -> None:
    data = PAYLOADS[name]
    happ, fapp = make_app(hipflask), make_app(flask)
    assert isinstance(happ.session_interface._codec(happ), CookieCodec)
    ours, theirs = save(happ, data), save(fapp, data)
    assert ours == theirs
    if name.startswith("large-compressible"):
        assert ours.startswith(".")  # the zlib branch was taken
    if name == "small":
        assert not ours.startswith(".")
    assert_same(hip_load(happ, theirs), load(fapp, theirs))
    assert_same(load(fapp, ours), data)


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers(-(2**60), 2**60)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=30)
            | st.binary(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.tuples(inner, inner)
                | st.dictionaries(st.text(max_size=5), inner, max_size=4)
            ),
            max_leaves=25,
        ),
        max_size=6,
    ),
    st.integers(0, 2**34),  # itsdangerous turns the stamp into a datetime: before year 10000
)
@settings(max_examples=150, deadline=None)
def test_random_sessions_identical(data: dict[str, Any], stamp: int) -> None:
    codec = CookieCodec([KEY], "cookie-session", hipflask.sessions.session_json_serializer)
    reference = flask.sessions.SecureCookieSessionInterface().get_signing_serializer(
        make_app(flask)
    )
    assert reference is not None
    with pytest.MonkeyPatch.context() as mp:
        set_clock(mp, stamp)
        ours = codec.dumps(data)
        assert ours == reference.dumps(data)
        ok, back = codec.loads(ours, None)
    assert ok
    assert back == reference.loads(ours)


# --- expiry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "age", "accepted"),
    [
        (None, 0, True),
        (None, 31 * 86400, True),  # exactly the default lifetime: still valid
        (None, 31 * 86400 + 1, False),
        (60, 60, True),
        (60, 61, False),
        (60, -1, False),  # dated in the future
        (None, -3600, False),
    ],
)
def test_expiry(
    monkeypatch: pytest.MonkeyPatch, lifetime: int | None, age: int, accepted: bool
) -> None:
    config = {} if lifetime is None else {"PERMANENT_SESSION_LIFETIME": timedelta(seconds=lifetime)}
    happ, fapp = make_app(hipflask, **config), make_app(flask, **config)
    set_clock(monkeypatch, NOW - age)
    value = save(fapp, {"user": "ann"})
    assert save(happ, {"user": "ann"}) == value
    set_clock(monkeypatch, NOW)
    expected = {"user": "ann"} if accepted else {}
    assert hip_load(happ, value) == expected
    assert load(fapp, value) == expected


def test_codec_max_age_none_accepts_any_age(monkeypatch: pytest.MonkeyPatch) -> None:
    codec = CookieCodec([KEY], "cookie-session", hipflask.sessions.session_json_serializer)
    set_clock(monkeypatch, 1000)
    value = codec.dumps({"a": 1})
    set_clock(monkeypatch, NOW)
    assert codec.loads(value, None) == (True, {"a": 1})
    ok, reason = codec.loads(value, 10)
    assert not ok and "expired" in reason


# --- key rotation --------------------------------------------------------------------------


def test_fallback_keys_verify_and_current_key_signs() -> None:
    config = {"SECRET_KEY_FALLBACKS": ["oldest", b"old"]}
    happ, fapp = make_app(hipflask, **config), make_app(flask, **config)
    for old in ("oldest", b"old"):
        old_app = make_app(flask)
        old_app.secret_key = old
        value = save(old_app, {"v": 1})
        assert hip_load(happ, value) == {"v": 1} == load(fapp, value)
    assert save(happ, {"v": 2}) == save(fapp, {"v": 2})
    stranger = make_app(flask)
    stranger.secret_key = "someone else"
    assert hip_load(happ, save(stranger, {"v": 3})) == {}
    # Rotated out: the old key alone does not verify a cookie of the new key.
    old_only = make_app(hipflask)
    old_only.secret_key = "oldest"
    assert hip_load(old_only, save(fapp, {"v": 4})) == {}


def test_str_and_bytes_key_give_the_same_cookie() -> None:
    happ, fapp = make_app(hipflask), make_app(flask)
    happ.secret_key = fapp.secret_key = "clé secrète"
    value = save(fapp, {"a": "b"})
    assert save(happ, {"a": "b"}) == value
    happ.secret_key = "clé secrète".encode()
    assert save(happ, {"a": "b"}) == value
    assert hip_load(happ, value) == {"a": "b"}


# --- tampering and garbage ----------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed_raw(app: Any, payload: str) -> str:
    """A correctly signed cookie around an arbitrary payload string (as Flask's signer)."""
    serializer = flask.sessions.SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer.make_signer().sign(payload.encode()).decode()


INFLATED = b'{"a":"' + b"x" * 200_000 + b'"}'


def tampered_values() -> dict[str, str]:
    fapp = make_app(flask)
    good = save(fapp, {"user": "ann", "admin": False})
    big = save(fapp, PAYLOADS["large-compressible"])
    payload, stamp, sig = good.split(".")
    values = {
        "empty-signature": f"{payload}.{stamp}.",
        "no-dots": payload,
        "one-dot": f"{payload}.{sig}",
        "truncated": good[:-3],
        "truncated-payload": good[3:],
        "bad-base64-signature": f"{payload}.{stamp}.!!!*",
        "signature-one-char-too-many": f"{payload}.{stamp}.{sig}A",
        "bad-base64-timestamp": f"{payload}.@@.{sig}",
        "garbage": "definitely not a cookie",
        "only-dots": "...",
        "latin-1": "\u00e9\u00e8.\u00ff.\u00a0",
        "oversized": "A" * 10_000 + "." + stamp + "." + sig,
        "swapped-payload": _b64(b'{"admin":true}') + f".{stamp}.{sig}",
        "compressed-flag-added": f".{good}",
        "compressed-flag-removed": big[1:],
        # correctly signed, but the content cannot be decoded: only the key holder can do
        # this, yet it must still be an empty session rather than an error
        "signed-bad-base64-payload": _signed_raw(fapp, "a"),  # one character: invalid
        "signed-bad-zlib": _signed_raw(fapp, "." + _b64(b"not zlib at all")),
        "signed-not-json": _signed_raw(fapp, _b64(b"{not json")),
        "signed-not-utf8": _signed_raw(fapp, _b64(b'{"a":"\xff"}')),
        "signed-list": _signed_raw(fapp, _b64(b"[1,2]")),
        "signed-long-timestamp": _sign_with_stamp(fapp, _b64(b'{"a":1}'), b"\x01" * 9),
        "signed-empty-timestamp": _sign_with_stamp(fapp, _b64(b'{"a":1}'), b""),
        "signed-large-inflated": _signed_raw(fapp, "." + _b64(zlib.compress(INFLATED))),
    }
    for i in range(len(sig)):  # every signature character flipped
        flipped = "B" if sig[i] != "B" else "C"
        values[f"flip-sig-{i}"] = f"{payload}.{stamp}.{sig[:i]}{flipped}{sig[i + 1 :]}"
    for i in range(len(payload)):
        flipped = "B" if payload[i] != "B" else "C"
        values[f"flip-payload-{i}"] = f"{payload[:i]}{flipped}{payload[i + 1 :]}.{stamp}.{sig}"
    return values


def _sign_with_stamp(app: Any, payload: str, stamp: bytes) -> str:
    serializer = flask.sessions.SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    signer = serializer.make_signer()
    value = f"{payload}.{_b64(stamp)}".encode()
    return (value + b"." + signer.get_signature(value)).decode()


TAMPERED = tampered_values()


@pytest.mark.parametrize("name", list(TAMPERED))
def test_tampered_cookie_same_outcome_never_raises(name: str) -> None:
    value = TAMPERED[name]
    happ, fapp = make_app(hipflask), make_app(flask)
    ours = hip_load(happ, value)
    theirs = load(fapp, value)
    # Flask's open_session lets some errors out of itsdangerous (a 500 there); hipflask gives
    # an empty session for all of them.
    assert ours == (theirs if theirs is not None else {})
    tampered = name.startswith(("flip-", "signed-", "truncated", "bad-", "swapped", "compressed-"))
    if tampered and name != "signed-large-inflated":
        assert ours == {}


@pytest.mark.filterwarnings("ignore:The 'session' cookie is:UserWarning")  # "oversized"
def test_tampered_cookie_through_a_request_is_a_fresh_session() -> None:
    app = make_app(hipflask)

    @app.route("/")
    def index() -> str:
        return repr(dict(hipflask.session))

    client = app.test_client()
    for value in list(TAMPERED.values())[:40]:
        client.set_cookie("session", value)
        response = client.get("/")
        assert response.status_code == 200


def test_surrogates_in_the_cookie_value_are_rejected() -> None:
    codec = CookieCodec([KEY], "cookie-session", hipflask.sessions.session_json_serializer)
    ok, _ = codec.loads("abc\udcff.def.ghi", 100)
    assert not ok


# --- customised interfaces go through itsdangerous -----------------------------------------


def custom_interfaces(fw: Any) -> dict[str, Any]:
    base = fw.sessions.SecureCookieSessionInterface

    class Salted(base):  # type: ignore[misc, valid-type]
        salt = "other-salt"

    class Sha256(base):  # type: ignore[misc, valid-type]
        digest_method = staticmethod(hashlib.sha256)

    class Concat(base):  # type: ignore[misc, valid-type]
        key_derivation = "django-concat"

    class Plain(base):  # type: ignore[misc, valid-type]
        serializer = __import__("json")

    return {"salt": Salted(), "sha256": Sha256(), "concat": Concat(), "json": Plain()}


@pytest.mark.parametrize("name", ["salt", "sha256", "concat", "json"])
def test_customised_interfaces_stay_compatible(name: str) -> None:
    happ = make_app(hipflask, custom_interfaces(hipflask)[name])
    fapp = make_app(flask, custom_interfaces(flask)[name])
    codec = happ.session_interface._codec(happ)
    # A custom salt still uses the direct codec (the format is the same); the rest do not.
    assert isinstance(codec, CookieCodec) == (name == "salt")
    value = save(fapp, {"k": "v"})
    assert save(happ, {"k": "v"}) == value
    assert hip_load(happ, value) == {"k": "v"}
    if name != "json":  # plain JSON is the same format as the default's
        assert hip_load(make_app(hipflask), value) == {}


def test_overridden_get_signing_serializer_is_used() -> None:
    calls: list[int] = []

    class Counting(hipflask.sessions.SecureCookieSessionInterface):
        def get_signing_serializer(self, app: Any) -> Any:
            calls.append(1)
            return super().get_signing_serializer(app)

    happ = make_app(hipflask, Counting())
    value = save(happ, {"k": 1})
    assert hip_load(happ, value) == {"k": 1}
    assert len(calls) == 2
    assert value == save(make_app(flask), {"k": 1})


def test_clock_is_real_when_not_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    codec = CookieCodec([KEY], "cookie-session", hipflask.sessions.session_json_serializer)
    value = codec.dumps({"a": 1})
    stamp = base64.urlsafe_b64decode(value.split(".")[1] + "==")
    assert abs(int.from_bytes(stamp, "big") - time.time()) < 5
