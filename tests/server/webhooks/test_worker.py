"""The delivery worker over real HTTP to a loopback receiver: signed once, retried, refused."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from itertools import pairwise
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from server.db.webhooks import FAILED, SUCCEEDED, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from server.webhooks.config import WebhookSettings
from server.webhooks.endpoints import create_endpoint
from server.webhooks.worker import Worker
from tests.server.webhooks.conftest import Db, fire
from tests.server.webhooks.workers import running_worker
from tests.support.webhooks import Receiver, assert_schema_valid, verify

T = TypeVar("T")


def eventually(fn: Callable[[], T | None], timeout: float = 10.0) -> T:
    """`fn()`'s first truthy value, polled every 20 ms; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def subscribe(db: Db, settings: WebhookSettings, url: str, *events: str) -> tuple[str, str]:
    with db.sessions() as s:
        endpoint, secret = create_endpoint(s, db.agency_org, url, list(events), settings=settings)
        s.commit()
        return endpoint.id, secret


def delivery_of(db: Db, event_id: str) -> WebhookDelivery:
    with db.sessions() as s:
        return s.scalars(select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)).one()


def finished(db: Db, event_id: str) -> WebhookDelivery | None:
    delivery = delivery_of(db, event_id)
    return delivery if delivery.status in (SUCCEEDED, FAILED) else None


def test_delivery_arrives_once_signed_and_valid(
    db: Db, settings: WebhookSettings, receiver: Receiver
) -> None:
    """One POST per event, verified by the guide's function and valid for its schema."""
    _, secret = subscribe(db, settings, receiver.url("/ok"), "client.created")
    event = fire(db)
    with running_worker(db.sessions, settings):
        (got,) = receiver.wait_for(1, timeout=5)
        eventually(lambda: finished(db, event.id))
        time.sleep(0.2)  # room for a duplicate to show up
    assert len(receiver.received) == 1
    assert verify(secret, got)
    assert got.body == event.payload
    assert got.headers["Hoursmith-Event-Id"] == event.id
    assert_schema_valid(got.payload)
    delivery = delivery_of(db, event.id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (SUCCEEDED, 1, 200)


@pytest.mark.parametrize("path", ["/fail", "/slow", "/redirect"])
def test_failing_receiver_gets_the_schedule_then_the_delivery_fails(
    db: Db, settings: WebhookSettings, receiver: Receiver, path: str
) -> None:
    """500, timeout and 3xx are failures: eight attempts, then failed and endpoint failing."""
    if path == "/slow":  # the receiver answers well after the sender's timeout
        receiver.slow_seconds = 2.0
        settings = settings.model_copy(update={"timeout_seconds": 0.5})
    endpoint_id, secret = subscribe(db, settings, receiver.url(path), "client.created")
    event = fire(db)
    with running_worker(db.sessions, settings):
        delivery = eventually(lambda: finished(db, event.id), timeout=20)
    assert delivery.status == FAILED
    assert delivery.attempts == settings.attempts == 8
    got = receiver.on(path)
    assert len(got) == 8
    assert {r.payload["id"] for r in got} == {event.id}
    assert all(verify(secret, r) for r in got)
    assert receiver.on("/ok") == []  # the redirect was not followed
    with db.sessions() as s:
        endpoint = s.get_one(WebhookEndpoint, endpoint_id)
        assert endpoint.failing_since is not None
        assert endpoint.enabled
        attempts = s.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
        ).all()
    assert [a.number for a in attempts] == list(range(1, 9))
    if path == "/slow":
        assert all(a.error and "timed out" in a.error for a in attempts)
    else:
        assert {a.status_code for a in attempts} == {500 if path == "/fail" else 302}


def test_a_later_success_clears_the_failing_mark(
    db: Db, settings: WebhookSettings, receiver: Receiver
) -> None:
    """After a failed delivery, the endpoint's next successful one clears `failing_since`."""
    receiver.failing_paths.add("/flaky")
    endpoint_id, _ = subscribe(db, settings, receiver.url("/flaky"), "client.created")
    first = fire(db)
    with running_worker(db.sessions, settings):
        eventually(lambda: finished(db, first.id), timeout=20)
        with db.sessions() as s:
            assert s.get_one(WebhookEndpoint, endpoint_id).failing_since is not None
        receiver.failing_paths.clear()
        second = fire(db)
        assert eventually(lambda: finished(db, second.id)).status == SUCCEEDED
    with db.sessions() as s:
        assert s.get_one(WebhookEndpoint, endpoint_id).failing_since is None


def test_send_time_check_refuses_what_is_no_longer_allowed(
    db: Db, settings: WebhookSettings, receiver: Receiver
) -> None:
    """An address allowed at creation but not at send time is never contacted."""
    subscribe(db, settings, receiver.url("/ok"), "client.created")
    event = fire(db)
    closed = settings.model_copy(update={"allow_networks": ()})
    with running_worker(db.sessions, closed):
        delivery = eventually(lambda: finished(db, event.id), timeout=20)
    assert delivery.status == FAILED
    assert receiver.received == []
    assert delivery.last_error
    assert "refused" in delivery.last_error


def test_stopping_finishes_the_send_in_flight(
    db: Db, settings: WebhookSettings, receiver: Receiver
) -> None:
    """A graceful stop during a send waits for it and records the result."""
    receiver.slow_seconds = 0.15
    subscribe(db, settings, receiver.url("/slow"), "client.created")
    event = fire(db)
    with running_worker(db.sessions, settings):
        receiver.wait_for(1, timeout=5)
    delivery = delivery_of(db, event.id)
    assert (delivery.status, delivery.lease_owner) == (SUCCEEDED, None)


def test_sends_to_one_endpoint_are_bounded(
    db: Db, settings: WebhookSettings, receiver: Receiver
) -> None:
    """With endpoint_concurrency 2, a slow receiver never sees more than 2 requests at once."""
    receiver.slow_seconds = 0.1
    subscribe(db, settings, receiver.url("/slow"), "client.created")
    events = [fire(db) for _ in range(8)]
    bounded = settings.model_copy(update={"endpoint_concurrency": 2})
    with running_worker(db.sessions, bounded):
        receiver.wait_for(8, "/slow", timeout=20)
        eventually(lambda: all(finished(db, e.id) for e in events))
    assert receiver.most_in_flight == 2


def test_a_busy_worker_writes_at_most_once_per_step_interval(
    db: Db, settings: WebhookSettings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sends finishing close together are recorded in write steps at least the interval apart."""
    subscribe(db, settings, receiver.url("/ok"), "client.created")
    events = [fire(db) for _ in range(12)]
    write_starts: list[float] = []
    write = Worker._write

    def timed(worker: Worker, fn: Any) -> Awaitable[Any]:
        write_starts.append(time.monotonic())
        return write(worker, fn)

    monkeypatch.setattr(Worker, "_write", timed)
    paced = settings.model_copy(update={"step_interval_seconds": 0.3})
    with running_worker(db.sessions, paced):
        eventually(lambda: all(finished(db, e.id) for e in events))
    assert len(receiver.received) == 12
    gaps = [later - earlier for earlier, later in pairwise(write_starts)]
    # At least a claim and a record; more steps when sends outlast an interval (a slow machine).
    assert len(write_starts) >= 2
    assert min(gaps) >= 0.29
