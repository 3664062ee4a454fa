"""The reference routes on the real app: the served document, assets and error envelopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.live_server import LiveServer

REPO = Path(__file__).resolve().parents[2]


def _as_json(value: Any) -> Any:
    """The YAML document as JSON would carry it (dates become ISO strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def test_openapi_json_is_the_document_with_this_server(live_server: LiveServer) -> None:
    """/api/openapi.json equals openapi/api-v1.yaml except servers, which name this server."""
    response = httpx.get(f"{live_server.base_url}/api/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    served = response.json()
    expected = _as_json(yaml.safe_load((REPO / "openapi" / "api-v1.yaml").read_text()))
    assert served["openapi"].startswith("3.1")
    assert served["servers"] == [{**expected["servers"][0], "url": live_server.api_url}]
    assert {k: v for k, v in served.items() if k != "servers"} == {
        k: v for k, v in expected.items() if k != "servers"
    }


def test_docs_page_and_assets_need_no_token(live_server: LiveServer) -> None:
    """The page, bundle and favicon are public, and the page prefills the demo token."""
    page = httpx.get(f"{live_server.base_url}/api-docs", timeout=10)
    bundle = httpx.get(f"{live_server.base_url}/api-docs/standalone.js", timeout=30)
    icon = httpx.get(f"{live_server.base_url}/api-docs/favicon.svg", timeout=10)
    assert [page.status_code, bundle.status_code, icon.status_code] == [200, 200, 200]
    assert live_server.tokens["owner"] in page.text
    assert bundle.content == (REPO / "scalar" / "standalone.js").read_bytes()
    assert "immutable" in bundle.headers["cache-control"]


def test_docs_routes_errors_use_the_envelope(live_server: LiveServer) -> None:
    """A wrong method or unknown asset under /api-docs answers with the JSON error envelope."""
    wrong_method = httpx.post(f"{live_server.base_url}/api-docs", timeout=10)
    unknown = httpx.get(f"{live_server.base_url}/api-docs/nope.js", timeout=10)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("application/json")
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
