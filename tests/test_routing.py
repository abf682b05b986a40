"""Routing unit tests: converters, Map/MapAdapter, building, errors, url_for.

Most tests run twice through the ``fw`` fixture (Werkzeug/Flask as the oracle, then
hipflask) and assert the behaviour a Flask 3.1 user relies on. Tests that check one of
hipflask's deliberate improvements (clearer messages) say so and branch on ``fw.is_hip``.
"""

from __future__ import annotations

import typing as t
import uuid

import pytest
from _core_fw import FLASK, FW, HIP, environ, fw_fixture

fw = fw_fixture()

UID = "12345678-1234-5678-1234-567812345678"


def make_map(fw: FW, *rules: t.Any, **kwargs: t.Any) -> t.Any:
    r = fw.routing
    return r.Map([r.Rule(s, endpoint=e, **opts) for s, e, opts in rules], **kwargs)


def outcome(adapter: t.Any, path: str, method: str | None = None, **kw: t.Any) -> tuple[t.Any, ...]:
    """What matching *path* gives, as comparable data."""
    try:
        endpoint, args = adapter.match(path, method, **kw)
    except Exception as e:
        name = type(e).__name__
        if name == "RequestRedirect":
            return (name, e.code, e.new_url)
        if name == "MethodNotAllowed":
            return (name, sorted(e.valid_methods or ()))
        return (name,)
    return ("match", endpoint, dict(args))


def both(fn: t.Callable[[FW], t.Any]) -> t.Any:
    """Run *fn* on Werkzeug and on hipflask, assert the results agree, return it."""
    expected = fn(FLASK)
    got = fn(HIP)
    assert got == expected, f"hipflask {got!r} != werkzeug {expected!r}"
    return got


def exc_name(fn: t.Callable[[], t.Any]) -> str:
    try:
        fn()
    except Exception as e:
        return type(e).__name__
    return "no error"


# ------------------------------------------------------------------------ converter args


@pytest.mark.parametrize(
    "argstr",
    [
        "",
        "1",
        "a, b",
        "'c d'",
        '"c d"',
        "signed=True",
        "min=1, max=10",
        "1.5",
        "None",
        "a, b, x=1",
        "about, help, 'x y'",
        "True, False",
        "foo.bar",
        "u'x'",
        "length=2",
    ],
)
def test_parse_converter_args_like_werkzeug(argstr: str) -> None:
    both(lambda fw: fw.routing.parse_converter_args(argstr))


@pytest.mark.parametrize("argstr", ["a b", "x y=1"])
def test_parse_converter_args_rejects_garbage(fw: FW, argstr: str) -> None:
    with pytest.raises(ValueError):
        fw.routing.parse_converter_args(argstr)


def test_negative_converter_arguments_parse_in_hipflask() -> None:
    # Werkzeug cannot parse ``min=-5`` (ValueError "Cannot parse converter argument
    # 'min=-'"), so ``<int(signed=True, min=-5):x>`` is unusable in Flask. hipflask reads
    # it as a Python literal; this documents the (better) deviation.
    _, kwargs = HIP.routing.parse_converter_args("signed=True, min=-5, max=5")
    assert kwargs == {"signed": True, "min": -5, "max": 5}
    m = make_map(HIP, ("/<int(signed=True, min=-5, max=5):x>", "x", {}))
    a = m.bind("h")
    assert a.match("/-5") == ("x", {"x": -5})
    assert outcome(a, "/-6") == ("NotFound",)


def test_converter_arguments_with_empty_value_are_an_error_in_hipflask() -> None:
    # Werkzeug silently ignores ``x=`` (returns no kwargs); hipflask refuses it.
    with pytest.raises(ValueError, match="x="):
        HIP.routing.parse_converter_args("x=")


# ------------------------------------------------------------------------ converters


CONVERTER_RULES = [
    ("/s/<v>", "s", {}),
    ("/smin/<string(minlength=3):v>", "smin", {}),
    ("/smax/<string(maxlength=3):v>", "smax", {}),
    ("/slen/<string(length=2):v>", "slen", {}),
    ("/i/<int:v>", "i", {}),
    ("/is/<int(signed=True):v>", "is", {}),
    ("/ir/<int(min=2, max=10):v>", "ir", {}),
    ("/if/<int(fixed_digits=3):v>", "if", {}),
    ("/f/<float:v>", "f", {}),
    ("/fs/<float(signed=True):v>", "fs", {}),
    ("/fr/<float(min=0.5, max=2.5):v>", "fr", {}),
    ("/p/<path:v>", "p", {}),
    ("/pm/<path:v>/end", "pm", {}),
    ("/u/<uuid:v>", "u", {}),
    ("/any/<any(about, help, 'x y'):v>", "any", {}),
    ("/two/<int:a>/<b>", "two", {}),
    ("/mix/x<int:v>y", "mix", {}),
    ("/dot/<name>.<ext>", "dot", {}),
]

