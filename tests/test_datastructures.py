"""MultiDict family, Headers/EnvironHeaders, HeaderSet, CallbackDict, Accept, cache control,
ranges, ETags and auth: behaviour checked directly and against Werkzeug as an oracle."""

from __future__ import annotations

import copy
import pickle

import pytest
from werkzeug import datastructures as wds
from werkzeug import http as whttp

from hipflask import http
from hipflask.datastructures import (
    Accept,
    Authorization,
    CallbackDict,
    CharsetAccept,
    CombinedMultiDict,
    ContentRange,
    EnvironHeaders,
    ETags,
    FileStorage,
    Headers,
    HeaderSet,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
    TypeConversionDict,
    WWWAuthenticate,
)
from hipflask.exceptions import BadRequest, BadRequestKeyError

# -- MultiDict -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        [("a", "1"), ("b", "2"), ("a", "3")],
        {"a": ["1", "3"], "b": "2", "empty": []},
        {"t": ("x", "y")},
        [],
    ],
)
def test_multidict_construction_matches_werkzeug(source: object) -> None:
    ours = MultiDict(source)  # type: ignore[arg-type]
    theirs = wds.MultiDict(source)  # type: ignore[arg-type]
    assert list(ours.items(multi=True)) == list(theirs.items(multi=True))
    assert ours.to_dict() == theirs.to_dict()
    assert ours.to_dict(flat=False) == theirs.to_dict(flat=False)
    assert repr(ours) == repr(theirs)
    assert list(ours.keys()) == list(theirs.keys())
    assert list(ours.values()) == list(theirs.values())
    assert list(ours.lists()) == list(theirs.lists())


