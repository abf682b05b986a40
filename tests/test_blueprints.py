"""Blueprints: prefixes, names, nesting, relative url_for, hooks, error handlers, static files.

Every test runs on Flask (oracle) and hipflask through the ``fw`` fixture.
"""

from __future__ import annotations

import itertools
import typing as t
from pathlib import Path

import pytest
from _core_fw import FW, fw_fixture

fw = fw_fixture()
_names = itertools.count()


def new_app(fw: FW, **kw: t.Any) -> t.Any:
    return fw.Flask(f"h8bp_{fw.name}_{next(_names)}", root_path=kw.pop("root_path", "."), **kw)


def rules(app: t.Any) -> dict[str, str]:
    return {r.endpoint: r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"}


# ------------------------------------------------------------------------ prefixes, names


def test_url_prefix_combinations(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/admin")
    bp.add_url_rule("/", "index", lambda: "i")
    bp.add_url_rule("/users", "users", lambda: "u")
    bp.add_url_rule("", "bare", lambda: "b")
    slash = fw.Blueprint("slash", __name__, url_prefix="/s/")
    slash.add_url_rule("/x", "x", lambda: "x")
    slash.add_url_rule("/", "root", lambda: "r")
    none = fw.Blueprint("none", __name__)
    none.add_url_rule("/plain", "plain", lambda: "p")
    app.register_blueprint(bp)
    app.register_blueprint(slash)
    app.register_blueprint(none)
    app.register_blueprint(none, url_prefix="/other", name="none2")
    assert rules(app) == {
        "bp.index": "/admin/",
        "bp.users": "/admin/users",
        "bp.bare": "/admin",
        "slash.x": "/s/x",
        "slash.root": "/s/",
        "none.plain": "/plain",
        "none2.plain": "/other/plain",
    }


def test_register_url_prefix_overrides_blueprint(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/a")
    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp, url_prefix="/b")
    assert rules(app) == {"bp.x": "/b/x"}
    assert app.test_client().get("/b/x").text == "x"
    assert app.test_client().get("/a/x").status_code == 404


def test_blueprint_names(fw: FW) -> None:
    with pytest.raises(ValueError):
        fw.Blueprint("a.b", __name__)
    with pytest.raises(ValueError):
        fw.Blueprint("", __name__)
    bp = fw.Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.add_url_rule("/", "a.b", lambda: "")

    def view() -> str:
        return ""

    view.__name__ = "has.dot"
    with pytest.raises(ValueError):
        bp.add_url_rule("/", view_func=view)


def test_duplicate_registration_name(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)
    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp)
    with pytest.raises(ValueError) as info:
        app.register_blueprint(bp)
    assert "bp" in str(info.value)
    other = fw.Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        app.register_blueprint(other)
    app.register_blueprint(bp, name="bp2", url_prefix="/2")
    assert set(app.blueprints) == {"bp", "bp2"}
    assert list(app.iter_blueprints()) == [bp, bp]
    assert app.test_client().get("/2/x").text == "x"


def test_endpoint_names_and_request_blueprint(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/item")
    def item() -> t.Any:
        return {
            "endpoint": fw.request.endpoint,
            "bp": fw.request.blueprint,
            "bps": fw.request.blueprints,
        }

    @app.route("/root")
    def root() -> t.Any:
        return {
            "endpoint": fw.request.endpoint,
            "bp": fw.request.blueprint,
            "bps": fw.request.blueprints,
        }

    app.register_blueprint(bp)
    c = app.test_client()
    assert c.get("/shop/item").get_json() == {
        "endpoint": "shop.item",
        "bp": "shop",
        "bps": ["shop"],
    }
    assert c.get("/root").get_json() == {"endpoint": "root", "bp": None, "bps": []}


def test_blueprint_setup_after_registration(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError) as info:
        bp.route("/late")(lambda: "x")
    assert "'route'" in str(info.value)
    with pytest.raises(AssertionError):
        bp.before_request(lambda: None)


# ------------------------------------------------------------------------ nesting


def nested_app(fw: FW, log: list[str]) -> t.Any:
    app = new_app(fw)
    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__, url_prefix="/child")
    grandchild = fw.Blueprint("grand", __name__)

    for name, scaffold in (
        ("app", app),
        ("parent", parent),
        ("child", child),
        ("grand", grandchild),
    ):

        def before(name: str = name) -> None:
            log.append(f"before {name}")

        def after(resp: t.Any, name: str = name) -> t.Any:
            log.append(f"after {name}")
            return resp

        def teardown(exc: t.Any, name: str = name) -> None:
            log.append(f"teardown {name}")

        def preprocess(endpoint: t.Any, values: t.Any, name: str = name) -> None:
            log.append(f"uvp {name}")

        scaffold.before_request(before)
        scaffold.after_request(after)
        scaffold.teardown_request(teardown)
        scaffold.url_value_preprocessor(preprocess)

    @child.route("/view")
    def view() -> t.Any:
        log.append("view")
        return {
            "endpoint": fw.request.endpoint,
            "blueprint": fw.request.blueprint,
            "blueprints": fw.request.blueprints,
            "relative": fw.url_for(".view"),
            "sibling": fw.url_for(".other"),
            "absolute": fw.url_for("parent.child.view"),
        }

    @child.route("/other")
    def other() -> str:
        return "other"

    @grandchild.route("/deep")
    def deep() -> t.Any:
        return {"endpoint": fw.request.endpoint, "url": fw.url_for(".deep")}

    child.register_blueprint(grandchild, url_prefix="/g")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    return app


def test_nested_routes_and_relative_url_for(fw: FW) -> None:
    log: list[str] = []
    app = nested_app(fw, log)
    assert rules(app) == {
        "parent.child.view": "/parent/child/view",
        "parent.child.other": "/parent/child/other",
        "parent.child.grand.deep": "/parent/child/g/deep",
    }
    c = app.test_client()
    assert c.get("/parent/child/view").get_json() == {
        "endpoint": "parent.child.view",
        "blueprint": "parent.child",
        "blueprints": ["parent.child", "parent"],
        "relative": "/parent/child/view",
        "sibling": "/parent/child/other",
        "absolute": "/parent/child/view",
    }
    assert c.get("/parent/child/g/deep").get_json() == {
        "endpoint": "parent.child.grand.deep",
        "url": "/parent/child/g/deep",
    }


def test_nested_hook_order(fw: FW) -> None:
    log: list[str] = []
    app = nested_app(fw, log)
    app.test_client().get("/parent/child/view")
    assert log == [
        "uvp app",
        "uvp parent",
        "uvp child",
        "before app",
        "before parent",
        "before child",
        "view",
        "after child",
        "after parent",
        "after app",
        "teardown child",
        "teardown parent",
        "teardown app",
    ]
    log.clear()
    app.test_client().get("/nope")
    assert log == ["uvp app", "before app", "after app", "teardown app"]


def test_nested_prefix_and_registration_options(fw: FW) -> None:
    app = new_app(fw)
    parent = fw.Blueprint("p", __name__, url_prefix="/p/")
    child = fw.Blueprint("c", __name__, url_prefix="/c/")
    child.add_url_rule("/x", "x", lambda: "x")
    parent.register_blueprint(child, url_prefix="/override", name="renamed")
    app.register_blueprint(parent)
    assert rules(app) == {"p.renamed.x": "/p/override/x"}


def test_nested_blueprint_registered_twice(fw: FW) -> None:
    app = new_app(fw)
    parent = fw.Blueprint("p", __name__)
    child = fw.Blueprint("c", __name__)
    child.add_url_rule("/x", "x", lambda: fw.request.endpoint)
    parent.register_blueprint(child, url_prefix="/one")
    parent.register_blueprint(child, url_prefix="/two", name="c2")
    app.register_blueprint(parent)
    c = app.test_client()
    assert c.get("/one/x").text == "p.c.x"
    assert c.get("/two/x").text == "p.c2.x"


def test_blueprint_cannot_register_itself(fw: FW) -> None:
    bp = fw.Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.register_blueprint(bp)


# ------------------------------------------------------------------------ url_for / defaults


def test_relative_url_for_outside_blueprint(fw: FW) -> None:
    app = new_app(fw)

    @app.route("/a")
    def a() -> str:
        return fw.url_for(".b")

    @app.route("/b")
    def b() -> str:
        return "b"

    assert app.test_client().get("/a").text == "/b"


def test_blueprint_url_defaults_and_preprocessor(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("lang", __name__, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language_code(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("lang_code", fw.g.lang_code)

    @bp.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        fw.g.lang_code = values.pop("lang_code")

    @bp.route("/about")
    def about() -> str:
        return f"{fw.g.lang_code} {fw.url_for('.about')} {fw.url_for('.about', lang_code='fr')}"

    @app.route("/plain")
    def plain() -> str:
        return "g has lang" if "lang_code" in fw.g else "no lang"

    app.register_blueprint(bp)
    c = app.test_client()
    assert c.get("/de/about").text == "de /de/about /fr/about"
    assert c.get("/plain").text == "no lang"


def test_blueprint_constructor_url_defaults(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_defaults={"page": 1})

    @bp.route("/list")
    def lst(page: int) -> str:
        return f"page {page}"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="bp2", url_prefix="/two", url_defaults={"page": 2})
    c = app.test_client()
    assert c.get("/list").text == "page 1"
    assert c.get("/two/list").text == "page 2"


def test_app_level_registrations_from_blueprint(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)
    log: list[str] = []
    bp.before_app_request(lambda: log.append("before_app_request"))
    bp.after_app_request(lambda r: log.append("after_app_request") or r)
    bp.teardown_app_request(lambda e: log.append("teardown_app_request"))

    @bp.app_url_defaults
    def defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        if endpoint == "needs":
            values.setdefault("v", "filled")

    @bp.app_errorhandler(404)
    def nf(e: t.Any) -> t.Any:
        return "bp-wide 404", 404

    @app.route("/needs/<v>")
    def needs(v: str) -> str:
        return fw.url_for("needs")

    app.register_blueprint(bp)
    c = app.test_client()
    assert c.get("/needs/x").text == "/needs/filled"
    assert log == ["before_app_request", "after_app_request", "teardown_app_request"]
    assert c.get("/missing").text == "bp-wide 404"


def test_record_and_record_once(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/p")
    seen: list[t.Any] = []
    bp.record(lambda s: seen.append(("record", s.url_prefix, s.first_registration, s.app is app)))
    bp.record_once(lambda s: seen.append(("once", s.blueprint is bp)))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again", url_prefix="/q")
    assert seen == [
        ("record", "/p", True, True),
        ("once", True),
        ("record", "/q", False, True),
    ]


# ------------------------------------------------------------------------ error handlers


def test_blueprint_error_handlers_precedence(fw: FW) -> None:
    app = new_app(fw)
    parent = fw.Blueprint("parent", __name__, url_prefix="/p")
    child = fw.Blueprint("child", __name__, url_prefix="/c")

    @app.errorhandler(KeyError)
    def app_key(e: Exception) -> t.Any:
        return "app KeyError", 500

    @parent.errorhandler(KeyError)
    def parent_key(e: Exception) -> t.Any:
        return "parent KeyError", 500

    @parent.errorhandler(ValueError)
    def parent_value(e: Exception) -> t.Any:
        return "parent ValueError", 500

    @child.errorhandler(LookupError)
    def child_lookup(e: Exception) -> t.Any:
        return "child LookupError", 500

    @child.errorhandler(403)
    def child_403(e: Exception) -> t.Any:
        return "child 403", 403

    @child.route("/key")
    def key() -> str:
        raise KeyError()

    @child.route("/value")
    def value() -> str:
        raise ValueError()

    @child.route("/forbidden")
    def forbidden() -> str:
        fw.abort(403)

    @parent.route("/key")
    def pkey() -> str:
        raise KeyError()

    @app.route("/key")
    def akey() -> str:
        raise KeyError()

    @app.route("/forbidden")
    def aforbidden() -> str:
        fw.abort(403)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    c = app.test_client()
    # the innermost blueprint's handler wins, even for a less specific class
    assert c.get("/p/c/key").text == "child LookupError"
    assert c.get("/p/c/value").text == "parent ValueError"
    assert c.get("/p/c/forbidden").text == "child 403"
    assert c.get("/p/key").text == "parent KeyError"
    assert c.get("/key").text == "app KeyError"
    assert c.get("/forbidden").status_code == 403
    assert b"child 403" not in c.get("/forbidden").data


def test_blueprint_404_handler_only_for_matched_routes(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    def nf(e: t.Any) -> t.Any:
        return "bp 404", 404

    @bp.route("/abort")
    def aborted() -> str:
        fw.abort(404)

    app.register_blueprint(bp)
    c = app.test_client()
    assert c.get("/bp/abort").text == "bp 404"
    # an unmatched URL under the prefix has no blueprint: the default page
    r = c.get("/bp/unknown")
    assert r.status_code == 404 and b"bp 404" not in r.data


# ------------------------------------------------------------------------ static, subdomain


def test_blueprint_static_folder(fw: FW, tmp_path: Path) -> None:
    static = tmp_path / "bp_static"
    static.mkdir()
    (static / "style.css").write_text("body {}")
    app = new_app(fw, root_path=str(tmp_path))
    bp = fw.Blueprint(
        "admin", __name__, url_prefix="/admin", static_folder="bp_static", root_path=str(tmp_path)
    )
    bp2 = fw.Blueprint(
        "assets",
        __name__,
        static_folder="bp_static",
        static_url_path="/assets-x",
        root_path=str(tmp_path),
    )
    app.register_blueprint(bp)
    app.register_blueprint(bp2)
    c = app.test_client()
    r = c.get("/admin/bp_static/style.css")
    assert r.status_code == 200 and r.data == b"body {}"
    r.close()
    r = c.get("/assets-x/style.css")
    assert r.status_code == 200
    r.close()
    assert c.get("/admin/bp_static/../secret").status_code == 404
    with app.test_request_context():
        assert fw.url_for("admin.static", filename="style.css") == "/admin/bp_static/style.css"
        assert fw.url_for("assets.static", filename="a b.css") == "/assets-x/a%20b.css"
    assert bp.static_folder == str(static)
    assert bp.has_static_folder


def test_blueprint_subdomain(fw: FW) -> None:
    app = new_app(fw, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    bp = fw.Blueprint("api", __name__, subdomain="api")

    @bp.route("/v")
    def v() -> str:
        return "api v"

    app.register_blueprint(bp)
    c = app.test_client()
    assert c.get("/v", base_url="http://api.example.com").text == "api v"
    assert c.get("/v", base_url="http://example.com").status_code == 404
    with app.app_context():
        assert fw.url_for("api.v") == "http://api.example.com/v"


def test_blueprint_methods_and_shortcuts(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)

    @bp.post("/p")
    def p() -> str:
        return "posted"

    @bp.route("/m", methods=["PUT", "DELETE"])
    def m() -> str:
        return fw.request.method

    app.register_blueprint(bp)
    c = app.test_client()
    assert c.post("/p").text == "posted"
    assert c.get("/p").status_code == 405
    assert c.delete("/m").text == "DELETE"


def test_blueprint_view_function_collision(fw: FW) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)

    @bp.route("/a", endpoint="same")
    def a() -> str:
        return "a"

    @bp.route("/b", endpoint="same")
    def b() -> str:
        return "b"

    with pytest.raises(AssertionError):
        app.register_blueprint(bp)
