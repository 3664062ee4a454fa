"""Handler-test fixtures: the real app (response validation on) on a temp SQLite database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from server.db import all_models  # noqa: F401  (every table, infra ones included)
from server.db import models as M
from server.db.base import Base
from server.db.session import make_engine, session_factory
from server.http.app import create_app
from server.settings import Settings
from server.tokens import generate_token
from tests.support.http_api import Api, AppEnv
from tests.support.world import World


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
        # Every response of these tests is checked against the document too.
        validate_responses=True,
        var_dir=tmp_path,
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield AppEnv(client, session_factory(engine))
    finally:
        engine.dispose()


@pytest.fixture
def api(app_env: AppEnv) -> Iterator[Api]:
    """A fresh workspace (one member and token per role) on the module's app."""
    yield from _workspace(app_env)


@pytest.fixture
def other_api(app_env: AppEnv) -> Iterator[Api]:
    """A second fresh workspace on the same app (for tests about workspace isolation)."""
    yield from _workspace(app_env)


def _workspace(app_env: AppEnv) -> Iterator[Api]:
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
