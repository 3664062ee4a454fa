from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from server.db.session import begin_read, make_engine, read_only_options, session_factory


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'session.db'}"
    return str(request.getfixturevalue("pg_url"))


def _in_transaction(session: object) -> bool:
    dbapi = session.connection().connection.dbapi_connection  # type: ignore[attr-defined]
    if hasattr(dbapi, "info"):  # psycopg: the server's transaction status (0 = idle)
        return bool(dbapi.info.transaction_status != 0)
    return bool(dbapi.in_transaction)


def test_read_only_unit_sends_no_begin(url: str) -> None:
    """A read-only unit of work runs its reads in autocommit: no transaction stays open."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            begin_read(session)
            assert session.execute(text("SELECT 1")).scalar() == 1
            assert not _in_transaction(session)
        with engine.connect().execution_options(**read_only_options(engine)) as conn:
            assert conn.execute(text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize("finish", ["commit", "rollback"])
def test_write_in_read_only_unit_opens_a_transaction(url: str, finish: str) -> None:
    """A write in a read-only unit opens a real transaction that commits or rolls back whole."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (body VARCHAR(20))"))
        with session_factory(engine)() as session:
            begin_read(session)
            session.execute(text("INSERT INTO notes (body) VALUES ('a')"))
            assert _in_transaction(session)
            session.execute(text("INSERT INTO notes (body) VALUES ('b')"))
            getattr(session, finish)()
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM notes")).scalar()
        assert count == (2 if finish == "commit" else 0)
    finally:
        engine.dispose()
