"""The in-browser debugger in a real (headless) Chromium against a real server process.

Starts ``hipflask --app failing_app run --debug`` on a free loopback port, opens the failing
URL, checks the traceback, unlocks the console with the PIN the server printed (after a
wrong PIN is refused), evaluates an expression over a local variable of the failing view,
and checks that ``--no-debug`` gives the plain 500 page. Uses Debian's /usr/bin/chromium;
never downloads a browser.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import hipflask

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APPS = Path(__file__).resolve().parent.parent / "apps" / "debug"
NOTES_SCREENSHOT = Path("/work/notes/debugger.png")
PIN_RE = re.compile(r"\* Debugger PIN: (\d{3}-\d{3}-\d{3})")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server process in its own session, stopped through its pid's process group."""

    def __init__(self, command: list[str], log_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HIPFLASK_")}
        env.update(NO_COLOR="1", PYTHONUNBUFFERED="1")
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=APPS,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the reloader's child joins this group
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = 20) -> re.Match[str]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = regex.search(self.output())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"server never printed {regex.pattern!r}:\n{self.output()}")

    def wait_listening(self, port: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"server never listened on {port}:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def start_server(tmp_path: Path, debug: bool) -> tuple[Server, int]:
    """``hipflask --app failing_app run --debug|--no-debug`` on a free port (with --debug
    the reloader runs too, as a developer would have it)."""
    port = _free_port()
    flag = "--debug" if debug else "--no-debug"
    hipflask_dir = Path(hipflask.__file__).resolve().parent
    command = [
        *(sys.executable, "-m", "hipflask", "--app", "failing_app", "run", flag),
        *("--port", str(port)),
        # Only the app may trigger a reload: edits to hipflask itself (a shared checkout)
        # would restart the server, and forget the traceback, in the middle of the test.
        *("--exclude-patterns", f"{hipflask_dir}{os.sep}*"),
    ]
    server = Server(command, tmp_path / f"server{flag}.log")
    server.wait_listening(port)
    return server, port


@pytest.fixture
def browser_context(tmp_path: Path) -> t.Iterator[t.Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get)")
    from playwright import sync_api  # in the test extra; a missing one must fail, not skip

    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def test_debugger_in_the_browser(tmp_path: Path, browser_context: t.Any) -> None:
    from playwright.sync_api import expect

    server, port = start_server(tmp_path, debug=True)
    try:
        assert "Debug mode: on" in server.output()
        pin = server.wait_for(PIN_RE).group(1)  # printed at start-up
        page = browser_context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        response = page.goto(f"http://localhost:{port}/fail")
        assert response is not None and response.status == 500
        expect(page.locator("h1.exc-type")).to_have_text("ValueError")
        expect(page.locator(".exc-message")).to_contain_text("no values for <b>guest</b> (42)")
        view = page.locator(
            "details.frame", has=page.locator("code.function", has_text=re.compile(r"^fail$"))
        )
        expect(view.first).to_be_visible()
        expect(view.first.locator(".line.current")).to_contain_text("average([])")
        expect(
            page.locator("code.function", has_text=re.compile(r"^average$")).first
        ).to_be_visible()
        expect(page.locator(".chain-divider")).to_contain_text("direct cause")
        # The message is text, not markup.
        assert page.locator(".exc-message b").count() == 0

        # A console needs the PIN; a wrong one is refused.
        view.last.locator(".console-button").click()
        expect(page.locator("#pin-prompt")).to_be_visible()
        page.fill("#pin-input", "000-000-000")
        page.click("#pin-submit")
        expect(page.locator("#pin-error")).to_contain_text("Wrong PIN")
        expect(page.locator(".console")).to_have_count(0)

        page.fill("#pin-input", pin)
        page.click("#pin-submit")
        expect(page.locator("#pin-prompt")).to_be_hidden()
        console_input = view.last.locator(".console input")
        expect(console_input).to_be_visible()

        console_input.fill("answer * 2")
        console_input.press("Enter")
        output = view.last.locator(".console-output")
        expect(output).to_contain_text(">>> answer * 2\n84")
        console_input.fill("visitor.upper()")
        console_input.press("Enter")
        expect(output).to_contain_text("'<B>GUEST</B>'")
        assert output.locator("b").count() == 0
        console_input.fill("request.args.get('name', 'no-name')")
        console_input.press("Enter")
        expect(output).to_contain_text("'no-name'")

        shot = tmp_path / "debugger.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        try:
            shutil.copyfile(shot, NOTES_SCREENSHOT)
        except OSError:
            pass  # only the lead's machine has /work/notes

        # The application console: the cookie from the PIN above unlocks it directly.
        page.goto(f"http://localhost:{port}/console")
        expect(page.locator("h1")).to_have_text("Interactive console")
        app_input = page.locator("#app-console .console input")
        expect(app_input).to_be_visible()
        expect(page.locator("#pin-prompt")).to_be_hidden()
        app_input.fill("app.name")
        app_input.press("Enter")
        expect(page.locator("#app-console .console-output")).to_contain_text("'failing_app'")
        assert errors == []
    except BaseException:
        print(server.output())  # shown by pytest with the failure
        raise
    finally:
        server.stop()


def test_no_debug_shows_the_plain_page(tmp_path: Path, browser_context: t.Any) -> None:
    server, port = start_server(tmp_path, debug=False)
    try:
        assert "Debug mode: off" in server.output()
        page = browser_context.new_page()
        response = page.goto(f"http://localhost:{port}/fail")
        assert response is not None and response.status == 500
        html = page.content()
        assert "Internal Server Error" in html
        for leak in (
            "Traceback",
            "ValueError",
            "average",
            "failing_app",
            str(APPS),
            "guest",
            "console",
            "__debugger__",
        ):
            assert leak not in html, leak
        # Debugger URLs do nothing either.
        url = f"http://localhost:{port}/fail?__debugger__=yes&cmd=resource&f=debugger.js"
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=10)
        assert caught.value.code == 500
        caught.value.close()
    except BaseException:
        print(server.output())  # shown by pytest with the failure
        raise
    finally:
        server.stop()
