"""The app's Settings → Webhooks screen: endpoints, secrets, test events, replays, the log.

Agency only. Every function works on the caller's session (the CLI commits) and raises
`WebhookAdminError` (a `ValueError`, which the CLI prints as one line) for a refused request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.base import utcnow
from server.db.models import Organization
from server.db.webhooks import (
    CANCELLED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from server.generated.webhook_events import EVENT_TYPES, EVENTS
from server.webhooks.addresses import Resolver, UnsafeUrl, check_url, system_resolver
from server.webhooks.config import WebhookSettings
from server.webhooks.outbox import WEBHOOK_PLANS, add_deliveries, record_event
from server.webhooks.signing import new_secret

DELIVERY_LOG_LIMIT = 50


class WebhookAdminError(ValueError):
    """A refused settings change (not Agency, unknown id, bad URL or event list)."""


@dataclass(frozen=True)
class DeliveryView:
    """One delivery of the log with its attempts, for `webhook deliveries`."""

    delivery: WebhookDelivery
    event: WebhookEvent
    attempts: list[WebhookAttempt]


def require_agency(session: Session, org_id: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise WebhookAdminError(f"no organization with id {org_id}")
    if org.plan not in WEBHOOK_PLANS:
        raise WebhookAdminError(
            f"outbound webhooks need the Agency plan; organization {org_id} is on {org.plan}"
        )
    return org


def _events(events: Sequence[str]) -> list[str]:
    if not events:
        raise WebhookAdminError("give at least one --event")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise WebhookAdminError(
            f"unknown event {unknown[0]!r} (no wildcards; choose from {', '.join(EVENT_TYPES)})"
        )
    return sorted(set(events))


def _check(url: str, settings: WebhookSettings, resolver: Resolver) -> None:
    try:
        check_url(url, settings.allow_networks, resolver)
    except UnsafeUrl as exc:
        raise WebhookAdminError(f"refused URL: {exc}") from None


def create_endpoint(
    session: Session,
    org_id: str,
    url: str,
    events: Sequence[str],
    *,
    settings: WebhookSettings,
    resolver: Resolver = system_resolver,
) -> tuple[WebhookEndpoint, str]:
    """A new enabled endpoint and its secret (returned once; only its prefix is shown later)."""
    require_agency(session, org_id)
    chosen = _events(events)
    _check(url, settings, resolver)
    secret = new_secret()
    endpoint = WebhookEndpoint(org_id=org_id, url=url, events=chosen, secret=secret, enabled=True)
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def find_endpoint(session: Session, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.deleted_at is not None:
        raise WebhookAdminError(f"no webhook endpoint with id {endpoint_id}")
    require_agency(session, endpoint.org_id)
    return endpoint


def list_endpoints(session: Session, org_id: str) -> list[WebhookEndpoint]:
    require_agency(session, org_id)
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(session.scalars(stmt))


def rotate_secret(session: Session, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
    """Replace the secret at once: the next attempt is signed with the new one."""
    endpoint = find_endpoint(session, endpoint_id)
    endpoint.secret = new_secret()
    session.flush()
    return endpoint, endpoint.secret


def set_enabled(session: Session, endpoint_id: str, enabled: bool) -> WebhookEndpoint:
    """Disable (deliveries wait, no new ones are made) or enable again."""
    endpoint = find_endpoint(session, endpoint_id)
    endpoint.enabled = enabled
    session.flush()
    return endpoint


def delete_endpoint(session: Session, endpoint_id: str) -> WebhookEndpoint:
    """Remove the endpoint (kept for the log) and cancel its pending deliveries."""
    endpoint = find_endpoint(session, endpoint_id)
    now = utcnow()
    endpoint.deleted_at = now
    endpoint.enabled = False
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == PENDING)
        .values(status=CANCELLED, completed_at=now, lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return endpoint


def send_test(
    session: Session, endpoint_id: str, event_type: str | None = None
) -> tuple[WebhookEvent, WebhookDelivery]:
    """A test event to this endpoint only: `livemode: false`, `data.test: true`, example data."""
    endpoint = find_endpoint(session, endpoint_id)
    chosen = event_type or endpoint.events[0]
    _events([chosen])
    data: dict[str, Any] = dict(EVENTS[chosen].example_data)
    if "payment" in data and chosen == "invoice.payment_failed":
        data["payment"] = {**data["payment"], "outcome": "failed"}
    elif "payment" in data:
        data["payment"] = {**data["payment"], "outcome": "succeeded", "failureReason": None}
    data["test"] = True
    emitted = record_event(
        session, endpoint.org_id, chosen, livemode=False, data=data, endpoint_ids=[endpoint.id]
    )
    event = session.get_one(WebhookEvent, emitted.id)
    delivery = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)
    ).one()
    return event, delivery


def replay(session: Session, event_id: str) -> tuple[WebhookEvent, list[WebhookDelivery]]:
    """Send an event again, same id and bytes, to each live endpoint it was delivered to."""
    event = session.get(WebhookEvent, event_id)
    if event is None:
        raise WebhookAdminError(f"no webhook event with id {event_id}")
    require_agency(session, event.org_id)
    endpoint_ids = session.scalars(
        select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.event_id == event.id, WebhookEndpoint.deleted_at.is_(None))
        .distinct()
    ).all()
    if not endpoint_ids:
        raise WebhookAdminError(f"event {event_id} has no live endpoint to go to")
    before = set(
        session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event.id))
    )
    add_deliveries(session, event.id, sorted(endpoint_ids))
    deliveries = [
        d
        for d in session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)
        )
        if d.id not in before
    ]
    return event, deliveries


def delivery_log(
    session: Session, endpoint_id: str, limit: int = DELIVERY_LOG_LIMIT
) -> list[DeliveryView]:
    """The endpoint's latest deliveries, newest first, each with its attempts in order."""
    endpoint = find_endpoint(session, endpoint_id)
    rows = session.execute(
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    ).all()
    ids = [d.id for d, _ in rows]
    attempts: dict[str, list[WebhookAttempt]] = {i: [] for i in ids}
    if ids:
        for attempt in session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.number)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [DeliveryView(d, e, attempts[d.id]) for d, e in rows]