def test_multidict_first_value_getlist_and_missing_key() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("n", "x")])
    assert md["a"] == "1"
    assert md.getlist("a") == ["1", "2"]
    assert md.getlist("missing") == []
    with pytest.raises(BadRequestKeyError) as info:
        md["missing"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400


def test_multidict_get_with_type_conversion() -> None:
    md = MultiDict([("page", "3"), ("bad", "x"), ("n", "1"), ("n", "q"), ("n", "2")])
    assert md.get("page", type=int) == 3
    assert md.get("bad", 7, type=int) == 7
    assert md.get("missing") is None
    assert md.get("missing", "d") == "d"
    assert md.getlist("n", type=int) == [1, 2]


def test_multidict_get_type_error_returns_default() -> None:
    md = MultiDict([("a", "1")])

    def boom(value: str) -> int:
        raise TypeError("no")

    assert md.get("a", "default", type=boom) == "default"


def test_multidict_mutation() -> None:
    md: MultiDict[str, str] = MultiDict()
    md.add("a", "1")
    md.add("a", "2")
    md["b"] = "x"
    md["b"] = "y"
    assert md.getlist("b") == ["y"]
    md.setlist("c", ["1", "2"])
    assert md.getlist("c") == ["1", "2"]
    assert md.setdefault("a", "z") == "1"
    assert md.setdefault("new", "z") == "z"
    live = md.setlistdefault("live", ["q"])
    live.append("r")
    assert md.getlist("live") == ["q", "r"]
    md.update({"a": "3"})
    assert md.getlist("a") == ["1", "2", "3"]
    assert md.pop("a") == "1"
    assert "a" not in md
    assert md.pop("a", "gone") == "gone"
    with pytest.raises(BadRequestKeyError):
        md.pop("a")
    assert md.poplist("c") == ["1", "2"]
    assert md.poplist("c") == []
    key, value = md.popitem()
    assert key and value
    key, values = md.popitemlist()
    assert isinstance(values, list)
    md.clear()
    with pytest.raises(BadRequestKeyError):
        md.popitem()


def test_multidict_getlist_returns_copy_and_dict_conversion() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    md.getlist("a").append("3")
    assert md.getlist("a") == ["1", "2"]
    assert dict(md) == {"a": "1"}  # dict() sees first values, not the inner lists


def test_multidict_copy_deepcopy_pickle() -> None:
    md = MultiDict([("a", ["x"]), ("a", ["y"])])
    shallow = md.copy()
    deep = md.deepcopy()
    assert shallow.getlist("a") == md.getlist("a")
    md.getlist("a")  # copies
    md.add("a", ["z"])
    assert len(shallow.getlist("a")) == 2
    deep["a"].append("mut")
    assert md["a"] == ["x"]
    assert copy.copy(md) == md
    assert copy.deepcopy(md).getlist("a") == md.getlist("a")
    assert pickle.loads(pickle.dumps(md)).getlist("a") == md.getlist("a")


def test_multidict_or_operators() -> None:
    md = MultiDict([("a", "1")])
    combined = md | {"a": "2", "b": "3"}
    assert combined.getlist("a") == ["1", "2"]
    assert md.getlist("a") == ["1"]
    md |= [("c", "4")]
    assert md["c"] == "4"


def test_immutable_multidict_refuses_every_mutation_naming_the_class() -> None:
    imd = ImmutableMultiDict([("a", "1")])
    for action in (
        lambda: imd.__setitem__("a", "2"),
        lambda: imd.add("a", "2"),
        lambda: imd.setlist("a", []),
        lambda: imd.pop("a"),
        lambda: imd.popitem(),
        lambda: imd.poplist("a"),
        lambda: imd.update({"a": "2"}),
        lambda: imd.setdefault("z", "1"),
        lambda: imd.setlistdefault("z"),
        lambda: imd.clear(),
        lambda: imd.__delitem__("a"),
    ):
        with pytest.raises(TypeError, match="ImmutableMultiDict"):
            action()
    mutable = imd.copy()
    mutable.add("a", "2")
    assert type(mutable) is MultiDict
    assert imd.getlist("a") == ["1"]
    assert hash(imd) == hash(ImmutableMultiDict([("a", "1")]))
    assert copy.copy(imd) is imd


def test_combined_multidict() -> None:
    args_pairs = [("a", "q1"), ("x", "1")]
    form_pairs = [("a", "f1"), ("a", "f2"), ("y", "2")]
    combined = CombinedMultiDict([MultiDict(args_pairs), MultiDict(form_pairs)])
    theirs = wds.CombinedMultiDict([wds.MultiDict(args_pairs), wds.MultiDict(form_pairs)])
    assert combined["a"] == theirs["a"] == "q1"
    assert combined.getlist("a") == theirs.getlist("a") == ["q1", "f1", "f2"]
    assert sorted(combined.keys()) == sorted(theirs.keys())
    assert len(combined) == len(theirs) == 3
    assert "y" in combined and "z" not in combined
    assert combined.to_dict() == theirs.to_dict()
    assert combined.to_dict(flat=False) == theirs.to_dict(flat=False)
    assert combined.get("x", type=int) == 1
    assert combined.copy().getlist("a") == ["q1", "f1", "f2"]
    with pytest.raises(BadRequestKeyError):
        combined["nope"]
    with pytest.raises(TypeError):
        combined["a"] = "no"


def test_combined_multidict_get_type_falls_through() -> None:
    combined = CombinedMultiDict([MultiDict({"n": "x"}), MultiDict({"n": "5"})])
    assert combined.get("n", type=int) == 5


def test_type_conversion_dict_and_immutables() -> None:
    tcd = TypeConversionDict(a="1", b="x")
    assert tcd.get("a", type=int) == 1
    assert tcd.get("b", -1, type=int) == -1
    idict = ImmutableDict(a=1)
    with pytest.raises(TypeError, match="ImmutableDict"):
        idict["b"] = 2
    assert idict.copy() == {"a": 1}
    assert isinstance(hash(idict), int)
    ilist = ImmutableList([1, 2])
    with pytest.raises(TypeError, match="ImmutableList"):
        ilist.append(3)
    assert hash(ilist) == hash((1, 2))


def test_callback_dict_calls_on_update_for_every_mutation() -> None:
    calls: list[dict[str, int]] = []
    d: CallbackDict[str, int] = CallbackDict({"a": 1}, lambda s: calls.append(dict(s)))
    d["b"] = 2
    del d["a"]
    d.setdefault("c", 3)
    d.setdefault("c", 4)  # no change, no call
    d.update(x=5)
    d.pop("x")
    d.pop("missing", None)  # no change, no call
    d.popitem()
    d.clear()
    assert len(calls) == 7
    assert calls[0] == {"a": 1, "b": 2}
    assert calls[-1] == {}


# -- Headers ---------------------------------------------------------------------------


def test_headers_case_insensitive_ordered_duplicates() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-A", "1")])
    h.add("x-a", "2")
    assert h["content-type"] == "text/plain"
    assert h.getlist("X-A") == ["1", "2"]
    assert h.get_all("x-A") == ["1", "2"]
    assert "CONTENT-TYPE" in h
    assert "missing" not in h
    assert len(h) == 3
    assert list(h) == [("Content-Type", "text/plain"), ("X-A", "1"), ("x-a", "2")]
    assert list(h.keys(lower=True)) == ["content-type", "x-a", "x-a"]
    assert list(h.values()) == ["text/plain", "1", "2"]
    with pytest.raises(BadRequestKeyError):
        h["missing"]
    assert h.get("missing", "d") == "d"
    assert h[0] == ("Content-Type", "text/plain")
    assert isinstance(h[1:], Headers)


def test_headers_set_replaces_first_and_drops_duplicates() -> None:
    h = Headers([("A", "1"), ("B", "x"), ("a", "2"), ("C", "y"), ("A", "3")])
    h.set("a", "new")
    assert h.to_wsgi_list() == [("a", "new"), ("B", "x"), ("C", "y")]
    h.set("D", 4)
    assert h["d"] == "4"
    assert h.setdefault("D", "no") == "4"
    assert h.setdefault("E", "yes") == "yes"


def test_headers_options_and_werkzeug_parity() -> None:
    ours = Headers()
    theirs = wds.Headers()
    for target in (ours, theirs):
        target.add("Content-Disposition", "attachment", filename="a b.png")
        target.add("X-Opt", "v", some_key="k", none=None)
        target.set("Content-Type", "text/html", charset="utf-8")
        target.extend({"X-Multi": ["1", "2"]}, X_Kw="kw")
        target.update({"X-Multi": "3"})
        target.setlist("X-L", ["a", "b"])
    assert ours.to_wsgi_list() == theirs.to_wsgi_list()
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)
    assert ours.get("content-length", type=int) is None


