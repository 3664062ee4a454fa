"""The error envelope on every non-2xx, request ids, 404/405/415, validation and crashes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.errors import AllowIndex
from tests.support.infra_app import (
    Seeded,
    build,
    client_for,
    hang_up_mid_request,
    make_settings,
    response_status,
    seed,
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, Seeded]]:
    """A widgets app on SQLite with one Owner token."""
    app = build(make_settings(tmp_path))
    owner = seed(app)
    with client_for(app) as client:
        yield client, owner


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the envelope shape and return its error object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["requestId"] == response.headers["x-request-id"]
    return dict(body["error"])


def test_unknown_route_is_not_found(env: tuple[TestClient, Seeded]) -> None:
    """Unknown paths inside and outside the API answer the 404 envelope."""
    client, owner = env
    error_of(client.get("/api/v1/nothing", headers=owner.auth), 404, "not_found")
    error_of(client.get("/elsewhere"), 404, "not_found")


def test_wrong_method_lists_every_allowed_method(env: tuple[TestClient, Seeded]) -> None:
    """405 carries an Allow computed from the spec, not from the first matching route."""
    client, owner = env
    response = client.put("/api/v1/widgets", headers=owner.auth)
    error_of(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = client.post("/api/v1/widgets/abc", headers=owner.auth)
    assert response.headers["allow"] == "DELETE, GET, HEAD"


def test_allow_index_prefers_literal_paths() -> None:
    """`/things/running` beats the `/things/{id}` template."""
    index = AllowIndex("/api/v1", {"/things/{id}": ["get", "patch"], "/things/running": ["get"]})
    assert index.allow("/api/v1/things/running") == "GET, HEAD"
    assert index.allow("/api/v1/things/42") == "GET, HEAD, PATCH"
    assert index.allow("/api/v1/other") is None


def test_unauthenticated_has_www_authenticate(env: tuple[TestClient, Seeded]) -> None:
    """401 always names the Bearer scheme and realm."""
    client, _ = env
    response = client.get("/api/v1/widgets")
    error_of(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == 'Bearer realm="hoursmith"'


def test_body_validation_names_each_field(env: tuple[TestClient, Seeded]) -> None:
    """Schema violations are 422 with one entry per bad or unknown member."""
    client, owner = env
    headers = {**owner.auth, "Idempotency-Key": "v1"}
    response = client.post("/api/v1/widgets", headers=headers, json={"rank": -1, "bogus": 1})
    fields = error_of(response, 422, "validation_error")["fields"]
    assert fields["name"] == "is required"
    assert fields["bogus"] == "is not an allowed field"
    assert "rank" in fields


def test_parameter_validation_collects_all_problems(env: tuple[TestClient, Seeded]) -> None:
    """Unknown query parameters and out-of-range values are reported together."""
    client, owner = env
    response = client.get("/api/v1/widgets?limit=0&colour=red", headers=owner.auth)
    fields = error_of(response, 422, "validation_error")["fields"]
    assert set(fields) == {"limit", "colour"}


def test_missing_idempotency_key_is_a_field(env: tuple[TestClient, Seeded]) -> None:
    """A POST without the key is 422 naming the header."""
    client, owner = env
    response = client.post("/api/v1/widgets", headers=owner.auth, json={"name": "x"})
    assert error_of(response, 422, "validation_error")["fields"] == {
        "Idempotency-Key": "is required"
    }


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"name": "\xff"}', "application/json"),
        (b'{"name": ', "application/json"),
        (b"name=x", "text/plain"),
    ],
)
def test_bad_bodies_are_bad_request(
    env: tuple[TestClient, Seeded], content: bytes, content_type: str
) -> None:
    """Non-UTF-8, malformed JSON and non-JSON bodies are 400 bad_request (never 500)."""
    client, owner = env
    headers = {**owner.auth, "Idempotency-Key": "b1", "Content-Type": content_type}
    error_of(client.post("/api/v1/widgets", headers=headers, content=content), 400, "bad_request")


def test_crash_is_internal_without_traceback(env: tuple[TestClient, Seeded]) -> None:
    """A handler exception is a 500 envelope that leaks nothing of the exception."""
    client, owner = env
    headers = {**owner.auth, "Idempotency-Key": "c1"}
    response = client.post("/api/v1/widgets", headers=headers, json={"name": "x", "fail": "crash"})
    error_of(response, 500, "internal")
    assert "secret traceback detail" not in response.text
    assert "Traceback" not in response.text


def test_nonconforming_response_is_internal(env: tuple[TestClient, Seeded]) -> None:
    """With response validation on, a response that breaks the spec becomes a 500 envelope."""
    client, _ = env
    error_of(client.get("/api/v1/broken"), 500, "internal")
    error_of(client.get("/api/v1/broken"), 500, "internal")  # and again, from the cached plan


def test_missing_required_response_header_is_internal(env: tuple[TestClient, Seeded]) -> None:
    """A response lacking a header the document requires is a 500; with the header it is a 200."""
    client, _ = env
    error_of(client.get("/api/v1/headless"), 500, "internal")
    assert client.get("/api/v1/headless", params={"withHeader": "1"}).status_code == 200
    error_of(client.get("/api/v1/headless"), 500, "internal")


def test_request_id_is_reused_when_sane(env: tuple[TestClient, Seeded]) -> None:
    """A sane incoming X-Request-Id is echoed; a hostile one is replaced."""
    client, owner = env
    ok = client.get("/api/v1/widgets", headers={**owner.auth, "X-Request-Id": "abc-123"})
    assert ok.headers["x-request-id"] == "abc-123"
    bad = client.get("/api/v1/widgets", headers={**owner.auth, "X-Request-Id": "a b<script>"})
    assert bad.headers["x-request-id"] != "a b<script>"
    assert len(bad.headers["x-request-id"]) == 32


def test_handler_api_error_keeps_its_code(env: tuple[TestClient, Seeded]) -> None:
    """An ApiError raised by a handler is rendered with its own status and code."""
    client, owner = env
    response = client.get("/api/v1/widgets/missing", headers=owner.auth)
    assert error_of(response, 404, "not_found")["message"] == "Widget not found"


def test_client_gone_before_the_request_was_read_is_not_a_crash(
    env: tuple[TestClient, Seeded], caplog: pytest.LogCaptureFixture
) -> None:
    """A GET whose client hung up before it was read logs no crash and answers no 500."""
    client, owner = env
    with caplog.at_level(logging.INFO):
        sent = hang_up_mid_request(client.app, "GET", "/api/v1/widgets", owner.auth)
    assert response_status(sent) == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "disconnected before its request was read" in caplog.text
