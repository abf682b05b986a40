"""Issue 3, section 2: routing (rules, endpoints, converters, strict slashes)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hipflask_difftools import FW, Differ, Req


def build_routes(fw: FW) -> Any:
    app = fw.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "Index Page"

    @app.get("/login")
    def login_get() -> str:
        return "form"

    @app.post("/login")
    def login_post() -> str:
        return "logged in"

    @app.put("/item")
    def item_put() -> str:
        return "put"

    @app.patch("/item")
    def item_patch() -> str:
        return "patch"

    @app.delete("/item")
    def item_delete() -> str:
        return "delete"

    def plain() -> str:
        return f"plain {fw.request.endpoint}"

    app.add_url_rule("/plain", view_func=plain)
    app.add_url_rule("/named", "custom_name", plain, methods=["GET", "POST"])

    @app.route("/ep", endpoint="explicit")
    def whatever() -> str:
        return fw.request.endpoint

    @app.route("/hello/")
    @app.route("/hello/<name>")
    def hello(name: str | None = None) -> str:
        return f"hello {name}"

    @app.route("/users/", defaults={"page": 1})
    @app.route("/users/page/<int:page>")
    def users(page: int) -> str:
        return f"page {page}"

    @app.route("/projects/")
    def projects() -> str:
        return "The project page"

    @app.route("/about")
    def about() -> str:
        return "The about page"

    @app.route("/a/b/")
    def nested() -> str:
        return "nested"

    return app


def test_decorators_and_add_url_rule(diff: Differ) -> None:
    diff.check(
        build_routes,
        [
            Req("GET", "/", expect=200),
            Req("GET", "/login", expect=200),
            Req("POST", "/login", expect=200),
            Req("PUT", "/item", expect=200),
            Req("PATCH", "/item", expect=200),
            Req("DELETE", "/item", expect=200),
            Req("GET", "/item", expect=405),
            Req("GET", "/plain", expect=200),
            Req("GET", "/named", expect=200),
            Req("POST", "/named", expect=200),
            Req("GET", "/ep", expect=200),
        ],
    )


def test_several_rules_per_view_and_defaults(diff: Differ) -> None:
    diff.check(
        build_routes,
        [
            Req("GET", "/hello/", expect=200),
            Req("GET", "/hello/bob", expect=200),
            Req("GET", "/users/", expect=200),
            Req("GET", "/users/page/2", expect=200),
            # the rule's default value is canonical at the defaults rule: redirect there
            Req("GET", "/users/page/1", expect=308),
            Req("GET", "/users/page/1?x=1", expect=308),
        ],
    )


def test_strict_slashes(diff: Differ) -> None:
    diff.check(
        build_routes,
        [
            Req("GET", "/projects/", expect=200),
            Req("GET", "/projects", expect=308),
            Req("GET", "/projects?q=1&r=%20x", expect=308),
            Req("POST", "/projects", expect=404),
            Req("HEAD", "/projects", expect=308),
            Req("GET", "/about", expect=200),
            Req("GET", "/about/", expect=404),
            Req("GET", "/a/b", expect=308),
            Req(
                "GET", "/projects", client={"follow_redirects": True}, modes=("client",), expect=200
            ),
        ],
    )


def test_merge_double_slashes(diff: Differ) -> None:
    # a raw target with a double slash (the test client would read "//x" as a host)
    diff.check(
        build_routes,
        [
            Req("GET", "/a//b/", expect=308, modes=("wsgi",)),
            Req("GET", "/a//b//", expect=308, modes=("wsgi",)),
            Req("GET", "/projects//", expect=308, modes=("wsgi",)),
            Req("GET", "/x/..//about", modes=("wsgi",)),
        ],
    )


def test_endpoint_names(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = build_routes(fw)
        rules = sorted(
            (r.rule, r.endpoint, sorted(r.methods or ())) for r in app.url_map.iter_rules()
        )
        return rules, sorted(app.view_functions)

    diff.same(probe)


def test_duplicate_endpoint_is_an_assertion_error(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/a")
        def index() -> str:
            return "a"

        def other() -> str:
            return "b"

        app.add_url_rule("/b", "index", other)

    diff.same(probe, raises=AssertionError)
    # ours must name the endpoint
    try:
        probe(diff.candidate)
    except AssertionError as e:
        assert "index" in str(e)


def test_same_function_twice_is_fine(diff: Differ) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        def view() -> str:
            return "v"

        app.add_url_rule("/a", "view", view)
        app.add_url_rule("/b", "view", view)
        return app

    diff.check(build, [Req("GET", "/a", expect=200), Req("GET", "/b", expect=200)])


# ------------------------------------------------------------------------------ converters


def build_converters(fw: FW) -> Any:
    app = fw.Flask(__name__)

    def echo(**kwargs: Any) -> str:
        return " ".join(f"{k}={v!r}:{type(v).__name__}" for k, v in sorted(kwargs.items()))

    rules = [
        "/s/<v>",
        "/smin/<string(minlength=3):v>",
        "/smax/<string(maxlength=3):v>",
        "/slen/<string(length=2):v>",
        "/i/<int:v>",
        "/isigned/<int(signed=True):v>",
        "/irange/<int(min=2, max=10):v>",
        "/ifixed/<int(fixed_digits=3):v>",
        "/f/<float:v>",
        "/fsigned/<float(signed=True):v>",
        "/frange/<float(min=0.5, max=2.5):v>",
        "/p/<path:v>",
        "/pmid/<path:v>/end",
        "/u/<uuid:v>",
        "/any/<any(about, help, 'x y'):v>",
        "/two/<int:a>/<b>",
        "/mixed/x<int:v>y",
    ]
    for i, rule in enumerate(rules):
        app.add_url_rule(rule, f"r{i}", echo)
    return app


CONVERTER_CASES = [
    ("/s/abc", 200),
    ("/s/Jos%C3%A9", 200),
    ("/s/a%20b", 200),
    ("/s/a%2Fb", 404),
    ("/s/a/b", 404),
    ("/s/", 404),
    ("/smin/ab", 404),
    ("/smin/abc", 200),
    ("/smax/abcd", 404),
    ("/smax/abc", 200),
    ("/slen/ab", 200),
    ("/slen/abc", 404),
    ("/slen/a", 404),
    ("/i/42", 200),
    ("/i/0", 200),
    ("/i/007", 200),
    ("/i/-1", 404),
    ("/i/+1", 404),
    ("/i/1.5", 404),
    ("/i/abc", 404),
    ("/i/99999999999999999999999", 200),
    ("/isigned/-5", 200),
    ("/isigned/5", 200),
    ("/isigned/--5", 404),
    ("/irange/1", 404),
    ("/irange/2", 200),
    ("/irange/10", 200),
    ("/irange/11", 404),
    ("/ifixed/007", 200),
    ("/ifixed/07", 404),
    ("/ifixed/1234", 404),
    ("/f/1.5", 200),
    ("/f/0.0", 200),
    ("/f/1", 404),
    ("/f/.5", 404),
    ("/f/-1.5", 404),
    ("/f/1e5", 404),
    ("/fsigned/-1.5", 200),
    ("/frange/0.4", 404),
    ("/frange/0.5", 200),
    ("/frange/2.5", 200),
    ("/frange/2.6", 404),
    ("/p/a/b/c", 200),
    ("/p/a/b/", 200),
    ("/p/a", 200),
    ("/p/Jos%C3%A9/x%20y", 200),
    ("/pmid/a/b/end", 200),
    ("/pmid/end", 404),
    ("/u/12345678-1234-5678-1234-567812345678", 200),
    ("/u/12345678-1234-5678-1234-56781234567Z", 404),
    ("/u/12345678123456781234567812345678", 404),
    ("/u/ABCDEF12-1234-5678-1234-567812345678", 200),
    ("/any/about", 200),
    ("/any/help", 200),
    ("/any/x%20y", 200),
    ("/any/other", 404),
    ("/two/3/x", 200),
    ("/two/x/3", 404),
    ("/mixed/x12y", 200),
    ("/mixed/x12", 404),
]


@pytest.mark.parametrize(("path", "status"), CONVERTER_CASES)
def test_converters(diff: Differ, path: str, status: int) -> None:
    diff.check(build_converters, [Req("GET", path, expect=status)])


def test_uuid_converter_returns_uuid(diff: Differ) -> None:
    def probe(fw: FW) -> Any:
        app = fw.Flask(__name__)
        seen: list[Any] = []

        @app.route("/u/<uuid:v>")
        def view(v: Any) -> str:
            seen.append(v)
            return "ok"

        app.test_client().get("/u/12345678-1234-5678-1234-567812345678")
        return seen

    assert diff.same(probe) == [uuid.UUID("12345678-1234-5678-1234-567812345678")]


class _ListConverterMixin:
    """Shared body of the custom converter both sides register."""

    regex = r"[^/]+(?:,[^/]+)*"

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, values: list[str]) -> str:
        base = super().to_url  # type: ignore[misc]
        return ",".join(base(v) for v in values)


def build_custom_converter(fw: FW) -> Any:
    class ListConverter(_ListConverterMixin, fw.routing.BaseConverter):
        pass

    class EvenConverter(fw.routing.BaseConverter):
        regex = r"\d+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise fw.routing.ValidationError()
            return int(value)

        def to_url(self, value: int) -> str:
            return str(value)

    app = fw.Flask(__name__)
    app.url_map.converters["list"] = ListConverter
    app.url_map.converters["even"] = EvenConverter

    @app.route("/l/<list:items>")
    def lst(items: list[str]) -> Any:
        return {"items": items, "url": fw.url_for("lst", items=["x y", "z"])}

    @app.route("/e/<even:n>")
    def even(n: int) -> str:
        return f"even {n}"

    return app


def test_custom_converters(diff: Differ) -> None:
    diff.check(
        build_custom_converter,
        [
            Req("GET", "/l/a,b,c", expect=200),
            Req("GET", "/l/a", expect=200),
            Req("GET", "/e/4", expect=200),
            Req("GET", "/e/3", expect=404),
        ],
    )


def test_rule_ordering_static_before_dynamic(diff: Differ) -> None:
    def build(fw: FW) -> Any:
        app = fw.Flask(__name__)

        @app.route("/user/<name>")
        def user(name: str) -> str:
            return f"user {name}"

        @app.route("/user/me")
        def me() -> str:
            return "me"

        @app.route("/page/<path:rest>")
        def rest(rest: str) -> str:
            return f"rest {rest}"

        @app.route("/page/<int:n>")
        def page(n: int) -> str:
            return f"page {n}"

        return app

    diff.check(
        build,
        [
            Req("GET", "/user/me", expect=200),
            Req("GET", "/user/you", expect=200),
            Req("GET", "/page/3", expect=200),
            Req("GET", "/page/3/4", expect=200),
        ],
    )
