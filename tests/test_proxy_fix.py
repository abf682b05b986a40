"""ProxyFix: differential against Werkzeug's over many header combinations, including
spoofed extra hops, plus hipflask's stricter handling of malformed values."""

from __future__ import annotations

import itertools
import typing as t

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix as WProxyFix

from hipflask.middleware import ProxyFix

BASE_ENVIRON: dict[str, t.Any] = {
    "REMOTE_ADDR": "10.0.0.1",
    "wsgi.url_scheme": "http",
    "HTTP_HOST": "internal:8000",
    "SERVER_NAME": "internal",
    "SERVER_PORT": "8000",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
}

HEADER_VALUES = {
    "HTTP_X_FORWARDED_FOR": [None, "1.1.1.1", "6.6.6.6, 1.1.1.1", "6.6.6.6, 2.2.2.2, 1.1.1.1"],
    "HTTP_X_FORWARDED_PROTO": [None, "https", "http, https"],
    "HTTP_X_FORWARDED_HOST": [None, "example.com", "evil.com, example.com:8443", "[::1]"],
    "HTTP_X_FORWARDED_PORT": [None, "443", "1, 8443"],
    "HTTP_X_FORWARDED_PREFIX": [None, "/app", "/evil, /app"],
}
CONFIGS = [
    {},
    {"x_for": 0, "x_proto": 0},
    {"x_for": 2, "x_proto": 2, "x_host": 2, "x_port": 2, "x_prefix": 2},
    {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1},
    {"x_for": 3, "x_host": 1},
]


def _run(
    middleware_class: type[t.Any], config: dict[str, int], headers: dict[str, str]
) -> dict[str, t.Any]:
    seen: dict[str, t.Any] = {}

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.update(environ)
        return []

    environ = {**BASE_ENVIRON, **headers}
    middleware_class(app, **config)(environ, lambda *a: None)
    return seen


def _combinations() -> t.Iterator[dict[str, str]]:
    keys = list(HEADER_VALUES)
    for values in itertools.product(*(HEADER_VALUES[k] for k in keys)):
        yield {k: v for k, v in zip(keys, values, strict=False) if v is not None}


@pytest.mark.parametrize("config", CONFIGS)
def test_proxy_fix_matches_werkzeug_for_every_combination(config: dict[str, int]) -> None:
    count = 0
    for headers in _combinations():
        ours = _run(ProxyFix, config, headers)
        theirs = _run(WProxyFix, config, headers)
        assert ours["hipflask.proxy_fix.orig"] == theirs["werkzeug.proxy_fix.orig"]
        ours.pop("hipflask.proxy_fix.orig")
        theirs.pop("werkzeug.proxy_fix.orig")
        assert ours == theirs, headers
        count += 1
    assert count == 4 * 3 * 4 * 3 * 3


def test_only_the_configured_hop_is_trusted() -> None:
    spoofed = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.1.1.1"}
    assert _run(ProxyFix, {"x_for": 1}, spoofed)["REMOTE_ADDR"] == "1.1.1.1"
    assert _run(ProxyFix, {"x_for": 2}, spoofed)["REMOTE_ADDR"] == "6.6.6.6"
    # Fewer values than trusted proxies: the header is ignored entirely.
    assert _run(ProxyFix, {"x_for": 3}, spoofed)["REMOTE_ADDR"] == "10.0.0.1"
    assert _run(ProxyFix, {"x_for": 0}, spoofed)["REMOTE_ADDR"] == "10.0.0.1"


def test_host_port_prefix_rewrite() -> None:
    environ = _run(
        ProxyFix,
        {"x_host": 1, "x_port": 1, "x_prefix": 1, "x_proto": 1},
        {
            "HTTP_X_FORWARDED_HOST": "example.com",
            "HTTP_X_FORWARDED_PORT": "8443",
            "HTTP_X_FORWARDED_PREFIX": "/app",
            "HTTP_X_FORWARDED_PROTO": "https",
        },
    )
    assert environ["HTTP_HOST"] == "example.com:8443"
    assert environ["SERVER_NAME"] == "example.com"
    assert environ["SERVER_PORT"] == "8443"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["hipflask.proxy_fix.orig"]["HTTP_HOST"] == "internal:8000"


@pytest.mark.parametrize(
    ("header", "value", "key"),
    [
        ("HTTP_X_FORWARDED_PROTO", "javascript", "wsgi.url_scheme"),
        ("HTTP_X_FORWARDED_PROTO", "", "wsgi.url_scheme"),
        ("HTTP_X_FORWARDED_PORT", "80a", "SERVER_PORT"),
        ("HTTP_X_FORWARDED_PORT", "-1", "SERVER_PORT"),
        ("HTTP_X_FORWARDED_PREFIX", "https://evil.example", "SCRIPT_NAME"),
    ],
)
def test_malformed_values_from_trusted_hop_are_ignored(header: str, value: str, key: str) -> None:
    config = {"x_proto": 1, "x_port": 1, "x_prefix": 1}
    environ = _run(ProxyFix, config, {header: value})
    assert environ[key] == BASE_ENVIRON[key]


def test_proto_is_normalised_to_lower_case() -> None:
    assert _run(ProxyFix, {}, {"HTTP_X_FORWARDED_PROTO": "HTTPS"})["wsgi.url_scheme"] == "https"


def _proxied_app(module: t.Any, middleware: type[t.Any]) -> t.Any:
    app = module.Flask("proxied")

    @app.route("/where")
    def where() -> t.Any:
        request = module.request
        return module.jsonify(
            remote_addr=request.remote_addr,
            scheme=request.scheme,
            host=request.host,
            url=request.url,
            url_root=request.url_root,
            link=module.url_for("where", _external=True),
        )

    app.wsgi_app = middleware(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    return app


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Forwarded-For": "6.6.6.6, 1.2.3.4", "X-Forwarded-Proto": "https"},
        {"X-Forwarded-Host": "example.com", "X-Forwarded-Port": "8443"},
        {"X-Forwarded-Prefix": "/app", "X-Forwarded-Host": "evil.com, example.com"},
    ],
)
def test_app_behind_proxy_fix_matches_flask(headers: dict[str, str]) -> None:
    import flask

    import hipflask

    ours = _proxied_app(hipflask, ProxyFix).test_client().get("/where", headers=headers)
    theirs = _proxied_app(flask, WProxyFix).test_client().get("/where", headers=headers)
    assert ours.status_code == theirs.status_code == 200
    assert ours.get_json() == theirs.get_json()
