"""Templates: folders (the seeds' Case 1 and Case 2), autoescaping, context, errors."""

from __future__ import annotations

import logging
import os
import sys
import typing as t
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound, TemplatesNotFound, TemplateSyntaxError
from markupsafe import Markup

import hipflask as fw
from hipflask import signals, templating

APPS_DIR = Path(__file__).resolve().parent / "apps" / "templates_static"
if str(APPS_DIR) not in sys.path:
    sys.path.insert(0, str(APPS_DIR))

import ts_module_app  # noqa: E402
import ts_package_app  # noqa: E402


def folder_app(tmp_path: Path, files: dict[str, str], **options: t.Any) -> t.Any:
    """An app whose template folder is *tmp_path*, filled with *files*."""
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return fw.Flask(__name__, template_folder=str(tmp_path), **options)


# --- where templates are found --------------------------------------------


def test_case_1_templates_next_to_a_module() -> None:
    client = ts_module_app.create_app(fw).test_client()
    page = client.get("/hello/").get_data(as_text=True)
    assert "<title>Hello from Flask</title>" in page
    assert "<h1>Hello, World!</h1>" in page
    assert "<h1>Hello Ada!</h1>" in client.get("/hello/Ada").get_data(as_text=True)


def test_case_2_templates_inside_a_package() -> None:
    client = ts_package_app.create_app(fw).test_client()
    page = client.get("/hello/Ada").get_data(as_text=True)
    assert "<title>Hello from a package</title>" in page
    assert "Package says hello to Ada" in page


def test_template_folder_argument_relative_to_the_root_path() -> None:
    client = ts_module_app.create_app(fw, template_folder="alt_templates").test_client()
    assert client.get("/hello/Ada").get_data(as_text=True).strip() == (
        "<p>alternative folder greets Ada</p>"
    )


def test_template_folder_absolute(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {"page.html": "absolute {{ 1 + 1 }}"})
    with app.app_context():
        assert fw.render_template("page.html") == "absolute 2"


def test_templates_in_subfolders_and_inheritance(tmp_path: Path) -> None:
    app = folder_app(
        tmp_path,
        {
            "layout.html": "<main>{% block body %}{% endblock %}</main>",
            "pages/child.html": '{% extends "layout.html" %}{% block body %}{{ x }}{% endblock %}',
        },
    )
    with app.app_context():
        assert fw.render_template("pages/child.html", x="<i>") == "<main>&lt;i&gt;</main>"


def test_first_existing_of_a_list_and_template_objects(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {"b.html": "B"})
    with app.app_context():
        assert fw.render_template(["a.html", "b.html"]) == "B"
        template = app.jinja_env.get_template("b.html")
        assert fw.render_template(template) == "B"


def test_blueprint_templates_after_the_app(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "bp").mkdir()
    (tmp_path / "app" / "shared.html").write_text("from the app")
    (tmp_path / "bp" / "shared.html").write_text("from the blueprint")
    (tmp_path / "bp" / "only_bp.html").write_text("only in the blueprint")
    app = fw.Flask(__name__, template_folder=str(tmp_path / "app"))
    bp = fw.Blueprint("bp", __name__, template_folder=str(tmp_path / "bp"))
    app.register_blueprint(bp)
    with app.app_context():
        assert fw.render_template("shared.html") == "from the app"
        assert fw.render_template("only_bp.html") == "only in the blueprint"
        assert set(app.jinja_env.list_templates()) == {"shared.html", "only_bp.html"}


# --- autoescaping (exactly Flask 3.1's rule) ---------------------------------

ESCAPED = ["x.html", "x.htm", "x.xml", "x.xhtml", "x.svg", "dir/x.html"]
NOT_ESCAPED = ["x.txt", "x.jinja", "x.j2", "x.csv", "x.js", "x.HTML", "x.html.txt", "x"]


