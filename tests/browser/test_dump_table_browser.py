"""The debugger console's ``dump()`` table, laid out by a real (headless) Chromium.

The table is the debugger's own markup (``DebugReprGenerator.dump_locals``) inside the
console's containers, styled by the debugger's own stylesheet, at a laptop-like width. Long
values must wrap in their column; variable names must stay on one line. Uses Debian's
/usr/bin/chromium; never downloads a browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import hipflask
from hipflask.debug.repr import DebugReprGenerator

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CSS = Path(hipflask.__file__).parent / "debug" / "shared" / "debugger.css"


def test_dump_names_stay_on_one_line(tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get)")
    from playwright import sync_api  # in the test extra; a missing one must fail, not skip

    namespace = {
        "request_environment": {"HTTP_USER_AGENT": "Mozilla/5.0 " * 20, "PATH_INFO": "/"},
        "configuration_values": list(range(200)),
        "x": 1,
        "a_rather_long_variable_name": "s" * 300,
    }
    table = DebugReprGenerator().dump_locals(namespace)
    page_file = tmp_path / "dump.html"
    page_file.write_text(
        f"<!doctype html><meta charset=utf-8><style>{CSS.read_text(encoding='utf-8')}</style>"
        "<div class=console><div class=console-output><div class=console-entry>"
        f"{table}</div></div></div>",
        encoding="utf-8",
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 700})
            page.goto(page_file.as_uri())
            cells = page.eval_on_selector_all(
                ".box th",
                """cells => cells.map(cell => {
                    const range = document.createRange();
                    range.selectNodeContents(cell);
                    return {name: cell.textContent, lines: range.getClientRects().length,
                            width: cell.getBoundingClientRect().width,
                            text: range.getBoundingClientRect().width};
                })""",
            )
            values = page.eval_on_selector_all(
                ".box td", "cells => cells.map(cell => cell.getBoundingClientRect().right)"
            )
            box_right = page.eval_on_selector(".box", "box => box.getBoundingClientRect().right")
        finally:
            browser.close()

    assert [cell["name"] for cell in cells] == list(namespace)
    for cell in cells:
        assert cell["lines"] == 1, cell  # the name is not broken across lines
        assert cell["width"] >= cell["text"], cell
    # The long values wrap inside the box rather than pushing the table out of it.
    assert max(values) <= box_right + 1