CONVERTER_PATHS = [
    "/s/abc",
    "/s/José",
    "/s/a b",
    "/s/a/b",
    "/s/",
    "/smin/ab",
    "/smin/abc",
    "/smax/abcd",
    "/smax/abc",
    "/slen/ab",
    "/slen/abc",
    "/slen/a",
    "/i/42",
    "/i/0",
    "/i/007",
    "/i/-1",
    "/i/+1",
    "/i/1.5",
    "/i/1_000",
    "/i/ 1",
    "/i/99999999999999999999999",
    "/i/\u0661\u0662",
    "/is/-5",
    "/is/5",
    "/is/--5",
    "/is/-",
    "/ir/1",
    "/ir/2",
    "/ir/10",
    "/ir/11",
    "/if/007",
    "/if/07",
    "/if/0007",
    "/f/1.5",
    "/f/0.0",
    "/f/1",
    "/f/.5",
    "/f/1.",
    "/f/-1.5",
    "/f/1e5",
    "/f/nan",
    "/f/inf",
    "/fs/-1.5",
    "/fs/1.5",
    "/fr/0.4",
    "/fr/0.5",
    "/fr/2.5",
    "/fr/2.6",
    "/p/a/b/c",
    "/p/a/b/",
    "/p/a",
    "/p/",
    "/p//a",
    "/pm/a/b/end",
    "/pm/end",
    "/pm/a/end/",
    f"/u/{UID}",
    f"/u/{UID.upper()}",
    "/u/12345678123456781234567812345678",
    f"/u/{UID[:-1]}Z",
    f"/u/{UID}0",
    "/any/about",
    "/any/help",
    "/any/x y",
    "/any/other",
    "/any/abou",
    "/any/aboutx",
    "/two/3/x",
    "/two/x/3",
    "/mix/x12y",
    "/mix/x12",
    "/mix/xy",
    "/dot/file.txt",
    "/dot/a.b.c",
]


@pytest.mark.parametrize("path", CONVERTER_PATHS)
def test_converter_matching_like_werkzeug(path: str) -> None:
    both(lambda fw: outcome(make_map(fw, *CONVERTER_RULES).bind("example.com"), path))


def test_converter_values_and_types(fw: FW) -> None:
    a = make_map(fw, *CONVERTER_RULES).bind("example.com")
    assert a.match("/i/007") == ("i", {"v": 7})
    assert a.match("/is/-5") == ("is", {"v": -5})
    assert a.match("/f/1.5") == ("f", {"v": 1.5})
    assert type(a.match("/f/1.5")[1]["v"]) is float
    assert a.match("/fs/-0.5") == ("fs", {"v": -0.5})
    assert a.match("/p/a/b/c") == ("p", {"v": "a/b/c"})
    ep, args = a.match(f"/u/{UID}")
    assert ep == "u" and args["v"] == uuid.UUID(UID) and isinstance(args["v"], uuid.UUID)
    assert a.match("/any/x y") == ("any", {"v": "x y"})
    assert a.match("/two/3/x") == ("two", {"a": 3, "b": "x"})
    assert a.match("/mix/x12y") == ("mix", {"v": 12})
    assert a.match("/s/José") == ("s", {"v": "José"})
    for path in ("/i/-1", "/ir/11", "/if/07", "/f/1", "/slen/abc", "/any/other", "/s/a/b"):
        with pytest.raises(fw.exceptions.NotFound):
            a.match(path)


BUILD_CASES: list[tuple[str, dict[str, t.Any]]] = [
    ("s", {"v": "John Doe"}),
    ("s", {"v": "José"}),
    ("s", {"v": "a/b"}),
    ("s", {"v": "a?b#c&d=e"}),
    ("s", {"v": "100%"}),
    ("s", {"v": "~user_-."}),
    ("s", {"v": "!$&'()*+,;=:@"}),
    ("s", {"v": 42}),
    ("i", {"v": 7}),
    ("i", {"v": "7"}),
    ("if", {"v": 7}),
    ("if", {"v": 1234}),
    ("is", {"v": -3}),
    ("f", {"v": 1.5}),
    ("f", {"v": 2}),
    ("p", {"v": "a/b c/d"}),
    ("p", {"v": "x?y"}),
    ("u", {"v": uuid.UUID(UID)}),
    ("u", {"v": UID}),
    ("any", {"v": "about"}),
    ("any", {"v": "x y"}),
    ("two", {"a": 1, "b": "z"}),
    ("mix", {"v": 5}),
    ("dot", {"name": "file", "ext": "txt"}),
    ("s", {"v": "x", "q": "a b", "n": 1}),
    ("s", {"v": "x", "list": ["a", "b"], "none": None}),
    ("s", {"v": "x", "u": "é&="}),
]


@pytest.mark.parametrize(("endpoint", "values"), BUILD_CASES)
def test_build_like_werkzeug(endpoint: str, values: dict[str, t.Any]) -> None:
    both(lambda fw: make_map(fw, *CONVERTER_RULES).bind("example.com").build(endpoint, values))


def test_build_examples(fw: FW) -> None:
    a = make_map(fw, *CONVERTER_RULES).bind("example.com")
    assert a.build("s", {"v": "John Doe"}) == "/s/John%20Doe"
    assert a.build("s", {"v": "a/b"}) == "/s/a/b"  # as Werkzeug: "/" is not quoted
    assert a.build("p", {"v": "a/b c"}) == "/p/a/b%20c"
    assert a.build("if", {"v": 7}) == "/if/007"
    assert a.build("u", {"v": uuid.UUID(UID)}) == f"/u/{UID}"
    assert a.build("s", {"v": "x", "q": "a b"}) == "/s/x?q=a+b"
    assert a.build("s", {"v": "x", "l": ["1", "2"]}) == "/s/x?l=1&l=2"
    assert a.build("s", {"v": "x", "gone": None}) == "/s/x"


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [("any", {"v": "nope"}), ("i", {"v": "abc"}), ("f", {"v": "x"})],
)
def test_build_with_values_a_converter_refuses(endpoint: str, values: dict[str, t.Any]) -> None:
    both(
        lambda fw: exc_name(
            lambda: make_map(fw, *CONVERTER_RULES).bind("h").build(endpoint, values)
        )
    )


def test_any_converter_build_error_names_the_valid_items(fw: FW) -> None:
    a = make_map(fw, *CONVERTER_RULES).bind("h")
    with pytest.raises(ValueError) as info:
        a.build("any", {"v": "nope"})
    assert "'about'" in str(info.value) and "'help'" in str(info.value)