@pytest.mark.parametrize("name", ESCAPED + NOT_ESCAPED)
def test_autoescape_by_extension(tmp_path: Path, name: str) -> None:
    app = folder_app(tmp_path, {name: "{{ value }}"})
    with app.app_context():
        out = fw.render_template(name, value="<b>&'\"")
    if name in ESCAPED:
        assert out == "&lt;b&gt;&amp;&#39;&#34;"
    else:
        assert out == "<b>&'\""


def test_string_templates_are_escaped() -> None:
    app = fw.Flask(__name__)
    with app.app_context():
        assert fw.render_template_string("{{ v }}", v="<script>") == "&lt;script&gt;"


def test_markup_safe_filter_and_autoescape_block_pass_through() -> None:
    app = fw.Flask(__name__)
    with app.app_context():
        assert fw.render_template_string("{{ v }}", v=Markup("<b>ok</b>")) == "<b>ok</b>"
        assert fw.render_template_string("{{ v|safe }}", v="<b>ok</b>") == "<b>ok</b>"
        assert fw.render_template_string("{{ v|e }}", v=Markup("<b>")) == "<b>"
        source = "{% autoescape false %}{{ v }}{% endautoescape %}"
        assert fw.render_template_string(source, v="<b>") == "<b>"


def test_select_jinja_autoescape_is_overridable(tmp_path: Path) -> None:
    class TxtEscapingApp(fw.Flask):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            return True

    (tmp_path / "t.txt").write_text("{{ v }}")
    app = TxtEscapingApp(__name__, template_folder=str(tmp_path))
    with app.app_context():
        assert fw.render_template("t.txt", v="<") == "&lt;"


# --- the template context ------------------------------------------------------


def test_default_context_in_a_request() -> None:
    app = fw.Flask(__name__)
    app.secret_key = "test"
    app.config["GREETING"] = "hi"

    @app.route("/page/<int:n>")
    def page(n: int) -> str:
        fw.g.user = "ada"
        fw.session["seen"] = True
        fw.flash("saved")
        return fw.render_template_string(
            "{{ config.GREETING }}|{{ request.path }}|{{ request.args.q }}|{{ g.user }}"
            "|{{ session.seen }}|{{ url_for('page', n=2) }}|{{ get_flashed_messages()|join }}"
        )

    body = app.test_client().get("/page/1?q=x").get_data(as_text=True)
    assert body == "hi|/page/1|x|ada|True|/page/2|saved"


def test_default_context_processor_uses_real_objects() -> None:
    app = fw.Flask(__name__)
    with app.test_request_context("/x"):
        ctx = templating._default_template_ctx_processor()
        assert ctx["request"] is fw.request._get_current_object()
        assert ctx["g"] is fw.g._get_current_object()
    with app.app_context():
        assert set(templating._default_template_ctx_processor()) == {"g"}


def test_context_outside_a_request_has_config_and_g() -> None:
    app = fw.Flask(__name__)
    app.config["NAME"] = "cfg"
    with app.app_context():
        fw.g.x = 1
        assert fw.render_template_string("{{ config.NAME }}{{ g.x }}") == "cfg1"


def test_context_processors_and_explicit_values_win() -> None:
    app = fw.Flask(__name__)

    @app.context_processor
    def extra() -> dict[str, t.Any]:
        return {"who": "processor", "shout": lambda s: s.upper()}

    with app.app_context():
        assert fw.render_template_string("{{ who }} {{ shout('x') }}") == "processor X"
        assert fw.render_template_string("{{ who }}", who="explicit") == "explicit"


def test_blueprint_context_processor_only_for_its_requests() -> None:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__)

    @bp.context_processor
    def bp_only() -> dict[str, str]:
        return {"area": "blueprint"}

    @bp.route("/in")
    def inside() -> str:
        return fw.render_template_string("{{ area }}")

    @app.route("/out")
    def outside() -> str:
        return fw.render_template_string("{{ area }}")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/in").get_data(as_text=True) == "blueprint"
    assert client.get("/out").get_data(as_text=True) == ""


