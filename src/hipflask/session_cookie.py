"""Flask's signed session cookie, written and read directly for the default settings.

The session interface's default format is itsdangerous' ``URLSafeTimedSerializer`` with HMAC
key derivation, SHA-1 and the tagged JSON serializer. The cookie value is::

    [.]base64(json or zlib(json)) "." base64(timestamp) "." base64(hmac_sha1(key, first two parts))

where a leading ``.`` marks a zlib-compressed payload (used only when it is shorter), base64
is URL-safe without padding, the timestamp is the big-endian seconds with leading zero bytes
stripped, and ``key`` is ``hmac_sha1(secret, salt)``.

itsdangerous spends most of a session request's signing time in layers of small calls (key
lists, ``want_bytes``, signer objects). :class:`CookieCodec` produces the same bytes with the
keys derived once and one C call per HMAC, base64 step and compression. It is only used when
the interface has the default derivation, digest and serializer (see
:mod:`hipflask.sessions`); anything customised goes through itsdangerous.

Reading never raises: whatever the client sends, the answer is the data or a short reason for
rejecting it. Signatures are compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import time
import typing as t
import zlib

__all__ = ["CookieCodec", "now"]

_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")

# zlib's output is 8 bytes at least (header, an empty block, checksum), and a compressed
# payload is used only when it is at least 2 bytes shorter: a JSON text of 9 bytes or less is
# never sent compressed, so it need not be compressed to find out.
_NEVER_SHORTER = 9


def now() -> int:
    """The signing clock, in whole seconds (a module function so that tests can freeze it)."""
    return int(time.time())


def _b64encode(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_TO_URLSAFE)


def _b64decode(data: bytes) -> bytes:
    # As itsdangerous: restore the padding, then decode leniently (characters outside the
    # alphabet are skipped); binascii.Error for what cannot be decoded.
    return binascii.a2b_base64((data + b"=" * (-len(data) % 4)).translate(_FROM_URLSAFE))


class _HmacSha1:
    """HMAC-SHA1 (RFC 2104) under one fixed key, with the padded-key states hashed once.

    Each signature then costs two copies and two updates of SHA-1 states, less than half of
    what :func:`hmac.digest` spends setting the key up again on every call.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # SHA-1's block size; longer keys are hashed first (RFC 2104)
            key = hashlib.sha1(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha1(key.translate(_XOR_36))
        self._outer = hashlib.sha1(key.translate(_XOR_5C))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


_XOR_36 = bytes(byte ^ 0x36 for byte in range(256))
_XOR_5C = bytes(byte ^ 0x5C for byte in range(256))


class _Serializer(t.Protocol):
    def dumps(self, value: t.Any) -> str: ...

    def loads(self, value: str | bytes) -> t.Any: ...


class CookieCodec:
    """Signs and verifies session cookies for one set of keys, salt and serializer.

    ``secret_keys`` lists the verifying keys oldest first; the last one also signs (the order
    itsdangerous and Flask use: ``[*SECRET_KEY_FALLBACKS, SECRET_KEY]``).
    """

    __slots__ = ("_serializer", "_sign_key", "_stamp", "_verify_keys")

    def __init__(
        self, secret_keys: t.Sequence[str | bytes], salt: str | bytes, serializer: _Serializer
    ) -> None:
        """Derive every key once (HMAC-SHA1 of the salt under the secret)."""
        salt_bytes = salt.encode("utf-8") if isinstance(salt, str) else salt
        derived = [
            hmac.digest(key.encode("utf-8") if isinstance(key, str) else key, salt_bytes, "sha1")
            for key in secret_keys
        ]
        if not derived:
            raise ValueError("at least one secret key is needed")
        macs = [_HmacSha1(key) for key in derived]
        self._sign_key = macs[-1]
        # Verified newest first, as itsdangerous does: the current key matches most cookies.
        self._verify_keys = tuple(reversed(macs))
        self._serializer = serializer
        # The encoded timestamp of the last second signed in: (seconds, bytes).
        self._stamp: tuple[int, bytes] = (-1, b"")

    def dumps(self, data: t.Any) -> str:
        """Return the signed cookie value for ``data``, signed now."""
        json = self._serializer.dumps(data).encode("utf-8")
        payload = b""
        if len(json) > _NEVER_SHORTER:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                payload = b"." + _b64encode(compressed)
        if not payload:
            payload = _b64encode(json)
        seconds = now()
        stamp = self._stamp
        if stamp[0] != seconds:
            # Big-endian without leading zero bytes (zero itself is no bytes at all).
            raw_stamp = seconds.to_bytes((seconds.bit_length() + 7) // 8, "big")
            stamp = self._stamp = (seconds, _b64encode(raw_stamp))
        value = payload + b"." + stamp[1]
        signature = _b64encode(self._sign_key.digest(value))
        return (value + b"." + signature).decode("ascii")

    def loads(self, cookie: str, max_age: int | None) -> tuple[bool, t.Any]:
        """Verify and decode a cookie value: ``(True, data)``, or ``(False, reason)``.

        ``max_age`` (seconds) rejects older cookies, and cookies dated in the future, as
        itsdangerous does. Nothing the client sends makes this raise.
        """
        try:
            raw = cookie.encode("utf-8")
        except UnicodeError:  # lone surrogates cannot have been signed
            return False, "bad signature (tampered, truncated, or signed with an unknown key)"
        cut = raw.rfind(b".")
        if cut < 0:
            return False, "bad signature (tampered, truncated, or signed with an unknown key)"
        signed = raw[:cut]
        try:
            expected = _b64decode(raw[cut + 1 :])
        except binascii.Error:
            expected = b""  # matches no digest
        for key in self._verify_keys:
            if hmac.compare_digest(expected, key.digest(signed)):
                break
        else:
            return False, "bad signature (tampered, truncated, or signed with an unknown key)"
        cut = signed.rfind(b".")
        if cut < 0:
            return False, "timestamp missing"
        payload = signed[:cut]
        try:
            stamp = _b64decode(signed[cut + 1 :])
        except binascii.Error:
            return False, "malformed timestamp"
        if len(stamp) > 8:
            return False, "malformed timestamp"
        if max_age is not None:
            age = now() - int.from_bytes(stamp, "big")
            if age > max_age or age < 0:
                return False, "expired (older than PERMANENT_SESSION_LIFETIME, or in the future)"
        compressed = payload[:1] == b"."
        try:
            json = _b64decode(payload[1:] if compressed else payload)
            if compressed:
                json = zlib.decompress(json)
            return True, self._serializer.loads(json.decode("utf-8"))
        except Exception:
            # Validly signed but undecodable (the key was reused by other code, or the
            # serializer changed): the same outcome as any other unreadable cookie.
            return False, "the signed payload could not be decoded"
