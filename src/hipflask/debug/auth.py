"""Who may use the debugger: trusted hosts, the PIN cookie and the wrong-PIN lock-out.

Three independent locks guard the console, because the console runs any code:

* **Host header** (:func:`host_is_trusted`): a page on ``evil.example`` can re-point its
  DNS name at 127.0.0.1 (DNS rebinding) and then talk to the debugger as "same origin"; its
  requests still say ``Host: evil.example``, so only loopback names and hosts the developer
  configured are served.
* **PIN cookie** (:class:`PinCookie`): after the PIN is entered the browser gets an
  HttpOnly, SameSite=Strict cookie signed (HMAC-SHA256, standard library) with a key made at
  random for this server run. Facts about the machine, all an attacker could learn or guess
  to forge Werkzeug's cookie, do not help here; the cookie also carries a digest of the PIN
  (a new PIN voids it) and a timestamp (it expires).
* **Lock-out** (:class:`PinAttempts`): ten wrong PINs, counted under a lock so parallel
  requests cannot slip extra guesses in, lock the PIN entry and void every cookie until the
  server restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
import typing as t
from email.utils import formatdate

from .pin import hash_pin

__all__ = [
    "DEFAULT_TRUSTED_HOSTS",
    "MAX_PIN_FAILURES",
    "PIN_TIME",
    "PinAttempts",
    "PinCookie",
    "host_is_trusted",
    "pins_equal",
]

#: How long a PIN cookie stays valid: a week, as Werkzeug's.
PIN_TIME = 60 * 60 * 24 * 7

#: Wrong PINs after which the debugger locks until restart.
MAX_PIN_FAILURES = 10

#: Loopback names. A leading dot also accepts subdomains (``app.localhost`` resolves to
#: loopback in browsers, RFC 6761) but never ``localhost.evil.example``.
DEFAULT_TRUSTED_HOSTS: tuple[str, ...] = (".localhost", "127.0.0.1", "::1")

# name or IPv4 with optional port, or a bracketed IPv6 literal with optional port.
_HOST_RE = re.compile(
    r"(?P<name>[a-z0-9][a-z0-9.-]*|\[(?P<ip6>[0-9a-f:.]+)\])(?::(?P<port>[0-9]{1,5}))?",
    re.ASCII | re.IGNORECASE,
)

# Inherited from a reloading parent so the cookie survives code reloads (see PinCookie).
KEY_ENV = "HIPFLASK_DEBUG_COOKIE_KEY"
RUN_MAIN_ENV = "HIPFLASK_RUN_MAIN"


def _host_name(host_header: str | None) -> str | None:
    """The lower-case host name of a ``Host`` header without port or brackets, or None if
    the header is missing or malformed."""
    if not host_header:
        return None
    match = _HOST_RE.fullmatch(host_header.strip())
    if match is None:
        return None
    name = match.group("ip6") or match.group("name")
    name = name.lower()
    # "localhost." is the same absolute name as "localhost".
    return name[:-1] if name.endswith(".") and not match.group("ip6") else name


def host_is_trusted(host_header: str | None, trusted_hosts: t.Iterable[str]) -> bool:
    """True if the ``Host`` header names one of *trusted_hosts* (port ignored).

    An entry starting with a dot matches that name and its subdomains. A missing or
    malformed header is never trusted.
    """
    name = _host_name(host_header)
    if name is None:
        return False
    for entry in trusted_hosts:
        entry = entry.strip().lower()
        if entry.startswith("[") and "]" in entry:
            entry = entry[1 : entry.index("]")]
        elif entry.count(":") == 1:  # "example.test:5000": the port does not matter
            entry = entry.partition(":")[0]
        if entry.startswith("."):
            if name == entry[1:] or name.endswith(entry):
                return True
        elif name == entry.rstrip("."):
            return True
    return False


def pins_equal(entered: str, pin: str) -> bool:
    """Compare PINs ignoring dashes and surrounding blanks, in constant time."""
    a = entered.strip().replace("-", "").encode("utf-8", "replace")
    b = pin.strip().replace("-", "").encode("utf-8", "replace")
    return hmac.compare_digest(a, b)


class PinAttempts:
    """Counts wrong PINs for the life of the process, atomically across threads.

    Before comparing a PIN a request takes a slot with :meth:`begin`; slots in flight count
    against the limit, so fifty parallel requests get exactly ``limit`` comparisons, not
    fifty. Unlike Werkzeug, a right PIN does not reset the count: ten wrong PINs per run.
    """

    def __init__(self, limit: int = MAX_PIN_FAILURES) -> None:
        self.limit = limit
        self.failures = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def exhausted(self) -> bool:
        """True once ``limit`` wrong PINs were entered: no more tries, no cookie honoured."""
        return self.failures >= self.limit

    def begin(self) -> bool:
        """Reserve one try; False when the limit is (or is about to be) reached."""
        with self._lock:
            if self.failures + self._in_flight >= self.limit:
                return False
            self._in_flight += 1
            return True

    def end(self, success: bool) -> int:
        """Release the try reserved by :meth:`begin`; returns the failure count."""
        with self._lock:
            self._in_flight -= 1
            if not success:
                self.failures += 1
            return self.failures

    def record_failure(self) -> int:
        """Count a wrong try that did not reserve a slot (a bad cookie); returns the count."""
        with self._lock:
            self.failures += 1
            return self.failures


def _cookie_key() -> bytes:
    """The random signing key of this server run.

    A reloader child (``HIPFLASK_RUN_MAIN=true``) takes the key its parent put in the
    environment, so reloading code does not ask for the PIN again; any other process makes
    a new one and leaves it in the environment for children it may spawn.
    """
    inherited = os.environ.get(KEY_ENV, "")
    if os.environ.get(RUN_MAIN_ENV) == "true" and len(inherited) >= 32:
        return inherited.encode("ascii", "replace")
    key = secrets.token_urlsafe(32)
    os.environ[KEY_ENV] = key
    return key.encode("ascii")


class PinCookie:
    """Makes and checks the signed cookie that says "this browser entered the PIN".

    The value is ``<pin digest>.<timestamp>.<signature>``; the signature is an HMAC-SHA256
    under a random per-run key (:func:`_cookie_key`), so it cannot be computed from
    anything an attacker can observe or guess.
    """

    def __init__(self, name: str, key: bytes | None = None, max_age: int = PIN_TIME) -> None:
        self.name = name
        self.max_age = max_age
        # A key of its own for this purpose, derived from the run's key (domain separation).
        run_key = key if key is not None else _cookie_key()
        self._key = hmac.new(run_key, b"hipflask.debug.pin-cookie", hashlib.sha256).digest()

    def _signature(self, payload: str, stamp: str) -> str:
        mac = hmac.new(self._key, f"{payload}.{stamp}".encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def value_for(self, pin: str) -> str:
        """A fresh cookie value for a browser that just entered *pin*."""
        payload, stamp = hash_pin(pin), str(int(time.time()))
        return f"{payload}.{stamp}.{self._signature(payload, stamp)}"

    def is_valid(self, value: str | None, pin: str) -> bool:
        """True if *value* is a cookie this run signed for *pin*, not older than max_age."""
        if not value or len(value) > 512 or not value.isascii():
            return False
        payload, _, rest = value.partition(".")
        stamp, _, signature = rest.partition(".")
        if not stamp.isdigit() or not hmac.compare_digest(
            signature, self._signature(payload, stamp)
        ):
            return False
        if not 0 <= time.time() - int(stamp) <= self.max_age:
            return False
        return hmac.compare_digest(payload, hash_pin(pin))

    def header(self, pin: str, secure: bool) -> str:
        """The ``Set-Cookie`` value for a browser that entered *pin*."""
        expires = formatdate(time.time() + self.max_age, usegmt=True)
        parts = [
            f"{self.name}={self.value_for(pin)}",
            f"Expires={expires}",
            f"Max-Age={self.max_age}",
            "HttpOnly",
            "Path=/",
            "SameSite=Strict",
        ]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)

    def deletion_header(self) -> str:
        """The ``Set-Cookie`` value that removes the cookie."""
        return (
            f"{self.name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;"
            " HttpOnly; Path=/; SameSite=Strict"
        )

    def read(self, cookie_header: str | None) -> str | None:
        """This cookie's value from a ``Cookie`` header (first occurrence), or None."""
        if not cookie_header:
            return None
        for part in cookie_header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name == self.name:
                return value.strip().strip('"')
        return None
