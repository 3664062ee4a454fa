"""On SQLite, write requests of one process take turns on the event loop, not in SQLite's lock.

SQLite has a single writer. Without a gate, concurrent write requests each occupy a worker
thread blocked in `BEGIN IMMEDIATE`, where SQLite's busy handler polls with growing sleeps
(1, 2, 5 … 100 ms): the lock is often free while every waiter sleeps (POST p99 above one second
at 16 connections in `make bench`), and the waiting threads are ones the lock holder needs for
its next step. The gate is an `asyncio.Lock`, which is FIFO: a write request waits for its turn
without holding a thread, and starts its transaction only when no other request of this process
has one open. It is taken after authentication and before the first write (the idempotency
claim, or the handler), and given back once the transaction is committed or rolled back, before
the response is sent, so a client that reads slowly cannot hold it.

Other processes on the same file still meet SQLite's busy handler (`busy_timeout`); several
processes belong on PostgreSQL, where row locks make a gate pointless (`gate_of` returns None).
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any, Protocol

# The request's ASGI scope, typed as the plain mapping it is: server.db imports no HTTP framework.
Scope = MutableMapping[str, Any]


class Runtime(Protocol):
    """What the gate needs of `server.context.Runtime` (structural: db does not import context)."""

    @property
    def is_sqlite(self) -> bool: ...

    @property
    def extras(self) -> dict[str, Any]: ...


# Where the request's turn travels between middlewares (ASGI scope key).
WRITE_TURN = "hoursmith.write_turn"


class WriteTurn:
    """One request's hold on the gate; `release()` may be called more than once."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    async def acquire(self) -> None:
        await self._lock.acquire()
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


def gate_of(runtime: Runtime) -> asyncio.Lock | None:
    """The process's write gate for the running event loop; None on PostgreSQL.

    An asyncio.Lock binds to the loop it first waits on, and tests run one app under several
    loops, so the lock is kept per loop.
    """
    if not runtime.is_sqlite:
        return None
    loop = asyncio.get_running_loop()
    held = runtime.extras.get("write_gate")
    if held is None or held[0] is not loop:
        held = (loop, asyncio.Lock())
        runtime.extras["write_gate"] = held
    lock: asyncio.Lock = held[1]
    return lock


async def take_turn(runtime: Runtime, scope: Scope) -> WriteTurn | None:
    """Wait for this request's turn (SQLite) and record it in `scope`; None when no gate applies
    or the request already holds its turn."""
    if isinstance(scope.get(WRITE_TURN), WriteTurn):
        return None
    lock = gate_of(runtime)
    if lock is None:
        return None
    turn = WriteTurn(lock)
    await turn.acquire()
    scope[WRITE_TURN] = turn
    return turn


def turn_in(scope: Scope) -> WriteTurn | None:
    turn = scope.get(WRITE_TURN)
    return turn if isinstance(turn, WriteTurn) else None