def test_build_with_multidict_values(fw: FW) -> None:
    md = fw.datastructures.MultiDict([("v", "x"), ("t", "1"), ("t", "2")])
    assert make_map(fw, *CONVERTER_RULES).bind("h").build("s", md) == "/s/x?t=1&t=2"


def test_build_append_unknown_false(fw: FW) -> None:
    a = make_map(fw, *CONVERTER_RULES).bind("h")
    assert a.build("s", {"v": "x", "q": "1"}, append_unknown=False) == "/s/x"


def test_sort_parameters(fw: FW) -> None:
    m = make_map(fw, ("/", "i", {}), sort_parameters=True)
    assert m.bind("h").build("i", {"b": 1, "a": 2, "c": 3}) == "/?a=2&b=1&c=3"
    m = make_map(fw, ("/", "i", {}), sort_parameters=True, sort_key=lambda kv: -int(kv[1]))
    assert m.bind("h").build("i", {"b": 1, "a": 2, "c": 3}) == "/?c=3&a=2&b=1"


# ------------------------------------------------------------------------ custom converters


def _custom_converters(fw: FW) -> dict[str, type]:
    base = fw.routing.BaseConverter

    class ListConverter(base):  # type: ignore[misc, valid-type]
        def __init__(self, map: t.Any, sep: str = ",") -> None:
            super().__init__(map)
            self.sep = sep

        def to_python(self, value: str) -> list[str]:
            return value.split(self.sep)

        def to_url(self, value: list[str]) -> str:
            return self.sep.join(base.to_url(self, v) for v in value)

    class EvenConverter(base):  # type: ignore[misc, valid-type]
        regex = r"\d+"
        weight = 50

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise fw.routing.ValidationError()
            return int(value)

        def to_url(self, value: int) -> str:
            return str(value)

    class SlashyConverter(base):  # type: ignore[misc, valid-type]
        regex = r"[a-z]+/[a-z]+"

    return {"list": ListConverter, "even": EvenConverter, "slashy": SlashyConverter}


def test_custom_converters_match_and_build(fw: FW) -> None:
    m = fw.routing.Map(
        [
            fw.routing.Rule("/l/<list:items>", endpoint="l"),
            fw.routing.Rule("/d/<list(sep='-'):items>", endpoint="d"),
            fw.routing.Rule("/e/<even:n>", endpoint="e"),
            fw.routing.Rule("/sl/<slashy:v>/end", endpoint="sl"),
        ],
        converters=_custom_converters(fw),
    )
    a = m.bind("h")
    assert a.match("/l/a,b,c") == ("l", {"items": ["a", "b", "c"]})
    assert a.match("/d/a-b") == ("d", {"items": ["a", "b"]})
    assert a.match("/e/4") == ("e", {"n": 4})
    assert outcome(a, "/e/3") == ("NotFound",)
    assert a.match("/sl/ab/cd/end") == ("sl", {"v": "ab/cd"})
    assert a.build("l", {"items": ["x y", "z"]}) == "/l/x%20y,z"
    assert a.build("d", {"items": ["1", "2"]}) == "/d/1-2"
    assert a.build("e", {"n": 8}) == "/e/8"


def test_custom_converter_on_app_url_map(fw: FW) -> None:
    app = fw.Flask(__name__)
    app.url_map.converters.update(_custom_converters(fw))

    @app.route("/l/<list:items>")
    def lst(items: list[str]) -> t.Any:
        return {"items": items, "back": fw.url_for("lst", items=items)}

    resp = app.test_client().get("/l/a,b%20c")
    assert resp.get_json() == {"items": ["a", "b c"], "back": "/l/a,b%20c"}


def test_converter_validation_error_in_to_url_skips_the_rule(fw: FW) -> None:
    base = fw.routing.BaseConverter

    class Picky(base):  # type: ignore[misc, valid-type]
        def to_url(self, value: str) -> str:
            if value == "bad":
                raise fw.routing.ValidationError()
            return str(value)

    m = fw.routing.Map(
        [
            fw.routing.Rule("/a/<picky:v>", endpoint="x"),
            fw.routing.Rule("/b/<v>", endpoint="x"),
        ],
        converters={"picky": Picky},
    )
    a = m.bind("h")
    assert a.build("x", {"v": "good"}) == "/a/good"
    assert a.build("x", {"v": "bad"}) == "/b/bad"


# ------------------------------------------------------------------------ slashes


SLASH_RULES = [
    ("/projects/", "projects", {}),
    ("/about", "about", {}),
    ("/loose/", "loose", {"strict_slashes": False}),
    ("/a/<int:n>/", "an", {}),
    ("/files/<path:p>/", "files", {}),
    ("/x/y/z", "xyz", {}),
    ("/leaf", "leaf", {"strict_slashes": False}),
    ("/ws/<int:n>", "ws", {"strict_slashes": False}),
]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/projects", None),
        ("/projects", "q=1&r=%20x"),
        ("/projects/", None),
        ("/about", None),
        ("/about/", None),
        ("/loose", None),
        ("/loose/", None),
        ("/a/5", None),
        ("/a/5/", None),
        ("/files/a/b", None),
        ("/files/a/b/", None),
        ("/x//y/z", None),
        ("/x/y//z", "k=v"),
        ("//x/y/z", None),
        ("/projects//", None),
        ("/leaf", None),
        ("/leaf/", None),
        ("/ws/3", None),
        ("/ws/3/", None),
        ("/loose//", None),
    ],
)
def test_slash_handling_like_werkzeug(path: str, query: str | None) -> None:
    both(lambda fw: outcome(make_map(fw, *SLASH_RULES).bind("example.com"), path, query_args=query))


