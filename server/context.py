"""Who is calling (`Actor`) and the request's unit of work (`current_session()`).

Session lifecycle — what handler authors need to know
-----------------------------------------------------
Every API request gets one `RequestScope`, created by
`server.http.transaction.RequestTransactionMiddleware` and carried in a context variable, so
`current_session()` works in sync handlers (connexion runs them in a worker thread with a copy
of the context) and in async ones.

- The SQLAlchemy `Session` is created lazily on the first `current_session()` call.
- **Handlers never commit.** After the handler returns, and *before the first byte of the
  response leaves*, the middleware commits when the status is 2xx/3xx (storing the idempotent
  response in the same transaction) and rolls back otherwise. A handler that raises is rolled
  back. A commit failure turns the response into a 500 envelope, so the client is never told
  "201" for a row that does not exist.
- `session.flush()` is fine (to get ids or hit constraints early). An explicit
  `session.commit()` is allowed only when a service truly needs two transactions; it breaks the
  "stored response in the same transaction" guarantee for that request, so avoid it on POST.
- On SQLite, requests with an unsafe method open their transaction with `BEGIN IMMEDIATE`
  (taking the write lock up front), so a read-then-write handler never fails with
  "database is locked" on the lock upgrade; PostgreSQL uses its default READ COMMITTED.
  Safe-method requests (GET/HEAD/OPTIONS) are read-only scopes: their statements run without an
  explicit `BEGIN` (autocommit), each one consistent on its own — the per-statement guarantee
  READ COMMITTED gives on PostgreSQL (`server.db.session.begin_read` explains why that is safe).
- On SQLite, write requests of one process take turns (`server.db.write_gate`) instead of
  queueing inside SQLite's lock.

Outside HTTP (CLI, tests, background work) open a scope explicitly::

    with session_scope(runtime.sessions, write=True) as scope:
        create_client(scope.session, actor, payload)
        scope.commit()

`current_actor()` returns the `Actor` that `server.http.auth.bearer_info` resolved from the token.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import anyio.to_thread
from connexion.context import context
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server.db.session import begin_read, begin_write

if TYPE_CHECKING:
    from server.settings import Settings

T = TypeVar("T")
P = ParamSpec("P")
OWNER, ADMIN, MANAGER, MEMBER = "OWNER", "ADMIN", "MANAGER", "MEMBER"
MANAGER_PLUS = frozenset({OWNER, ADMIN, MANAGER})
ADMIN_PLUS = frozenset({OWNER, ADMIN})


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: one API token of one member of one organization."""

    org_id: str
    user_id: str
    member_id: str
    token_id: str
    role: str
    plan: str
    token_name: str
    # False for a `hsk_test_` token: webhook events it causes carry `livemode: false`.
    livemode: bool = True

    @property
    def is_member(self) -> bool:
        """A plain Member: money-blind and limited to its own projects and time."""
        return self.role == MEMBER

    @property
    def is_manager_plus(self) -> bool:
        return self.role in MANAGER_PLUS

    @property
    def is_admin_plus(self) -> bool:
        return self.role in ADMIN_PLUS


@dataclass
class Runtime:
    """What one app instance owns: settings, engine, session factory (built by create_app)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cursor_key: bytes = b""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def shared(self, name: str, kind: type[T], build: Callable[[Runtime], T]) -> T:
        """The app's one `kind` under `name` in `extras`, built from this runtime on first use."""
        value = self.extras.get(name)
        if value is None:
            value = self.extras.setdefault(name, build(self))
        assert isinstance(value, kind)
        return value


class RequestScope:
    """One request's lazily opened Session; committed or rolled back by whoever opened it."""

    def __init__(
        self, sessions: sessionmaker[Session], *, write: bool = False, read_only: bool = False
    ) -> None:
        self._sessions = sessions
        self._write = write
        # Safe-method requests: no explicit BEGIN (`server.db.session.begin_read`).
        self.read_only = read_only and not write
        self._session: Session | None = None
        # Set by the idempotency layer when this request holds a claimed key.
        self.idempotency_claim: Any = None

    def __enter__(self) -> RequestScope:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def discard(self) -> None:
        """Roll back whatever was not committed, then close."""
        try:
            self.rollback()
        finally:
            self.close()

    @property
    def opened(self) -> bool:
        return self._session is not None

    @property
    def holds_write_lock(self) -> bool:
        """A write scope whose transaction has begun (`BEGIN IMMEDIATE` on SQLite)."""
        return self._write and self._session is not None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._sessions()
            if self._write:
                begin_write(self._session)  # BEGIN IMMEDIATE on SQLite
            elif self.read_only:
                begin_read(self._session)  # autocommit reads
        return self._session

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            session.close()


