"""Templates: the same app rendered by hipflask and by the real Flask, compared."""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

import flask
import pytest
from markupsafe import Markup

import hipflask

APPS_DIR = Path(__file__).resolve().parent.parent / "apps" / "templates_static"
if str(APPS_DIR) not in sys.path:
    sys.path.insert(0, str(APPS_DIR))

import ts_module_app  # noqa: E402
import ts_package_app  # noqa: E402

NAMES = [
    "",
    "Ada",
    "<img src=x onerror=alert(1)>",
    "Tom & Jerry",
    "'single' \"double\"",
    "Grüße 日本",
]


def get(app: t.Any, url: str) -> tuple[int, str, str | None]:
    response = app.test_client().get(url)
    return (
        response.status_code,
        response.get_data(as_text=True),
        response.headers.get("Content-Type"),
    )


@pytest.mark.parametrize(
    "module", [ts_module_app, ts_package_app], ids=["case1-module", "case2-package"]
)
@pytest.mark.parametrize("name", NAMES)
def test_seed_hello_template(module: t.Any, name: str) -> None:
    url = f"/hello/{name}" if name else "/hello/"
    assert get(module.create_app(hipflask), url) == get(module.create_app(flask), url)


STRING_CASES: list[tuple[str, dict[str, t.Any]]] = [
    ("{{ v }}", {"v": "<b>&amp;</b>"}),
    ("{{ v }}", {"v": Markup("<b>safe</b>")}),
    ("{{ v|safe }}", {"v": "<i>trusted</i>"}),
    ("{{ v|e }}", {"v": "<>"}),
    ("{% autoescape false %}{{ v }}{% endautoescape %}", {"v": "<raw>"}),
    ("{{ v|tojson }}", {"v": {"b": "</script>", "a": [1, 2.5, None, True], "c": "é"}}),
    ("<a title='{{ v }}'>", {"v": "x' onmouseover='alert(1)"}),
    ("{{ v|striptags }}|{{ v|length }}", {"v": "<p>text</p>"}),
    ("{{ config.DEBUG }} {{ request.path }} {{ url_for('hello', name='x y') }}", {}),
    ("{{ get_flashed_messages() }}", {}),
    ("{{ session.get('k', 'none') }}", {}),
]


@pytest.mark.parametrize(("source", "context"), STRING_CASES)
def test_render_template_string(source: str, context: dict[str, t.Any]) -> None:
    def render(framework: t.Any) -> str:
        app = ts_module_app.create_app(framework)
        with app.test_request_context("/page"):
            return t.cast(str, framework.render_template_string(source, **context))

    assert render(hipflask) == render(flask)


EXTENSIONS = [
    ".html",
    ".htm",
    ".xml",
    ".xhtml",
    ".svg",
    ".txt",
    ".jinja",
    ".j2",
    ".HTML",
    ".md",
    "",
]


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_autoescape_by_extension(tmp_path: Path, extension: str) -> None:
    (tmp_path / f"t{extension}").write_text("{{ v }}|{{ m }}")

    def render(framework: t.Any) -> str:
        app = framework.Flask("ts_module_app", template_folder=str(tmp_path))
        with app.app_context():
            return t.cast(
                str,
                framework.render_template(f"t{extension}", v="<&>\"'", m=Markup("<ok>")),
            )

    assert render(hipflask) == render(flask)


def test_streamed_template(tmp_path: Path) -> None:
    (tmp_path / "s.html").write_text("{% for i in items %}<{{ i }}>{% endfor %}")

    def stream(framework: t.Any) -> tuple[int, bytes]:
        app = framework.Flask("ts_module_app", template_folder=str(tmp_path))
        app.add_url_rule(
            "/",
            "s",
            lambda: framework.Response(framework.stream_template("s.html", items=["a", "<b>"])),
        )
        response = app.test_client().get("/")
        return response.status_code, response.get_data()

    assert stream(hipflask) == stream(flask)
