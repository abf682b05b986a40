"""DefaultJSONProvider.loads scans plain text directly; it must behave exactly as json.loads."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hipflask import Flask

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def outcome(loads: Any, text: str) -> tuple[str, Any]:
    try:
        return "ok", loads(text)
    except Exception as exc:
        return type(exc).__name__, str(exc)


@given(JSON_VALUES, st.sampled_from(["", " ", "\n", "x", "}", ",1", "\ufeff"]), st.booleans())
@settings(max_examples=200, deadline=None)
def test_same_result_or_error_as_json_loads(value: Any, extra: str, before: bool) -> None:
    provider = Flask(__name__).json
    text = json.dumps(value)
    text = extra + text if before else text + extra
    assert outcome(provider.loads, text) == outcome(json.loads, text)


@given(st.text(alphabet='{}[]",:0123456789.eE-+ tfnrulsa\\u', max_size=20))
@settings(max_examples=300, deadline=None)
def test_arbitrary_text(text: str) -> None:
    provider = Flask(__name__).json
    assert outcome(provider.loads, text) == outcome(json.loads, text)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])


@given(JSON_VALUES, st.sampled_from(["", " ", "x", "}", ",1"]), ENCODINGS)
@settings(max_examples=200, deadline=None)
def test_bytes_same_result_or_error_as_json_loads(value: Any, extra: str, encoding: str) -> None:
    # A request body reaches loads() as bytes: UTF-8 ones starting with '{' or '[' are
    # decoded and scanned directly, everything else goes through json.loads.
    provider = Flask(__name__).json
    data = (json.dumps(value) + extra).encode(encoding, "surrogatepass")
    assert outcome(provider.loads, data) == outcome(json.loads, data)


@given(st.binary(max_size=12).map(lambda raw: b"{" + raw))
@settings(max_examples=300, deadline=None)
def test_arbitrary_bytes(data: bytes) -> None:
    provider = Flask(__name__).json
    assert outcome(provider.loads, data) == outcome(json.loads, data)
    assert outcome(provider.loads, b"[" + data[1:]) == outcome(json.loads, b"[" + data[1:])


def test_bytes_edge_cases() -> None:
    provider = Flask(__name__).json
    for data in [
        b"{}",
        b"[1]",
        b'{"a": "\xc3\xa9"}',
        b'["\xed\xa0\x80"]',  # a lone surrogate, as json.loads' surrogatepass decodes it
        b'["\xff"]',  # not UTF-8
        b"{\x00}",
        b"[",
        b"{",
        b'{"a": 1} ',
    ]:
        assert outcome(provider.loads, data) == outcome(json.loads, data), data


@given(
    JSON_VALUES,
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16-be", "utf-32", "utf-32-le"]),
    st.sampled_from([b"", b" ", b"x", b"\xff", b"\xed\xa0\x80"]),
)
@settings(max_examples=200, deadline=None)
def test_bytes_with_trailing_bytes(value: Any, encoding: str, extra: bytes) -> None:
    """Non-ASCII text, invalid UTF-8 and lone surrogates after the value."""
    provider = Flask(__name__).json
    data = json.dumps(value, ensure_ascii=False).encode(encoding, "surrogatepass") + extra
    assert outcome(provider.loads, data) == outcome(json.loads, data)


@given(st.binary(max_size=12))
@settings(max_examples=300, deadline=None)
def test_any_bytes(data: bytes) -> None:
    provider = Flask(__name__).json
    assert outcome(provider.loads, data) == outcome(json.loads, data)
