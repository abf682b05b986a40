"""hipflask.urls: quoting helpers and IRI/URI conversion (Werkzeug as the oracle)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import urls as wurls
from werkzeug.test import EnvironBuilder

from hipflask.datastructures import MultiDict
from hipflask.urls import (
    iri_to_uri,
    uri_to_iri,
    url_encode,
    url_quote,
    url_quote_plus,
    url_unquote,
    url_unquote_plus,
)


def test_url_quote() -> None:
    assert url_quote("/user/John Doe") == "/user/John%20Doe"
    assert url_quote("a/b:c?d") == "a/b:c%3Fd"
    assert url_quote("a/b", safe="") == "a%2Fb"
    assert url_quote("ü") == "%C3%BC"
    assert url_quote("ü", charset="latin1") == "%FC"
    assert url_quote(b"\xff") == "%FF"
    assert url_quote(42) == "42"
    assert url_quote_plus("a b&c") == "a+b%26c"


def test_url_unquote_is_lenient() -> None:
    assert url_unquote("%C3%BC%20x") == "ü x"
    assert url_unquote("%ZZ%") == "%ZZ%"
    assert url_unquote("%FF") == "\ufffd"
    assert url_unquote(b"a%20b") == "a b"
    assert url_unquote_plus("a+b%2B") == "a b+"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_quote_unquote_round_trip(value: str) -> None:
    assert url_unquote(url_quote(value, safe="")) == value
    assert url_unquote_plus(url_quote_plus(value)) == value


@pytest.mark.parametrize(
    "obj",
    [
        {"a": "1", "b": "x y"},
        {"tags": ["a", "b"], "skip": None, "n": 3},
        [("q", "ü"), ("q", "&="), ("empty", "")],
        {"path": "/a/b?c", "special": "!$'()*,;:@"},
    ],
)
def test_url_encode_matches_werkzeug_query_encoding(obj: object) -> None:
    # Werkzeug 3 encodes test-client and url_for query strings with this function.
    ours = url_encode(obj)
    theirs = wurls._urlencode(obj)  # type: ignore[arg-type]
    assert ours == theirs
    environ = EnvironBuilder(query_string=obj).get_environ()  # type: ignore[arg-type]
    assert environ["QUERY_STRING"] == ours


def test_url_encode_multidict_sort_and_key() -> None:
    md = MultiDict([("b", "2"), ("a", "1"), ("b", "0")])
    assert url_encode(md) == "b=2&b=0&a=1"
    assert url_encode(md, sort=True) == "a=1&b=0&b=2"
    assert url_encode(md, sort=True, key=lambda kv: kv[1]) == "b=0&a=1&b=2"


IRI_CASES = [
    "http://\u2603.net/p\xe5th?q=\xe8ry%DF",
    "http://example.com/a b?x=1 2#frag ment",
    "https://user:pa ss@ex.com:8080/p",
    "http://[::1]:5000/ü",
    "/relative/päth?q=ß",
    "itms-services://?action=download-manifest",
    "http://example.com/%2F%25already",
]


@pytest.mark.parametrize("iri", IRI_CASES)
def test_iri_to_uri_matches_werkzeug(iri: str) -> None:
    assert iri_to_uri(iri) == wurls.iri_to_uri(iri)


URI_CASES = [
    "http://xn--n3h.net/p%C3%A5th?q=%C3%A8ry%DF",
    "http://example.com/%2F%3F%23%20x?a=%26%3D%2B#f%20g",
    "http://us%C3%A9r:p%40ss@xn--n3h.net:81/",
    "/just/a/path%C3%BC",
    "http://EXAMPLE.com/",
]


@pytest.mark.parametrize("uri", URI_CASES)
def test_uri_to_iri_matches_werkzeug(uri: str) -> None:
    assert uri_to_iri(uri) == wurls.uri_to_iri(uri)


def test_uri_to_iri_keeps_invalid_punycode_instead_of_failing() -> None:
    # Werkzeug raises UnicodeError here; a client-chosen Host must never cause a 500.
    with pytest.raises(UnicodeError):
        wurls.uri_to_iri("http://xn--invalid-.com/")
    assert uri_to_iri("http://xn--invalid-.com/p%C3%BC") == "http://xn--invalid-.com/pü"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab/%?#&=+ üß:@2F")), max_size=25))
def test_iri_uri_property(path: str) -> None:
    url = "http://example.com/" + path
    assert iri_to_uri(url) == wurls.iri_to_uri(url)
    assert uri_to_iri(url) == wurls.uri_to_iri(url)
