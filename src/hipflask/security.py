"""Password hashing and safe path joining (the equivalent of ``werkzeug.security``).

Hashes use Werkzeug's format, ``method$salt$hash`` (``scrypt:32768:8:1$...`` or
``pbkdf2:sha256:1000000$...``), so hashes move freely between Werkzeug and hipflask.
"""

from __future__ import annotations

import posixpath

SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DEFAULT_PBKDF2_ITERATIONS = 1_000_000

# Names Windows maps to devices in every directory, whatever the extension or padding
# (https://chrisdenton.github.io/omnipath/Special%20Dos%20Device%20Names.html).
_windows_device_files = frozenset(
    {
        "AUX",
        "CON",
        "CONIN$",
        "CONOUT$",
        *(f"COM{c}" for c in "123456789¹²³"),
        *(f"LPT{c}" for c in "123456789¹²³"),
        "NUL",
        "PRN",
    }
)


def gen_salt(length: int) -> str:
    """A random string of *length* letters and digits (from :mod:`secrets`)."""
    if length <= 0:
        raise ValueError(f"gen_salt(): the salt length must be at least 1, not {length}.")
    # secrets, hashlib and hmac load OpenSSL (about 3.5 MB resident); safe_join, imported
    # with every app, does not need them, so they load with the first password hash.
    import secrets

    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def _hash_internal(method: str, salt: str, password: str) -> tuple[str, str]:
    import hashlib  # OpenSSL: see gen_salt

    name, *args = method.split(":")
    salt_bytes = salt.encode()
    password_bytes = password.encode()
    if name == "scrypt":
        if not args:
            n, r, p = 2**15, 8, 1
        else:
            try:
                n, r, p = map(int, args)
            except ValueError:
                raise ValueError(
                    f"Invalid hash method {method!r}: 'scrypt' takes 3 integers (n:r:p)."
                ) from None
        maxmem = 132 * n * r * p  # scrypt needs 128*n*r*p plus some headroom
        digest = hashlib.scrypt(password_bytes, salt=salt_bytes, n=n, r=r, p=p, maxmem=maxmem)
        return digest.hex(), f"scrypt:{n}:{r}:{p}"
    if name == "pbkdf2":
        if len(args) == 0:
            hash_name, iterations = "sha256", DEFAULT_PBKDF2_ITERATIONS
        elif len(args) == 1:
            hash_name, iterations = args[0], DEFAULT_PBKDF2_ITERATIONS
        elif len(args) == 2:
            hash_name, iterations = args[0], int(args[1])
        else:
            raise ValueError(
                f"Invalid hash method {method!r}: 'pbkdf2' takes 2 arguments (hash:iterations)."
            )
        digest = hashlib.pbkdf2_hmac(hash_name, password_bytes, salt_bytes, iterations)
        return digest.hex(), f"pbkdf2:{hash_name}:{iterations}"
    raise ValueError(f"Invalid hash method {method!r}: use 'scrypt' or 'pbkdf2'.")


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash *password* for storage as ``method$salt$hash``.

    *method* is ``scrypt`` (default, ``scrypt:n:r:p``) or ``pbkdf2`` (``pbkdf2:hash:iterations``),
    with Werkzeug's defaults; check it later with :func:`check_password_hash`.
    """
    salt = gen_salt(salt_length)
    digest, actual_method = _hash_internal(method, salt, password)
    return f"{actual_method}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """True if *password* matches *pwhash* (made by hipflask or Werkzeug).

    Compared in constant time. A hash without the ``method$salt$hash`` shape gives False;
    an unknown method raises ``ValueError`` naming it (a stored hash is the developer's data).
    """
    try:
        method, salt, hashval = pwhash.split("$", 2)
    except ValueError:
        return False
    import hmac  # OpenSSL: see gen_salt

    return hmac.compare_digest(_hash_internal(method, salt, password)[0], hashval)


def _is_windows_device(segment: str) -> bool:
    # Windows ignores the extension and trailing spaces/dots: "NUL.txt", "CON ", "com1.log".
    return segment.partition(".")[0].strip(" .").upper() in _windows_device_files


def safe_join(directory: str, *untrusted: str) -> str | None:
    """Join URL path parts to *directory*, or None if any part could leave it.

    Refused, on every operating system: absolute paths, ``..`` escapes, backslashes, NUL
    bytes, drive letters and any ``:`` (``c:/windows/win.ini``, NTFS streams), and Windows
    device names in any segment with any extension or padding (``NUL``, ``CON ``,
    ``NUL.txt``, ``example/NUL``, ``com1.log``).

    Deliberately stricter than Werkzeug, which checks drive letters, backslashes and
    device names only when running on Windows: a path that is dangerous on a Windows
    deployment is refused everywhere, so tests on Linux prove the Windows behaviour.
    """
    if not directory:
        # Keep the first untrusted part relative ("./part"), never the base itself.
        directory = "."
    parts = [directory]
    for part in untrusted:
        if not part:
            continue
        if "\\" in part or "\0" in part or ":" in part:
            return None
        part = posixpath.normpath(part)
        if part.startswith("/") or part == ".." or part.startswith("../"):
            return None
        if any(_is_windows_device(segment) for segment in part.split("/")):
            return None
        parts.append(part)
    return posixpath.join(*parts)


__all__ = [
    "DEFAULT_PBKDF2_ITERATIONS",
    "SALT_CHARS",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
]