def test_headers_str_is_http_block() -> None:
    h = Headers([("A", "1"), ("B", "2")])
    assert str(h) == "A: 1\r\nB: 2\r\n\r\n"


@pytest.mark.parametrize("bad", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\0b"])
def test_headers_reject_injection_in_values(bad: str) -> None:
    h = Headers()
    for action in (
        lambda: h.add("X-Evil", bad),
        lambda: h.set("X-Evil", bad),
        lambda: h.__setitem__("X-Evil", bad),
        lambda: h.setlist("X-Evil", [bad]),
        lambda: h.extend([("X-Evil", bad)]),
        lambda: Headers({"X-Evil": bad}),
        lambda: h.__setitem__(0, ("X-Evil", bad)),
    ):
        with pytest.raises(ValueError, match="X-Evil"):
            action()
    assert len(h) == 0 or ("X-Evil", bad) not in list(h)


@pytest.mark.parametrize("bad", ["X-A\r\nInjected", "X\nA", "X\0A"])
def test_headers_reject_injection_in_names(bad: str) -> None:
    with pytest.raises(ValueError, match="Header name"):
        Headers().add(bad, "v")


def test_headers_from_list_wraps_without_copy() -> None:
    pairs = [("A", "1")]
    h = Headers.from_list(pairs)
    assert h.to_wsgi_list() is pairs
    h.add("B", "2")
    assert pairs == [("A", "1"), ("B", "2")]
    other = h.copy()
    other.add("C", "3")
    assert len(pairs) == 2
    assert not hasattr(h, "__dict__")


def test_headers_remove_pop_eq_clear() -> None:
    h = Headers([("A", "1"), ("a", "2"), ("B", "3")])
    assert h.pop("a") == "1"
    assert "A" not in h
    assert h.pop("missing", None) is None
    with pytest.raises(KeyError):
        h.pop("missing")
    h.add("C", "4")
    assert h.pop() == ("C", "4")
    assert h.pop(0) == ("B", "3")
    h.add("X", "1")
    del h["x"]
    assert len(h) == 0
    assert Headers([("A", "1")]) == Headers([("a", "1")])
    assert Headers([("A", "1")]) != Headers([("A", "2")])
    h.add("Y", "1")
    h.clear()
    assert h.to_wsgi_list() == []


def test_environ_headers_reads_environ() -> None:
    environ = {
        "HTTP_USER_AGENT": "ua/1",
        "HTTP_X_FORWARDED_FOR": "1.2.3.4",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "",
        "HTTP_CONTENT_TYPE": "shadowed",
        "wsgi.input": None,
    }
    ours = EnvironHeaders(environ)
    theirs = wds.EnvironHeaders(environ)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs) == 3
    assert ours["user-agent"] == "ua/1"
    assert ours["X-Forwarded-For"] == "1.2.3.4"
    assert ours["Content-Type"] == "text/plain"
    assert ours.get("content-length") == ""
    assert ours.get("missing", "d") == "d"
    assert ours.get("x-forwarded-for", type=len) == 7
    assert "User-Agent" in ours and "Nope" not in ours
    assert ours.getlist("user-agent") == ["ua/1"]
    with pytest.raises(BadRequestKeyError):
        ours["missing"]
    with pytest.raises(TypeError):
        ours["X"] = "1"  # type: ignore[index]
    with pytest.raises(TypeError):
        ours.add("X", "1")
    with pytest.raises(TypeError):
        ours.copy()
    assert Headers(ours)["user-agent"] == "ua/1"


