"""The vendored Scalar bundle and the /api-docs routes: pinned, verified and fully offline."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import connexion
import httpx
import pytest

from server.http import docs

REPO = Path(__file__).resolve().parents[2]
SCALAR = REPO / "scalar"
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Hoursmith API", "version": "1.0.0"},
    "servers": [{"url": "/api/v1"}],
    "paths": {"/clients": {"get": {"operationId": "listClients", "summary": "List clients"}}},
}
URL_RE = re.compile(r"https?://", re.IGNORECASE)


class _Refs(HTMLParser):
    """Collects every URL-bearing attribute on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "data-url", "action") and value is not None:
                self.refs.append((tag, name, value))


def _get(app: Any, path: str, **headers: str) -> httpx.Response:
    """GET through the ASGI app with a synchronous wrapper around the async client."""
    import anyio  # noqa: PLC0415 - only needed by this helper

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://docs.test:8123") as c:
            return await c.get(path, headers=headers)

    return anyio.run(go)


def _app(token: str | None = None) -> Any:
    """A bare connexion AsyncApp with only the docs routes."""
    app = connexion.AsyncApp(__name__)
    docs.install(app, SimpleNamespace(docs_token=token), SPEC)
    return app


def test_bundle_sha256_matches_record() -> None:
    """scalar/standalone.js hashes to the digest recorded in scalar/SHA256."""
    recorded = (SCALAR / "SHA256").read_text().split()
    actual = hashlib.sha256((SCALAR / "standalone.js").read_bytes()).hexdigest()
    assert recorded == [actual, "standalone.js"]


def test_bundle_is_the_recorded_version() -> None:
    """The bundle announces the version in scalar/VERSION, which the NOTICE names too."""
    version = (SCALAR / "VERSION").read_text().strip()
    assert f"@scalar/api-reference@{version}".encode() in (SCALAR / "standalone.js").read_bytes()
    notice = (SCALAR / "NOTICE").read_text()
    assert f"@scalar/api-reference version {version}" in notice
    assert "MIT" in notice


def test_page_has_no_external_urls_and_our_settings() -> None:
    """/api-docs references only same-origin paths and switches every phone-home feature off."""
    response = _get(_app(), "/api-docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    parser = _Refs()
    parser.feed(page)
    assert sorted(tag for tag, _, _ in parser.refs) == ["link", "script"]
    assert all(value.startswith("/api-docs/") for _, _, value in parser.refs)
    assert URL_RE.search(page) is None
    assert "<title>Hoursmith API reference</title>" in page
    config = json.loads(re.search(r"const config = (\{.*?\});", page).group(1))  # type: ignore[union-attr]
    assert config == {
        "url": "/api/openapi.json",
        "theme": "default",
        "withDefaultFonts": False,
        "telemetry": False,
        "showDeveloperTools": "never",
        "agent": {"disabled": True},
        "mcp": {"disabled": True},
        "hideClientButton": True,
        "persistAuth": False,
        "authentication": {"preferredSecurityScheme": "bearerAuth"},
    }
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_docs_token_is_prefilled_and_escaped() -> None:
    """A configured docs token is prefilled for bearerAuth and cannot break out of the script."""
    page = _get(_app(token="hsk_x</script><script>alert(1)"), "/api-docs").text
    assert "</script><script>alert" not in page
    assert '"bearerAuth": {"token": "hsk_x\\u003c/script\\u003e' in page


def test_openapi_json_points_servers_at_this_server() -> None:
    """/api/openapi.json is the document with servers set to the request's origin + /api/v1."""
    response = _get(_app(), "/api/openapi.json")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        **SPEC,
        "servers": [{"url": "http://docs.test:8123/api/v1", "description": "This server"}],
    }
    assert list(response.json()) == list(SPEC)


def test_openapi_json_keeps_the_documents_server_description() -> None:
    """Only the server URL is rewritten: the document's own server description is kept."""
    spec = {**SPEC, "servers": [{"url": "/api/v1", "description": "Production"}]}
    app = connexion.AsyncApp(__name__)
    docs.install(app, SimpleNamespace(docs_token=None), spec)
    assert _get(app, "/api/openapi.json").json()["servers"] == [
        {"url": "http://docs.test:8123/api/v1", "description": "Production"}
    ]


def test_assets_are_served_verified_with_long_cache() -> None:
    """The bundle (gzipped on request) and favicon come from scalar/ with immutable caching."""
    app = _app()
    plain = _get(app, "/api-docs/standalone.js", **{"accept-encoding": "identity"})
    zipped = _get(app, "/api-docs/standalone.js", **{"accept-encoding": "gzip"})
    icon = _get(app, "/api-docs/favicon.svg")
    bundle = (SCALAR / "standalone.js").read_bytes()
    assert plain.content == bundle
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == bundle  # httpx decoded the gzip body
    assert int(zipped.headers["content-length"]) < len(bundle) // 2
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert icon.content == (SCALAR / "favicon.svg").read_bytes()


def test_favicon_is_self_contained() -> None:
    """Our favicon references nothing outside itself (the SVG namespace is not a fetch)."""
    svg = (SCALAR / "favicon.svg").read_text()
    assert "href" not in svg
    assert URL_RE.findall(svg) == ["http://"]  # xmlns="http://www.w3.org/2000/svg" only


def test_missing_bundle_is_a_loud_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """install() raises when the bundle is missing instead of falling back to a CDN."""
    monkeypatch.setattr(docs, "BUNDLE", tmp_path / "standalone.js")
    with pytest.raises(docs.ScalarBundleError, match="Scalar bundle missing"):
        docs.install(connexion.AsyncApp(__name__), SimpleNamespace(docs_token=None), SPEC)


def test_altered_bundle_is_a_loud_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """install() raises when one byte of the bundle differs from the recorded sha256."""
    altered = tmp_path / "standalone.js"
    shutil.copyfile(SCALAR / "standalone.js", altered)
    with altered.open("ab") as f:
        f.write(b"\n;fetch('https://evil.example/')")
    monkeypatch.setattr(docs, "BUNDLE", altered)
    with pytest.raises(docs.ScalarBundleError, match="the file was altered"):
        docs.install(connexion.AsyncApp(__name__), SimpleNamespace(docs_token=None), SPEC)


def test_yaml_dates_are_served_as_iso_strings() -> None:
    """A document loaded with PyYAML (unquoted dates become date objects) still serves as JSON."""
    spec = {**SPEC, "info": {**SPEC["info"], "x-released": date(2026, 3, 2)}}
    app = connexion.AsyncApp(__name__)
    docs.install(app, SimpleNamespace(docs_token=None), spec)
    assert _get(app, "/api/openapi.json").json()["info"]["x-released"] == "2026-03-02"