def test_strict_slashes_redirect_keeps_query_and_is_308(fw: FW) -> None:
    a = make_map(fw, *SLASH_RULES).bind("example.com", script_name="/app")
    with pytest.raises(fw.routing.RequestRedirect) as info:
        a.match("/projects", query_args="q=1&r=%20x")
    assert info.value.code == 308
    assert info.value.new_url == "http://example.com/app/projects/?q=1&r=%20x"
    with pytest.raises(fw.exceptions.NotFound):
        a.match("/about/")


def test_strict_slashes_off_on_the_map(fw: FW) -> None:
    a = make_map(fw, ("/projects/", "p", {}), strict_slashes=False).bind("h")
    assert a.match("/projects") == ("p", {})
    assert a.match("/projects/") == ("p", {})


def test_merge_slashes_redirect_and_opt_out(fw: FW) -> None:
    a = make_map(fw, ("/x/y/z", "xyz", {})).bind("h")
    assert outcome(a, "/x//y///z") == ("RequestRedirect", 308, "http://h/x/y/z")
    off = make_map(fw, ("/x/y/z", "xyz", {}), merge_slashes=False).bind("h")
    assert outcome(off, "/x//y/z") == ("NotFound",)
    rule_off = make_map(fw, ("/x/y/z", "xyz", {"merge_slashes": False})).bind("h")
    both_rule = outcome(rule_off, "/x//y/z")
    assert both_rule[0] in ("NotFound", "RequestRedirect")


def test_merge_slashes_rule_opt_out_like_werkzeug() -> None:
    both(
        lambda fw: outcome(
            make_map(fw, ("/x/y/z", "xyz", {"merge_slashes": False})).bind("h"), "/x//y/z"
        )
    )
    both(
        lambda fw: outcome(
            make_map(fw, ("/x//y", "xy", {"merge_slashes": False})).bind("h"), "/x//y"
        )
    )


# ------------------------------------------------------------------------ defaults


def _defaults_map(fw: FW, **kw: t.Any) -> t.Any:
    return make_map(
        fw,
        ("/users/", "users", {"defaults": {"page": 1}}),
        ("/users/page/<int:page>", "users", {}),
        ("/lang/<lang>/", "lang", {"defaults": {"lang": "en"}}),
        **kw,
    )


def test_defaults_match_build_and_redirect(fw: FW) -> None:
    a = _defaults_map(fw).bind("example.com")
    assert a.match("/users/") == ("users", {"page": 1})
    assert a.match("/users/page/2") == ("users", {"page": 2})
    assert outcome(a, "/users/page/1", query_args="x=1") == (
        "RequestRedirect",
        308,
        "http://example.com/users/?x=1",
    )
    assert a.build("users", {}) == "/users/"
    assert a.build("users", {"page": 1}) == "/users/"
    assert a.build("users", {"page": 2}) == "/users/page/2"


def test_redirect_defaults_off(fw: FW) -> None:
    a = _defaults_map(fw, redirect_defaults=False).bind("example.com")
    assert a.match("/users/page/1") == ("users", {"page": 1})


def test_default_of_a_variable_fixes_its_value(fw: FW) -> None:
    # a rule whose variable has a default only builds with that value
    both(lambda fw: outcome(_defaults_map(fw).bind("h"), "/lang/en/"))
    both(lambda fw: outcome(_defaults_map(fw).bind("h"), "/lang/de/"))
    both(lambda fw: exc_name(lambda: _defaults_map(fw).bind("h").build("lang", {"lang": "de"})))
    assert _defaults_map(fw).bind("h").build("lang", {"lang": "en"}) == "/lang/en/"


def test_several_rules_per_endpoint_build_order(fw: FW) -> None:
    m = make_map(
        fw,
        ("/post/", "post", {}),
        ("/post/<int:year>/", "post", {}),
        ("/post/<int:year>/<int:month>/", "post", {}),
    )
    a = m.bind("h")
    assert a.build("post", {}) == "/post/"
    assert a.build("post", {"year": 2024}) == "/post/2024/"
    assert a.build("post", {"year": 2024, "month": 5}) == "/post/2024/5/"
    assert a.build("post", {"month": 5}) == "/post/?month=5"


def test_build_picks_rule_by_method(fw: FW) -> None:
    m = make_map(
        fw,
        ("/read", "thing", {"methods": ["GET"]}),
        ("/write", "thing", {"methods": ["POST"]}),
    )
    a = m.bind("h")
    assert a.build("thing", {}) == "/read"
    assert a.build("thing", {}, method="POST") == "/write"
    assert a.build("thing", {}, method="GET") == "/read"
    post_adapter = m.bind("h", default_method="POST")
    assert post_adapter.build("thing", {}) == "/write"


def test_build_only_rules(fw: FW) -> None:
    a = make_map(fw, ("/static-site/<p>", "ext", {"build_only": True})).bind("h")
    assert a.build("ext", {"p": "x"}) == "/static-site/x"
    assert outcome(a, "/static-site/x") == ("NotFound",)


# ------------------------------------------------------------------------ build errors


def test_build_error_unknown_endpoint_names_it_and_suggests(fw: FW) -> None:
    a = make_map(fw, ("/user/<name>", "user", {})).bind("h")
    with pytest.raises(fw.routing.BuildError) as info:
        a.build("usr", {})
    msg = str(info.value)
    assert "'usr'" in msg
    assert "'user'" in msg  # the close match
    assert info.value.endpoint == "usr"
    assert isinstance(info.value, LookupError)


def test_build_error_missing_value_names_it(fw: FW) -> None:
    a = make_map(fw, ("/user/<name>/<int:id>", "user", {})).bind("h")
    with pytest.raises(fw.routing.BuildError) as info:
        a.build("user", {"id": 3})
    msg = str(info.value)
    assert "'user'" in msg and "name" in msg


