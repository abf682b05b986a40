"""DebuggedApplication driven through a minimal WSGI harness (no hipflask core needed)."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import typing as t
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

import hipflask.debug as debug_module
from hipflask.debug import DebuggedApplication

PIN = "123-456-789"


class Result(t.NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    errors: str

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> t.Any:
        return json.loads(self.body)

    def cookie(self) -> str:
        """``name=value`` of the Set-Cookie header."""
        value = self.header("Set-Cookie")
        assert value is not None
        return value.split(";")[0]


def call(
    app: t.Callable[..., t.Iterable[bytes]],
    path: str = "/",
    *,
    method: str = "GET",
    host: str | None = "localhost:5000",
    query: dict[str, str] | str = "",
    body: bytes | dict[str, t.Any] | None = None,
    cookie: str | None = None,
    environ: dict[str, t.Any] | None = None,
) -> Result:
    """Run one request through *app* and collect everything it sent."""
    env: dict[str, t.Any] = {}
    setup_testing_defaults(env)
    env.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        QUERY_STRING=query if isinstance(query, str) else urlencode(query),
    )
    env["wsgi.errors"] = io.StringIO()
    if host is None:
        env.pop("HTTP_HOST", None)
    else:
        env["HTTP_HOST"] = host
    if body is not None:
        raw = urlencode(body).encode() if isinstance(body, dict) else body
        env["wsgi.input"] = io.BytesIO(raw)
        env["CONTENT_LENGTH"] = str(len(raw))
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    env.update(environ or {})
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], None]:
        if started and exc_info is None:
            raise AssertionError("start_response called twice without exc_info")
        if started and written:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [(status, headers)]
        return written.append

    iterable = app(env, start_response)
    try:
        for chunk in iterable:
            written.append(chunk)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    status, headers = started[0]
    return Result(int(status.split()[0]), headers, b"".join(written), env["wsgi.errors"].getvalue())


# -- applications under test -----------------------------------------------------------


def hello_app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-App", "yes")])
    return [b"hello from the app"]


side_effects: list[str] = []


def compute(total: int, count: int) -> float:
    return total / count


def failing_app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
    if environ.get("PATH_INFO") != "/fail":
        return hello_app(environ, start_response)
    answer = 42
    visitor = "<script>alert('xss')</script>"
    try:
        compute(answer, 0)
    except ZeroDivisionError as error:
        raise RuntimeError(f"bad visitor {visitor}") from error
    return []


@pytest.fixture(autouse=True)
def _fixed_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", PIN)
    monkeypatch.delenv("HIPFLASK_RUN_MAIN", raising=False)
    monkeypatch.setattr(DebuggedApplication, "pin_failure_delay", 0.0)
    side_effects.clear()


def make(app: t.Callable[..., t.Any] = failing_app, **options: t.Any) -> DebuggedApplication:
    options.setdefault("evalex", True)
    return DebuggedApplication(app, **options)


def secret_of(page: str) -> str:
    match = re.search(r'"secret": "([0-9a-f]+)"', page)
    assert match is not None
    return match.group(1)


def frame_ids(page: str) -> dict[str, int]:
    """function name -> frame id, from the rendered page (last occurrence wins)."""
    found = re.findall(r'data-frame-id="(\d+)"[^>]*><summary><code class="function">([^<]+)<', page)
    return {name.rpartition(".")[2]: int(number) for number, name in found}


def debugger(cmd: str) -> dict[str, str]:
    return {"__debugger__": "yes", "cmd": cmd}


def login(dapp: DebuggedApplication, pin: str = PIN, **kw: t.Any) -> Result:
    return call(
        dapp,
        "/fail",
        method="POST",
        query=debugger("pinauth"),
        body={"s": dapp.secret, "pin": pin},
        **kw,
    )


def run(
    dapp: DebuggedApplication, code: str, frame: int, cookie: str | None, **kw: t.Any
) -> Result:
    return call(
        dapp,
        "/fail",
        method="POST",
        query=debugger("eval"),
        body={"s": kw.pop("secret", dapp.secret), "frm": str(frame), "code": code},
        cookie=cookie,
        **kw,
    )


# -- pass-through and the traceback page -----------------------------------------------


def test_successful_responses_pass_through_untouched() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> t.Iterator[bytes]:
            yield b"a"
            yield b"b"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> Body:
        start_response("200 OK", [("X-Test", "1")])
        return Body()

    result = call(make(app), "/")
    assert (result.status, result.body, result.header("X-Test")) == (200, b"ab", "1")
    assert closed == [True]
    assert call(make(), "/anything").body == b"hello from the app"


def test_exception_gives_the_traceback_page() -> None:
    result = call(make(), "/fail")
    assert result.status == 500
    assert result.header("Content-Type") == "text/html; charset=utf-8"
    page = result.text
    assert '<h1 class="exc-type">RuntimeError</h1>' in page
    assert "bad visitor &lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "ZeroDivisionError: division by zero" in page
    assert "The above exception was the direct cause" in page
    assert __file__ in page
    assert set(frame_ids(page)) >= {"failing_app", "compute"}
    assert "compute(answer, 0)" in page
    assert "<script>alert" not in page
    # The server log gets the plain traceback too.
    assert "Traceback (most recent call last)" in result.errors
    assert "RuntimeError: bad visitor" in result.errors
    # Hardened headers: no inline script can run, no framing, no caching.
    csp = result.header("Content-Security-Policy") or ""
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert result.header("Cache-Control") == "no-store"
    # The debugger's own frame is not shown.
    assert "debug_application" not in page


def test_page_is_not_trusted_before_the_pin() -> None:
    page = call(make(), "/fail").text
    assert '"trusted": false' in page and '"evalex": true' in page


def test_resources_are_served_by_name_only() -> None:
    dapp = make()
    secret = dapp.secret
    for name, kind in [
        ("debugger.js", "text/javascript"),
        ("debugger.css", "text/css"),
        ("console.svg", "image/svg+xml"),
    ]:
        result = call(dapp, "/x", query={**debugger("resource"), "f": name, "s": secret})
        assert result.status == 200 and (result.header("Content-Type") or "").startswith(kind)
        assert result.body
        etag = result.header("ETag")
        again = call(
            dapp,
            "/x",
            query={**debugger("resource"), "f": name, "s": secret},
            environ={"HTTP_IF_NONE_MATCH": etag},
        )
        assert again.status == 304 and again.body == b""
    for name in ["../__init__.py", "../../hipflask/__init__.py", "__init__.py", "", "style.css"]:
        result = call(dapp, "/x", query={**debugger("resource"), "f": name, "s": secret})
        assert result.status == 404, name
    # Wrong or missing secret: nothing.
    assert call(dapp, "/x", query={**debugger("resource"), "f": "debugger.js"}).status == 404
    assert (
        call(dapp, "/x", query={**debugger("resource"), "f": "debugger.js", "s": "x"}).status == 404
    )


# -- PIN and cookie --------------------------------------------------------------------


def test_nothing_runs_before_the_pin() -> None:
    dapp = make()
    page = call(dapp, "/fail").text
    frame = frame_ids(page)["failing_app"]
    result = run(dapp, "side_effects.append('ran')", frame, cookie=None)
    assert result.status == 403 and b"PIN" in result.body
    assert side_effects == []


def test_pin_unlocks_the_console_with_a_signed_httponly_cookie() -> None:
    dapp = make()
    page = call(dapp, "/fail").text
    frames = frame_ids(page)

    wrong = login(dapp, "000-000-000")
    assert wrong.json() == {"auth": False, "exhausted": False}
    assert wrong.header("Set-Cookie") is None
    assert dapp.failed_pin_attempts == 1

    right = login(dapp, "123456789")  # dashes are optional
    assert right.json() == {"auth": True, "exhausted": False}
    set_cookie = right.header("Set-Cookie") or ""
    assert set_cookie.startswith(dapp.pin_cookie_name + "=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800", "Expires="):
        assert attribute in set_cookie
    cookie = right.cookie()
    assert PIN not in cookie and PIN.replace("-", "") not in cookie

    # The page now knows it is trusted, and the console runs in the frame's namespace.
    assert '"trusted": true' in call(dapp, "/fail", cookie=cookie).text
    result = run(dapp, "answer * 2", frames["failing_app"], cookie)
    assert result.status == 200 and '<span class="number">84</span>' in result.text
    assert '<span class="number">0</span>' in run(dapp, "count", frames["compute"], cookie).text


def test_console_keeps_state_and_reports_blocks() -> None:
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    cookie = login(dapp).cookie()
    assert run(dapp, "doubled = answer * 2", frame, cookie).header("X-Console-More") == "0"
    assert run(dapp, "for i in range(2):", frame, cookie).header("X-Console-More") == "1"
    run(dapp, "    doubled += 1", frame, cookie)
    run(dapp, "", frame, cookie)
    assert '<span class="number">86</span>' in run(dapp, "doubled", frame, cookie).text


def test_console_output_is_escaped() -> None:
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    cookie = login(dapp).cookie()
    out = run(dapp, "visitor", frame, cookie).text
    assert "<script>" not in out and "&lt;script&gt;" in out
    out = run(dapp, "print(visitor); raise ValueError(visitor)", frame, cookie).text
    assert "<script>" not in out and out.count("&lt;script&gt;") >= 2


def test_forged_expired_and_foreign_cookies_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    name = dapp.pin_cookie_name
    stamp = int(time.time())
    forged = [
        f"{name}={stamp}|{debug_module.hash_pin(PIN)}",  # Werkzeug's scheme from machine facts
        f"{name}={debug_module.hash_pin(PIN)}",
        f"{name}={login(make()).cookie().split('=', 1)[1]}",  # another server run's cookie
        f"other={login(dapp).cookie().split('=', 1)[1]}",  # right value, wrong name
    ]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 8 * 24 * 3600)
    forged.append(f"{name}={dapp.pin_cookie.value_for(PIN)}")  # expired a day ago
    monkeypatch.setattr(time, "time", real_time)
    for cookie in forged:
        result = run(dapp, "side_effects.append('ran')", frame, cookie)
        assert result.status == 403, cookie
    assert side_effects == []
    # Forged cookies are dropped by the PIN endpoint but not counted as guesses.
    response = login(dapp, "", cookie=forged[0])
    assert "Max-Age=0" in (response.header("Set-Cookie") or "")
    assert dapp.failed_pin_attempts == 0


def test_a_restart_voids_old_cookies_but_keeps_the_pin() -> None:
    first = make()
    cookie = login(first).cookie()
    second = make()  # same app, new process
    assert (second.pin, second.pin_cookie_name) == (first.pin, first.pin_cookie_name)
    assert not second.check_pin_trust({"HTTP_COOKIE": cookie})
    assert first.check_pin_trust({"HTTP_COOKIE": cookie})


def test_ten_wrong_pins_lock_everything() -> None:
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    cookie = login(dapp).cookie()
    for attempt in range(1, 11):
        result = login(dapp, "999-999-999")
        assert result.json() == {"auth": False, "exhausted": attempt == 10}
    # Even the right PIN is refused now, and no cookie is given out.
    locked = login(dapp)
    assert locked.json() == {"auth": False, "exhausted": True}
    assert locked.header("Set-Cookie") is None
    # A cookie that worked before the lock-out no longer does.
    assert run(dapp, "1", frame, cookie).status == 403
    assert '"trusted": false' in call(dapp, "/fail", cookie=cookie).text
    assert dapp.failed_pin_attempts == 10


def test_wrong_pins_are_slowed(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(debug_module.time, "sleep", sleeps.append)
    monkeypatch.setattr(DebuggedApplication, "pin_failure_delay", 0.5)
    dapp = make()
    for _ in range(7):
        login(dapp, "000-000-000")
    login(dapp)  # the right PIN is not delayed
    assert sleeps == [0.5] * 5 + [2.0] * 2


def test_parallel_guesses_cannot_exceed_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[str] = []
    real_compare = debug_module.pins_equal

    def counting_compare(entered: str, pin: str) -> bool:
        compared.append(entered)
        time.sleep(0.001)  # widen the window between check and count
        return real_compare(entered, pin)

    monkeypatch.setattr(debug_module, "pins_equal", counting_compare)
    dapp = make()
    threads_count = 40
    barrier = threading.Barrier(threads_count)
    answers: list[dict[str, bool]] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        barrier.wait()
        for attempt in range(3):
            answer = login(dapp, f"{n:03d}-{attempt:03d}-000").json()
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(compared) == 10
    assert dapp.failed_pin_attempts == 10
    assert sum(1 for a in answers if a["exhausted"]) >= len(answers) - 10
    assert not any(a["auth"] for a in answers)
    assert login(dapp).json() == {"auth": False, "exhausted": True}


def test_pin_off_and_pin_security_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", "off")
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    assert dapp.pin is None
    assert '<span class="number">42</span>' in run(dapp, "answer", frame, None).text
    assert login(dapp, "whatever").json()["auth"] is True

    monkeypatch.setenv("HIPFLASK_DEBUG_PIN", PIN)
    open_dapp = make(pin_security=False)
    frame = frame_ids(call(open_dapp, "/fail").text)["failing_app"]
    assert open_dapp.pin is None
    assert run(open_dapp, "answer", frame, None).status == 200


# -- hosts and secrets -----------------------------------------------------------------

UNTRUSTED = [
    "evil.example",
    "localhost.evil.example",
    "localhost.evil.example:5000",
    "127.0.0.1.nip.io",
    "[::2]:5000",
    None,
]


@pytest.mark.parametrize("host", UNTRUSTED)
def test_untrusted_hosts_get_the_plain_page(host: str | None) -> None:
    dapp = make()
    result = call(dapp, "/fail", host=host)
    assert result.status == 500
    page = result.text
    assert "Internal Server Error" in page
    for leak in (
        "RuntimeError",
        "bad visitor",
        "compute",
        __file__,
        "test_debug_middleware",
        dapp.secret,
        "debugger",
    ):
        assert leak not in page, leak
    assert "not in trusted_hosts" in result.errors  # the developer is told why


@pytest.mark.parametrize("host", UNTRUSTED)
def test_untrusted_hosts_get_no_debugger_urls(host: str | None) -> None:
    """DNS rebinding: even with the secret, a frame id and a valid cookie."""
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    cookie = login(dapp).cookie()
    result = run(dapp, "side_effects.append('ran')", frame, cookie, host=host)
    assert result.status == 404
    assert login(dapp, host=host).status == 404
    resource = call(
        dapp, "/", host=host, query={**debugger("resource"), "f": "debugger.js", "s": dapp.secret}
    )
    assert resource.status == 404
    # The console path goes to the application instead.
    console = call(dapp, "/console", host=host, cookie=cookie)
    assert console.body == b"hello from the app"
    assert side_effects == []
    assert dapp.failed_pin_attempts == 0


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1:8000", "[::1]:5000", "[::1]", "app.localhost"]
)
def test_loopback_hosts_get_the_debugger(host: str) -> None:
    assert 'class="exc-type"' in call(make(), "/fail", host=host).text


def test_configured_trusted_host() -> None:
    dapp = make()
    assert "exc-type" not in call(dapp, "/fail", host="devbox.example:5000").text
    dapp.trusted_hosts.append("devbox.example")
    assert "exc-type" in call(dapp, "/fail", host="devbox.example:5000").text


def test_wrong_secret_is_never_active() -> None:
    dapp = make()
    frame = frame_ids(call(dapp, "/fail").text)["failing_app"]
    cookie = login(dapp).cookie()
    for secret in ["", "0" * len(dapp.secret), dapp.secret[:-1], dapp.secret + "0"]:
        result = run(dapp, "side_effects.append('ran')", frame, cookie, secret=secret)
        assert result.status == 404
        assert (
            call(
                dapp,
                "/fail",
                method="POST",
                query=debugger("pinauth"),
                body={"s": secret, "pin": "000"},
            ).status
            == 404
        )
    assert side_effects == [] and dapp.failed_pin_attempts == 0
    # Another process's secret is just as wrong.
    other = make()
    assert run(dapp, "1", frame, cookie, secret=other.secret).status == 404


def test_command_requests_are_validated() -> None:
    dapp = make()
    assert call(dapp, "/", query=debugger("pinauth")).status == 405  # GET
    assert call(dapp, "/", query=debugger("nope")).status == 400
    too_big = {"s": dapp.secret, "code": "x" * (debug_module.MAX_COMMAND_BYTES + 1)}
    assert call(dapp, "/", method="POST", query=debugger("eval"), body=too_big).status == 413
    no_length = call(
        dapp, "/", method="POST", query=debugger("eval"), environ={"CONTENT_LENGTH": ""}
    )
    assert no_length.status == 411
    bad_utf8 = call(dapp, "/", method="POST", query=debugger("eval"), body=b"s=\xff\xfe")
    assert bad_utf8.status == 400
    cookie = login(dapp).cookie()
    for frm in ["abc", ""]:
        assert run(dapp, "1", t.cast(int, frm), cookie).status == 400
    assert run(dapp, "1", 987654, cookie).status == 404
    # A debugger-looking parameter that is not "yes" is the application's business.
    assert call(dapp, "/", query={"__debugger__": "no"}).body == b"hello from the app"


def test_evalex_off_serves_a_page_without_consoles() -> None:
    dapp = make(evalex=False)
    page = call(dapp, "/fail").text
    assert '"evalex": false' in page and 'id="pin-prompt"' not in page
    cookie = login(dapp).cookie()
    assert run(dapp, "1", 1, cookie).status == 403
    assert call(dapp, "/console").body == b"hello from the app"
    assert dapp.frames == {}


# -- the application console -----------------------------------------------------------


def test_console_page_and_namespace() -> None:
    calls: list[int] = []

    def init() -> dict[str, t.Any]:
        calls.append(1)
        return {"config_value": "<configured>"}

    dapp = make(console_init_func=init)
    page = call(dapp, "/console")
    assert page.status == 200 and '"consolePage": true' in page.text
    assert 'id="app-console"' in page.text
    assert run(dapp, "config_value", 0, None).status == 403
    assert calls == []  # nothing ran before the PIN
    cookie = login(dapp).cookie()
    out = run(dapp, "config_value", 0, cookie).text
    assert "&lt;configured&gt;" in out
    assert "failing_app" in run(dapp, "app", 0, cookie).text
    run(dapp, "kept = 7", 0, cookie)
    assert '<span class="number">7</span>' in run(dapp, "kept", 0, cookie).text
    assert calls == [1]


def test_console_path_can_be_moved_or_disabled() -> None:
    moved = make(console_path="/_debug/console")
    assert call(moved, "/console").body == b"hello from the app"
    assert call(moved, "/_debug/console").status == 200
    disabled = make(console_path=None)
    assert call(disabled, "/console").body == b"hello from the app"
    assert run(disabled, "1", 0, login(disabled).cookie()).status == 404


def test_request_key_renames_the_debugger_urls() -> None:
    dapp = make(request_key="_dbg")
    page = call(dapp, "/fail").text
    assert '"key": "_dbg"' in page and "?_dbg=yes&amp;cmd=resource" in page
    result = call(
        dapp,
        "/",
        method="POST",
        query={"_dbg": "yes", "cmd": "pinauth"},
        body={"s": dapp.secret, "pin": PIN},
    )
    assert result.json()["auth"] is True


# -- context preservation, late errors, hidden frames, limits ---------------------------

current_user: ContextVar[str] = ContextVar("current_user", default="nobody")


def test_preserved_contexts_are_entered_around_console_code() -> None:
    entered: list[str] = []

    @contextmanager
    def request_context() -> t.Iterator[None]:
        token = current_user.set("alice")
        entered.append("in")
        try:
            yield
        finally:
            current_user.reset(token)
            entered.append("out")

    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
        environ["hipflask.debug.preserve_context"](request_context())
        raise LookupError("no user")

    dapp = make(app)
    page = call(dapp, "/fail").text
    frame = frame_ids(page)["app"]
    cookie = login(dapp).cookie()
    out = run(dapp, "current_user.get()", frame, cookie).text
    assert "&#39;alice&#39;" in out
    assert entered == ["in", "out"]
    assert current_user.get() == "nobody"
    # Werkzeug's key is offered too, so Flask-style apps hand their context over.
    seen: list[str] = []

    def werkzeug_style(
        environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> list[bytes]:
        seen.append(str("werkzeug.debug.preserve_context" in environ))
        return hello_app(environ, start_response)

    call(make(werkzeug_style), "/")
    assert seen == ["True"]


def test_error_before_the_body_replaces_the_headers() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        raise ValueError("before any byte")
        yield b""  # pragma: no cover

    result = call(make(app), "/")
    assert result.status == 500 and "before any byte" in result.text


def test_error_after_the_body_started_is_logged() -> None:
    def html_app(
        environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> t.Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])
        yield b"<p>first part</p>"
        raise ValueError("halfway <there>")

    result = call(make(html_app), "/")
    assert result.status == 200
    assert result.body.startswith(b"<p>first part</p>")
    assert b"failed while sending this page" in result.body
    assert b"halfway" not in result.body  # no exception text in the page itself
    assert "ValueError: halfway <there>" in result.errors
    assert "after its response had started" in result.errors

    def sized_app(
        environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> t.Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "100")])
        yield b"x" * 50
        raise ValueError("halfway")

    result = call(make(sized_app), "/")
    assert result.body == b"x" * 50  # appending would break the framing


def helper_that_hides() -> None:
    __traceback_hide__ = True
    raise KeyError("hidden helper")


def test_hidden_frames_and_show_hidden_frames() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
        helper_that_hides()
        return []

    assert "helper_that_hides" not in frame_ids(call(make(app), "/").text)
    assert "helper_that_hides" in frame_ids(call(make(app, show_hidden_frames=True), "/").text)


def test_old_frames_are_dropped_past_max_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DebuggedApplication, "max_frames", 6)
    dapp = make()
    first = frame_ids(call(dapp, "/fail").text)["failing_app"]
    cookie = login(dapp).cookie()
    assert run(dapp, "1", 0, cookie).status == 200  # the app console is never dropped
    for _ in range(5):
        call(dapp, "/fail")
    assert len(dapp.frames) <= 6 and 0 in dapp.frames
    assert run(dapp, "1", first, cookie).status == 404


def test_start_up_and_printpin_log_the_pin(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hipflask.debug"):
        dapp = make()
        dapp.log_startup()
        dapp.log_startup()  # only once
        assert (
            call(
                dapp, "/", method="POST", query=debugger("printpin"), body={"s": dapp.secret}
            ).status
            == 204
        )
    lines = [record.getMessage() for record in caplog.records]
    assert lines.count(" * Debugger is active!") == 1
    assert lines.count(f" * Debugger PIN: {PIN}") == 1
    assert any(PIN in line and "unlock" in line for line in lines[2:])


def test_reloader_child_logs_at_construction(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HIPFLASK_RUN_MAIN", "true")
    with caplog.at_level(logging.INFO, logger="hipflask.debug"):
        make()
        make(pin_logging=False)
    assert [r.getMessage() for r in caplog.records].count(f" * Debugger PIN: {PIN}") == 1


# -- with the hipflask core --------------------------------------------------------------


def _core_app() -> t.Any:
    from hipflask import Flask, request

    app = Flask("debug_core_app")

    @app.route("/fail")
    def fail() -> str:
        account_password = "hunter2-local"  # noqa: F841 - must never leak
        name = request.args.get("name", "nobody")
        raise ValueError(f"secret <message> for {name}")

    return app


def test_hipflask_500_page_without_debug_leaks_nothing() -> None:
    app = _core_app()
    for host in ("localhost", "evil.example"):
        result = call(app, "/fail", host=host)
        assert result.status == 500
        assert "Internal Server Error" in result.text
        for leak in (
            "ValueError",
            "secret",
            "message",
            "hunter2",
            "Traceback",
            __file__,
            "def fail",
            "debug_core_app",
            "__debugger__",
        ):
            assert leak not in result.text, leak


def test_hipflask_app_in_the_debugger_keeps_its_request_context() -> None:
    app = _core_app()
    app.debug = True
    dapp = make(app)
    page = call(dapp, "/fail", query={"name": "<ann>"}).text
    assert "ValueError: secret &lt;message&gt; for &lt;ann&gt;" in page
    frame = frame_ids(page)["fail"]
    cookie = login(dapp).cookie()
    out = run(dapp, "request.args['name'], account_password", frame, cookie).text
    assert "&#39;&lt;ann&gt;&#39;" in out and "hunter2-local" in out


@pytest.mark.parametrize("key", ["", "a b", "x&y=1", "k#"])
def test_request_key_must_be_url_safe(key: str) -> None:
    with pytest.raises(ValueError, match="request_key"):
        DebuggedApplication(hello_app, request_key=key)
