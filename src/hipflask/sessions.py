"""Sessions: per-user data kept between requests in a signed cookie.

The default :class:`SecureCookieSessionInterface` stores the whole session in one cookie, signed
(not encrypted) with itsdangerous: the user can read it but not change it without the secret key.
Its format is Flask's exactly (salt ``"cookie-session"``, HMAC-SHA1 key derivation, the tagged
JSON of :mod:`hipflask.json.tag`), so Flask and hipflask apps sharing a secret key read each
other's session cookies. With those default settings :mod:`hipflask.session_cookie` signs and
verifies the cookie itself (same bytes, a fraction of the time); an interface that changes the
digest, key derivation, serializer or ``get_signing_serializer`` goes through itsdangerous.

How the core uses this module (see ``hipflask.ctx``): the session is opened lazily, the first time
``session`` is touched, by calling :meth:`SessionInterface.open_session`; when the request ends
:meth:`SessionInterface.save_session` is called only if the session was opened or the request
carried a ``Cookie`` header. A request that neither sends cookies nor touches the session never
reaches the session interface, so it pays nothing for sessions.

Replace the storage by assigning your own :class:`SessionInterface` subclass to
``app.session_interface``.
"""

from __future__ import annotations

import hashlib
import typing as t
from collections.abc import MutableMapping
from datetime import datetime, timezone

from itsdangerous import (
    BadData,
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

from .datastructures import CallbackDict
from .json.tag import TaggedJSONSerializer
from .session_cookie import CookieCodec

if t.TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator, Mapping

    from .app import Flask
    from .wrappers import Request, Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_json_serializer",
]


