"""Class-based views (View, MethodView), on Flask (oracle) and hipflask."""

from __future__ import annotations

import functools
import itertools
import typing as t

import pytest
from _core_fw import FW, fw_fixture

fw = fw_fixture()
_names = itertools.count()


def new_app(fw: FW) -> t.Any:
    return fw.Flask(f"h8views_{fw.name}_{next(_names)}", root_path=".")


def test_view_dispatch_and_class_arguments(fw: FW) -> None:
    app = new_app(fw)

    class Greeting(fw.views.View):  # type: ignore[misc, name-defined]
        """Greets."""

        def __init__(self, greeting: str, punct: str = "!") -> None:
            self.greeting = greeting
            self.punct = punct

        def dispatch_request(self, name: str) -> str:
            return f"{self.greeting} {name}{self.punct}"

    view = Greeting.as_view("greet", "Hello", punct="?")
    app.add_url_rule("/hi/<name>", view_func=view)
    assert app.test_client().get("/hi/ann").text == "Hello ann?"
    assert view.__name__ == "greet"
    assert view.__doc__ == "Greets."
    assert view.__module__ == Greeting.__module__
    assert view.view_class is Greeting
    assert "greet" in app.view_functions


def test_init_every_request(fw: FW) -> None:
    app = new_app(fw)
    instances: list[int] = []

    class PerRequest(fw.views.View):  # type: ignore[misc, name-defined]
        def dispatch_request(self) -> str:
            instances.append(id(self))
            return "x"

    class Shared(PerRequest):
        init_every_request = False

    app.add_url_rule("/per", view_func=PerRequest.as_view("per"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    c = app.test_client()
    keep = []
    for _ in range(2):
        keep.append(c.get("/per"))
    per = instances[:]
    instances.clear()
    for _ in range(2):
        c.get("/shared")
    assert len(set(instances)) == 1
    assert len(per) == 2


def test_view_methods_and_options(fw: FW) -> None:
    app = new_app(fw)

    class PostOnly(fw.views.View):  # type: ignore[misc, name-defined]
        methods = ["POST"]

        def dispatch_request(self) -> str:
            return fw.request.method

    class NoAutoOptions(fw.views.View):  # type: ignore[misc, name-defined]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "x"

    app.add_url_rule("/post", view_func=PostOnly.as_view("post"))
    app.add_url_rule("/noopt", view_func=NoAutoOptions.as_view("noopt"))
    c = app.test_client()
    assert c.post("/post").text == "POST"
    assert c.get("/post").status_code == 405
    assert c.options("/noopt").status_code == 405
    assert c.get("/noopt").text == "x"


def test_view_decorators(fw: FW) -> None:
    app = new_app(fw)
    order: list[str] = []

    def deco(tag: str) -> t.Callable[[t.Any], t.Any]:
        def wrap(f: t.Any) -> t.Any:
            @functools.wraps(f)
            def inner(**kw: t.Any) -> t.Any:
                order.append(tag)
                return f(**kw)

            return inner

        return wrap

    class Decorated(fw.views.View):  # type: ignore[misc, name-defined]
        decorators = [deco("first"), deco("second")]

        def dispatch_request(self) -> str:
            order.append("view")
            return "decorated"

    view = Decorated.as_view("decorated")
    app.add_url_rule("/d", view_func=view)
    assert app.test_client().get("/d").text == "decorated"
    # the last decorator in the list is the outermost
    assert order == ["second", "first", "view"]
    assert view.__name__ == "decorated"
    assert view.view_class is Decorated


def test_view_without_dispatch_request(fw: FW) -> None:
    app = new_app(fw)
    app.testing = True

    class Empty(fw.views.View):  # type: ignore[misc, name-defined]
        pass

    app.add_url_rule("/e", view_func=Empty.as_view("empty"))
    with pytest.raises(NotImplementedError):
        app.test_client().get("/e")


def method_view_app(fw: FW) -> t.Any:
    app = new_app(fw)

    class Item(fw.views.MethodView):  # type: ignore[misc, name-defined]
        def get(self, id: int | None = None) -> str:
            return f"get {id}"

        def post(self) -> str:
            return f"post {fw.request.form.get('x')}"

        def delete(self, id: int) -> tuple[str, int]:
            return f"deleted {id}", 202

    class ItemWithPatch(Item):
        def patch(self, id: int) -> str:
            return f"patch {id}"

    item = Item.as_view("item")
    app.add_url_rule("/items/", view_func=item, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:id>", view_func=item, methods=["GET", "DELETE"])
    app.add_url_rule("/p/<int:id>", view_func=ItemWithPatch.as_view("patchy"))
    return app, Item, ItemWithPatch


def test_method_view_dispatch(fw: FW) -> None:
    app, _, _ = method_view_app(fw)
    c = app.test_client()
    assert c.get("/items/").text == "get None"
    assert c.post("/items/", data={"x": "1"}).text == "post 1"
    assert c.get("/items/5").text == "get 5"
    r = c.delete("/items/5")
    assert (r.status_code, r.text) == (202, "deleted 5")
    assert c.put("/items/5").status_code == 405
    head = c.head("/items/5")
    assert head.status_code == 200 and head.data == b""
    assert c.patch("/p/3").text == "patch 3"


def test_method_view_methods_attribute(fw: FW) -> None:
    _, Item, ItemWithPatch = method_view_app(fw)
    assert set(Item.methods) == {"GET", "POST", "DELETE"}
    assert set(ItemWithPatch.methods) == {"GET", "POST", "DELETE", "PATCH"}
    assert set(Item.as_view("x").methods) == {"GET", "POST", "DELETE"}


def test_method_view_allow_header(fw: FW) -> None:
    app, _, _ = method_view_app(fw)
    r = app.test_client().options("/p/1")
    assert set(r.headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
        "DELETE",
        "PATCH",
        "OPTIONS",
    }


def test_method_view_explicit_methods_kept(fw: FW) -> None:
    class Explicit(fw.views.MethodView):  # type: ignore[misc, name-defined]
        methods = ["GET"]

        def get(self) -> str:
            return "g"

        def post(self) -> str:
            return "p"

    assert list(Explicit.methods) == ["GET"]
    app = new_app(fw)
    app.add_url_rule("/e", view_func=Explicit.as_view("e"))
    assert app.test_client().post("/e").status_code == 405


def test_method_view_head_uses_get(fw: FW) -> None:
    app = new_app(fw)
    calls: list[str] = []

    class OnlyGet(fw.views.MethodView):  # type: ignore[misc, name-defined]
        def get(self) -> str:
            calls.append(fw.request.method)
            return "body"

    app.add_url_rule("/g", view_func=OnlyGet.as_view("g"))
    r = app.test_client().head("/g")
    assert r.status_code == 200 and r.headers["Content-Length"] == "4" and r.data == b""
    assert calls == ["HEAD"]


def test_method_view_with_custom_head(fw: FW) -> None:
    app = new_app(fw)

    class CustomHead(fw.views.MethodView):  # type: ignore[misc, name-defined]
        def get(self) -> str:
            return "body"

        def head(self) -> t.Any:
            return fw.Response(headers={"X-Head": "1"})

    app.add_url_rule("/h", view_func=CustomHead.as_view("h"))
    assert app.test_client().head("/h").headers["X-Head"] == "1"


def test_method_view_in_blueprint(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("api", __name__, url_prefix="/api")

    class Users(fw.views.MethodView):  # type: ignore[misc, name-defined]
        def get(self) -> t.Any:
            return {"endpoint": fw.request.endpoint, "url": fw.url_for(".users")}

    bp.add_url_rule("/users", view_func=Users.as_view("users"))
    app.register_blueprint(bp)
    assert app.test_client().get("/api/users").get_json() == {
        "endpoint": "api.users",
        "url": "/api/users",
    }


def test_http_method_funcs(fw: FW) -> None:
    assert set(fw.views.http_method_funcs) == {
        "get",
        "post",
        "head",
        "options",
        "delete",
        "put",
        "trace",
        "patch",
    }
