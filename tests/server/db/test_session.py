from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from psycopg import pq
from sqlalchemy import text

from server.db import session as session_module
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


def _kill_other_backends(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.commit()
    finally:
        engine.dispose()


def test_idle_connection_killed_by_the_server_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled PostgreSQL connection that died while idle is pinged, dropped and reopened."""
    monkeypatch.setattr(session_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            before = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        _kill_other_backends(pg_url)
        with engine.connect() as conn:
            after = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert after != before
    finally:
        engine.dispose()


def test_recently_used_connection_is_not_pinged(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection checked in moments ago is handed out without a ping round trip."""
    monkeypatch.setattr(session_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = make_engine(pg_url)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or True)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
        monkeypatch.setattr(session_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_results_arrive_in_binary_and_read_back_the_same(pg_url: str) -> None:
    """Results come in PostgreSQL's binary format; every column type we store reads back equal."""
    engine = make_engine(pg_url)
    stamp = datetime(2026, 3, 2, 9, 30, 15, 123456)
    try:
        with engine.connect() as conn:
            assert conn.connection.dbapi_connection.cursor().format == pq.Format.BINARY
            row = conn.execute(
                text(
                    "SELECT CAST(:stamp AS timestamp), CAST('2026-03-02' AS date), "
                    "CAST('1234.50' AS numeric(12, 2)), true, CAST(:text AS varchar), "
                    "CAST(42 AS bigint), CAST(NULL AS timestamp), "
                    "CAST(extract(epoch FROM CAST(:stamp AS timestamp)) AS double precision)"
                ),
                {"stamp": stamp, "text": "Café ünïcode"},
            ).one()
    finally:
        engine.dispose()
    assert tuple(row) == (
        stamp,
        date(2026, 3, 2),
        Decimal("1234.50"),
        True,
        "Café ünïcode",
        42,
        None,
        stamp.replace(tzinfo=UTC).timestamp(),
    )
