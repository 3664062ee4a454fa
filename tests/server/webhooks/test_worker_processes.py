"""Worker processes: kill -9 mid-send loses nothing; two workers on PostgreSQL never duplicate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.db.webhooks import SUCCEEDED, WebhookDelivery
from server.generated.webhook_events import EVENTS
from server.webhooks.config import WebhookSettings
from server.webhooks.outbox import emit
from tests.server.webhooks.conftest import LOOPBACK, Db, fire, make_db
from tests.server.webhooks.test_worker import delivery_of, eventually, subscribe
from tests.support.webhooks import Receiver, verify

ROOT = Path(__file__).resolve().parents[3]
# Timeout below the lease, both short, so a killed worker's lease runs out quickly.
WORKER_ENV = {
    "HOURSMITH_WEBHOOK_ALLOW_NETWORKS": LOOPBACK,
    "HOURSMITH_WEBHOOK_TIMEOUT_SECONDS": "1.0",
    "HOURSMITH_WEBHOOK_LEASE_SECONDS": "1.5",
    "HOURSMITH_WEBHOOK_POLL_SECONDS": "0.05",
    "HOURSMITH_WEBHOOK_SCHEDULE_SCALE": "0.00002",
}


@contextmanager
def worker_process(database_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """A standalone worker process; SIGTERM (graceful) on exit unless already dead."""
    env = {
        **os.environ,
        **WORKER_ENV,
        "HOURSMITH_DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.webhooks.standalone"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_kill_9_mid_send_then_restart_delivers_the_same_event(
    db: Db, settings: WebhookSettings, receiver: Receiver
) -> None:
    """The killed worker's lease runs out; the next worker sends the same id and bytes."""
    _, secret = subscribe(db, settings, receiver.url("/hang-once"), "client.created")
    event = fire(db)
    with worker_process(db.url) as first:
        receiver.wait_for(1, timeout=15)  # the send is in flight, unanswered
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    assert delivery_of(db, event.id).status != SUCCEEDED
    with worker_process(db.url):
        got = receiver.wait_for(2, timeout=15)
        delivery = eventually(lambda: (d := delivery_of(db, event.id)).status == SUCCEEDED and d)
    assert [r.payload["id"] for r in got] == [event.id, event.id]
    assert got[0].body == got[1].body == event.payload
    assert verify(secret, got[1])
    assert delivery.attempts == 1  # the killed attempt left no record, only an expired lease


@pytest.mark.postgres
def test_two_workers_on_postgres_deliver_each_event_exactly_once(
    pg_url: str, settings: WebhookSettings, receiver: Receiver
) -> None:
    """200 events, two worker processes: 200 requests, each event id once."""
    db = make_db(pg_url)
    subscribe(db, settings, receiver.url("/ok"), "client.created")
    ids: list[str] = []
    with worker_process(pg_url), worker_process(pg_url):
        for _ in range(10):  # events keep arriving while both workers claim
            with db.sessions() as s:
                for _ in range(20):
                    event = emit(
                        s,
                        org_id=db.agency_org,
                        plan="agency",
                        event_type="client.created",
                        livemode=True,
                        data=lambda: dict(EVENTS["client.created"].example_data),
                    )
                    assert event is not None
                    ids.append(event.id)
                s.commit()
        receiver.wait_for(200, timeout=60)

        def all_done() -> bool:
            with db.sessions() as s:
                done = s.scalar(select(func.count()).where(WebhookDelivery.status == SUCCEEDED))
                return done == 200

        eventually(all_done, timeout=30)
        time.sleep(0.3)  # room for a duplicate to show up
    counts = Counter(r.payload["id"] for r in receiver.received)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}
    with db.sessions() as s:
        attempts = set(s.scalars(select(WebhookDelivery.attempts)))
    assert attempts == {1}
    db.sessions.kw["bind"].dispose()