def test_build_error_wrong_method_names_methods(fw: FW) -> None:
    a = make_map(fw, ("/a", "a", {"methods": ["POST"]})).bind("h")
    with pytest.raises(fw.routing.BuildError) as info:
        a.build("a", {}, method="GET")
    msg = str(info.value)
    assert "'a'" in msg and "POST" in msg and "GET" in msg


def test_build_error_none_value_counts_as_missing(fw: FW) -> None:
    a = make_map(fw, ("/user/<name>", "user", {})).bind("h")
    with pytest.raises(fw.routing.BuildError) as info:
        a.build("user", {"name": None})
    assert "name" in str(info.value)


def test_url_for_build_error_in_app(fw: FW) -> None:
    app = fw.Flask(__name__)

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    with app.test_request_context():
        with pytest.raises(fw.routing.BuildError) as info:
            fw.url_for("user")
        assert "'user'" in str(info.value) and "name" in str(info.value)
        with pytest.raises(fw.routing.BuildError) as info:
            fw.url_for("usr", name="x")
        assert "'usr'" in str(info.value)


# ------------------------------------------------------------------------ precedence


def test_precedence_static_int_string_path(fw: FW) -> None:
    m = make_map(
        fw,
        ("/<path:p>", "path", {}),
        ("/<s>", "string", {}),
        ("/<int:i>", "int", {}),
        ("/fixed", "static", {}),
        ("/<float:f>", "float", {}),
    )
    a = m.bind("h")
    assert a.match("/fixed")[0] == "static"
    assert a.match("/5")[0] == "int"
    assert a.match("/5.5")[0] == "float"
    assert a.match("/abc")[0] == "string"
    assert a.match("/a/b")[0] == "path"


@pytest.mark.parametrize(
    "path",
    [
        "/foo/bar",
        "/foo/x",
        "/x/bar",
        "/foo/bar/baz",
        "/users/me",
        "/users/42",
        "/users/bob",
        "/a.json",
    ],
)
def test_precedence_like_werkzeug(path: str) -> None:
    rules = [
        ("/<a>/bar", "dyn_static", {}),
        ("/foo/<b>", "static_dyn", {}),
        ("/<a>/<b>", "dyn_dyn", {}),
        ("/<path:rest>", "rest", {}),
        ("/users/<int:id>", "uid", {}),
        ("/users/<name>", "uname", {}),
        ("/users/me", "me", {}),
        ("/<name>.json", "json", {}),
    ]
    both(lambda fw: outcome(make_map(fw, *rules).bind("h"), path))


def test_converter_validation_error_makes_rule_not_match(fw: FW) -> None:
    # Werkzeug semantics: a converter's ValidationError during matching gives 404 (it does
    # not fall through to a later rule with a less specific converter).
    m = make_map(fw, ("/<int(max=5):n>", "small", {}), ("/<s>", "any", {}))
    a = m.bind("h")
    assert a.match("/3")[0] == "small"
    both(
        lambda fw: outcome(
            make_map(fw, ("/<int(max=5):n>", "small", {}), ("/<s>", "any", {})).bind("h"), "/7"
        )
    )


# ------------------------------------------------------------------------ methods


def test_methods_head_and_405(fw: FW) -> None:
    m = make_map(
        fw,
        ("/r", "r", {"methods": ["GET"]}),
        ("/w", "w", {"methods": ["POST", "put"]}),
        ("/any", "any", {}),
    )
    a = m.bind("h")
    assert a.match("/r", "HEAD") == ("r", {})
    assert outcome(a, "/r", "POST") == ("MethodNotAllowed", ["GET", "HEAD"])
    assert outcome(a, "/w", "GET") == ("MethodNotAllowed", ["POST", "PUT"])
    assert a.match("/any", "BREW") == ("any", {})
    assert sorted(a.allowed_methods("/r")) == ["GET", "HEAD"]
    assert sorted(a.allowed_methods("/w")) == ["POST", "PUT"]
    assert list(a.allowed_methods("/nope")) == []
    assert a.test("/r") is True
    assert a.test("/r", "DELETE") is False
    assert a.test("/nope") is False


def test_rule_methods_must_not_be_a_string(fw: FW) -> None:
    with pytest.raises(TypeError):
        fw.routing.Rule("/x", methods="GET", endpoint="x")


def test_rule_methods_get_head(fw: FW) -> None:
    rule = fw.routing.Rule("/x", methods=["get"], endpoint="x")
    assert rule.methods == {"GET", "HEAD"}
    assert fw.routing.Rule("/x", endpoint="x").methods is None


def test_405_collects_methods_across_rules(fw: FW) -> None:
    m = make_map(
        fw,
        ("/x", "a", {"methods": ["GET"]}),
        ("/x", "b", {"methods": ["POST"]}),
        ("/<v>", "c", {"methods": ["DELETE"]}),
    )
    assert outcome(m.bind("h"), "/x", "PATCH") == (
        "MethodNotAllowed",
        ["DELETE", "GET", "HEAD", "POST"],
    )
    assert m.bind("h").match("/x", "POST") == ("b", {})


# ------------------------------------------------------------------------ Map / adapter


def test_bind_and_build_external(fw: FW) -> None:
    m = make_map(fw, ("/u/<n>", "u", {}))
    a = m.bind("Example.COM", script_name="/app/", url_scheme="https")
    assert a.build("u", {"n": "x"}) == "/app/u/x"
    assert a.build("u", {"n": "x"}, force_external=True) == "https://example.com/app/u/x"
    assert a.build("u", {"n": "x"}, url_scheme="http") == "/app/u/x"
    assert (
        a.build("u", {"n": "x"}, force_external=True, url_scheme="http")
        == "http://example.com/app/u/x"
    )
    assert a.match("/u/x") == ("u", {"n": "x"})