class SessionMixin(MutableMapping[str, t.Any]):
    """The attributes every session object offers on top of a mapping.

    ``permanent`` is stored in the data itself (key ``"_permanent"``) so it survives the round
    trip through the cookie. ``modified`` tells the interface the cookie must be rewritten;
    ``accessed`` that the response depends on the session (so it gets ``Vary: Cookie``);
    ``new`` is whether the implementation knows the session was just created.
    """

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session (``PERMANENT_SESSION_LIFETIME``)."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was just created. Implementations that cannot tell leave it False.
    new = False

    #: Whether the data changed. The mixin cannot track changes, so it assumes they happened.
    modified = True

    #: Whether the session was read or written during this request; drives ``Vary: Cookie``.
    accessed = False


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session stored in a signed cookie: a dict that tracks reads and writes.

    ``modified`` becomes True on any change to the dict itself. A change *inside* a mutable
    value (``session["cart"].append(x)``) cannot be seen: set ``session.modified = True`` then.

    ``accessed`` becomes True on every way of reading the data: ``[]``, ``get``, ``in``,
    ``len``, truth testing, iteration, ``keys``/``values``/``items``, ``copy``, comparison, and
    through them ``dict(session)``, ``{**session}`` and JSON encoding (``repr`` does not
    count: it is for debugging). Differs from Flask: Flask 3.1.3 marks the session accessed
    only when it is fetched through the request context (the ``session`` proxy), and earlier
    3.1 releases only on ``[]``, ``get`` and ``setdefault``, missing ``in``, ``len`` and
    iteration. The core marks it at the proxy too; tracking reads on the object as well means
    a session object kept in a variable and read later (a helper, a template, an
    ``after_request`` hook) still adds ``Vary: Cookie``. ``new`` stays False, as in Flask: an
    empty cookie and a missing one cannot be told apart.
    """

    modified = False
    accessed = False

    def __init__(self, initial: Mapping[str, t.Any] | None = None) -> None:
        """Create the session from the data loaded from the cookie (or empty)."""
        super().__init__(initial, _mark_modified)

    # Each read path marks the session accessed. Plain dict slots bypass Python-level methods,
    # so every reading method is listed explicitly rather than relying on a few of them.
    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        """Return the value for ``key`` or ``default``; marks the session accessed."""
        self.accessed = True
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __reversed__(self) -> Iterator[str]:
        self.accessed = True
        return dict.__reversed__(self)

    def keys(self) -> t.Any:
        """Return a view of the keys; marks the session accessed."""
        self.accessed = True
        return super().keys()

    def values(self) -> t.Any:
        """Return a view of the values; marks the session accessed."""
        self.accessed = True
        return super().values()

    def items(self) -> t.Any:
        """Return a view of the items; marks the session accessed."""
        self.accessed = True
        return super().items()

    def copy(self) -> dict[str, t.Any]:
        """Return a plain dict copy of the data; marks the session accessed."""
        self.accessed = True
        return dict.copy(self)

    def __eq__(self, other: object) -> bool:
        self.accessed = True
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self.accessed = True
        return dict.__ne__(self, other)

    def __or__(self, other: t.Any) -> t.Any:
        self.accessed = True
        return dict.__or__(self, other)

    def __ror__(self, other: t.Any) -> t.Any:
        self.accessed = True
        return dict.__ror__(self, other)

    def pop(self, key: str, *default: t.Any) -> t.Any:
        """Remove ``key`` and return its value (or ``default``); a read and maybe a write."""
        self.accessed = True
        return super().pop(key, *default)

    def popitem(self) -> t.Any:
        """Remove and return the last item; a read and a write."""
        self.accessed = True
        return super().popitem()

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        """Return ``session[key]``, storing ``default`` first if missing; marks accessed."""
        self.accessed = True
        return super().setdefault(key, default)


def _mark_modified(session: SecureCookieSession) -> None:
    # Module-level rather than a closure: no per-session function object is created.
    session.modified = True
    session.accessed = True


# "The session is unavailable" starts Flask's message too; extensions' tests match on it.
_NO_SECRET_KEY = (
    "The session is unavailable because the application has no secret key: set app.secret_key "
    "(the SECRET_KEY setting) to a long random value, e.g. secrets.token_hex()."
)


class NullSession(SecureCookieSession):
    """The always-empty session used when sessions cannot work (no secret key).

    Reading it is allowed and finds nothing, so pages that merely check for a logged-in user
    still render; any write raises ``RuntimeError`` telling the developer to set
    ``app.secret_key``. It is never saved.
    """

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(_NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = __ior__ = _fail
    del _fail


class SessionInterface:
    """How an app loads and stores sessions; subclass it to change the storage.

    Only :meth:`open_session` and :meth:`save_session` must be implemented; the other methods
    read the ``SESSION_COOKIE_*`` settings and can be overridden one by one. Assign an instance
    to ``app.session_interface``.

    ``open_session`` may be called at any point of the request (hipflask opens the session on
    first use, not when the request starts) and may return ``None``, in which case the app uses
    :meth:`make_null_session`. Requests sharing a session can run concurrently: a storage backend
    must not assume one request per session at a time.
    """

    #: The class :meth:`make_null_session` instantiates and :meth:`is_null_session` checks for.
    null_session_class: type[SessionMixin] = NullSession

    #: Whether session data is pickled (extensions use it to decide what they may store).
    pickle_based = False

    def make_null_session(self, app: Flask) -> SessionMixin:
        """Return the stand-in session used when :meth:`open_session` returns ``None``."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Return whether ``obj`` is a null session (those are never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Flask) -> str:
        """Name of the session cookie: ``SESSION_COOKIE_NAME``."""
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: Flask) -> str | None:
        """``Domain`` of the cookie: ``SESSION_COOKIE_DOMAIN`` (None: this host only)."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: Flask) -> str:
        """``Path`` of the cookie: ``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return t.cast(str, app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: Flask) -> bool:
        """Whether scripts are denied the cookie: ``SESSION_COOKIE_HTTPONLY``."""
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Flask) -> bool:
        """Whether the cookie is sent over HTTPS only: ``SESSION_COOKIE_SECURE``."""
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: Flask) -> str | None:
        """``SameSite`` of the cookie (``"Strict"``, ``"Lax"``, ``"None"`` or None)."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: Flask) -> bool:
        """Whether the cookie is ``Partitioned`` (CHIPS): ``SESSION_COOKIE_PARTITIONED``."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now + ``PERMANENT_SESSION_LIFETIME`` for a permanent
        session, None (end of the browser session) otherwise."""
        if session.permanent:
            result: datetime | None = datetime.now(timezone.utc) + app.permanent_session_lifetime
            return result
        return None

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether to send the cookie: when modified, or on every request for a permanent
        session if ``SESSION_REFRESH_EACH_REQUEST`` is on (which slides its expiry)."""
        return bool(
            session.modified or (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; return None if sessions are unavailable."""
        raise NotImplementedError(f"{type(self).__name__} must implement open_session()")

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Store ``session`` and update ``response`` (cookie, ``Vary``). Not called for null
        sessions."""
        raise NotImplementedError(f"{type(self).__name__} must implement save_session()")


#: The tagged JSON serializer shared by cookie sessions (register extra tags on it).
session_json_serializer = TaggedJSONSerializer()


def _sha1(data: bytes = b"") -> t.Any:
    # Looked up on use rather than at import: FIPS builds of Python may lack SHA-1, and an app
    # that configures another digest must still import cleanly.
    return hashlib.sha1(data)


class _SessionSigner(TimestampSigner):
    """itsdangerous' ``TimestampSigner``, with the same output, minus per-request setup.

    A session request signs or verifies once or twice, and the stock signer derives the key
    (one HMAC) for every call. The derived key depends only on the secret, the salt, the
    derivation and the digest, so it is kept. The default digest (:func:`_sha1`, resolved
    on use) is swapped for ``hashlib.sha1`` itself once resolved: :mod:`hmac` runs OpenSSL's
    HMAC in C for a hashlib constructor, and a slow pure-Python HMAC for any other callable.
    The signatures are the same bytes either way.
    """

    #: derived keys by (secret, salt, derivation, digest); a handful at most per process
    _derived: t.ClassVar[dict[tuple[t.Any, ...], bytes]] = {}

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        if kwargs.get("digest_method") is _sha1:
            kwargs["digest_method"] = hashlib.sha1
        super().__init__(*args, **kwargs)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = (
            self.secret_keys[-1] if secret_key is None else secret_key,
            self.salt,
            self.key_derivation,
            self.digest_method,
        )
        derived = self._derived.get(key)
        if derived is None:
            derived = super().derive_key(secret_key)
            if len(self._derived) < 64:
                self._derived[key] = derived
        return derived


class _SessionSerializer(URLSafeTimedSerializer):
    """``URLSafeTimedSerializer`` that builds its signer once instead of per call.

    itsdangerous makes a new signer for every ``dumps`` and ``loads``; with the serializer's
    own salt the signer is always the same (it holds only the keys and settings), so the
    interface's cached serializer keeps one.
    """

    _signer: TimestampSigner | None = None

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is not None and salt is not self.salt:
            return t.cast(TimestampSigner, super().make_signer(salt))
        signer = self._signer
        if signer is None:
            signer = self._signer = t.cast(TimestampSigner, super().make_signer(salt))
        return signer


def _vary_on_cookie(response: Response) -> None:
    # Response.vary parses the header into a live set on every access; a response without a
    # Vary header (the usual case) just gets one. Anything response-like without headers
    # only needs the vary attribute, as in Flask.
    headers = getattr(response, "headers", None)
    if headers is None or "Vary" in headers:
        response.vary.add("Cookie")
    else:
        headers.add("Vary", "Cookie")  # absent: appending is setting


def _rejection_reason(exc: BadData) -> str:
    # Short, fixed texts: the cookie itself is client input and never goes into the log.
    if isinstance(exc, SignatureExpired):
        return "expired (older than PERMANENT_SESSION_LIFETIME, or dated in the future)"
    if isinstance(exc, BadSignature):
        return "bad signature (tampered, truncated, or signed with an unknown key)"
    return "the signed payload could not be decoded"


class SecureCookieSessionInterface(SessionInterface):
    """The default interface: the session lives in an itsdangerous-signed cookie.

    ``SECRET_KEY_FALLBACKS`` lists old keys that still *verify* cookies during a key rotation;
    cookies are always *signed* with the current ``SECRET_KEY``. A cookie older than
    ``PERMANENT_SESSION_LIFETIME`` (permanent or not), or tampered with, truncated or otherwise
    unreadable, yields an empty session: never an error page. The reason is logged at DEBUG
    level only, so a client cannot fill the logs.
    """

    #: Salt mixed into the key, separating session signatures from other uses of the key.
    salt = "cookie-session"
    #: Hash used for the signature and the key derivation.
    digest_method = staticmethod(_sha1)
    #: itsdangerous key derivation scheme.
    key_derivation = "hmac"
    #: Serializer of the payload.
    serializer: t.Any = session_json_serializer
    #: Class of the sessions :meth:`open_session` returns.
    session_class: type[SecureCookieSession] = SecureCookieSession

    # One-entry cache of the signing serializer, keyed on everything that defines it: building
    # one costs a JSON dump (itsdangerous probes the serializer) on every request otherwise.
    _signing_cache: tuple[tuple[t.Any, ...], URLSafeTimedSerializer] | None = None
    # The same for the direct codec (hipflask.session_cookie) of the default format.
    _codec_cache: tuple[tuple[t.Any, ...], CookieCodec | bool] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the itsdangerous serializer for ``app``, or None without a secret key."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or ()
        # itsdangerous signs with the last key and verifies with all of them.
        keys = (*fallbacks, secret_key)
        cache_key = (keys, self.salt, self.key_derivation, self.digest_method, self.serializer)
        cached = self._signing_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        signer = _SessionSerializer(
            list(keys),
            salt=self.salt,
            serializer=self.serializer,
            signer=_SessionSigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._signing_cache = (cache_key, signer)
        return signer

    def _codec(self, app: Flask) -> CookieCodec | bool:
        """The direct codec for the default format, False without a secret key, or True when
        the settings are customised and itsdangerous must do the work."""
        secret_key = app.secret_key
        if not secret_key:
            return False
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or ()
        cache_key = (
            fallbacks if type(fallbacks) is tuple else tuple(fallbacks),
            secret_key,
            self.salt,
            self.key_derivation,
            self.digest_method,
            self.serializer,
        )
        cached = self._codec_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        codec: CookieCodec | bool = True
        keys = (*cache_key[0], secret_key)
        if (
            type(self).get_signing_serializer is SecureCookieSessionInterface.get_signing_serializer
            and self.key_derivation == "hmac"
            and self.digest_method in (_sha1, hashlib.sha1)
            and self.serializer is session_json_serializer
            and isinstance(self.salt, (str, bytes))
            and all(isinstance(key, (str, bytes)) for key in keys)
        ):
            try:
                codec = CookieCodec(keys, self.salt, session_json_serializer)
            except ValueError:  # no SHA-1 in this Python (FIPS): itsdangerous reports it
                codec = True
        self._codec_cache = (cache_key, codec)
        return codec

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Verify and load the session cookie; anything unreadable gives an empty session."""
        codec = self._codec(app)
        if codec is False:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        if codec is not True:
            ok, data = codec.loads(value, max_age)
            if not ok:
                app.logger.debug("Ignoring the session cookie: %s", data)
                return self.session_class()
        else:
            signer = self.get_signing_serializer(app)
            if signer is None:
                return None
            try:
                data = signer.loads(value, max_age=max_age)
            except BadData as exc:
                app.logger.debug("Ignoring the session cookie: %s", _rejection_reason(exc))
                return self.session_class()
        if not isinstance(data, dict):
            # Validly signed but not a session (the key and salt were reused elsewhere).
            app.logger.debug("Ignoring the session cookie: payload is not an object")
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write, refresh or delete the session cookie and add ``Vary: Cookie`` as needed."""
        # Read before anything below (which reads the session) can set it.
        accessed = session.accessed
        if accessed:
            _vary_on_cookie(response)

        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        if not session:
            # Emptied during this request: tell the browser to drop the cookie.
            if session.modified:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                if not accessed:
                    _vary_on_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        codec = self._codec(app)
        if codec is False:  # a custom null_session_class that is not a NullSession
            raise RuntimeError(_NO_SECRET_KEY)
        if codec is True:
            signer = self.get_signing_serializer(app)
            if signer is None:
                raise RuntimeError(_NO_SECRET_KEY)
            value = signer.dumps(dict(session))
        else:
            value = codec.dumps(dict(session))
        response.set_cookie(
            name,
            value,
            expires=self.get_expiration_time(app, session),
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        if not accessed:
            _vary_on_cookie(response)
