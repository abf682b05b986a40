"""The example blog in a real headless Chromium against a real ``hipflask ... run`` process.

A newcomer's first session, click by click: register, log in, write a post, see it listed
with its flash message, log out. The server is started as the example's README says (from
a copy of examples/blog, so its instance folder lands in tmp_path, not the repository).
Uses Debian's /usr/bin/chromium; never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
import sys
import typing as t
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for _procs
from _procs import procs

pytestmark = pytest.mark.slow

BLOG_DIR = Path(__file__).resolve().parents[2] / "examples" / "blog"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def blog_server(tmp_path: Path) -> t.Iterator[str]:
    """``hipflask --app blog run --port N`` in a copy of examples/blog; yields its URL."""
    site = tmp_path / "site"
    shutil.copytree(BLOG_DIR, site, ignore=shutil.ignore_patterns("instance", "__pycache__"))
    port = procs.free_port()
    proc = procs.start(procs.hipflask("--app", "blog", "run", "--port", str(port)), site)
    try:
        status, body = procs.wait_until_serving(proc, port)
        assert status == 200 and b"Hipflask Blog" in body
        # The first start created the database in the copy's own instance folder.
        assert (site / "instance" / "blog.sqlite").exists()
        yield f"http://127.0.0.1:{port}"
    except BaseException:
        print(proc.stdout, proc.stderr)  # shown by pytest with the failure
        raise
    finally:
        proc.stop()


@pytest.fixture
def page(tmp_path: Path) -> t.Iterator[t.Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get)")
    from playwright import sync_api  # in the test extra; a missing one must fail, not skip

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser.new_page(viewport={"width": 1000, "height": 720})
        finally:
            browser.close()


def test_first_hour_in_the_browser(blog_server: str, page: t.Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed: list[tuple[int, str]] = []  # every 4xx/5xx the browser saw, favicon included
    page.on(
        "response",
        lambda r: r.status >= 400 and failed.append((r.status, r.url.removeprefix(blog_server))),
    )

    response = page.goto(blog_server + "/")
    assert response is not None and response.status == 200
    expect(page).to_have_title("Posts · Hipflask Blog")
    expect(page.locator(".empty")).to_contain_text("No posts yet.")
    # The stylesheet loaded and applies (the page background is its warm off-white).
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 244, 239)"

    page.click("text=Register")
    expect(page).to_have_title("Register · Hipflask Blog")
    page.fill("#username", "ada")
    page.fill("#password", "analytical engine")
    page.click("button:has-text('Create account')")
    expect(page).to_have_url(blog_server + "/auth/login")
    expect(page.locator(".flash-success")).to_have_text("Your account is ready. Please log in.")

    page.fill("#username", "ada")
    page.fill("#password", "wrong password")
    page.click("form.form button")
    expect(page.locator(".flash-error")).to_have_text("Incorrect username or password.")
    page.fill("#username", "ada")
    page.fill("#password", "analytical engine")
    page.click("form.form button")
    expect(page).to_have_url(blog_server + "/")
    expect(page.locator(".flash-success")).to_have_text("Welcome back, ada!")
    expect(page.locator("nav .who")).to_have_text("Signed in as ada")

    page.click("text=New post")
    expect(page).to_have_title("New post · Hipflask Blog")
    page.fill("#title", "Notes on the engine")
    page.fill("#body", "It might compose elaborate pieces of music.\nOf any degree of complexity.")
    page.click("button:has-text('Publish')")
    expect(page).to_have_url(blog_server + "/")
    expect(page.locator(".flash-success")).to_have_text("Your post is published.")
    article = page.locator("article.post")
    expect(article).to_have_count(1)
    expect(article.locator("h2")).to_have_text("Notes on the engine")
    expect(article.locator(".meta")).to_contain_text("by ada on ")
    expect(article.locator("a.edit")).to_be_visible()
    page.screenshot(path=str(shots / "posts.png"))

    page.click("button:has-text('Log out')")
    expect(page).to_have_url(blog_server + "/")
    expect(page.locator(".flash-info")).to_have_text("You have been logged out.")
    expect(page.locator("nav")).to_contain_text("Log in")
    expect(article.locator("h2")).to_have_text("Notes on the engine")
    expect(article.locator("a.edit")).to_have_count(0)

    response = page.goto(blog_server + "/no-such-page")
    assert response is not None and response.status == 404
    expect(page.locator(".error-page h1")).to_have_text("Not Found")
    page.screenshot(path=str(shots / "not-found.png"))

    for shot in ("posts.png", "not-found.png"):
        assert (shots / shot).stat().st_size > 10_000
    assert errors == []
    assert failed == [(400, "/auth/login"), (404, "/no-such-page")]
