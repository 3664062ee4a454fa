"""The transactional outbox: events are rows written in the caller's transaction.

Services call `emit` inside the request's (or the CLI's) session, after the change is flushed.
The event and its deliveries commit or roll back with the change, so a failed request emits
nothing and a committed change is never lost; an idempotent replay of a POST runs no service
code and therefore emits nothing new. The payload bytes are fixed here, once: every attempt and
replay sends the same bytes under the same event id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from server.db.base import new_id, utcnow
from server.db.webhooks import PENDING, WebhookDelivery, WebhookEndpoint, WebhookEvent
from server.generated.webhook_events import EVENTS

# The plans entitled to outbound webhooks (entitlement `outboundWebhooks`).
WEBHOOK_PLANS = frozenset({"agency"})

_ep = cast(Table, WebhookEndpoint.__table__).c
# The live endpoints of one organization: built once, one indexed query per emitting request.
LIVE_ENDPOINTS = select(_ep.id, _ep.events).where(
    _ep.org_id == bindparam("org_id"), _ep.deleted_at.is_(None), _ep.enabled.is_(True)
)


class Emitted(NamedTuple):
    """An event written to the outbox."""

    id: str
    type: str
    payload: bytes


_ev = cast(Table, WebhookEvent.__table__)
_dl = cast(Table, WebhookDelivery.__table__)
INSERT_EVENT = _ev.insert()
INSERT_DELIVERY = _dl.insert()


def add_deliveries(session: Session, event_id: str, endpoint_ids: Iterable[str]) -> None:
    """One pending delivery, due now, per endpoint."""
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "event_id": event_id,
            "endpoint_id": endpoint_id,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for endpoint_id in endpoint_ids
    ]
    if rows:
        session.execute(INSERT_DELIVERY, rows)


def record_event(
    session: Session,
    org_id: str,
    event_type: str,
    *,
    livemode: bool,
    data: dict[str, Any],
    endpoint_ids: Iterable[str],
) -> Emitted:
    """Insert an event and one pending delivery per endpoint in the session's transaction."""
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    event_id = new_id()
    # The delivery body `{id, type, created, orgId, livemode, data}`, fixed once as compact JSON.
    body = orjson.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created": int(time.time()),
            "orgId": org_id,
            "livemode": livemode,
            "data": data,
        }
    )
    session.execute(
        INSERT_EVENT,
        {
            "id": event_id,
            "org_id": org_id,
            "type": event_type,
            "livemode": livemode,
            "payload": body,
            "created_at": utcnow(),
        },
    )
    add_deliveries(session, event_id, endpoint_ids)
    return Emitted(event_id, event_type, body)


def subscribed_endpoints(session: Session, org_id: str, event_type: str) -> list[str]:
    """Ids of the organization's enabled endpoints that listen to `event_type`."""
    rows = session.execute(LIVE_ENDPOINTS, {"org_id": org_id}).all()
    return [row.id for row in rows if event_type in (row.events or ())]


def emit(
    session: Session,
    *,
    org_id: str,
    plan: str,
    event_type: str,
    livemode: bool,
    data: Callable[[], dict[str, Any]],
) -> Emitted | None:
    """Write `event_type` to the outbox when the organization has a subscribed endpoint.

    `data` builds the payload's `data` (the resource as its GET returns it) and is called only
    when someone listens, so a change nobody subscribed to costs one indexed query.
    """
    if plan not in WEBHOOK_PLANS:
        return None
    endpoint_ids = subscribed_endpoints(session, org_id, event_type)
    if not endpoint_ids:
        return None
    return record_event(
        session, org_id, event_type, livemode=livemode, data=data(), endpoint_ids=endpoint_ids
    )
