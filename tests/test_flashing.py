"""Message flashing: recorded in one request, shown once in the next, also from templates."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from hipflask import (
    Flask,
    flash,
    get_flashed_messages,
    redirect,
    render_template_string,
    session,
    url_for,
)
from hipflask.signals import message_flashed


def make_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "flash-key"

    @app.route("/flash/<category>/<message>")
    def do_flash(category: str, message: str) -> str:
        flash(message, category)
        return "flashed"

    @app.route("/flash-default/<message>")
    def do_flash_default(message: str) -> str:
        flash(message)
        return "flashed"

    @app.route("/show")
    def show() -> str:
        return "|".join(get_flashed_messages())

    @app.route("/show-categories")
    def show_categories() -> str:
        return "|".join(f"{c}:{m}" for c, m in get_flashed_messages(with_categories=True))

    @app.route("/show-errors")
    def show_errors() -> str:
        return "|".join(get_flashed_messages(category_filter=["error"]))

    return app


@pytest.fixture()
def client() -> Any:
    return make_app().test_client()


def test_flash_shown_once_in_next_request(client: Any) -> None:
    assert client.get("/flash-default/hello").text == "flashed"
    assert client.get("/show").text == "hello"
    assert client.get("/show").text == ""


def test_messages_keep_order_and_accumulate(client: Any) -> None:
    client.get("/flash/info/one")
    client.get("/flash/error/two")
    client.get("/flash-default/three")
    assert client.get("/show-categories").text == "info:one|error:two|message:three"
    assert client.get("/show-categories").text == ""


def test_category_filter_consumes_all(client: Any) -> None:
    client.get("/flash/info/one")
    client.get("/flash/error/two")
    client.get("/flash/error/three")
    assert client.get("/show-errors").text == "two|three"
    assert client.get("/show").text == ""  # the filtered-out message was consumed too


def test_same_messages_for_every_call_in_a_request() -> None:
    app = make_app()

    @app.route("/twice")
    def twice() -> str:
        first = get_flashed_messages()
        second = get_flashed_messages(with_categories=True)
        third = get_flashed_messages(category_filter=(c for c in ["warning"]))
        return repr((first, second, third))

    client = app.test_client()
    client.get("/flash/warning/w")
    client.get("/flash/info/i")
    assert client.get("/twice").text == repr((["w", "i"], [("warning", "w"), ("info", "i")], ["w"]))


def test_flash_then_read_in_same_request_caches_before_flash() -> None:
    # Flask semantics: the first get_flashed_messages() of a request fixes the list; a flash
    # made afterwards waits for the next request.
    app = make_app()

    @app.route("/mixed")
    def mixed() -> str:
        before = get_flashed_messages()
        flash("later")
        after = get_flashed_messages()
        return repr((before, after))

    client = app.test_client()
    client.get("/flash-default/early")
    assert client.get("/mixed").text == repr((["early"], ["early"]))
    assert client.get("/show").text == "later"


def test_messages_live_in_the_session() -> None:
    app = make_app()
    client = app.test_client()
    client.get("/flash/error/boom")
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("error", "boom")]
    response = client.get("/show")
    # Consuming the last message empties the session: the cookie is removed.
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("session=;")
    assert "cookie" in response.headers["Vary"].lower()


def test_no_messages_sets_no_cookie(client: Any) -> None:
    response = client.get("/show")
    assert response.text == ""
    assert response.headers.getlist("Set-Cookie") == []
    assert "cookie" in response.headers["Vary"].lower()


def test_flash_redirect_pattern() -> None:
    app = Flask(__name__)
    app.secret_key = "k"

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{% with messages = get_flashed_messages(with_categories=true) %}"
            "{% for category, message in messages %}"
            "<p class={{ category }}>{{ message }}</p>"
            "{% endfor %}{% endwith %}"
        )

    @app.route("/login", methods=["POST"])
    def login() -> Any:
        flash("You were <b>successfully</b> logged in", "success")
        flash(Markup("Welcome <b>back</b>"), "info")
        return redirect(url_for("index"))

    client = app.test_client()
    page = client.post("/login", follow_redirects=True)
    assert page.text == (
        "<p class=success>You were &lt;b&gt;successfully&lt;/b&gt; logged in</p>"
        "<p class=info>Welcome <b>back</b></p>"
    )
    assert client.get("/").text == ""


def test_template_filtered_messages() -> None:
    app = make_app()

    @app.route("/tpl")
    def tpl() -> str:
        return render_template_string(
            "{{ get_flashed_messages(category_filter=['error'])|join(',') }}"
            "/{{ get_flashed_messages()|join(',') }}"
        )

    client = app.test_client()
    client.get("/flash/error/e1")
    client.get("/flash/info/i1")
    assert client.get("/tpl").text == "e1/e1,i1"


def test_message_flashed_signal() -> None:
    app = make_app()
    received: list[tuple[Any, str, str]] = []

    def record(sender: Any, message: str, category: str, **extra: Any) -> None:
        received.append((sender, message, category))

    with message_flashed.connected_to(record, app):
        app.test_client().get("/flash/info/signal")
    assert received == [(app, "signal", "info")]


def test_signal_name_matches_flask() -> None:
    assert message_flashed.name == "message-flashed"


def test_flash_without_secret_key_says_how_to_fix() -> None:
    app = Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> str:
        flash("x")
        return ""

    with pytest.raises(RuntimeError, match=r"app\.secret_key"):
        app.test_client().get("/")


def test_get_flashed_messages_without_secret_key_is_empty() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return repr(get_flashed_messages())

    assert app.test_client().get("/").text == "[]"


def test_flash_in_test_request_context() -> None:
    app = make_app()
    with app.test_request_context("/"):
        flash("a", "error")
        flash("b")
        assert session["_flashes"] == [("error", "a"), ("message", "b")]
        assert get_flashed_messages(with_categories=True) == [("error", "a"), ("message", "b")]
        assert "_flashes" not in session


def test_reexported_from_helpers() -> None:
    import hipflask.helpers

    assert hipflask.helpers.flash is flash
    assert hipflask.helpers.get_flashed_messages is get_flashed_messages
