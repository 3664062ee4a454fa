"""Idempotent POSTs: claim, replay, conflicts, leases, release on failure, purge."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from server.context import RequestScope
from server.db.base import utcnow
from server.db.infra import IdempotencyRecord
from server.errors import Conflict
from server.http.app import runtime_of
from server.http.idempotency_store import (
    Claim,
    ClaimLost,
    Replay,
    fingerprint,
    record_response,
    store_of,
)
from tests.support.infra_app import (
    Seeded,
    build,
    client_for,
    count_widgets,
    hang_up_mid_request,
    make_settings,
    response_status,
    seed,
)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    """A widgets app on SQLite with a short lease."""
    return build(make_settings(tmp_path, idempotency_lease_seconds=2))


@pytest.fixture
def owner(app: Any) -> Seeded:
    """An Owner token."""
    return seed(app)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A test client with the lifespan running."""
    with client_for(app) as c:
        yield c


def post(client: TestClient, who: Seeded, key: str, body: dict[str, Any]) -> Any:
    """POST a widget with an Idempotency-Key."""
    headers = {**who.auth, "Idempotency-Key": key}
    return client.post("/api/v1/widgets", headers=headers, json=body)


def test_fingerprint_is_canonical() -> None:
    """Key order and whitespace do not change the fingerprint; method, path and body do."""
    a = fingerprint("POST", "/w", b'{"a": 1, "b": [1, 2]}')
    assert a == fingerprint("post", "/w", b'{"b":[1,2],"a":1}')
    assert a != fingerprint("POST", "/x", b'{"a": 1, "b": [1, 2]}')
    assert a != fingerprint("POST", "/w", b'{"a": 2, "b": [1, 2]}')


def test_replay_is_exact(app: Any, client: TestClient, owner: Seeded) -> None:
    """The second identical POST replays status, body and Location, and creates nothing."""
    first = post(client, owner, "k1", {"name": "a"})
    second = post(client, owner, "k1", {"name": "a"})
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert first.headers["location"] == second.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert count_widgets(app) == 1


