"""Shared helper for the core unit tests (tests/test_routing.py, test_request.py, ...).

A test that takes the ``fw`` fixture runs twice: once on the real Flask/Werkzeug (the
oracle: it checks that the test's expectations are Flask's) and once on hipflask. ``fw.X``
gives the same public name on both sides, e.g. ``fw.Flask``, ``fw.routing.Map``,
``fw.BaseResponse`` (Werkzeug's / hipflask's toolkit response), ``fw.LocalProxy``.

Each test module activates the fixture with ``fw = fw_fixture()``.
"""

from __future__ import annotations

import importlib
import io
import sys
import typing as t

import pytest

_FLASK: dict[str, tuple[str, str | None]] = {
    "routing": ("werkzeug.routing", None),
    "exceptions": ("werkzeug.exceptions", None),
    "datastructures": ("werkzeug.datastructures", None),
    "http": ("werkzeug.http", None),
    "views": ("flask.views", None),
    "ctx": ("flask.ctx", None),
    "globals": ("flask.globals", None),
    "helpers": ("flask.helpers", None),
    "testing": ("flask.testing", None),
    "flask_logging": ("flask.logging", None),
    "json_provider": ("flask.json.provider", None),
    "signals": ("flask.signals", None),
    "wrappers": ("flask.wrappers", None),
    "BaseRequest": ("werkzeug.wrappers", "Request"),
    "BaseResponse": ("werkzeug.wrappers", "Response"),
    "EnvironBuilder": ("werkzeug.test", "EnvironBuilder"),
    "WClient": ("werkzeug.test", "Client"),
    "LocalProxy": ("werkzeug.local", "LocalProxy"),
    "FlaskEnvironBuilder": ("flask.testing", "EnvironBuilder"),
}
_HIP: dict[str, tuple[str, str | None]] = {
    "routing": ("hipflask.routing", None),
    "exceptions": ("hipflask.exceptions", None),
    "datastructures": ("hipflask.datastructures", None),
    "http": ("hipflask.http", None),
    "views": ("hipflask.views", None),
    "ctx": ("hipflask.ctx", None),
    "globals": ("hipflask.globals", None),
    "helpers": ("hipflask.helpers", None),
    "testing": ("hipflask.testing", None),
    "flask_logging": ("hipflask.logging", None),
    "json_provider": ("hipflask.json.provider", None),
    "signals": ("hipflask.signals", None),
    "wrappers": ("hipflask.wrappers", None),
    "BaseRequest": ("hipflask.request", "Request"),
    "BaseResponse": ("hipflask.response", "Response"),
    "EnvironBuilder": ("hipflask.test", "EnvironBuilder"),
    "WClient": ("hipflask.test", "Client"),
    "LocalProxy": ("hipflask.local", "LocalProxy"),
    "FlaskEnvironBuilder": ("hipflask.testing", "EnvironBuilder"),
}


class FW:
    """One side of the comparison: ``flask`` (oracle) or ``hipflask``."""

    def __init__(self, top: str, names: dict[str, tuple[str, str | None]]) -> None:
        self.name = top
        self.module = importlib.import_module(top)
        self._names = names

    @property
    def is_hip(self) -> bool:
        return self.name == "hipflask"

    @property
    def env_prefix(self) -> str:
        """The environment variable prefix (``FLASK`` / ``HIPFLASK``)."""
        return "HIPFLASK" if self.is_hip else "FLASK"

    def __getattr__(self, attr: str) -> t.Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr in self._names:
            mod, name = self._names[attr]
            module = importlib.import_module(mod)
            return module if name is None else getattr(module, name)
        return getattr(self.module, attr)

    def __repr__(self) -> str:
        return f"<FW {self.name}>"


FLASK = FW("flask", _FLASK)
HIP = FW("hipflask", _HIP)


def fw_fixture() -> t.Any:
    """A module-level fixture ``fw`` parametrized over Flask (oracle) and hipflask."""

    @pytest.fixture(params=[FLASK, HIP], ids=["flask", "hipflask"])
    def fw(request: pytest.FixtureRequest) -> FW:
        return t.cast(FW, request.param)

    return fw


def environ(
    path: str = "/",
    method: str = "GET",
    *,
    query: str = "",
    host: str = "localhost",
    scheme: str = "http",
    script_name: str = "",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    **extra: t.Any,
) -> dict[str, t.Any]:
    """A minimal PEP 3333 environ, as a server builds it (PATH_INFO as latin-1 text)."""
    name, _, port = host.partition(":")
    env: dict[str, t.Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": name,
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body is not None:
        env["CONTENT_LENGTH"] = str(len(body))
    for key, value in (headers or {}).items():
        k = key.upper().replace("-", "_")
        if k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[k] = value
        else:
            env["HTTP_" + k] = value
    env.update(extra)
    return env


def call(app: t.Any, env: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app like a server: returns (status, headers, body), closing the iterable."""
    seen: dict[str, t.Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        seen["status"] = status
        seen["headers"] = headers
        return lambda data: None

    it = app(env, start_response)
    try:
        body = b"".join(it)
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return seen["status"], list(seen["headers"]), body


def drop_modules(prefix: str) -> None:
    """Forget imported modules named *prefix*... (for config files imported by name)."""
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[name]
