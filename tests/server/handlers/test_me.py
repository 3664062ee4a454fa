"""GET /me over the real app, plus the HTTP fixtures the other handler test modules import.

`api` builds the real connexion app (`create_app`) on a temp SQLite database seeded with the
service tests' `World` (one member per role) and one API token per member.
"""

from __future__ import annotations

import copy
import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from generator.downgrade import downgrade
from generator.routes import route_table
from server.app import GENERATED_SPEC, SOURCE_SPEC, create_app, load_yaml
from server.db import all_models  # noqa: F401  (every table, infra ones included)
from server.db import models as M
from server.db.base import Base
from server.db.session import make_engine, session_factory
from server.settings import Settings
from server.tokens import generate_token
from tests.server.services.test_access import World


@functools.cache
def _app_overrides() -> dict[str, Any]:
    """Use server/generated when present, else derive spec and routes from the source document."""
    if GENERATED_SPEC.is_file():
        return {}
    source = load_yaml(SOURCE_SPEC)
    operations = {
        r.operation_id: (r.module, r.function, r.method, r.path, r.tag) for r in route_table(source)
    }
    return {"spec": downgrade(source), "operations": operations}


class Api:
    """A test client that speaks as one of the World's members (by label)."""

    def __init__(self, client: TestClient, world: World, tokens: dict[str, str]) -> None:
        self.client = client
        self.world = world
        self.tokens = tokens

    def call(
        self,
        method: str,
        path: str,
        who: str = "owner",
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if method.upper() == "POST":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return self.client.request(
            method, f"/api/v1{path}", headers=headers, json=json, params=params
        )

    def get(self, path: str, who: str = "owner", **params: Any) -> httpx.Response:
        return self.call("GET", path, who, params=params or None)

    def post(self, path: str, json: Any = None, who: str = "owner") -> httpx.Response:
        return self.call("POST", path, who, json=json)

    def patch(self, path: str, json: Any, who: str = "owner") -> httpx.Response:
        return self.call("PATCH", path, who, json=json)

    def delete(self, path: str, who: str = "owner") -> httpx.Response:
        return self.call("DELETE", path, who)


@dataclass
class AppEnv:
    """One app, database and client shared by a test module (tests use separate orgs)."""

    client: TestClient
    sessions: sessionmaker[Session]


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppEnv]:
    """The real app on a temp SQLite database; built once per module (it takes seconds)."""
    tmp_path = tmp_path_factory.mktemp("handlers")
    url = f"sqlite:///{tmp_path / 'api.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    settings = Settings(
        database_url=url,
        secret_key="handler-tests",
        rate_limit_backend="memory",
        # Off for now: connexion's response validator runs inside the rate-limit middleware, so
        # it reports the X-RateLimit-* headers the spec requires as missing (infrastructure).
        validate_responses=False,
        var_dir=tmp_path,
    )
    app = create_app(settings, **copy.deepcopy(_app_overrides()))
    try:
        with TestClient(app) as client:
            yield AppEnv(client, session_factory(engine))
    finally:
        engine.dispose()


@pytest.fixture
def api(app_env: AppEnv) -> Iterator[Api]:
    """A fresh workspace (one member and token per role) on the module's app."""
    session = app_env.sessions()
    world = World(session, name=f"Acme{uuid.uuid4().hex[:8]}")
    # Agency: the larger rate-limit buckets (limits stay on: the contract requires the headers).
    world.org.plan = "agency"
    tokens: dict[str, str] = {}
    for label, member in world.members.items():
        new = generate_token("test")
        session.add(
            M.ApiToken(
                org_id=world.org.id,
                member_id=member.id,
                name=f"{label} token",
                env=new.env,
                prefix=new.prefix,
                secret_hash=new.secret_hash,
            )
        )
        tokens[label] = new.plaintext
    session.commit()
    try:
        yield Api(app_env.client, world, tokens)
    finally:
        session.close()


def test_me_for_a_manager_lists_all_projects(api: Api) -> None:
    """A Manager's /me has its identity, write scopes and every non-deleted project."""
    one = api.world.project()
    two = api.world.project()
    gone = api.world.project()
    gone.deleted_at = gone.created_at
    api.world.s.commit()
    res = api.get("/me", "manager")
    assert res.status_code == 200, res.text
    me = res.json()["data"]
    manager = api.world.members["manager"]
    assert me["orgId"] == api.world.org.id
    assert me["orgName"] == api.world.org.name
    assert me["plan"] == "agency"
    assert me["role"] == "MANAGER"
    assert me["tokenName"] == "manager token"
    assert me["memberId"] == manager.id
    assert me["userId"] == manager.user_id
    assert me["email"] == manager.email
    assert "clients:write" in me["scopes"]
    assert sorted(me["projectIds"]) == sorted([one.id, two.id])


def test_me_for_a_member_lists_only_its_projects(api: Api) -> None:
    """A Member's /me shows its own projects and no client or invoice scopes."""
    mine = api.world.project(on=("member",))
    api.world.project(on=("member2",))
    me = api.get("/me", "member").json()["data"]
    assert me["role"] == "MEMBER"
    assert me["projectIds"] == [mine.id]
    assert "clients:read" not in me["scopes"]
    assert "time-entries:write" in me["scopes"]


def test_me_requires_a_token(api: Api) -> None:
    """Without a bearer token /me is 401 unauthenticated."""
    res = api.client.get("/api/v1/me")
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthenticated"
