"""hipflask.security: safe_join refuses every traversal shape on every OS; password
hashes are interchangeable with Werkzeug's."""

from __future__ import annotations

import posixpath

import pytest
from werkzeug import security as wsecurity

from hipflask.security import (
    check_password_hash,
    gen_salt,
    generate_password_hash,
    safe_join,
)

BASE = "/srv/static"


@pytest.mark.parametrize(
    "parts",
    [
        ("a.txt",),
        ("css", "site.css"),
        ("css/site.css",),
        ("dir/./file",),
        ("a/b/../c.txt",),
        ("..hidden",),
        ("file..txt",),
        ("nullable.txt",),
        ("console.log",),
        ("auxiliary/x",),
        ("CONFIG",),
        ("com10",),
        ("",),
    ],
)
def test_safe_join_allows_normal_paths(parts: tuple[str, ...]) -> None:
    joined = safe_join(BASE, *parts)
    assert joined is not None
    assert joined == wsecurity.safe_join(BASE, *parts)
    assert posixpath.normpath(joined).startswith(BASE)


@pytest.mark.parametrize(
    "untrusted",
    [
        "..",
        "../etc/passwd",
        "../../../../etc/passwd",
        "a/../../etc/passwd",
        "a/b/../../../x",
        "/etc/passwd",
        "//etc/passwd",
        "c:/windows/win.ini",
        "C:\\windows\\win.ini",
        "c:",
        "d:secret",
        "a\\..\\..\\x",
        "..\\x",
        "x\\y",
        "file.txt\0.png",
        "\0",
        "file.txt::$DATA",
        # Windows device names in any segment, any extension, any padding.
        "NUL",
        "nul",
        "CON ",
        "CON",
        "con.txt",
        "NUL.txt",
        "NUL.tar.gz",
        "nul .txt",
        "PRN",
        "AUX.html",
        "com1",
        "COM1.log",
        "lpt9.txt",
        "COM\u00b9",
        "CONIN$",
        "conout$.x",
        "example/NUL",
        "example/nul.txt/more",
        "a/CON /b",
        "NUL.",
        "nul...",
    ],
)
def test_safe_join_refuses_attacks_on_every_os(untrusted: str) -> None:
    assert safe_join(BASE, untrusted) is None
    assert safe_join(BASE, "ok", untrusted) is None


def test_decoded_percent_traversal_is_refused() -> None:
    from urllib.parse import unquote

    for encoded in ["%2e%2e/secret", "%2E%2E%2Fsecret", "..%2fsecret", "%2e%2e%5csecret"]:
        assert safe_join(BASE, unquote(encoded)) is None


def test_safe_join_empty_directory_stays_relative() -> None:
    assert safe_join("", "a.txt") == "./a.txt"
    assert safe_join("", "/etc/passwd") is None


def test_safe_join_is_stricter_than_werkzeug_only_where_documented() -> None:
    # On Linux Werkzeug accepts these; hipflask refuses them everywhere on purpose.
    for part in ["NUL", "c:/windows/win.ini", "x\\y"]:
        assert wsecurity.safe_join(BASE, part) is not None
        assert safe_join(BASE, part) is None


# -- passwords ----------------------------------------------------------------------------

FAST_METHODS = ["scrypt:1024:8:1", "pbkdf2:sha256:1000", "pbkdf2:sha512:500"]


@pytest.mark.parametrize("method", FAST_METHODS)
def test_hashes_are_interchangeable_with_werkzeug(method: str) -> None:
    password = "correct horse ✓"
    ours = generate_password_hash(password, method=method)
    theirs = wsecurity.generate_password_hash(password, method=method)
    assert ours.split("$")[0] == theirs.split("$")[0] == method
    assert check_password_hash(theirs, password)
    assert wsecurity.check_password_hash(ours, password)
    assert not check_password_hash(theirs, password + "x")
    assert not check_password_hash(ours, "")


def test_default_methods_match_werkzeug_format() -> None:
    salt = "fixedsalt"
    from hipflask.security import _hash_internal

    assert _hash_internal("scrypt", salt, "pw")[1] == "scrypt:32768:8:1"
    assert _hash_internal("pbkdf2", salt, "pw")[1] == "pbkdf2:sha256:1000000"
    assert _hash_internal("pbkdf2:sha256:10", salt, "pw") == wsecurity._hash_internal(
        "pbkdf2:sha256:10", salt, "pw"
    )


def test_salt_and_hash_shape() -> None:
    h = generate_password_hash("pw", method="pbkdf2:sha256:10", salt_length=8)
    _method, salt, digest = h.split("$")
    assert len(salt) == 8 and salt.isalnum()
    assert int(digest, 16) >= 0
    assert generate_password_hash("pw", method="pbkdf2:sha256:10") != h
    assert len(gen_salt(30)) == 30
    with pytest.raises(ValueError):
        gen_salt(0)


@pytest.mark.parametrize("bad", ["", "nodollar", "only$one", "$$"])
def test_check_malformed_hash_is_false_or_clear_error(bad: str) -> None:
    try:
        assert check_password_hash(bad, "pw") is False
    except ValueError as e:
        assert "hash method" in str(e)


def test_unknown_method_names_it() -> None:
    with pytest.raises(ValueError, match="md5"):
        generate_password_hash("pw", method="md5")
    with pytest.raises(ValueError, match="scrypt"):
        generate_password_hash("pw", method="scrypt:x:y")