# -- HeaderSet ---------------------------------------------------------------------------


def test_header_set() -> None:
    updates: list[str] = []
    hs = HeaderSet(["Accept-Encoding"], on_update=lambda s: updates.append(s.to_header()))
    hs.add("cookie")
    hs.add("COOKIE")  # already there, case-insensitively
    assert "Cookie" in hs and len(hs) == 2
    assert hs.to_header() == "Accept-Encoding, cookie"
    assert hs.find("cookie") == 1 and hs.find("none") == -1
    with pytest.raises(IndexError):
        hs.index("none")
    hs.discard("none")
    hs.remove("accept-encoding")
    with pytest.raises(KeyError):
        hs.remove("accept-encoding")
    assert hs.as_set() == {"cookie"}
    hs.clear()
    assert not hs
    assert updates == ["Accept-Encoding, cookie", "cookie", ""]
    assert str(HeaderSet(["a b"])) == '"a b"'


# -- Accept ------------------------------------------------------------------------------

ACCEPT_CASES = [
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/json",
    "text/*;q=0.5, text/plain, */*;q=0.1",
    "text/html;level=1, text/html;q=0.7, */*;q=0.1",
    "",
    "application/json;q=0, text/html",
    "image/*, text/plain;q=bad, text/csv;q=2",
]
OFFERS = [
    ["application/json", "text/html"],
    ["text/html", "application/json"],
    ["text/plain", "text/csv"],
    ["image/png"],
    ["text/html;level=1", "text/html"],
    [],
]


