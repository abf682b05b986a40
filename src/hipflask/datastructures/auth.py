"""The ``Authorization`` request header and the ``WWW-Authenticate`` response header."""

from __future__ import annotations

import base64
import binascii
import collections.abc as cabc
import typing as t

from ..header_values import dump_header, parse_dict_header, quote_header_value
from .structures import CallbackDict


class _AuthHeader:
    """What both auth headers share: a scheme, parameters or a token, compared by value."""

    type: str
    parameters: dict[str, str | None]
    token: str | None

    def get(self, key: str, default: str | None = None) -> str | None:
        """The parameter *key*, or *default*."""
        return self.parameters.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _AuthHeader)
        return (
            other.type == self.type
            and other.token == self.token
            and other.parameters == self.parameters
        )

    __hash__ = None  # type: ignore[assignment]


class Authorization(_AuthHeader):
    """A parsed ``Authorization`` header (``request.authorization``).

    ``type`` is the lower-cased scheme (``basic``, ``bearer``, ``digest``...). ``Basic``
    credentials are decoded into ``username`` and ``password``; token schemes
    (``Bearer abc``) fill ``token``; parameter schemes fill ``parameters``.
    ``auth.username``, ``auth["username"]`` and ``auth.get("username")`` read parameters.
    """

    def __init__(
        self, auth_type: str, data: dict[str, str | None] | None = None, token: str | None = None
    ) -> None:
        self.type = auth_type
        self.parameters: dict[str, str | None] = {} if data is None else data
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, name: str) -> str | None:
        return self.parameters.get(name)

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse a header value; None when it is empty or undecodable Basic credentials."""
        if not value:
            return None
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest).decode()
            except (binascii.Error, UnicodeError, ValueError):
                return None
            username, _, password = decoded.partition(":")
            return cls(scheme, {"username": username, "password": password})
        if "=" in rest.rstrip("="):
            return cls(scheme, dict(parse_dict_header(rest)), None)
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        """The header value (e.g. for the test client's ``auth=``)."""
        if self.type == "basic":
            raw = f"{self.parameters.get('username')}:{self.parameters.get('password')}"
            return "Basic " + base64.b64encode(raw.encode()).decode("ascii")
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        return f"{self.type.title()} {dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"


_WWW_AUTH_ATTRS = frozenset(("_type", "_parameters", "_token", "_on_update"))


class WWWAuthenticate(_AuthHeader):
    """A ``WWW-Authenticate`` challenge (``response.www_authenticate``).

    ``type`` is the scheme; ``parameters`` (e.g. ``realm``) or ``token``. Attribute and
    item access read and write parameters; every change calls ``_on_update`` so the
    response rewrites its header.
    """

    _type: str
    _parameters: dict[str, str | None]
    _token: str | None
    _on_update: cabc.Callable[[WWWAuthenticate], None] | None

    def __init__(
        self, auth_type: str, values: dict[str, str | None] | None = None, token: str | None = None
    ) -> None:
        self._type = auth_type.lower()
        self._parameters = CallbackDict(values, lambda _: self._trigger_on_update())
        self._token = token
        self._on_update = None

    def _trigger_on_update(self) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        """The scheme, e.g. ``basic``."""
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        self._type = value
        self._trigger_on_update()

    @property
    def parameters(self) -> dict[str, str | None]:
        """The challenge parameters (``realm``, ``nonce``...)."""
        return self._parameters

    @parameters.setter
    def parameters(self, value: dict[str, str | None]) -> None:
        self._parameters = CallbackDict(value, lambda _: self._trigger_on_update())
        self._trigger_on_update()

    @property
    def token(self) -> str | None:
        """A token instead of parameters, for token schemes."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._trigger_on_update()

    def __getitem__(self, key: str) -> str | None:
        return self.parameters.get(key)

    def __setitem__(self, key: str, value: str | None) -> None:
        # The parameters dict reports its own changes to _trigger_on_update.
        if value is None:
            if key in self.parameters:
                del self.parameters[key]
        else:
            self.parameters[key] = value

    def __delitem__(self, key: str) -> None:
        if key in self.parameters:
            del self.parameters[key]

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("__") or name in _WWW_AUTH_ATTRS:
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name: str, value: t.Any) -> None:
        if name in _WWW_AUTH_ATTRS or name in ("type", "parameters", "token"):
            super().__setattr__(name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        """Parse a header value; None when it is empty."""
        if not value:
            return None
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if "=" in rest.rstrip("="):
            return cls(scheme, dict(parse_dict_header(rest)), None)
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        """The header value, e.g. ``Basic realm="app"``."""
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        if not self.parameters:
            return self.type.title()
        if self.type == "digest":
            items = []
            for key, value in self.parameters.items():
                # RFC 7616: these parameters are always quoted strings.
                always_quote = key in {"realm", "domain", "nonce", "opaque", "qop"}
                items.append(f"{key}={quote_header_value(value, allow_token=not always_quote)}")
            return f"Digest {', '.join(items)}"
        return f"{self.type.title()} {dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"
