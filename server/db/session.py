"""Engine and session construction; nothing is built at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for the backend behind `url`."""
    pooled = "poolclass" not in kwargs
    if url.startswith("sqlite"):
        pool_args: dict[str, Any] = {"pool_size": 8, "max_overflow": 16} if pooled else {}
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            **pool_args,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    pool_args = {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True} if pooled else {}
    return create_engine(url, **pool_args, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # WAL lets readers run beside one writer; the driver's own transaction handling is turned off
    # so that `BEGIN IMMEDIATE` (taken by write transactions) is ours to issue.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Write transactions ask for the write lock up front (`sqlite_immediate` execution
        # option): a deferred BEGIN that upgrades later can fail with SQLITE_BUSY mid-work.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call before the first statement of a request that writes; harmless on PostgreSQL.
    """
    session.connection(execution_options={"sqlite_immediate": True})


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
