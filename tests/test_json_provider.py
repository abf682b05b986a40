"""JSON: jsonify, the default provider's options and types, hipflask's OrjsonProvider."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import io
import itertools
import json
import typing as t
import uuid

import pytest
from _core_fw import FLASK, FW, HIP, fw_fixture
from markupsafe import Markup

fw = fw_fixture()
_names = itertools.count()


def new_app(fw: FW, **config: t.Any) -> t.Any:
    app = fw.Flask(f"h8json_{fw.name}_{next(_names)}", root_path=".")
    app.config.update(config)
    return app


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


class Html:
    def __html__(self) -> str:
        return "<b>html</b>"


VALUES: dict[str, t.Any] = {
    "dict": {"b": 1, "a": [1, 2, {"d": None, "c": True}]},
    "list": [1, "two", 3.5, None, False],
    "unicode": {"k": "é€😀", "é": "key"},
    "empty": {},
    "nested_empty": {"a": [], "b": {}},
    "date": dt.date(2024, 1, 2),
    "datetime_aware": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
    "datetime_naive": dt.datetime(2024, 1, 2, 3, 4, 5),
    "datetime_offset": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "decimal": decimal.Decimal("1.10"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "dataclass": Point(1, [2, 3]),
    "html": Html(),
    "markup": Markup("<i>m</i>"),
    "tuple": (1, 2),
    "int_keys": {2: "b", 1: "a"},
    "big_int": 2**70,
    "float": 0.1,
    "nested_types": {
        "when": dt.date(2020, 5, 6),
        "id": uuid.UUID(int=1),
        "amount": decimal.Decimal("3"),
    },
}


@pytest.mark.parametrize("name", list(VALUES))
def test_dumps_like_flask(name: str) -> None:
    def run(fw: FW) -> str:
        app = new_app(fw)
        with app.app_context():
            return t.cast(str, fw.json.dumps(VALUES[name]))

    assert run(HIP) == run(FLASK)


@pytest.mark.parametrize("name", list(VALUES))
@pytest.mark.parametrize("debug", [False, True])
def test_jsonify_like_flask(name: str, debug: bool) -> None:
    def run(fw: FW) -> tuple[t.Any, ...]:
        app = new_app(fw, DEBUG=debug)
        with app.app_context():
            r = fw.jsonify(VALUES[name])
        return r.status_code, r.mimetype, r.headers["Content-Type"], r.get_data()

    assert run(HIP) == run(FLASK)


def test_dumps_outside_app_like_flask() -> None:
    for name, value in VALUES.items():
        assert HIP.json.dumps(value) == FLASK.json.dumps(value), name


def test_jsonify_variants(fw: FW) -> None:
    app = new_app(fw)
    with app.app_context():
        assert fw.jsonify().get_data() == b"null\n"
        assert fw.jsonify(1, 2, "x").get_json() == [1, 2, "x"]
        assert fw.jsonify([1]).get_json() == [1]
        assert fw.jsonify(a=1, b=[2]).get_json() == {"a": 1, "b": [2]}
        assert fw.jsonify({"z": 1, "a": 2}).get_data() == b'{"a":2,"z":1}\n'
        assert fw.jsonify("text").get_data() == b'"text"\n'
        with pytest.raises(TypeError):
            fw.jsonify({"a": 1}, b=2)
        r = fw.jsonify(x=1)
        assert r.mimetype == "application/json"
        assert r.headers["Content-Type"] == "application/json"
        assert isinstance(r, app.response_class)


def test_jsonify_needs_app_context(fw: FW) -> None:
    with pytest.raises(RuntimeError):
        fw.jsonify(a=1)


def test_debug_indentation(fw: FW) -> None:
    app = new_app(fw, DEBUG=True)
    with app.app_context():
        body = fw.jsonify(b=[1, 2], a={"c": None}).get_data(as_text=True)
    assert body == '{\n  "a": {\n    "c": null\n  },\n  "b": [\n    1,\n    2\n  ]\n}\n'


def test_provider_options(fw: FW) -> None:
    app = new_app(fw)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.json.compact = False
    with app.app_context():
        body = fw.jsonify({"z": "é", "a": 1}).get_data(as_text=True)
        assert body == '{\n  "z": "é",\n  "a": 1\n}\n'
        assert fw.json.dumps({"z": "é", "a": 1}) == '{"z": "é", "a": 1}'
    app2 = new_app(fw, DEBUG=True)
    app2.json.compact = True
    with app2.app_context():
        assert fw.jsonify(a=1).get_data() == b'{"a":1}\n'
    app3 = new_app(fw)
    app3.json.mimetype = "application/vnd.api+json"
    with app3.app_context():
        assert fw.jsonify(a=1).mimetype == "application/vnd.api+json"


def test_dict_and_list_return_values_use_provider(fw: FW) -> None:
    app = new_app(fw)
    app.json.sort_keys = False

    @app.route("/d")
    def d() -> t.Any:
        return {"z": 1, "a": dt.date(2024, 1, 2)}

    @app.route("/l")
    def l_view() -> t.Any:
        return [uuid.UUID(int=5)]

    c = app.test_client()
    assert c.get("/d").data == b'{"z":1,"a":"Tue, 02 Jan 2024 00:00:00 GMT"}\n'
    assert c.get("/l").get_json() == [str(uuid.UUID(int=5))]


def test_unsupported_type_error_names_it(fw: FW) -> None:
    app = new_app(fw)

    class Thing:
        pass

    with app.app_context():
        with pytest.raises(TypeError) as info:
            fw.json.dumps({"x": Thing()})
        assert "Thing" in str(info.value)
        with pytest.raises(TypeError):
            fw.json.dumps({1, 2})


def test_custom_provider_subclass(fw: FW) -> None:
    class Provider(fw.json_provider.DefaultJSONProvider):  # type: ignore[misc, name-defined]
        def default(self, o: t.Any) -> t.Any:  # type: ignore[override]
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    class App(fw.Flask):  # type: ignore[misc, name-defined]
        json_provider_class = Provider

    app = App(f"h8json_custom_{next(_names)}", root_path=".")

    @app.route("/")
    def index() -> t.Any:
        return {"s": {3, 1, 2}, "d": dt.date(2020, 1, 1)}

    assert app.test_client().get("/").get_json() == {
        "s": [1, 2, 3],
        "d": "Wed, 01 Jan 2020 00:00:00 GMT",
    }


def test_overridden_dumps_is_used_by_jsonify(fw: FW) -> None:
    # Subclassing DefaultJSONProvider and overriding dumps() is the documented way to
    # change serialisation; jsonify() and dict/list return values must go through it.
    class Wrapping(fw.json_provider.DefaultJSONProvider):  # type: ignore[misc, name-defined]
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return t.cast(str, super().dumps({"wrapped": obj}, **kwargs))

    app = new_app(fw)
    app.json = Wrapping(app)
    app.add_url_rule("/", "index", lambda: {"a": 1})
    assert json.loads(app.test_client().get("/").data) == {"wrapped": {"a": 1}}
    with app.app_context():
        assert json.loads(fw.jsonify(1).data) == {"wrapped": 1}


def test_base_provider_subclass(fw: FW) -> None:
    class Upper(fw.json_provider.JSONProvider):  # type: ignore[misc, name-defined]
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return json.dumps(obj).upper()

        def loads(self, s: t.Any, **kwargs: t.Any) -> t.Any:
            return json.loads(s)

    app = new_app(fw)
    app.json = Upper(app)
    with app.app_context():
        r = fw.jsonify(a="x")
    assert r.data == b'{"A": "X"}'
    assert r.mimetype == "application/json"


def test_loads_dump_load(fw: FW) -> None:
    app = new_app(fw)
    with app.app_context():
        assert fw.json.loads('{"a": [1]}') == {"a": [1]}
        assert fw.json.loads(b'{"a": 1}') == {"a": 1}
        assert fw.json.loads('{"a": 1}'.encode("utf-16")) == {"a": 1}
        buf = io.StringIO()
        fw.json.dump({"b": 1, "a": 2}, buf)
        assert buf.getvalue() == '{"a": 2, "b": 1}'
        assert fw.json.load(io.StringIO("[1, 2]")) == [1, 2]
        with pytest.raises(ValueError):
            fw.json.loads("{bad")
    assert fw.json.loads("[1]") == [1]


def test_app_json_dumps_kwargs(fw: FW) -> None:
    app = new_app(fw)
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=False) == '{"b": 1, "a": 2}'
    assert app.json.dumps({"a": "é"}, ensure_ascii=False) == '{"a": "é"}'
    assert app.json.dumps([1], indent=1) == "[\n 1\n]"


def test_templates_tojson_uses_provider(fw: FW) -> None:
    app = new_app(fw)
    with app.app_context():
        out = fw.render_template_string(
            "{{ data|tojson }}", data={"b": "<x>", "a": dt.date(2024, 1, 2)}
        )
    assert out == '{"a": "Tue, 02 Jan 2024 00:00:00 GMT", "b": "\\u003cx\\u003e"}'


# ------------------------------------------------------------------------ orjson


def orjson_app(**config: t.Any) -> t.Any:
    from hipflask.json.provider import OrjsonProvider

    app = new_app(HIP, **config)
    app.json = OrjsonProvider(app)
    return app


ORJSON_SAME = [
    "dict",
    "list",
    "empty",
    "nested_empty",
    "date",
    "datetime_aware",
    "datetime_naive",
    "datetime_offset",
    "decimal",
    "uuid",
    "dataclass",
    "html",
    "markup",
    "tuple",
    "int_keys",
    "float",
    "nested_types",
    "big_int",
]


@pytest.mark.parametrize("name", ORJSON_SAME)
@pytest.mark.parametrize("debug", [False, True])
def test_orjson_jsonify_matches_default_provider(name: str, debug: bool) -> None:
    # OrjsonProvider's docstring promises the default provider's output except for
    # non-ASCII text; a user switching providers must not see dates or keys change.
    app = orjson_app(DEBUG=debug)
    default_app = new_app(HIP, DEBUG=debug)
    with app.app_context():
        got = HIP.jsonify(VALUES[name]).get_data()
    with default_app.app_context():
        expected = HIP.jsonify(VALUES[name]).get_data()
    assert got == expected


@pytest.mark.parametrize("name", ORJSON_SAME)
def test_orjson_dumps_matches_default_provider(name: str) -> None:
    app = orjson_app()
    default_app = new_app(HIP)
    # dumps() of the default provider uses json.dumps' default separators (", ", ": ");
    # compare parsed values, which is what a consumer sees
    assert json.loads(app.json.dumps(VALUES[name])) == json.loads(
        default_app.json.dumps(VALUES[name])
    )


def test_orjson_unicode_is_utf8() -> None:
    app = orjson_app()
    with app.app_context():
        body = HIP.jsonify({"k": "é"}).get_data()
    assert body == '{"k":"é"}\n'.encode()
    assert json.loads(body) == {"k": "é"}


def test_orjson_loads_and_request_parsing() -> None:
    app = orjson_app()

    @app.post("/")
    def index() -> t.Any:
        return {"got": HIP.request.get_json()}

    c = app.test_client()
    assert c.post("/", json={"a": [1, 2]}).get_json() == {"got": {"a": [1, 2]}}
    r = c.post("/", data=b"{bad", content_type="application/json")
    assert r.status_code == 400
    with pytest.raises(ValueError):
        app.json.loads("{bad")
    assert app.json.loads(b"[1]") == [1]
    assert app.json.loads("[1]", parse_float=decimal.Decimal) == [1]


def test_orjson_options_respected() -> None:
    app = orjson_app()
    app.json.sort_keys = False
    with app.app_context():
        assert HIP.jsonify({"z": 1, "a": 2}).get_data() == b'{"z":1,"a":2}\n'
    app2 = orjson_app()
    app2.json.compact = False
    with app2.app_context():
        assert HIP.jsonify({"a": 1}).get_data() == b'{\n  "a": 1\n}\n'


def test_orjson_unsupported_type() -> None:
    app = orjson_app()

    class Thing:
        pass

    with app.app_context(), pytest.raises(TypeError):
        HIP.jsonify(Thing())
