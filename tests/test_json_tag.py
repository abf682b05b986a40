"""Tagged JSON serializer: round trips, registration, and wire compatibility with Flask's."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from flask.json.tag import TaggedJSONSerializer as FlaskTaggedJSONSerializer
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from hipflask.json.tag import JSONTag, PassDict, TagDict, TaggedJSONSerializer


@pytest.fixture()
def ours() -> TaggedJSONSerializer:
    return TaggedJSONSerializer()


@pytest.fixture()
def flasks() -> FlaskTaggedJSONSerializer:
    return FlaskTaggedJSONSerializer()


UTC = timezone.utc

EXAMPLES: list[Any] = [
    {" t": "not a tuple"},
    {" di": "double escape"},
    {" t__": "suffix"},
    {"a": {" b": "x"}},
    ("a", 1, (2, 3), [4, (5,)]),
    (),
    b"\x00\xffbinary",
    b"",
    Markup("<b>bold</b>"),
    UUID("12345678-1234-5678-1234-567812345678"),
    datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC),
    {"nested": [{"x": (b"1", Markup("&amp;"))}], "n": None, "f": 1.5, "b": True},
    ["list", "of", "strings", 1, -2, 3.25, None, False],
    "plain string with \u00e9 and \u2603",
    123456789012345678901234567890,
    None,
]


@pytest.mark.parametrize("value", EXAMPLES, ids=repr)
def test_round_trip(ours: TaggedJSONSerializer, value: Any) -> None:
    loaded = ours.loads(ours.dumps(value))
    assert loaded == value
    assert type(loaded) is type(value)


@pytest.mark.parametrize("value", EXAMPLES, ids=repr)
def test_same_bytes_as_flask(
    ours: TaggedJSONSerializer, flasks: FlaskTaggedJSONSerializer, value: Any
) -> None:
    assert ours.dumps(value) == flasks.dumps(value)
    assert flasks.loads(ours.dumps(value)) == value
    assert ours.loads(flasks.dumps(value)) == value


def test_known_encodings(ours: TaggedJSONSerializer) -> None:
    # Pin the wire format itself, not only the round trip.
    assert ours.dumps((1, 2)) == '{" t":[1,2]}'
    assert ours.dumps(b"hi") == '{" b":"aGk="}'
    assert ours.dumps(Markup("<i>")) == '{" m":"<i>"}'
    assert ours.dumps(UUID(int=1)) == '{" u":"00000000000000000000000000000001"}'
    assert ours.dumps(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)) == (
        '{" d":"Sun, 06 Nov 1994 08:49:37 GMT"}'
    )
    assert ours.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert ours.dumps({"a": [1, {"b": ()}]}) == '{"a":[1,{"b":{" t":[]}}]}'


def test_datetime_is_utc_whole_seconds(ours: TaggedJSONSerializer) -> None:
    naive = datetime(2020, 1, 2, 3, 4, 5, 678901)
    loaded = ours.loads(ours.dumps(naive))
    assert loaded == naive.replace(microsecond=0, tzinfo=UTC)
    assert loaded.tzinfo is not None and loaded.utcoffset() == timedelta(0)

    other_zone = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5)))
    assert ours.loads(ours.dumps(other_zone)) == other_zone
    assert ours.loads(ours.dumps(other_zone)).utcoffset() == timedelta(0)


def test_html_protocol_objects_load_as_markup(ours: TaggedJSONSerializer) -> None:
    class Widget:
        def __html__(self) -> str:
            return "<span>w</span>"

    loaded = ours.loads(ours.dumps({"w": Widget()}))
    assert loaded == {"w": Markup("<span>w</span>")}
    assert isinstance(loaded["w"], Markup)


def test_unknown_tags_and_multi_key_objects_pass_through(ours: TaggedJSONSerializer) -> None:
    assert ours.loads('{" zz":1}') == {" zz": 1}
    assert ours.loads('{" t":[1],"x":2}') == {" t": [1], "x": 2}
    assert ours.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}


def test_bad_tagged_payload_raises(ours: TaggedJSONSerializer) -> None:
    # The session interface turns these into an empty session; the serializer must not hide them.
    with pytest.raises(ValueError):
        ours.loads('{" u":"not a uuid"}')
    with pytest.raises(ValueError):
        ours.loads('{" b":"abc"}')  # bad padding


def test_register_duplicate_key_raises(ours: TaggedJSONSerializer) -> None:
    class Again(JSONTag):
        key = " t"

    with pytest.raises(KeyError, match="' t'"):
        ours.register(Again)
    ours.register(Again, force=True)
    assert isinstance(ours.tags[" t"], Again)


def test_register_custom_tag_first(ours: TaggedJSONSerializer) -> None:
    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value: Any) -> bool:
            return isinstance(value, OrderedDict)

        def to_json(self, value: Any) -> Any:
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value: Any) -> Any:
            return OrderedDict(value)

    ours.register(TagOrderedDict, index=0)
    assert isinstance(ours.order[0], TagOrderedDict)
    value = OrderedDict([("b", (1,)), ("a", b"x")])
    loaded = ours.loads(ours.dumps(value))
    assert isinstance(loaded, OrderedDict)
    assert list(loaded.items()) == [("b", (1,)), ("a", b"x")]


def test_register_appends_by_default(ours: TaggedJSONSerializer) -> None:
    class Marker:
        pass

    class TagMarker(JSONTag):
        __slots__ = ()
        key = " mk"

        def check(self, value: Any) -> bool:
            return isinstance(value, Marker)

        def to_json(self, value: Any) -> Any:
            return ""

        def to_python(self, value: Any) -> Any:
            return Marker()

    ours.register(TagMarker)
    assert isinstance(ours.order[-1], TagMarker)
    assert isinstance(ours.loads(ours.dumps([Marker()]))[0], Marker)


def test_pass_through_tags_have_no_key(ours: TaggedJSONSerializer) -> None:
    assert "" not in ours.tags
    assert isinstance(ours.order[0], TagDict)
    assert isinstance(ours.order[1], PassDict)


# --- differential property tests against Flask's serializer --------------------------------

tag_like_keys = st.sampled_from(
    [" t", " di", " b", " m", " u", " d", " t__", " di__", "_permanent"]
)
keys = st.one_of(st.text(max_size=6), tag_like_keys)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.binary(max_size=12),
    st.uuids(),
    st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
    ).map(lambda d: d.replace(microsecond=0)),
    st.text(max_size=8).map(Markup),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, database=None)
@given(value=values)
def test_differential_round_trip(value: Any) -> None:
    ours = TaggedJSONSerializer()
    flasks = FlaskTaggedJSONSerializer()
    ours_text = ours.dumps(value)
    flask_text = flasks.dumps(value)
    assert ours_text == flask_text
    assert flasks.loads(ours_text) == value
    assert ours.loads(flask_text) == value
    assert ours.loads(ours_text) == value


def test_a_registered_tag_for_plain_scalars_is_applied(ours: TaggedJSONSerializer) -> None:
    # Plain str/int/float/bool/None skip the tag checks only while no registered tag could
    # claim them: a custom tag for ints must still see every int, nested ones included.
    class TagBigInt(JSONTag):
        __slots__ = ()
        key = " bi"

        def check(self, value: Any) -> bool:
            return type(value) is int and abs(value) >= 2**53

        def to_json(self, value: Any) -> Any:
            return str(value)

        def to_python(self, value: Any) -> Any:
            return int(value)

    assert ours.dumps({"n": 2**60}) == '{"n":1152921504606846976}'
    ours.register(TagBigInt, index=0)
    assert json.loads(ours.dumps({"n": 2**60, "m": [1, 2**61]})) == {
        "n": {" bi": "1152921504606846976"},
        "m": [1, {" bi": "2305843009213693952"}],
    }
    assert ours.loads(ours.dumps({"n": 2**60})) == {"n": 2**60}
