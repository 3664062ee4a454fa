"""Engine and session construction; nothing is built at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for the backend behind `url`."""
    pooled = "poolclass" not in kwargs
    if url.startswith("sqlite"):
        pool_args: dict[str, Any] = (
            {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 16, "pool_use_lifo": True}
            if pooled
            else {}
        )
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


# A pooled connection per worker thread: the anyio thread limiter (40 tokens by default) bounds how
# many sessions are open at once, so under load no connection is closed on check-in and reopened
# (4 PRAGMAs). LIFO keeps the few hot connections (and their page caches) in use at low load.
SQLITE_POOL_SIZE = 40
# Execution option of read-only units of work (safe-method requests): no explicit BEGIN.
READ_ONLY = "sqlite_read_only"


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
        options = conn.get_execution_options()
        if options.get(READ_ONLY, False):
            return  # see begin_read: statements run in autocommit mode
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_write_in_read_only(
        conn: Any, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        # Safety net for begin_read: the first statement that is not a read takes the write lock
        # and opens a real transaction, so a write is never autocommitted statement by statement.
        if (
            statement[:6].upper() not in _READ_VERBS
            and conn.get_execution_options().get(READ_ONLY, False)
            and not conn.connection.dbapi_connection.in_transaction
        ):
            cursor.execute("BEGIN IMMEDIATE")


_READ_VERBS = frozenset({"SELECT", "PRAGMA"})  # statement[:6]: anything else may write


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call before the first statement of a request that writes; harmless on PostgreSQL.
    """
    session.connection(execution_options={"sqlite_immediate": True})


def begin_read(session: Session) -> None:
    """Mark the session's transaction read-only: on SQLite, no `BEGIN` is issued.

    Used for safe-method requests (GET/HEAD/OPTIONS). Each statement then runs in SQLite's
    autocommit mode and sees one consistent snapshot (WAL), which is the guarantee PostgreSQL's
    READ COMMITTED — the isolation level the server uses there — already gives a request: a
    handler that issues several statements may see a write committed between two of them on
    either backend, so no handler may rely on more. A list is one statement (after the token
    lookup). Skipping `BEGIN`/`COMMIT` saves two round trips through the driver per request and
    holds no read snapshot open while the response is serialised. Should such a unit of work
    write after all, the first non-read statement opens a `BEGIN IMMEDIATE` transaction (see
    `_configure_sqlite`), which commits or rolls back with the session as usual.
    Harmless on PostgreSQL (the option is ignored there).
    """
    session.connection(execution_options={READ_ONLY: True})


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