def test_filters_tests_and_globals() -> None:
    app = fw.Flask(__name__)

    @app.template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_filter("twice")
    def double(s: str) -> str:
        return s * 2

    app.add_template_filter(str.upper, "up")

    @app.template_test()
    def even(n: int) -> bool:
        return n % 2 == 0

    @app.template_global()
    def answer() -> int:
        return 42

    app.add_template_global(lambda: "g2", "second")

    assert app.jinja_env.filters["reverse"] is reverse
    assert "even" in app.jinja_env.tests
    with app.app_context():
        out = fw.render_template_string(
            "{{ 'abc'|reverse }} {{ 'x'|twice }} {{ 'a'|up }} {{ 4 is even }}"
            " {{ 3 is even }} {{ answer() }} {{ second() }}"
        )
    assert out == "cba xx A True False 42 g2"


def test_jinja_env_is_shared_and_editable() -> None:
    app = fw.Flask(__name__)
    assert app.jinja_env is app.jinja_env
    assert isinstance(app.jinja_env, templating.Environment)
    assert app.jinja_env.app is app
    app.jinja_env.globals["site"] = "example"
    app.jinja_env.filters["shout"] = lambda s: s + "!"
    with app.app_context():
        assert fw.render_template_string("{{ site|shout }}") == "example!"


def test_jinja_options() -> None:
    class TrimmingApp(fw.Flask):
        jinja_options = {"trim_blocks": True, "line_statement_prefix": "%"}

    app = TrimmingApp(__name__)
    assert app.jinja_env.trim_blocks
    with app.app_context():
        source = "% for i in range(2)\n{{ i }}\n% endfor\n"
        assert fw.render_template_string(source) == "0\n1\n"


def test_jinja_options_set_on_the_instance_before_first_use() -> None:
    app = fw.Flask(__name__)
    app.jinja_options = {"autoescape": False}
    with app.app_context():
        assert fw.render_template_string("{{ v }}", v="<") == "<"


def test_tojson_uses_the_app_json_provider() -> None:
    app = fw.Flask(__name__)
    with app.app_context():
        out = fw.render_template_string("{{ d|tojson }}", d={"b": "</script>", "a": 1})
    assert out == '{"a": 1, "b": "\\u003c/script\\u003e"}'


# --- TEMPLATES_AUTO_RELOAD -------------------------------------------------------


def test_auto_reload_follows_debug_unless_configured() -> None:
    assert fw.Flask(__name__).jinja_env.auto_reload is False
    debug_app = fw.Flask(__name__)
    debug_app.debug = True
    assert debug_app.jinja_env.auto_reload is True
    forced = fw.Flask(__name__)
    forced.config["TEMPLATES_AUTO_RELOAD"] = True
    assert forced.jinja_env.auto_reload is True
    off = fw.Flask(__name__)
    off.config["TEMPLATES_AUTO_RELOAD"] = False
    off.debug = True
    assert off.jinja_env.auto_reload is False


@pytest.mark.parametrize("reload", [True, False])
def test_edited_template_is_picked_up_only_with_auto_reload(tmp_path: Path, reload: bool) -> None:
    app = folder_app(tmp_path, {"page.html": "version one"})
    app.config["TEMPLATES_AUTO_RELOAD"] = reload
    page = tmp_path / "page.html"
    with app.app_context():
        assert fw.render_template("page.html") == "version one"
        page.write_text("version two")
        stat = page.stat()
        # a different mtime whatever the file system's clock resolution
        os.utime(page, (stat.st_atime, stat.st_mtime + 10))
        expected = "version two" if reload else "version one"
        assert fw.render_template("page.html") == expected


# --- errors ---------------------------------------------------------------------


def test_missing_template_names_the_template_and_the_folders(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {})
    bp_folder = tmp_path / "bp_templates"
    app.register_blueprint(fw.Blueprint("bp", __name__, template_folder=str(bp_folder)))
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        fw.render_template("missing.html")
    assert info.value.name == "missing.html"
    message = str(info.value)
    assert "missing.html" in message
    assert str(tmp_path) in message
    assert f"{bp_folder} (missing)" in message


