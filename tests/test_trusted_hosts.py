"""``TRUSTED_HOSTS``: a request for another host is refused before anything uses the host."""

from __future__ import annotations

from hipflask import Flask, url_for


def _app() -> Flask:
    app = Flask(__name__)
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.com"]

    @app.route("/link")
    def link() -> str:
        # Builds from the Host header without reading request.host itself.
        return url_for("link", _external=True)

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    return app


def test_untrusted_host_is_refused_even_when_the_view_never_reads_it() -> None:
    client = _app().test_client()
    for path in ("/link", "/plain", "/missing"):
        response = client.get(path, base_url="http://evil.test")
        assert response.status_code == 400, path


def test_trusted_hosts_and_subdomains_are_served() -> None:
    client = _app().test_client()
    assert client.get("/link", base_url="https://example.com").text == "https://example.com/link"
    response = client.get("/link", base_url="https://www.example.com")
    assert response.text == "https://www.example.com/link"
    assert client.get("/missing", base_url="https://example.com").status_code == 404