def test_other_body_same_key_is_conflict(app: Any, client: TestClient, owner: Seeded) -> None:
    """Reusing a key for a different request is 409 and runs nothing."""
    assert post(client, owner, "k1", {"name": "a"}).status_code == 201
    response = post(client, owner, "k1", {"name": "b"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert count_widgets(app) == 1


def test_keys_are_scoped_per_token(app: Any, client: TestClient, owner: Seeded) -> None:
    """The same key under two tokens is two independent requests."""
    other = seed(app)
    assert post(client, owner, "shared", {"name": "a"}).status_code == 201
    second = post(client, other, "shared", {"name": "a"})
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert count_widgets(app) == 2


def test_failed_request_releases_the_key(app: Any, client: TestClient, owner: Seeded) -> None:
    """A non-2xx outcome is not stored: the corrected request succeeds with the same key."""
    assert post(client, owner, "k1", {"name": "a", "fail": "conflict"}).status_code == 409
    assert post(client, owner, "k1", {"name": "a", "fail": "crash"}).status_code == 500
    assert count_widgets(app) == 0
    assert post(client, owner, "k1", {"name": "a"}).status_code == 201
    assert count_widgets(app) == 1


def test_validation_failure_does_not_claim(client: TestClient, owner: Seeded) -> None:
    """A 422 body never reaches the store; the key stays free."""
    assert post(client, owner, "k1", {"name": ""}).status_code == 422
    assert post(client, owner, "k1", {"name": "ok"}).status_code == 201


def test_in_flight_is_conflict_with_retry_after(
    app: Any, client: TestClient, owner: Seeded
) -> None:
    """A pending claim with a live lease answers 409 and Retry-After: 1."""
    body = b'{"name": "a"}'
    fp = fingerprint("POST", "/api/v1/widgets", body)
    assert isinstance(store_of(runtime_of(app)).claim(owner.token_id, "busy", fp), Claim)
    response = post(client, owner, "busy", {"name": "a"})
    assert response.status_code == 409
    assert response.headers["retry-after"] == "1"


def test_expired_lease_is_taken_over(app: Any, client: TestClient, owner: Seeded) -> None:
    """A claim whose process died (lease expired) is taken over by the retry."""
    fp = fingerprint("POST", "/api/v1/widgets", b'{"name": "a"}')
    store = store_of(runtime_of(app))
    stale = store.claim(owner.token_id, "dead", fp)
    assert isinstance(stale, Claim)
    with runtime_of(app).sessions() as session:
        session.execute(
            update(IdempotencyRecord).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert post(client, owner, "dead", {"name": "a"}).status_code == 201
    # The original attempt lost its claim and may no longer record a response.
    with RequestScope(runtime_of(app).sessions, write=True) as scope, pytest.raises(ClaimLost):
        record_response(scope.session, stale, 201, {"data": {}})


def test_store_outcomes(app: Any, owner: Seeded) -> None:
    """claim → record_response → replay; another fingerprint → Conflict."""
    runtime = runtime_of(app)
    store = store_of(runtime)
    claim = store.claim(owner.token_id, "s1", "fp-1")
    assert isinstance(claim, Claim)
    with RequestScope(runtime.sessions, write=True) as scope:
        record_response(scope.session, claim, 201, {"data": {"id": "x"}}, location="/x")
        scope.commit()
    replay = store.claim(owner.token_id, "s1", "fp-1")
    assert replay == Replay(201, b'{"data":{"id":"x"}}', "application/json", "/x")
    with pytest.raises(Conflict):
        store.claim(owner.token_id, "s1", "fp-2")


def test_expired_records_are_purged_and_reusable(app: Any, owner: Seeded) -> None:
    """Records past their TTL are deleted by purge and treated as absent before that."""
    runtime = runtime_of(app)
    store = store_of(runtime)
    for key in ("old", "new"):
        claim = store.claim(owner.token_id, key, "fp")
        assert isinstance(claim, Claim)
        with RequestScope(runtime.sessions, write=True) as scope:
            record_response(scope.session, claim, 201, b"{}")
            scope.commit()
    with runtime.sessions() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert isinstance(store.claim(owner.token_id, "old", "other-fp"), Claim)
    store.release(Claim(owner.token_id, "old", "not-the-owner"))  # a stranger cannot release
    with runtime.sessions() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert store.purge() == 1
    with runtime.sessions() as session:
        keys = session.scalars(select(IdempotencyRecord.key)).all()
    assert keys == ["new"]


def test_reused_key_with_an_invalid_body_is_conflict(client: TestClient, owner: Seeded) -> None:
    """Design §4: replay/409 come before body validation (D9)."""
    assert post(client, owner, "k1", {"name": "a"}).status_code == 201
    response = post(client, owner, "k1", {"name": ""})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_missing_or_invalid_key_is_422_before_the_body(client: TestClient, owner: Seeded) -> None:
    """No key (or a bad one) is 422 naming the header, even with a malformed body."""
    for headers in ({}, {"Idempotency-Key": "x" * 256}, {"Idempotency-Key": "tab\there"}):
        response = client.post(
            "/api/v1/widgets",
            headers={**owner.auth, **headers, "Content-Type": "application/json"},
            content=b"{not json",
        )
        assert response.status_code == 422, headers
        assert set(response.json()["error"]["fields"]) == {"Idempotency-Key"}


def test_malformed_json_is_400_and_claims_nothing(
    app: Any, client: TestClient, owner: Seeded
) -> None:
    """Malformed or non-UTF-8 JSON is 400 before any claim; the key stays free."""
    for raw in (b"{not json", b'{"name": "\xff"}'):
        response = client.post(
            "/api/v1/widgets",
            headers={**owner.auth, "Idempotency-Key": "k1", "Content-Type": "application/json"},
            content=raw,
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
    with runtime_of(app).sessions() as session:
        assert session.scalars(select(IdempotencyRecord)).all() == []
    assert post(client, owner, "k1", {"name": "a"}).status_code == 201


def test_validation_failure_releases_the_claim(app: Any, client: TestClient, owner: Seeded) -> None:
    """A 422 from request validation leaves no record behind (only 2xx are stored)."""
    assert post(client, owner, "k2", {"name": "a", "unknown": 1}).status_code == 422
    with runtime_of(app).sessions() as session:
        assert session.scalars(select(IdempotencyRecord)).all() == []


def test_duplicate_of_a_running_request_is_409_then_replays(app: Any, owner: Seeded) -> None:
    """While a POST runs, the same key gets 409 + Retry-After (another body: 409); then a replay."""
    body = {"name": "slow", "sleep": 0.5}

    async def scenario() -> tuple[Any, Any, Any, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {**owner.auth, "Idempotency-Key": "running"}
            first = asyncio.create_task(client.post("/api/v1/widgets", headers=headers, json=body))
            await asyncio.sleep(0.2)  # the first is inside its handler now
            same = await client.post("/api/v1/widgets", headers=headers, json=body)
            other = await client.post("/api/v1/widgets", headers=headers, json={"name": "x"})
            done = await first
            replay = await client.post("/api/v1/widgets", headers=headers, json=body)
            return done, same, other, replay

    done, same, other, replay = asyncio.run(scenario())
    assert done.status_code == 201
    assert same.status_code == 409
    assert same.headers["retry-after"] == "1"
    assert other.status_code == 409
    assert "retry-after" not in other.headers
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == done.content
    assert count_widgets(app, "slow") == 1


@pytest.mark.parametrize("key", ["hung-up", None])
def test_client_gone_mid_body_runs_nothing(
    app: Any,
    client: TestClient,
    owner: Seeded,
    key: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client that hangs up before its whole body arrived gets nothing run, nothing claimed
    and no crash logged; its retry with the same key runs."""
    headers = {**owner.auth, **({"idempotency-key": key} if key else {})}
    with caplog.at_level(logging.INFO):
        sent = hang_up_mid_request(app, "POST", "/api/v1/widgets", headers, b'{"name": "cut"}')
    assert response_status(sent) == (400 if key else 422)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert count_widgets(app, "cut") == 0
    with runtime_of(app).sessions() as session:
        assert session.scalars(select(IdempotencyRecord)).all() == []
    if key:  # read as a hang-up, not as the malformed JSON its first 5 bytes are
        assert "disconnected before its request was read" in caplog.text
        assert post(client, owner, key, {"name": "cut"}).status_code == 201
