"""Engine and session construction; nothing is built at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg import pq
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
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
    pool_args = (
        {"pool_size": SERVER_POOL_SIZE, "max_overflow": 10, "pool_use_lifo": True} if pooled else {}
    )
    engine = create_engine(url, **pool_args, **kwargs)
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    if pooled:
        _ping_after_idle(engine)
    return engine


# A pooled connection per worker thread: the anyio thread limiter (40 tokens by default) bounds how
# many sessions are open at once, so under load no connection is closed on check-in and reopened
# (4 PRAGMAs). LIFO keeps the few hot connections (and their page caches) in use at low load.
SQLITE_POOL_SIZE = 40
# A database server's pool: enough connections that requests in flight (16 at the bench's load,
# each holding one connection at a time) never overflow it, where every overflow connection is
# closed on check-in and reopened (a PostgreSQL backend fork) for the next request. Two processes
# use 2 × (20 + 10) connections at most, well inside PostgreSQL's default max_connections (100).
SERVER_POOL_SIZE = 20
# A pooled connection that sat idle this long is pinged (`SELECT 1`) before use.
PING_AFTER_IDLE_SECONDS = 5.0
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

    _open_transaction_on_first_write(
        engine, "BEGIN IMMEDIATE", lambda dbapi_conn: bool(dbapi_conn.in_transaction)
    )


def _ping_after_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling, cheaper than `pool_pre_ping`: ping only a connection
    that has been idle for `PING_AFTER_IDLE_SECONDS` (a database restart shows up there).

    `pool_pre_ping` pings on every checkout: one extra round trip per checkout, two per request
    (token lookup, then the request's session). A connection checked in moments ago was working
    then; if the server went away since, the error is a disconnect, which makes SQLAlchemy
    invalidate the whole pool, so the next request reconnects. This is the checkout-event ping
    of SQLAlchemy's "Disconnect Handling - Pessimistic" recipe, run only after idleness.
    """

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_conn: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected) or recently used
        try:
            engine.dialect.do_ping(dbapi_conn)
            if engine.dialect.name == "postgresql":
                dbapi_conn.rollback()  # the ping opened a transaction (psycopg autobegin)
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(f"pooled connection is dead: {exc}") from exc


_CHECKED_IN_AT = "hoursmith_checked_in_at"


def _configure_postgresql(engine: Engine) -> None:
    # Results in PostgreSQL's binary format: timestamps, dates, numbers and booleans are sent
    # and read as machine values instead of being printed by the server and parsed by psycopg
    # (server and PostgreSQL CPU per list request both drop by ~8%). Parameters are unchanged.
    if engine.dialect.driver == "psycopg":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.cursor_factory = BinaryResultCursor

    # Read-only units of work run with psycopg in autocommit mode (see begin_read).
    _open_transaction_on_first_write(
        engine, "BEGIN", lambda dbapi_conn: dbapi_conn.info.transaction_status != _PG_IDLE
    )


_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open on the server


class BinaryResultCursor(psycopg.Cursor[Any]):
    """A psycopg cursor that asks for results in PostgreSQL's binary format."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.format = pq.Format.BINARY


def _open_transaction_on_first_write(
    engine: Engine, begin: str, in_transaction: Callable[[Any], bool]
) -> None:
    """Safety net for begin_read: the first statement of a read-only unit of work that is not a
    read opens a real transaction (taking the write lock on SQLite), so a write is never
    autocommitted statement by statement; it commits or rolls back with the session as usual."""

    @event.listens_for(engine, "before_cursor_execute")
    def _on_write_in_read_only(
        conn: Any, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if (
            statement[:6].upper() not in _READ_VERBS
            and conn.get_execution_options().get(READ_ONLY, False)
            and not in_transaction(conn.connection.dbapi_connection)
        ):
            cursor.execute(begin)


_READ_VERBS = frozenset({"SELECT", "PRAGMA"})  # statement[:6]: anything else may write


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call before the first statement of a request that writes; harmless on PostgreSQL.
    """
    session.connection(execution_options={"sqlite_immediate": True})


def read_only_options(engine: Engine) -> dict[str, Any]:
    """Execution options of a read-only unit of work on `engine` (see begin_read)."""
    if engine.dialect.name == "postgresql":
        return {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
    return {READ_ONLY: True}


def begin_read(session: Session) -> None:
    """Mark the session's unit of work read-only: no `BEGIN`/`COMMIT` is sent.

    Used for safe-method requests (GET/HEAD/OPTIONS) and the token lookup. Each statement runs
    in autocommit mode and sees one consistent snapshot of its own: SQLite's WAL snapshot, or
    PostgreSQL's statement snapshot, which is what READ COMMITTED — the isolation level the
    server uses there — gives each statement of a transaction anyway. A handler that issues
    several statements may see a write committed between two of them on either backend, so no
    handler may rely on more. A list is one statement. Skipping `BEGIN` and `COMMIT` saves two
    trips through the driver per unit of work (two network round trips on PostgreSQL) and holds
    no snapshot open while the response is serialised. Should such a unit of work write after
    all, the first non-read statement opens a real transaction (`BEGIN IMMEDIATE` on SQLite,
    `BEGIN` on PostgreSQL; see `_open_transaction_on_first_write`), which commits or rolls back
    with the session as usual.
    """
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    session.connection(execution_options=read_only_options(bind))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


log = logging.getLogger("hoursmith.db")
T = TypeVar("T")


def is_unreachable(exc: BaseException) -> bool:
    """The database could not be reached (a dropped or refused connection: a restart, a
    failover), as opposed to an error in the statement: worth one more try on a fresh
    connection, else a 503."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True  # SQLAlchemy saw a disconnect and dropped the pool's older connections
    # psycopg reports a refused connection (the server is down or starting) as OperationalError;
    # SQLite's OperationalError is about the file or a lock, not reachability.
    return isinstance(exc, OperationalError) and type(exc.orig).__module__.startswith("psycopg")


def retry_once_if_unreachable(work: Callable[[], T]) -> T:
    """Run `work`; if the database was unreachable, run it once more on a fresh connection (the
    pool has dropped the dead ones). Only for work that is safe to repeat: reads, and the rate
    limiter's hit (counted twice at worst, which is stricter, never looser)."""
    try:
        return work()
    except DBAPIError as exc:
        if not is_unreachable(exc):
            raise
        log.warning("database unreachable (%s); retrying once on a fresh connection", exc.orig)
    return work()