_runtime_var: ContextVar[Runtime | None] = ContextVar("hoursmith_runtime", default=None)


def current_runtime() -> Runtime:
    """The app instance serving this request (set by the edge middleware)."""
    runtime = _runtime_var.get()
    if runtime is None:
        raise RuntimeError("no runtime bound: call inside a request or `bind_runtime()`")
    return runtime


def bind_runtime(runtime: Runtime | None) -> Any:
    return _runtime_var.set(runtime)


_scope_var: ContextVar[RequestScope | None] = ContextVar("hoursmith_request_scope", default=None)


def current_scope() -> RequestScope:
    scope = _scope_var.get()
    if scope is None:
        raise RuntimeError("no request scope: call inside a request or `session_scope()`")
    return scope


def current_session() -> Session:
    """The request's Session (opened on first use; committed by the request lifecycle)."""
    return current_scope().session


def bind_scope(scope: RequestScope | None) -> Any:
    """Make `scope` current; returns the token for `unbind_scope`."""
    return _scope_var.set(scope)


def unbind_scope(token: Any) -> None:
    _scope_var.reset(token)


@contextmanager
def session_scope(
    sessions: sessionmaker[Session], *, write: bool = False
) -> Iterator[RequestScope]:
    """A scope for code outside HTTP: rolled back unless `scope.commit()` was called; closed."""
    scope = RequestScope(sessions, write=write)
    token = bind_scope(scope)
    try:
        yield scope
    finally:
        try:
            scope.rollback()
        finally:
            scope.close()
            unbind_scope(token)


async def run_read(fn: Callable[..., T], *args: Any, inline_ok: bool = True) -> T:
    """Run a read-only handler body: inline on SQLite when `inline_ok`, else in a worker thread.

    connexion runs sync handlers in the threadpool; for a keyset page of a local SQLite file the
    work is CPU-bound (SQLite does not wait for the writer in WAL mode), so the hand-off to a
    thread and back (~120 µs, more under load) costs more than it saves. Pass `inline_ok=False`
    for a read that may scan (e.g. a `search`), so it cannot stall the event loop; PostgreSQL
    reads always go to a thread (network I/O). Context variables (session scope, connexion
    context) are visible either way.
    """
    if inline_ok and current_runtime().is_sqlite:
        return fn(*args)
    return await anyio.to_thread.run_sync(fn, *args)


async def run_write(fn: Callable[..., T], *args: Any) -> T:
    """Run a short write handler body: inline on SQLite when the request's transaction already
    holds the write lock, else in a worker thread.

    An idempotent POST on SQLite claims its key inside its own transaction during its write turn
    (`server.db.write_gate`), so its handler can no longer wait on a lock: its work is CPU-bound
    and the hop to a thread and back only adds latency. Use it for handlers that touch a few
    rows; a write that may scan stays a plain (threaded) handler. PostgreSQL always hops
    (network I/O).
    """
    if current_runtime().is_sqlite and current_scope().holds_write_lock:
        return fn(*args)
    return await anyio.to_thread.run_sync(fn, *args)


def short_write(handler: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """Decorate a sync handler that writes a few rows so its body runs through `run_write`.

    The wrapper keeps the handler's signature (`functools.wraps`), which connexion reads to
    pass parameters; being a coroutine function, it is awaited on the event loop.
    """

    @functools.wraps(handler)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await run_write(functools.partial(handler, *args, **kwargs))

    return run


def current_actor() -> Actor:
    """The Actor that `server.http.auth.bearer_info` put in connexion's `context["token_info"]`."""
    try:
        actor = context["token_info"]["actor"]
    except (LookupError, RuntimeError, TypeError) as exc:
        raise RuntimeError("no authenticated actor in this context") from exc
    if not isinstance(actor, Actor):
        raise RuntimeError("token_info carries no Actor")
    return actor