@pytest.mark.parametrize("header", ACCEPT_CASES)
def test_mime_accept_matches_werkzeug(header: str) -> None:
    ours = http.parse_accept_header(header, MIMEAccept)
    theirs = whttp.parse_accept_header(header, wds.MIMEAccept)
    assert list(ours) == list(theirs)
    assert ours.to_header() == theirs.to_header()
    assert ours.best == theirs.best
    assert ours.provided is bool(header)
    for offers in OFFERS:
        assert ours.best_match(offers) == theirs.best_match(offers), offers
        assert ours.best_match(offers, default="x") == theirs.best_match(offers, default="x")
    for mime in ["text/html", "application/json", "image/png", "text/plain"]:
        assert ours.quality(mime) == theirs.quality(mime)
        assert (mime in ours) == (mime in theirs)
        assert ours.find(mime) == theirs.find(mime)
    assert ours.accept_html == theirs.accept_html
    assert ours.accept_json == theirs.accept_json


def test_mime_accept_rejects_developer_typo() -> None:
    accept = http.parse_accept_header("text/html", MIMEAccept)
    with pytest.raises(ValueError, match="html"):
        accept.best_match(["html"])


@pytest.mark.parametrize(
    ("header", "offers"),
    [
        ("en-US,en;q=0.9,de;q=0.5", ["de", "en"]),
        ("en-US", ["en", "fr"]),
        ("en", ["en-GB", "fr"]),
        ("de-AT;q=0.9, fr", ["de", "it"]),
        ("*", ["it"]),
    ],
)
def test_language_accept_matches_werkzeug(header: str, offers: list[str]) -> None:
    ours = http.parse_accept_header(header, LanguageAccept)
    theirs = whttp.parse_accept_header(header, wds.LanguageAccept)
    assert ours.best_match(offers) == theirs.best_match(offers)
    assert ours["en_us"] == theirs["en_us"]


def test_charset_and_plain_accept() -> None:
    charsets = http.parse_accept_header("ISO-8859-1, utf-8;q=0.7", CharsetAccept)
    assert "UTF8" in charsets
    assert charsets["utf-8"] == 0.7
    assert charsets.best == "ISO-8859-1"
    encodings = http.parse_accept_header("gzip, br;q=0.5")
    assert isinstance(encodings, Accept)
    assert encodings.best_match(["br", "deflate"]) == "br"
    assert list(encodings.values()) == ["gzip", "br"]
    assert not http.parse_accept_header(None).provided


# -- cache control, ranges, etags, auth --------------------------------------------------


def test_cache_control_request_and_response() -> None:
    req = http.parse_cache_control_header("no-cache, max-age=30, max-stale")
    assert isinstance(req, RequestCacheControl)
    assert req.no_cache is True
    assert req.max_age == 30
    assert req.max_stale is True
    with pytest.raises(TypeError):
        req.max_age = 5  # type: ignore[misc]
    updates: list[str] = []
    resp = ResponseCacheControl(on_update=lambda cc: updates.append(cc.to_header()))
    resp.public = True
    resp.max_age = 300
    resp.no_cache = True
    theirs = wds.ResponseCacheControl()
    theirs.public = True
    theirs.max_age = 300
    theirs.no_cache = True
    assert resp.to_header() == theirs.to_header()
    assert updates[-1] == resp.to_header()
    resp.max_age = None
    assert "max-age" not in resp
    bad = http.parse_cache_control_header("max-age=abc")
    assert bad.max_age is None


