"""The query-string parser against urllib.parse.parse_qsl, on random input.

``parse_query_string`` is written for speed; its meaning is parse_qsl's with blank values kept,
``&`` as the only separator and strict UTF-8 (a 400 where parse_qsl would fail to decode),
applied to the UTF-8 text behind the WSGI latin-1 string.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hipflask.exceptions import BadRequest
from hipflask.request import parse_query_string

PIECES = st.sampled_from(
    [
        "a",
        "b",
        "q",
        "=",
        "&",
        "+",
        "%",
        "%2",
        "%20",
        "%2B",
        "%26",
        "%3D",
        "%zz",
        "%C3%A9",
        "%C3",
        "%ff",
        "%E2%82%AC",
        "é",
        "€",
        "😀",
        ";",
        " ",
        "&&",
        "==",
        "%25",
        "%%",
        "x=1",
        "tag=",
    ]
)


def reference(text: str) -> list[tuple[str, str]] | str:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return "400"


def ours(wsgi: str) -> list[tuple[str, str]] | str:
    try:
        return parse_query_string(wsgi)
    except BadRequest:
        return "400"


@given(st.lists(PIECES, max_size=30).map("".join))
@example("q=flask&page=2&tag=a&tag=b")
@example("a&b=&=c&&d=%")
@settings(max_examples=500, deadline=None)
def test_same_pairs_as_parse_qsl(text: str) -> None:
    wsgi = text.encode("utf-8").decode("latin-1")  # what a server puts in QUERY_STRING
    assert ours(wsgi) == reference(text)


@given(st.binary(max_size=30))
@settings(max_examples=300, deadline=None)
def test_raw_bytes(raw: bytes) -> None:
    wsgi = raw.decode("latin-1")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert ours(wsgi) == "400"
        return
    assert ours(wsgi) == reference(text)


def test_too_many_fields_is_a_400() -> None:
    from hipflask.request import MAX_QUERY_PAIRS

    with pytest.raises(BadRequest):
        parse_query_string("a=1&" * MAX_QUERY_PAIRS)