def test_missing_template_from_a_list_names_the_folders(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {})
    with app.app_context(), pytest.raises(TemplatesNotFound) as info:
        fw.render_template(["a.html", "b.html"])
    message = str(info.value)
    assert "a.html" in message and "b.html" in message
    assert str(tmp_path) in message


def test_missing_include_names_the_folders(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {"page.html": "{% include 'part.html' %}"})
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        fw.render_template("page.html")
    assert "part.html" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_missing_template_is_a_500_through_the_app(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {})

    @app.route("/")
    def index() -> str:
        return fw.render_template("nope.html")

    assert app.test_client().get("/").status_code == 500


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {"bad.html": "line one\n{% for x in y %}\n{{ x }\n"})
    with app.app_context(), pytest.raises(TemplateSyntaxError) as info:
        fw.render_template("bad.html")
    assert info.value.lineno == 3
    assert info.value.filename == str(tmp_path / "bad.html")
    message = str(info.value)
    assert str(tmp_path / "bad.html") in message
    assert "line 3" in message


def test_syntax_error_in_a_string_template_names_the_line() -> None:
    app = fw.Flask(__name__)
    with app.app_context(), pytest.raises(TemplateSyntaxError) as info:
        fw.render_template_string("ok\n{% if %}")
    assert "line 2" in str(info.value)
    assert "template string" in str(info.value)


def test_rendering_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        fw.render_template_string("x")
    with pytest.raises(RuntimeError, match="application context"):
        fw.render_template("x.html")


def test_explain_template_loading(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = folder_app(tmp_path, {"here.html": "x"})
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO), app.app_context():
        assert fw.render_template("here.html") == "x"
        with pytest.raises(TemplateNotFound):
            fw.render_template("gone.html")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "'here.html'" in text
    assert str(tmp_path / "here.html") in text
    assert "'gone.html'" in text
    assert "No loader has this template" in text


# --- streaming and signals --------------------------------------------------------


def test_stream_template_keeps_the_request_context(tmp_path: Path) -> None:
    app = folder_app(
        tmp_path, {"s.html": "{% for i in items %}{{ i }}-{{ request.path }};{% endfor %}"}
    )

    @app.route("/stream")
    def stream() -> t.Any:
        return fw.Response(fw.stream_template("s.html", items=[1, 2]))

    @app.route("/stream-string")
    def stream_string() -> t.Any:
        return fw.Response(fw.stream_template_string("{{ a }}{{ request.path }}", a="<"))

    client = app.test_client()
    assert client.get("/stream").get_data(as_text=True) == "1-/stream;2-/stream;"
    assert client.get("/stream-string").get_data(as_text=True) == "&lt;/stream-string"


def test_stream_template_outside_a_request() -> None:
    app = fw.Flask(__name__)
    with app.app_context():
        assert "".join(fw.stream_template_string("{{ 1 }}{{ 2 }}")) == "12"


def test_render_signals(tmp_path: Path) -> None:
    app = folder_app(tmp_path, {"sig.html": "{{ v }}"})
    events: list[tuple[str, str | None, t.Any]] = []

    def before(sender: t.Any, template: t.Any, context: dict[str, t.Any], **kw: t.Any) -> None:
        assert sender is app
        events.append(("before", template.name, context["v"]))

    def after(sender: t.Any, template: t.Any, context: dict[str, t.Any], **kw: t.Any) -> None:
        events.append(("after", template.name, context["v"]))

    with (
        signals.before_render_template.connected_to(before, app),
        signals.template_rendered.connected_to(after, app),
        app.app_context(),
    ):
        fw.render_template("sig.html", v=1)
        "".join(fw.stream_template("sig.html", v=2))
    assert events == [
        ("before", "sig.html", 1),
        ("after", "sig.html", 1),
        ("before", "sig.html", 2),
        ("after", "sig.html", 2),
    ]


def test_module_exposes_flask_names() -> None:
    for name in (
        "Environment",
        "DispatchingJinjaLoader",
        "render_template",
        "render_template_string",
        "stream_template",
        "stream_template_string",
        "TemplateNotFound",
        "Template",
    ):
        assert hasattr(templating, name), name
