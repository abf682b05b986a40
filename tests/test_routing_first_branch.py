"""The matcher's first-branch loop gives exactly what the full depth-first walk gives.

``Matcher._first_branch`` follows the first matching option at every segment and answers
only when that branch ends on a rule taking the method; everything else goes to the full
walk. These tests run random rule sets and paths through the matcher twice, with the loop
and with it switched off, and compare the outcome (rule, converted values, or the exception
with its allowed methods and redirect path).
"""

from __future__ import annotations

import typing as t

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hipflask.routing import Map, Rule
from hipflask.routing.converters import BaseConverter, ValidationError
from hipflask.routing.matcher import Matcher, NoMatch, RequestPath


class EvenConverter(BaseConverter):
    """Digits whose value must be even: a to_python that refuses after the regex matched."""

    regex = r"\d+"

    def to_python(self, value: str) -> int:
        if int(value) % 2:
            raise ValidationError()
        return int(value)


class GreedyConverter(BaseConverter):
    """Spans slashes yet weighs little: a multi-segment test tried before the others."""

    regex = r"[a-z0-9/]+"
    part_isolating = False
    weight = 10


class GroupConverter(BaseConverter):
    """A regex with a capturing group of its own: the values are not simply groups()."""

    regex = r"(x|y)z?"


RULES = [
    "/",
    "/a",
    "/a/",
    "/a/b",
    "/a/<x>",
    "/a/<int:x>",
    "/a/<int:x>/",
    "/a/<int:x>/c",
    "/a/<x>/c",
    "/a/<path:p>",
    "/a/<path:p>/e",
    "/<x>",
    "/<x>/b",
    "/<x>/<int:y>",
    "/r/<greedy:rest>",
    "/r/<int:x>",
    "/g/<grp:v>",
    "/g/<grp:v>-<int:n>",
    "/<int:x>/<int:y>",
    "/<even:x>",
    "/<even:x>/z",
    "/f<int:x>",
    "/f<int:x>/g",
    "/a/<float:n>",
    "/a/<any(b,c):w>/d",
    "/s/<string(length=2):t>",
]
PATHS = st.lists(
    st.sampled_from(
        ["a", "b", "c", "d", "e", "g", "r", "z", "1", "2", "42", "1.5", "f7", "ab", ""]
    ),
    min_size=0,
    max_size=4,
).map(lambda parts: "/" + "/".join(parts))
METHODS = st.sampled_from(["GET", "POST", "PUT"])


def outcome(matcher: Matcher, path: str, method: str) -> t.Any:
    try:
        rule, values = matcher.match("", path, method)
    except NoMatch as e:
        return ("nomatch", sorted(e.have_match_for), e.websocket_mismatch)
    except RequestPath as e:
        return ("redirect", e.path_info)
    return ("rule", rule.rule, sorted(rule.methods or ()), values)


def build_map(picks: list[tuple[str, str | None]]) -> Map:
    m = Map(converters={"even": EvenConverter, "greedy": GreedyConverter, "grp": GroupConverter})
    for i, (rule, method) in enumerate(picks):
        m.add(Rule(rule, endpoint=f"e{i}", methods=[method] if method else None))
    m.update()
    return m


@given(
    st.lists(
        st.tuples(st.sampled_from(RULES), st.sampled_from([None, "GET", "POST"])),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.tuples(PATHS, METHODS), min_size=1, max_size=10),
)
@example(
    picks=[
        ("/a/<int:x>", None),
        ("/<x>/<int:y>", None),
        ("/r/<greedy:rest>", None),
        ("/r/<int:x>", None),
        ("/a/<int:x>/", "POST"),
    ],
    requests=[("/a/1", "GET"), ("/r/1", "GET"), ("/a/2/", "GET"), ("/a/2", "POST")],
)
@settings(max_examples=400, deadline=None)
def test_same_outcome_as_the_full_walk(
    picks: list[tuple[str, str | None]], requests: list[tuple[str, str]]
) -> None:
    matcher = build_map(picks)._matcher
    with pytest.MonkeyPatch.context() as mp:
        full = [outcome(matcher, path, method) for path, method in requests]
        mp.setattr(Matcher, "_first_branch", lambda *args: None)
        reference = [outcome(matcher, path, method) for path, method in requests]
    assert full == reference


def test_first_branch_answers_the_common_case() -> None:
    m = build_map([(f"/route{i}/<int:id>", None) for i in range(10)])
    found = m._matcher._first_branch("", "/route9/42", "GET", False)
    assert found is not None and found[0].rule == "/route9/<int:id>" and found[1] == ["42"]
    assert m._matcher.match("", "/route9/42", "GET")[1] == {"id": 42}


def test_static_branch_that_fails_backtracks_to_the_dynamic_one() -> None:
    m = build_map([("/a/b", None), ("/<x>/c", None)])
    assert m._matcher._first_branch("", "/a/c", "GET", False) is None
    rule, values = m._matcher.match("", "/a/c", "GET")
    assert rule.rule == "/<x>/c" and values == {"x": "a"}


def test_refused_conversion_is_no_match_as_before() -> None:
    m = build_map([("/<even:x>", None)])
    assert m._matcher.match("", "/4", "GET")[1] == {"x": 4}
    with pytest.raises(NoMatch):
        m._matcher.match("", "/3", "GET")


def test_converter_regex_with_its_own_group() -> None:
    m = build_map([("/g/<grp:v>", None), ("/g/<grp:v>-<int:n>", None)])
    assert m._matcher.match("", "/g/xz", "GET")[1] == {"v": "xz"}
    assert m._matcher.match("", "/g/y-3", "GET")[1] == {"v": "y", "n": 3}


def test_method_mismatch_still_reports_allowed_methods() -> None:
    m = build_map([("/a/<int:x>", "POST")])
    with pytest.raises(NoMatch) as info:
        m._matcher.match("", "/a/1", "GET")
    assert info.value.have_match_for == {"POST"}


@pytest.mark.parametrize(
    "rule",
    [
        "/<int:x>",
        "/<int(signed=True):x>",
        "/<int(min=3):x>",
        "/<int(max=5):x>",
        "/<int(fixed_digits=2):x>",
        "/<float:x>",
        "/<float(signed=True):x>",
        "/<x>",
    ],
)
def test_matcher_converter_calls_match_to_python(rule: str) -> None:
    # The matcher may call a cheaper callable than to_python (int itself for a plain int
    # converter); for every setting it gives what to_python gives, refusals included.
    m = build_map([(rule, None)])
    (compiled,) = m.iter_rules()
    (name, fast), converter = compiled._to_python[0], compiled._converters["x"]
    assert name == "x"
    for text in ["0", "07", "4", "42", "-3", "1.5", "-2.5", "abc"]:
        try:
            expected: t.Any = converter.to_python(text)
        except (ValidationError, ValueError) as e:
            expected = type(e)
        try:
            got: t.Any = fast(text)
        except (ValidationError, ValueError) as e:
            got = type(e)
        assert got == expected, (rule, text)


def test_plain_int_converter_is_called_as_int() -> None:
    m = build_map([("/<int:x>", None), ("/n/<int(min=1):x>", None)])
    plain, bounded = m.iter_rules()
    assert plain._to_python[0][1] is int
    assert bounded._to_python[0][1] == bounded._converters["x"].to_python
