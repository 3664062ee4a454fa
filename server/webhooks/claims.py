"""The worker's database side: claim due deliveries under a lease, record each attempt.

Claiming is one short transaction: on PostgreSQL the due rows are selected `FOR UPDATE SKIP
LOCKED`, so concurrent workers pick disjoint rows without waiting on each other; on SQLite the
transaction holds the single write lock (`BEGIN IMMEDIATE`). A claimed delivery carries the
worker's id and a lease expiry; sending happens outside any transaction, and recording the
result checks that the lease is still this worker's (a worker that lost it records nothing).
A worker killed mid-send simply lets its lease run out; the delivery is then due again, with
the same event id and bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server.db.webhooks import (
    FAILED,
    PENDING,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from server.webhooks.config import WebhookSettings
from server.webhooks.schedule import next_attempt_at
from server.webhooks.sender import AttemptResult

ERROR_LENGTH = 500


@dataclass(frozen=True)
class Claim:
    """One leased delivery with everything the send needs."""

    delivery_id: str
    event_id: str
    endpoint_id: str
    url: str
    secret: str
    payload: bytes
    lease_expires_at: datetime


def anything_due(session: Session, now: datetime) -> bool:
    """Whether some pending delivery is due: a cheap indexed read, so an idle worker polls
    without taking the write lock (SQLite) or locking rows (PostgreSQL)."""
    D = WebhookDelivery
    free = D.lease_expires_at.is_(None) | (D.lease_expires_at <= now)
    due = select(D.id).where(D.status == PENDING, D.next_attempt_at <= now, free).limit(1)
    return session.execute(due).first() is not None


def claim_due(
    session: Session,
    owner: str,
    now: datetime,
    settings: WebhookSettings,
    limit: int,
) -> list[Claim]:
    """Lease up to `limit` due deliveries of enabled endpoints, at most
    `endpoint_concurrency` leased per endpoint; the caller commits."""
    D, E = WebhookDelivery, WebhookEndpoint
    candidates = session.execute(
        select(D.id, D.endpoint_id)
        .join(E, E.id == D.endpoint_id)
        .where(
            D.status == PENDING,
            D.next_attempt_at <= now,
            (D.lease_expires_at.is_(None)) | (D.lease_expires_at <= now),
            E.enabled.is_(True),
            E.deleted_at.is_(None),
        )
        .order_by(D.next_attempt_at)
        .limit(limit * 4)
        .with_for_update(of=D, skip_locked=True)
    ).all()
    if not candidates:
        return []
    busy = Counter(
        dict(
            session.execute(
                select(D.endpoint_id, func.count())
                .where(
                    D.status == PENDING,
                    D.lease_expires_at > now,
                    D.endpoint_id.in_({c.endpoint_id for c in candidates}),
                )
                .group_by(D.endpoint_id)
            ).all()
        )
    )
    chosen: list[str] = []
    for row in candidates:
        if len(chosen) == limit:
            break
        if busy[row.endpoint_id] < settings.endpoint_concurrency:
            busy[row.endpoint_id] += 1
            chosen.append(row.id)
    if not chosen:
        return []
    expires = now + timedelta(seconds=settings.lease_seconds)
    session.execute(
        update(D)
        .where(D.id.in_(chosen))
        .values(lease_owner=owner, lease_expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(D.id, D.event_id, D.endpoint_id, E.url, E.secret, WebhookEvent.payload)
        .join(E, E.id == D.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == D.event_id)
        .where(D.id.in_(chosen))
    ).all()
    return [
        Claim(r.id, r.event_id, r.endpoint_id, r.url, r.secret, r.payload, expires) for r in rows
    ]


Finished = tuple[Claim, AttemptResult, datetime]  # a claim, its attempt's result, when it began


def record_attempts(
    session: Session,
    finished: Sequence[Finished],
    owner: str,
    *,
    settings: WebhookSettings,
    now: datetime,
) -> int:
    """Log each finished attempt and move its delivery on (done, failed, or due again later).

    The batch's deliveries are read (and locked, on PostgreSQL) by one query and their
    endpoints by another before anything changes, so all the changes are flushed together
    (by the caller's next query or its commit): a busy worker records a few dozen attempts per
    transaction, and a read plus a flush per attempt had been a fifth of its CPU. An attempt
    whose lease is no longer this worker's is not recorded. Returns how many were; the caller
    commits.
    """
    if not finished:
        return 0
    D, E = WebhookDelivery, WebhookEndpoint
    deliveries = {
        d.id: d
        for d in session.scalars(
            select(D).where(D.id.in_([c.delivery_id for c, _, _ in finished])).with_for_update()
        )
    }
    endpoints = {
        e.id: e
        for e in session.scalars(select(E).where(E.id.in_({c.endpoint_id for c, _, _ in finished})))
    }
    recorded = 0
    for claim, result, started_at in finished:
        delivery = deliveries.get(claim.delivery_id)
        if delivery is None or delivery.status != PENDING or delivery.lease_owner != owner:
            continue
        _record(
            session,
            delivery,
            endpoints.get(claim.endpoint_id),
            result,
            started_at=started_at,
            settings=settings,
            now=now,
        )
        recorded += 1
    return recorded


def _record(
    session: Session,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint | None,
    result: AttemptResult,
    *,
    started_at: datetime,
    settings: WebhookSettings,
    now: datetime,
) -> None:
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            started_at=started_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=result.error[:ERROR_LENGTH] if result.error else None,
            response_excerpt=result.excerpt,
        )
    )
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error[:ERROR_LENGTH] if result.error else None
    delivery.lease_owner = None
    delivery.lease_expires_at = None
    if result.ok:
        delivery.status = SUCCEEDED
        delivery.completed_at = now
        if endpoint is not None and endpoint.failing_since is not None:
            endpoint.failing_since = None
        return
    due = next_attempt_at(settings, delivery.attempts, now)
    if due is None:
        delivery.status = FAILED
        delivery.completed_at = now
        if endpoint is not None and endpoint.failing_since is None:
            endpoint.failing_since = now  # marked failing, still enabled
    else:
        delivery.next_attempt_at = due


def release(session: Session, owner: str, delivery_ids: list[str]) -> None:
    """Give leases back (graceful shutdown) so another worker may take them at once."""
    if not delivery_ids:
        return
    D = WebhookDelivery
    session.execute(
        update(D)
        .where(D.id.in_(delivery_ids), D.lease_owner == owner, D.status == PENDING)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