@pytest.mark.parametrize("scheme", ["ftp", "wss", "https", None])
def test_build_scheme_is_normalised_like_werkzeug(scheme: str | None) -> None:
    # Werkzeug builds HTTP rules with http/https only (a secure scheme -> https, anything
    # else -> http), so url_for(_scheme="wss") on an HTTP route still gives https://.
    both(
        lambda fw: (
            make_map(fw, ("/u", "u", {}))
            .bind("h")
            .build("u", {}, force_external=True, url_scheme=scheme)
        )
    )


def test_bind_to_environ(fw: FW) -> None:
    m = make_map(fw, ("/u/<n>", "u", {}), ("/p", "p", {"methods": ["POST"]}))
    env = environ("/u/bob", "GET", host="example.com:8080", script_name="/root", query="a=1")
    a = m.bind_to_environ(env)
    assert a.match() == ("u", {"n": "bob"})
    assert a.build("u", {"n": "x"}, force_external=True) == "http://example.com:8080/root/u/x"
    env = environ("/p", "POST", host="example.com")
    assert m.bind_to_environ(env).match() == ("p", {})
    env = environ("/p", "GET", host="example.com")
    with pytest.raises(fw.exceptions.MethodNotAllowed):
        m.bind_to_environ(env).match()


def test_bind_to_environ_decodes_utf8_path(fw: FW) -> None:
    m = make_map(fw, ("/u/<n>", "u", {}))
    env = environ("/u/" + "José".encode().decode("latin-1"))
    assert m.bind_to_environ(env).match() == ("u", {"n": "José"})


def test_bind_to_environ_with_request_object(fw: FW) -> None:
    m = make_map(fw, ("/u/<n>", "u", {}))
    req = fw.BaseRequest(environ("/u/z", host="h"))
    assert m.bind_to_environ(req).match() == ("u", {"n": "z"})


def test_match_return_rule(fw: FW) -> None:
    m = make_map(fw, ("/u/<n>", "u", {}))
    rule, args = m.bind("h").match("/u/a", return_rule=True)
    assert isinstance(rule, fw.routing.Rule)
    assert rule.rule == "/u/<n>" and rule.endpoint == "u" and args == {"n": "a"}
    assert rule.arguments == {"n"}


def test_iter_rules_and_is_endpoint_expecting(fw: FW) -> None:
    m = make_map(fw, ("/a", "a", {}), ("/b/<x>", "b", {}), ("/c", "a", {}))
    # Werkzeug's order: grouped by endpoint (first-seen endpoint first)
    assert [r.rule for r in m.iter_rules()] == ["/a", "/c", "/b/<x>"]
    assert sorted(r.rule for r in m.iter_rules("a")) == ["/a", "/c"]
    assert m.is_endpoint_expecting("b", "x") is True
    assert m.is_endpoint_expecting("a", "x") is False


def test_map_add_after_match_recompiles(fw: FW) -> None:
    m = make_map(fw, ("/a", "a", {}))
    a = m.bind("h")
    assert a.match("/a") == ("a", {})
    m.add(fw.routing.Rule("/b", endpoint="b"))
    assert m.bind("h").match("/b") == ("b", {})


def test_rule_bound_twice_is_an_error(fw: FW) -> None:
    rule = fw.routing.Rule("/a", endpoint="a")
    fw.routing.Map([rule])
    with pytest.raises(RuntimeError):
        fw.routing.Map([rule])
    fw.routing.Map([rule.empty()])


def test_thousand_rules(fw: FW) -> None:
    m = fw.routing.Map(
        [fw.routing.Rule(f"/r{i}/<int:x>", endpoint=f"e{i}") for i in range(1000)]
        + [fw.routing.Rule(f"/s{i}", endpoint=f"s{i}") for i in range(1000)]
    )
    a = m.bind("h")
    assert a.match("/r0/1") == ("e0", {"x": 1})
    assert a.match("/r999/5") == ("e999", {"x": 5})
    assert a.match("/r500/0") == ("e500", {"x": 0})
    assert a.match("/s999") == ("s999", {})
    assert outcome(a, "/r1000/1") == ("NotFound",)
    assert outcome(a, "/r999/x") == ("NotFound",)
    assert a.build("e999", {"x": 3}) == "/r999/3"


# ------------------------------------------------------------------------ domains


def test_subdomain_matching_and_building(fw: FW) -> None:
    m = make_map(
        fw,
        ("/", "www_index", {"subdomain": "www"}),
        ("/", "user_index", {"subdomain": "<user>"}),
        ("/about", "about", {"subdomain": ""}),
        default_subdomain="www",
    )
    a = m.bind("example.com", subdomain="alice")
    assert a.match("/") == ("user_index", {"user": "alice"})
    assert a.build("user_index", {"user": "bob"}) == "http://bob.example.com/"
    assert a.build("user_index", {"user": "alice"}) == "/"
    assert a.build("about", {}) == "http://example.com/about"
    www = m.bind("example.com", subdomain="www")
    assert www.match("/") == ("www_index", {})
    assert www.build("www_index", {}) == "/"


def test_subdomain_from_environ(fw: FW) -> None:
    m = make_map(fw, ("/", "u", {"subdomain": "<user>"}), ("/", "main", {"subdomain": ""}))
    env = environ("/", host="carol.example.com")
    assert m.bind_to_environ(env, server_name="example.com").match() == ("u", {"user": "carol"})
    env = environ("/", host="example.com")
    assert m.bind_to_environ(env, server_name="example.com").match() == ("main", {})


def test_subdomain_server_name_mismatch_warns_and_404s(fw: FW) -> None:
    m = make_map(fw, ("/", "main", {}))
    env = environ("/", host="other.org")
    with pytest.warns(UserWarning):
        a = m.bind_to_environ(env, server_name="example.com")
    with pytest.raises(fw.exceptions.NotFound):
        a.match()


