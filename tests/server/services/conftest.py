"""Service-test fixtures: one database per test (SQLite, then PostgreSQL) and a `World` on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from server.db import all_models  # noqa: F401  (every table on Base.metadata)
from server.db.base import Base
from server.db.session import make_engine, session_factory
from tests.support.world import World


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    """A fresh database with every table and one session on it (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'services.db'}"
    else:
        try:
            url = request.getfixturevalue("pg_url")
        except pytest.FixtureLookupError:
            pytest.skip("PostgreSQL fixture `pg_url` (tests/support/postgres.py) not available")
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def world(db: Session) -> World:
    """The default workspace on the test database."""
    return World(db)


@pytest.fixture
def session(db: Session) -> Session:
    """The same session under the name the time/expense/invoice tests use."""
    return db