def test_range_and_content_range() -> None:
    rng = Range("bytes", [(0, 500)])
    assert rng.range_for_length(1000) == (0, 500)
    assert rng.to_content_range_header(1000) == "bytes 0-499/1000"
    assert rng.range_for_length(None) is None
    suffix = Range("bytes", [(-100, None)])
    assert suffix.range_for_length(1000) == (900, 1000)
    assert suffix.to_header() == "bytes=-100"
    with pytest.raises(ValueError):
        Range("bytes", [(5, 2)])
    cr = rng.make_content_range(1000)
    assert isinstance(cr, ContentRange)
    assert cr.to_header() == "bytes 0-499/1000"
    seen: list[str] = []
    cr.on_update = lambda c: seen.append(c.to_header())
    cr.length = 2000
    assert seen == ["bytes 0-499/2000"]
    cr.unset()
    assert not cr and cr.to_header() == ""
    with pytest.raises(ValueError):
        ContentRange("bytes", 10, 5, 100)


def test_etags() -> None:
    etags = http.parse_etags('"a", W/"b", "c"')
    assert "a" in etags and "b" not in etags
    assert etags.contains_weak("b")
    assert etags.contains_raw('W/"b"') and not etags.contains_raw('"b"')
    assert etags.as_set() == {"a", "c"}
    assert etags.as_set(include_weak=True) == {"a", "b", "c"}
    assert http.parse_etags("*").contains("anything")
    assert not ETags()
    assert etags(data=b"x") is False
    assert ETags([http.generate_etag(b"x")])(data=b"x") is True


def test_authorization_parsing_matches_werkzeug() -> None:
    import base64

    basic = "Basic " + base64.b64encode(b"alice:s3:cr=t").decode()
    for header in [
        basic,
        "Bearer abc.def",
        'Digest username="bob", realm="x", nonce="n", uri="/", response="r"',
        "Basic !!notbase64",
        "",
        None,
    ]:
        ours = Authorization.from_header(header)
        theirs = wds.Authorization.from_header(header)
        if theirs is None:
            assert ours is None
            continue
        assert ours is not None
        assert (ours.type, ours.token, ours.parameters) == (
            theirs.type,
            theirs.token,
            theirs.parameters,
        )
        assert ours.to_header() == theirs.to_header()
    auth = Authorization.from_header(basic)
    assert auth is not None
    assert auth.username == "alice" and auth["password"] == "s3:cr=t"


def test_www_authenticate() -> None:
    seen: list[str] = []
    www = WWWAuthenticate("basic", {"realm": "app"})
    www._on_update = lambda w: seen.append(w.to_header())
    www.realm = "other"
    assert www.to_header() == "Basic realm=other"
    assert seen == ["Basic realm=other"]
    digest = WWWAuthenticate("digest", {"realm": "r", "nonce": "n", "algorithm": "MD5"})
    theirs = wds.WWWAuthenticate("digest", {"realm": "r", "nonce": "n", "algorithm": "MD5"})
    assert digest.to_header() == theirs.to_header()
    parsed = WWWAuthenticate.from_header('Bearer realm="api", error="invalid_token"')
    assert parsed is not None and parsed.error == "invalid_token"


def test_file_storage_is_exported() -> None:
    assert FileStorage.__module__ == "hipflask.datastructures.file_storage"


def test_file_multidict_add_file(tmp_path: object) -> None:
    import io
    import pathlib

    from hipflask.datastructures import FileMultiDict

    path = pathlib.Path(str(tmp_path)) / "report.csv"
    path.write_bytes(b"a,b\n")
    files = FileMultiDict()
    files.add_file("upload", str(path))
    files.add_file("blob", io.BytesIO(b"x"), filename="x.png")
    files.add_file("raw", io.BytesIO(b"y"))
    stored = files["upload"]
    assert stored.filename == str(path) and stored.name == "upload"
    assert stored.content_type in ("text/csv", "application/vnd.ms-excel")
    assert stored.read() == b"a,b\n"
    stored.close()
    assert files["blob"].content_type == "image/png"
    assert files["raw"].content_type is None
    same = FileStorage(io.BytesIO(b"z"), "z.txt")
    files.add_file("fs", same)
    assert files["fs"] is same
