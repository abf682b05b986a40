"""hipflask.utils: secure_filename (differential against Werkzeug), redirect,
import_string, cached_property and the accessor properties."""

from __future__ import annotations

import os
import typing as t

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import utils as wutils

from hipflask import utils
from hipflask.datastructures import Headers
from hipflask.utils import (
    ImportStringError,
    cached_property,
    environ_property,
    find_modules,
    get_content_type,
    header_property,
    import_string,
    secure_filename,
)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("__filename__", "filename"),
        ("foo$&^*)bar", "foobar"),
        ("...", ""),
        ("", ""),
        ("日本語.txt", "txt"),
        ("a\\b\\c.txt", "abc.txt"),
        ("  spaced   out  .png", "spaced_out_.png"),
    ],
)
def test_secure_filename_examples(filename: str, expected: str) -> None:
    assert secure_filename(filename) == expected
    assert wutils.secure_filename(filename) == expected


FILENAMES = [
    "CON",
    "con.txt",
    "NUL.tar.gz",
    "aux",
    "LPT1.log",
    "COM1",
    "prn.",
    "console.txt",
    "normal.txt",
    "../NUL",
]


@pytest.mark.parametrize("filename", FILENAMES)
def test_secure_filename_device_names_follow_werkzeug_per_os(
    filename: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both implementations read os.name at call time; check both OS behaviours.
    assert secure_filename(filename) == wutils.secure_filename(filename)
    monkeypatch.setattr(os, "name", "nt")
    windows = secure_filename(filename)
    assert windows == wutils.secure_filename(filename)
    monkeypatch.undo()
    if filename.upper().startswith(("CON.", "NUL.", "AUX", "LPT1", "COM1")) or filename == "CON":
        assert windows.startswith("_")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_secure_filename_matches_werkzeug_property(filename: str) -> None:
    ours = secure_filename(filename)
    assert ours == wutils.secure_filename(filename)
    assert "/" not in ours and "\\" not in ours and ours != ".."
    assert ours.isascii()


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        ("text/html", "text/html; charset=utf-8"),
        ("application/json", "application/json"),
        ("application/javascript", "application/javascript; charset=utf-8"),
        ("image/svg+xml", "image/svg+xml; charset=utf-8"),
        ("image/png", "image/png"),
    ],
)
def test_get_content_type(mimetype: str, expected: str) -> None:
    assert get_content_type(mimetype, "utf-8") == expected
    assert wutils.get_content_type(mimetype, "utf-8") == expected


def test_import_string() -> None:
    import json
    from json import dumps

    assert import_string("json") is json
    assert import_string("json.dumps") is dumps
    assert import_string("json:dumps") is dumps
    assert import_string("hipflask.utils.secure_filename") is secure_filename
    assert import_string("no_such_module_xyz", silent=True) is None
    with pytest.raises(ImportStringError) as info:
        import_string("json.no_such_attr")
    assert "json.no_such_attr" in str(info.value)
    assert "'json' found" in str(info.value)
    with pytest.raises(ImportError):
        import_string("no_such_module_xyz")


def test_find_modules() -> None:
    mods = set(find_modules("hipflask.datastructures"))
    assert "hipflask.datastructures.headers" in mods
    with pytest.raises(ValueError, match="not a package"):
        list(find_modules("hipflask.utils"))


def test_cached_property_with_dict_and_slots() -> None:
    calls: list[int] = []

    class WithDict:
        @cached_property
        def value(self) -> int:
            calls.append(1)
            return 42

    obj = WithDict()
    assert obj.value == 42 and obj.value == 42
    assert len(calls) == 1
    obj.value = 7
    assert obj.value == 7
    del obj.value
    assert obj.value == 42 and len(calls) == 2

    class WithSlots:
        __slots__ = ("_cache_value",)

        @cached_property
        def value(self) -> int:
            calls.append(2)
            return 5

    slotted = WithSlots()
    assert slotted.value == 5 and slotted.value == 5
    assert calls.count(2) == 1
    del slotted.value
    assert slotted.value == 5 and calls.count(2) == 2
    assert isinstance(WithDict.__dict__["value"], cached_property)


def test_environ_and_header_properties() -> None:
    class Req:
        def __init__(self) -> None:
            self.environ: dict[str, t.Any] = {"REMOTE_ADDR": "1.2.3.4", "N": "x"}
            self.headers = Headers()

        remote_addr = environ_property[str]("REMOTE_ADDR")
        number = environ_property[int]("N", -1, load_func=int)
        missing = environ_property[str]("MISSING", "dflt")
        age = header_property[int]("Age", None, int, str)

    req = Req()
    assert req.remote_addr == "1.2.3.4"
    assert req.number == -1
    assert req.missing == "dflt"
    with pytest.raises(AttributeError):
        req.remote_addr = "x"
    req.age = 30
    assert req.headers["Age"] == "30"
    assert req.age == 30
    del req.age
    assert "Age" not in req.headers


def test_send_file_is_reexported_lazily() -> None:
    from hipflask import sending

    # Werkzeug's signatures (environ-level), not Flask's app-aware helpers.
    assert utils.send_file is sending.wsgi_send_file
    assert utils.send_from_directory is sending.wsgi_send_from_directory
    with pytest.raises(AttributeError):
        utils.no_such_thing  # noqa: B018


def test_redirect_response() -> None:
    from werkzeug.utils import redirect as wredirect

    response = utils.redirect("/target?a=1&b=<x>", 301)
    theirs = wredirect("/target?a=1&b=<x>", 301)
    assert response.status_code == 301
    assert response.headers["Location"] == theirs.headers["Location"]
    assert response.mimetype == "text/html"
    assert response.get_data() == theirs.get_data()
    with pytest.raises(ValueError):
        utils.redirect("/x\r\nSet-Cookie: evil=1")


def test_append_slash_redirect() -> None:
    response = utils.append_slash_redirect({"PATH_INFO": "/user/42", "QUERY_STRING": "a=1"})
    assert response.status_code == 308
    assert response.headers["Location"] == "42/?a=1"
