"""The delivery worker: claim due deliveries, send them outside any transaction, record results.

One `Worker` runs on an asyncio loop: `hoursmith serve` starts one in the server process (its
SQLite writes then take turns with the requests' on the process's write gate, passed in as
`write_lock`), and `hoursmith worker` runs one on its own. Sends to one endpoint are bounded by
`endpoint_concurrency` (leases are counted per endpoint when claiming). Stopping is graceful:
no new claims, in-flight sends get the timeout to finish, and whatever is still running is
cancelled and its lease given back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
import httpx
from sqlalchemy.orm import Session, sessionmaker

from server.db.base import new_id, utcnow
from server.db.session import begin_read, begin_write
from server.webhooks.addresses import (
    Resolver,
    UnsafeUrl,
    check_url,
    needs_lookup,
    system_resolver,
)
from server.webhooks.claims import (
    Claim,
    Finished,
    anything_due,
    claim_due,
    record_attempts,
    release,
)
from server.webhooks.config import WebhookSettings
from server.webhooks.sender import AttemptResult, new_client, send

log = logging.getLogger("hoursmith.webhooks")
T = TypeVar("T")
WriteLock = Callable[[], asyncio.Lock | None]


def worker_id() -> str:
    """A readable, unique lease owner: host, process and a random suffix."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{new_id()[:8]}"


class Worker:
    """Delivers webhooks from the outbox until `stop()`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: WebhookSettings,
        *,
        write_lock: WriteLock | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.owner = worker_id()
        self._write_lock = write_lock or (lambda: None)
        self._resolver = resolver
        self._stopping = asyncio.Event()
        # Set when a send finishes (room for another claim) or on stop: ends the idle wait.
        self._wake = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None
        # Attempts sent but not yet recorded (the next `_step` writes them).
        self._done: list[Finished] = []
        # When the last write step began (time.monotonic()); `_pace` spaces the next one.
        self._last_write = -float("inf")

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _write(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in one committed write transaction, in a thread (after the write turn)."""

        def unit() -> T:
            with self.sessions() as session:
                begin_write(session)
                value = fn(session)
                session.commit()
                return value

        lock = self._write_lock()
        if lock is None:
            return await anyio.to_thread.run_sync(unit)
        async with lock:
            return await anyio.to_thread.run_sync(unit)

    async def run(self) -> None:
        """Claim and deliver until stopped, then shut down gracefully."""
        log.info("webhook worker %s started", self.owner)
        try:
            await self._loop()
        finally:
            await self._drain()
            if self._client is not None:
                await self._client.aclose()
        log.info("webhook worker %s stopped", self.owner)

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client, made on first use: an idle worker (tests, a quiet server) never
        pays for loading the CA bundle."""
        if self._client is None:
            self._client = new_client()
        return self._client

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self._pace()
            room = self.settings.batch_size - len(self._in_flight)
            claims: list[Claim] = []
            try:
                claims = await self._step(room)
            except Exception:  # the database is away: log, wait, try again
                log.exception("webhook worker %s: recording or claiming failed", self.owner)
            for claim in claims:
                task = asyncio.create_task(self._deliver(self.client, claim))
                self._in_flight[claim.delivery_id] = task
                task.add_done_callback(self._forget)
            if len(claims) < max(room, 1) and not self._done:
                # Nothing more is due, or the per-endpoint bound held some back: wait for the
                # poll interval or until a send in flight finishes.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)

    async def _pace(self) -> None:
        """Wait out the rest of `step_interval_seconds` since the last write step (a stop ends
        the wait). Without it, a busy worker commits once per finished send: on SQLite each
        commit takes the one write lock that the requests' own writes are waiting for (the POST
        throughput of the bench's webhook scenario halved)."""
        wait = self._last_write + self.settings.step_interval_seconds - time.monotonic()
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), wait)

    async def _step(self, room: int) -> list[Claim]:
        """One write transaction records every finished attempt and claims what is due.

        Sends finishing while the previous transaction ran are recorded together, so under
        load the worker's database cost per delivery shrinks instead of growing. When nothing
        finished, a read first checks whether anything is due (no write lock when idle).
        """
        done, self._done = self._done, []
        claim = room > 0 and (bool(done) or await anyio.to_thread.run_sync(self._due))
        if not done and not claim:
            return []
        self._last_write = time.monotonic()
        return await self._write(
            functools.partial(self._record_and_claim, done, limit=room if claim else 0)
        )

    def _due(self) -> bool:
        with self.sessions() as session:
            begin_read(session)
            return anything_due(session, utcnow())

    def _record_and_claim(
        self, done: list[Finished], session: Session, *, limit: int
    ) -> list[Claim]:
        now = utcnow()
        record_attempts(session, done, self.owner, settings=self.settings, now=now)
        return claim_due(session, self.owner, now, self.settings, limit) if limit else []

    def _forget(self, task: asyncio.Task[None]) -> None:
        for delivery_id, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[delivery_id]
        self._wake.set()

    async def _deliver(self, client: httpx.AsyncClient, claim: Claim) -> None:
        """Send one attempt; the result is recorded by the loop's next transaction. Until then
        the lease holds the delivery (a crash before recording means it is sent again)."""
        started = utcnow()
        result = await self.attempt(client, claim)
        self._done.append((claim, result, started))

    async def attempt(self, client: httpx.AsyncClient, claim: Claim) -> AttemptResult:
        """Check the URL's addresses again (DNS can change), then send to the checked one."""
        networks = self.settings.allow_networks
        try:
            if needs_lookup(claim.url):  # DNS blocks: in a thread
                target = await anyio.to_thread.run_sync(
                    check_url, claim.url, networks, self._resolver
                )
            else:
                target = check_url(claim.url, networks, self._resolver)
        except UnsafeUrl as exc:
            return AttemptResult(None, f"refused: {exc}", 0, None)
        return await send(
            client,
            target,
            claim.secret,
            claim.payload,
            event_id=claim.event_id,
            timeout=self.settings.timeout_seconds,
        )

    async def _drain(self) -> None:
        """Let in-flight sends finish within the timeout, record them; cancel the rest and
        release their leases."""
        pending = dict(self._in_flight)
        if pending:
            await asyncio.wait(pending.values(), timeout=self.settings.timeout_seconds + 1)
        unfinished = {d: t for d, t in pending.items() if not t.done()}
        for task in unfinished.values():
            task.cancel()
        if unfinished:
            await asyncio.gather(*unfinished.values(), return_exceptions=True)
        done, self._done = self._done, []
        try:
            if done:
                await self._write(functools.partial(self._record_and_claim, done, limit=0))
            if unfinished:
                await self._write(lambda s: release(s, self.owner, list(unfinished)))
        except Exception:
            log.exception("webhook worker %s: recording or releasing at stop failed", self.owner)


async def run_until_signal(worker: Worker) -> None:
    """Run `worker` until SIGINT/SIGTERM (the standalone `hoursmith worker`)."""
    import signal  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    await worker.run()