def test_host_matching(fw: FW) -> None:
    m = make_map(
        fw,
        ("/", "main", {"host": "example.com"}),
        ("/", "user", {"host": "<user>.example.com"}),
        ("/p/<int:n>", "port", {"host": "example.com:8080"}),
        host_matching=True,
    )
    assert m.bind("example.com").match("/") == ("main", {})
    assert m.bind("dave.example.com").match("/") == ("user", {"user": "dave"})
    assert m.bind("example.com:8080").match("/p/3") == ("port", {"n": 3})
    assert outcome(m.bind("other.org"), "/") == ("NotFound",)
    a = m.bind("example.com")
    assert a.build("main", {}) == "/"
    assert a.build("user", {"user": "eve"}) == "http://eve.example.com/"
    with pytest.raises(RuntimeError):
        m.bind("example.com", subdomain="x")


def test_host_matching_app(fw: FW) -> None:
    app = fw.Flask(__name__, host_matching=True, static_host="static.example.com")

    @app.route("/", host="<user>.example.com")
    def user(user: str) -> str:
        return f"user {user}"

    @app.route("/", host="example.com")
    def main() -> str:
        return "main"

    c = app.test_client()
    assert c.get("/", base_url="http://ann.example.com").text == "user ann"
    assert c.get("/", base_url="http://example.com").text == "main"
    assert c.get("/", base_url="http://nope.org").status_code == 404
    with app.test_request_context(base_url="http://example.com"):
        assert fw.url_for("user", user="bo") == "http://bo.example.com/"
        assert fw.url_for("main") == "/"


def test_subdomain_matching_app(fw: FW) -> None:
    app = fw.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/", subdomain="<user>")
    def user(user: str) -> str:
        return f"user {user}"

    @app.route("/")
    def main() -> str:
        return "main"

    c = app.test_client()
    assert c.get("/", base_url="http://ann.example.com").text == "user ann"
    assert c.get("/", base_url="http://example.com").text == "main"
    with app.app_context():
        assert fw.url_for("user", user="x") == "http://x.example.com/"


# ------------------------------------------------------------------------ redirect_to


def test_redirect_to_string_and_callable(fw: FW) -> None:
    m = make_map(
        fw,
        ("/old/<int:id>", "old", {"redirect_to": "/new/<id>"}),
        ("/new/<int:id>", "new", {}),
        ("/cb/<name>", "cb", {"redirect_to": lambda adapter, name: f"/new/{len(name)}"}),
        ("/abs", "abs", {"redirect_to": "https://other.example/x"}),
    )
    a = m.bind("example.com", script_name="/app")
    # an absolute target path replaces the script root (urljoin), as in Werkzeug
    assert outcome(a, "/old/5") == ("RequestRedirect", 308, "http://example.com/new/5")
    assert outcome(a, "/cb/abc") == ("RequestRedirect", 308, "http://example.com/new/3")
    assert outcome(a, "/abs") == ("RequestRedirect", 308, "https://other.example/x")


def test_redirect_to_in_app(fw: FW) -> None:
    app = fw.Flask(__name__)
    app.add_url_rule("/old", "old", redirect_to="/new")

    @app.route("/new")
    def new() -> str:
        return "new"

    r = app.test_client().get("/old?x=1")
    assert r.status_code == 308
    assert r.headers["Location"] in ("http://localhost/new", "/new")
    assert app.test_client().get("/old", follow_redirects=True).text == "new"


# ------------------------------------------------------------------------ rule errors


def test_rule_without_leading_slash(fw: FW) -> None:
    with pytest.raises(ValueError) as info:
        fw.routing.Rule("user", endpoint="x")
    assert "user" in str(info.value) and "slash" in str(info.value)


def test_rule_with_unknown_converter(fw: FW) -> None:
    with pytest.raises(LookupError) as info:
        fw.routing.Map([fw.routing.Rule("/<bogus:x>", endpoint="x")])
    assert "bogus" in str(info.value)


@pytest.mark.parametrize("rule", ["/<int:>", "/<foo", "/<int(:x>", "/<in t:x>", "/<1x>", "/<>"])
def test_malformed_rules(fw: FW, rule: str) -> None:
    with pytest.raises(ValueError) as info:
        fw.routing.Map([fw.routing.Rule(rule, endpoint="x")])
    assert rule in str(info.value)


def test_duplicate_variable_is_a_clear_error(fw: FW) -> None:
    # Werkzeug fails with a SyntaxError from its generated code; hipflask says what is wrong.
    with pytest.raises((ValueError, SyntaxError)) as info:
        fw.routing.Map([fw.routing.Rule("/<x>/<int:x>", endpoint="x")])
    if fw.is_hip:
        assert isinstance(info.value, ValueError)
        assert "'x'" in str(info.value) and "/<x>/<int:x>" in str(info.value)


def test_bad_converter_arguments_name_the_rule(fw: FW) -> None:
    with pytest.raises((ValueError, TypeError)):
        fw.routing.Map([fw.routing.Rule("/<int(bogus=1):x>", endpoint="x")])


def test_add_url_rule_errors_in_app(fw: FW) -> None:
    app = fw.Flask(__name__)
    with pytest.raises(ValueError):
        app.add_url_rule("nope", "n", lambda: "")
    with pytest.raises(LookupError):
        app.add_url_rule("/<nope:x>", "n2", lambda x: "")
    with pytest.raises(TypeError):
        app.add_url_rule("/m", "m", lambda: "", methods="POST")


def test_duplicate_endpoint_with_another_function(fw: FW) -> None:
    app = fw.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "a"

    def other_view() -> str:
        return "b"

    with pytest.raises(AssertionError) as info:
        app.add_url_rule("/x", "index", other_view)
    assert "index" in str(info.value)
    if fw.is_hip:
        # issue 3: the message names both functions
        assert "other_view" in str(info.value)
        assert "test_duplicate_endpoint_with_another_function.<locals>.index" in str(info.value)


