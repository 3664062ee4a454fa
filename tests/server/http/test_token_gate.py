"""PostgreSQL: the token lookup and its rate-limit hit in one statement keep every guarantee."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from server.db.base import utcnow
from server.db.infra import RateLimitBucket
from server.db.models import ApiToken
from server.http.app import runtime_of
from server.http.auth import TOKEN_GATE
from tests.support.infra_app import build, client_for, make_settings, seed
from tests.support.statements import recorded_statements

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(tmp_path: Path, pg_url: str) -> Any:
    """A widgets app on PostgreSQL with the database rate limiter on."""
    return build(make_settings(tmp_path, pg_url, rate_limit=True))


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A test client with the lifespan running."""
    with client_for(app) as c:
        yield c


def _buckets(app: Any) -> dict[str, int]:
    with runtime_of(app).sessions() as session:
        rows = session.execute(select(RateLimitBucket.bucket, RateLimitBucket.hits)).all()
    return {bucket: hits for bucket, hits in rows if bucket.startswith("t:")}


def test_one_statement_authenticates_and_counts(app: Any, client: TestClient) -> None:
    """Before the handler, one statement reaches the database; both buckets count each request."""
    owner = seed(app)
    with recorded_statements(runtime_of(app).engine) as statements:
        first = client.get("/api/v1/widgets", headers=owner.auth)
    second = client.get("/api/v1/widgets", headers=owner.auth)
    assert (first.status_code, second.status_code) == (200, 200)
    assert statements[0].lstrip().startswith("WITH tok AS")
    assert "rate_limit_buckets" not in " ".join(statements[1:])  # no second limiter statement
    assert first.headers["x-ratelimit-remaining"] == "29"
    assert second.headers["x-ratelimit-remaining"] == "28"
    assert _buckets(app) == {f"t:{owner.token_id}:burst": 2, f"t:{owner.token_id}:sustained": 2}


def test_revoked_token_is_refused_by_the_next_request(app: Any, client: TestClient) -> None:
    """Nothing is cached: the request right after a revocation is 401."""
    owner = seed(app)
    assert client.get("/api/v1/widgets", headers=owner.auth).status_code == 200
    with runtime_of(app).sessions() as session:
        session.execute(update(ApiToken).values(revoked_at=utcnow()))
        session.commit()
    response = client.get("/api/v1/widgets", headers=owner.auth)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token has been revoked"


def test_refused_tokens_never_touch_their_buckets(app: Any, client: TestClient) -> None:
    """A wrong secret (401) or a plan without API access (402) consumes no token bucket."""
    owner = seed(app)
    forged = {"Authorization": f"Bearer {owner.token[:-4]}AAAA"}
    assert client.get("/api/v1/widgets", headers=forged).status_code == 401
    free = seed(app, plan="free")
    assert client.get("/api/v1/widgets", headers=free.auth).status_code == 402
    assert _buckets(app) == {}


def test_the_gate_statement_is_compiled_once() -> None:
    """SQLAlchemy can cache the gate (it has a cache key), so a request never recompiles it."""
    assert TOKEN_GATE._generate_cache_key() is not None
