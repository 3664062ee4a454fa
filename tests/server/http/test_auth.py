"""Bearer authentication: 401 for bad tokens, 402 for plans without API access, the Actor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from server.context import Actor
from server.db.base import utcnow
from server.db.models import ApiToken, Member
from server.http.app import runtime_of
from tests.support.infra_app import build, client_for, make_settings, seed


@pytest.fixture
def app(tmp_path: Path) -> Any:
    """A widgets app on SQLite."""
    return build(make_settings(tmp_path))


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A test client with the lifespan running."""
    with client_for(app) as c:
        yield c


def code(response: Any) -> str:
    """The error code of an envelope."""
    return str(response.json()["error"]["code"])


def test_valid_token_reaches_the_handler(app: Any, client: TestClient) -> None:
    """A live token of a studio workspace gets through."""
    owner = seed(app)
    assert client.get("/api/v1/widgets", headers=owner.auth).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nope",
        "Bearer hsk_live_abc_def",
        "Bearer hsk_live_0123456789ab_" + "A" * 32,
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ],
)
def test_bad_tokens_are_unauthenticated(client: TestClient, header: str) -> None:
    """Malformed, unknown, non-bearer and empty credentials are all 401."""
    response = client.get("/api/v1/widgets", headers={"Authorization": header})
    assert response.status_code == 401
    assert code(response) == "unauthenticated"


def test_wrong_secret_is_unauthenticated(app: Any, client: TestClient) -> None:
    """A known prefix with another secret is 401."""
    owner = seed(app)
    forged = owner.token[:-1] + ("a" if owner.token[-1] != "a" else "b")
    response = client.get("/api/v1/widgets", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_env_mismatch_is_unauthenticated(app: Any, client: TestClient) -> None:
    """A live token presented as a test token is 401."""
    owner = seed(app)
    swapped = owner.token.replace("hsk_live_", "hsk_test_")
    response = client.get("/api/v1/widgets", headers={"Authorization": f"Bearer {swapped}"})
    assert response.status_code == 401


def test_revoked_token_is_rejected_at_once(app: Any, client: TestClient) -> None:
    """Revoking a token makes the very next request 401."""
    owner = seed(app)
    assert client.get("/api/v1/widgets", headers=owner.auth).status_code == 200
    with runtime_of(app).sessions() as session:
        session.execute(
            update(ApiToken).where(ApiToken.id == owner.token_id).values(revoked_at=utcnow())
        )
        session.commit()
    assert client.get("/api/v1/widgets", headers=owner.auth).status_code == 401


def test_removed_member_is_rejected(app: Any, client: TestClient) -> None:
    """A token of a soft-deleted member is 401."""
    owner = seed(app)
    with runtime_of(app).sessions() as session:
        session.execute(
            update(Member).where(Member.id == owner.member_id).values(deleted_at=utcnow())
        )
        session.commit()
    assert client.get("/api/v1/widgets", headers=owner.auth).status_code == 401


@pytest.mark.parametrize(("plan", "status"), [("free", "active"), ("studio", "lapsed")])
def test_no_api_access_is_payment_required(
    app: Any, client: TestClient, plan: str, status: str
) -> None:
    """Free plans and lapsed subscriptions are 402 naming the plan and feature."""
    owner = seed(app, plan=plan, subscription_status=status)
    response = client.get("/api/v1/widgets", headers=owner.auth)
    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "forbidden_plan"
    assert error["requiredPlan"] == "studio"
    assert error["feature"] == "apiAccess"


def test_plan_check_precedes_validation(app: Any, client: TestClient) -> None:
    """402 wins over a missing Idempotency-Key and a bad body (order of checks)."""
    owner = seed(app, plan="free")
    response = client.post("/api/v1/widgets", headers=owner.auth, json={"bogus": True})
    assert response.status_code == 402


def test_actor_carries_role_and_plan(app: Any) -> None:
    """authenticate() builds the Actor handlers see."""
    from server.http.auth import authenticate  # noqa: PLC0415

    owner = seed(app, plan="agency", role="MANAGER")
    actor = authenticate(runtime_of(app), owner.token)
    assert isinstance(actor, Actor)
    assert (actor.role, actor.plan, actor.token_name) == ("MANAGER", "agency", "ci")
    assert actor.is_manager_plus
    assert not actor.is_admin_plus
    assert not actor.is_member