# ------------------------------------------------------------------------ url_for in the app


def _url_app(fw: FW, **config: t.Any) -> t.Any:
    app = fw.Flask(__name__)
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "i"

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    @app.route("/post/<int:id>", methods=["GET"])
    def post(id: int) -> str:
        return str(id)

    app.add_url_rule("/post", "post", post, methods=["POST"])

    return app


def test_url_for_in_request(fw: FW) -> None:
    app = _url_app(fw)
    with app.test_request_context("/", base_url="http://example.com:8080/root"):
        assert fw.url_for("index") == "/root/"
        assert fw.url_for("user", name="John Doe") == "/root/user/John%20Doe"
        assert fw.url_for("user", name="x", q="a b", n=[1, 2]) == "/root/user/x?q=a+b&n=1&n=2"
        assert fw.url_for("user", name="x", _external=True) == "http://example.com:8080/root/user/x"
        assert (
            fw.url_for("user", name="x", _scheme="https") == "https://example.com:8080/root/user/x"
        )
        assert fw.url_for("user", name="x", _anchor="a b/c?") == "/root/user/x#a%20b/c?"
        assert fw.url_for("user", name="x", _anchor="sec", _external=True) == (
            "http://example.com:8080/root/user/x#sec"
        )
        assert fw.url_for("post", id=3) == "/root/post/3"
        assert fw.url_for("post", _method="POST") == "/root/post"
        with pytest.raises(ValueError):
            fw.url_for("index", _scheme="https", _external=False)


def test_url_for_script_name_from_environ(fw: FW) -> None:
    app = _url_app(fw)
    seen: list[str] = []

    @app.route("/probe")
    def probe() -> str:
        seen.append(fw.url_for("user", name="é"))
        seen.append(fw.url_for("index", _external=True))
        return "ok"

    status, _, _ = _call(app, environ("/probe", script_name="/mnt/app", host="h.test"))
    assert status.startswith("200")
    assert seen == ["/mnt/app/user/%C3%A9", "http://h.test/mnt/app/"]


def _call(app: t.Any, env: dict[str, t.Any]) -> t.Any:
    from _core_fw import call

    return call(app, env)


def test_url_for_outside_request_uses_server_name(fw: FW) -> None:
    app = _url_app(
        fw, SERVER_NAME="example.org", APPLICATION_ROOT="/base", PREFERRED_URL_SCHEME="https"
    )
    with app.app_context():
        assert fw.url_for("user", name="a") == "https://example.org/base/user/a"
        assert fw.url_for("user", name="a", _external=False) == "/base/user/a"
        assert fw.url_for("index", _scheme="http") == "http://example.org/base/"


def test_url_for_outside_request_without_server_name(fw: FW) -> None:
    app = _url_app(fw)
    with app.app_context(), pytest.raises(RuntimeError) as info:
        fw.url_for("index")
    assert "SERVER_NAME" in str(info.value)
    with pytest.raises(RuntimeError):
        fw.url_for("index")  # no app context at all


def test_url_for_relative_in_test_request_context_uses_server_name(fw: FW) -> None:
    app = _url_app(fw, SERVER_NAME="example.org")
    with app.test_request_context("/"):
        assert fw.url_for("index", _external=True) == "http://example.org/"
        assert fw.url_for("index") == "/"


def test_url_defaults_and_value_preprocessor(fw: FW) -> None:
    app = fw.Flask(__name__)

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values.setdefault("lang", "en")

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        if values is not None:
            fw.g.lang = values.pop("lang", None)

    @app.route("/<lang>/page")
    def page() -> str:
        return f"{fw.g.lang} {fw.url_for('page')} {fw.url_for('page', lang='de')}"

    assert app.test_client().get("/fr/page").text == "fr /en/page /de/page"


def test_url_build_error_handler(fw: FW) -> None:
    app = _url_app(fw)

    def handler(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str | None:
        if endpoint == "external":
            return "https://ext.example/"
        return None

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        assert fw.url_for("external") == "https://ext.example/"
        with pytest.raises(fw.routing.BuildError):
            fw.url_for("missing")


def test_request_routing_attributes(fw: FW) -> None:
    app = _url_app(fw)
    with app.test_request_context("/user/bob"):
        assert fw.request.endpoint == "user"
        assert fw.request.view_args == {"name": "bob"}
        assert fw.request.url_rule.rule == "/user/<name>"
        assert fw.request.routing_exception is None
    with app.test_request_context("/nope"):
        assert fw.request.endpoint is None
        assert fw.request.url_rule is None
        assert isinstance(fw.request.routing_exception, fw.exceptions.NotFound)


def test_app_strict_slash_redirect_keeps_query(fw: FW) -> None:
    app = fw.Flask(__name__)

    @app.route("/projects/")
    def projects() -> str:
        return "p"

    @app.route("/about")
    def about() -> str:
        return "a"

    c = app.test_client()
    r = c.get("/projects?q=1&x=%20")
    assert r.status_code == 308
    assert r.headers["Location"].endswith("/projects/?q=1&x=%20")
    assert c.get("/about/").status_code == 404


def test_app_head_options_405(fw: FW) -> None:
    app = fw.Flask(__name__)

    @app.route("/g")
    def g_view() -> str:
        return "hello"

    @app.post("/p")
    def p_view() -> str:
        return "posted"

    c = app.test_client()
    head = c.head("/g")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == "5"
    opts = c.options("/g")
    assert opts.status_code == 200
    assert set(opts.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    r = c.get("/p")
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert c.open("/g", method="BREW").status_code == 405
