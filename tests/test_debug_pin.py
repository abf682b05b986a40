"""PIN generation (hipflask.debug.pin) and the PIN cookie / host checks (hipflask.debug.auth)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from hipflask.debug.auth import PIN_TIME, PinCookie, host_is_trusted, pins_equal
from hipflask.debug.pin import format_pin, get_machine_id, get_pin_and_cookie_name, hash_pin

APPS = Path(__file__).parent / "apps" / "debug"
PIN_RE = re.compile(r"^\d{3}-\d{3}-\d{3}$")


@pytest.fixture(autouse=True)
def _no_pin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLASK_DEBUG_PIN", raising=False)


def _app(import_name: str = "shop", root_path: str = "/srv/shop") -> object:
    return types.SimpleNamespace(import_name=import_name, root_path=root_path)


def test_pin_format_and_stability() -> None:
    app = _app()
    pin, cookie = get_pin_and_cookie_name(app)
    assert pin is not None and PIN_RE.match(pin)
    assert re.fullmatch(r"__hfd[0-9a-f]{20}", cookie)
    assert get_pin_and_cookie_name(app) == (pin, cookie)
    assert get_pin_and_cookie_name(_app()) == (pin, cookie)  # same facts, same PIN


def test_different_apps_get_different_pins() -> None:
    assert get_pin_and_cookie_name(_app("shop"))[0] != get_pin_and_cookie_name(_app("blog"))[0]
    assert (
        get_pin_and_cookie_name(_app(root_path="/a"))[1]
        != get_pin_and_cookie_name(_app(root_path="/b"))[1]
    )


def test_pin_is_stable_across_processes() -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import wsgi_failing;"
        "from hipflask.debug.pin import get_pin_and_cookie_name;"
        "print(*get_pin_and_cookie_name(wsgi_failing.app))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, str(APPS)],
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert PIN_RE.match(runs[0][0])


def test_env_sets_the_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = get_pin_and_cookie_name(_app())[1]
    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", "111-222-333")
    assert get_pin_and_cookie_name(_app()) == ("111-222-333", cookie)
    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", "123456789")
    assert get_pin_and_cookie_name(_app())[0] == "123-456-789"
    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", "12345678")
    assert get_pin_and_cookie_name(_app())[0] == "1234-5678"


def test_env_turns_the_pin_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("off", "OFF"):
        monkeypatch.setenv("HIPFLASK_DEBUG_PIN", value)
        pin, cookie = get_pin_and_cookie_name(_app())
        assert pin is None and cookie.startswith("__hfd")


def test_malformed_env_pin_is_reported_and_ignored(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    generated = get_pin_and_cookie_name(_app())[0]
    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", "hunter2")
    with caplog.at_level(logging.WARNING, logger="hipflask.debug"):
        assert get_pin_and_cookie_name(_app())[0] == generated
    assert "HIPFLASK_DEBUG_PIN" in caplog.text


def test_machine_id_and_helpers() -> None:
    if sys.platform.startswith("linux"):
        assert isinstance(get_machine_id(), bytes)
    assert format_pin("123456789") == "123-456-789"
    assert format_pin("12") == "12"
    assert hash_pin("1") != hash_pin("2")
    assert pins_equal(" 123-456-789 ", "123456789")
    assert not pins_equal("123-456-788", "123-456-789")
    assert not pins_equal("", "123-456-789")


# -- the cookie --------------------------------------------------------------------------


def test_cookie_round_trip_and_attributes() -> None:
    cookie = PinCookie("__hfdtest", key=b"k" * 32)
    header = cookie.header("111-222-333", secure=False)
    name, _, rest = header.partition("=")
    value = rest.split(";")[0]
    assert name == "__hfdtest"
    attributes = [part.strip() for part in header.split(";")[1:]]
    assert "HttpOnly" in attributes and "SameSite=Strict" in attributes and "Path=/" in attributes
    assert f"Max-Age={PIN_TIME}" in attributes
    assert any(a.startswith("Expires=") and a.endswith("GMT") for a in attributes)
    assert "Secure" not in attributes and "Secure" in cookie.header("1", secure=True)
    assert cookie.is_valid(value, "111-222-333")
    assert cookie.read(f"a=b; __hfdtest={value}; c=d") == value
    assert cookie.read("x__hfdtest=1; a=b") is None


def test_cookie_is_bound_to_the_pin_and_the_key() -> None:
    cookie = PinCookie("c", key=b"a" * 32)
    value = cookie.value_for("111-222-333")
    assert not cookie.is_valid(value, "999-888-777")  # PIN changed
    assert not PinCookie("c", key=b"b" * 32).is_valid(value, "111-222-333")  # other run


def _flip(text: str) -> str:
    """*text* with its last character changed."""
    return text[:-1] + ("B" if text[-1] == "A" else "A")


def test_forged_and_tampered_cookies_fail() -> None:
    pin = "111-222-333"
    cookie = PinCookie("c", key=b"a" * 32)
    value = cookie.value_for(pin)
    payload, stamp, signature = value.split(".")
    forged = [
        # Werkzeug's scheme: timestamp|hash, computable from public facts.
        f"{int(time.time())}|{hash_pin(pin)}",
        hash_pin(pin),
        f"{payload}.{stamp}.",
        f"{payload}.{stamp}.{'A' * len(signature)}",
        f"{_flip(payload)}.{stamp}.{signature}",
        f"{payload}.{_flip(stamp)}.{signature}",
        "",
        "x" * 5000,
        "..",
    ]
    for candidate in forged:
        assert not cookie.is_valid(candidate, pin), candidate


def test_cookie_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = PinCookie("c", key=b"a" * 32)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - PIN_TIME - 60)
    old = cookie.value_for("1")
    monkeypatch.setattr(time, "time", real_time)
    assert not cookie.is_valid(old, "1")
    assert cookie.is_valid(cookie.value_for("1"), "1")


def test_each_run_gets_its_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLASK_RUN_MAIN", raising=False)
    first, second = PinCookie("c"), PinCookie("c")
    assert not second.is_valid(first.value_for("1"), "1")


def test_reloader_child_inherits_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLASK_RUN_MAIN", raising=False)
    parent = PinCookie("c")  # leaves its key in the environment for a child
    monkeypatch.setenv("HIPFLASK_RUN_MAIN", "true")
    child = PinCookie("c")
    assert child.is_valid(parent.value_for("1"), "1")


# -- hosts -------------------------------------------------------------------------------

DEFAULT = [".localhost", "127.0.0.1", "::1"]


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:5000",
        "LOCALHOST:5000",
        "localhost.",
        "app.localhost:8000",
        "127.0.0.1",
        "127.0.0.1:8080",
        "[::1]",
        "[::1]:5000",
    ],
)
def test_loopback_hosts_are_trusted(host: str) -> None:
    assert host_is_trusted(host, DEFAULT)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example",
        "evil.example:5000",
        "localhost.evil.example",
        "localhost.evil.example:5000",
        "evillocalhost",
        "127.0.0.1.nip.io",
        "127.0.0.2",
        "0.0.0.0",
        "[::2]:5000",
        "::1",
        "localhost:5000@evil.example",
        "localhost evil.example",
        "localhost\r\nX: y",
        "localhost:abc",
        "[::1",
        "xn--localhost-.example",
    ],
)
def test_other_hosts_are_not(host: str | None) -> None:
    assert not host_is_trusted(host, DEFAULT)


def test_configured_hosts() -> None:
    hosts = [*DEFAULT, "dev.example", "[fe80::1]", "box.test:5000", ".lan"]
    assert host_is_trusted("dev.example:5000", hosts)
    assert host_is_trusted("[fe80::1]:5000", hosts)
    assert host_is_trusted("box.test", hosts)
    assert host_is_trusted("pi.lan", hosts)
    assert not host_is_trusted("sub.dev.example", hosts)
    assert not host_is_trusted("dev.example.evil", hosts)
