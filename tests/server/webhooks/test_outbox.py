"""The outbox: one event row and a delivery per subscribed endpoint, in the caller's transaction."""

from __future__ import annotations

import orjson
from sqlalchemy import func, select

from server.db import models as M
from server.db.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from server.webhooks.outbox import emit
from tests.server.webhooks.conftest import Db, fire
from tests.support.webhooks import assert_schema_valid


def _endpoint(db: Db, events: list[str], *, enabled: bool = True, org: str = "") -> str:
    with db.sessions() as s:
        row = WebhookEndpoint(
            org_id=org or db.agency_org,
            url="https://hooks.example.com/x",
            events=events,
            secret="wsk_test",
            enabled=enabled,
        )
        s.add(row)
        s.commit()
        return row.id


def _client_data() -> dict[str, object]:
    from server.generated.webhook_events import EVENTS  # noqa: PLC0415

    return dict(EVENTS["client.created"].example_data)


def _counts(db: Db) -> tuple[int, int]:
    with db.sessions() as s:
        events = s.scalar(select(func.count()).select_from(WebhookEvent)) or 0
        deliveries = s.scalar(select(func.count()).select_from(WebhookDelivery)) or 0
        return events, deliveries


def test_one_delivery_per_subscribed_enabled_endpoint(db: Db) -> None:
    """Subscribed enabled endpoints get a delivery; unsubscribed and disabled ones do not."""
    wanted = {_endpoint(db, ["client.created"]), _endpoint(db, ["client.created", "task.created"])}
    _endpoint(db, ["task.created"])
    _endpoint(db, ["client.created"], enabled=False)
    fire(db)
    with db.sessions() as s:
        targets = set(s.scalars(select(WebhookDelivery.endpoint_id)))
    assert targets == wanted


def test_payload_is_the_documented_body(db: Db) -> None:
    """The stored bytes are `{id, type, created, orgId, livemode, data}`, valid for the event."""
    _endpoint(db, ["client.created"])
    event = fire(db, livemode=False)
    payload = orjson.loads(event.payload)
    assert list(payload) == ["id", "type", "created", "orgId", "livemode", "data"]
    assert payload["id"] == event.id
    assert payload["orgId"] == db.agency_org
    assert payload["livemode"] is False
    assert isinstance(payload["created"], int)
    assert_schema_valid(payload)


def test_nothing_is_written_without_a_subscriber_or_off_plan(db: Db) -> None:
    """No endpoint, another event, or a non-Agency plan: no row, and `data` is never built."""
    _endpoint(db, ["task.created"])
    _endpoint(db, ["client.created"], org=db.studio_org)
    built: list[int] = []

    def data() -> dict[str, object]:
        built.append(1)
        return _client_data()

    with db.sessions() as s:
        assert (
            emit(
                s,
                org_id=db.agency_org,
                plan="agency",
                event_type="client.created",
                livemode=True,
                data=data,
            )
            is None
        )
        assert (
            emit(
                s,
                org_id=db.studio_org,
                plan="studio",
                event_type="client.created",
                livemode=True,
                data=data,
            )
            is None
        )
        s.commit()
    assert built == []
    assert _counts(db) == (0, 0)


def test_a_rolled_back_change_emits_nothing(db: Db) -> None:
    """The event rows roll back with the change that caused them."""
    _endpoint(db, ["client.created"])
    with db.sessions() as s:
        s.add(M.Client(org_id=db.agency_org, name="Gone", currency="EUR"))
        s.flush()
        emit(
            s,
            org_id=db.agency_org,
            plan="agency",
            event_type="client.created",
            livemode=True,
            data=_client_data,
        )
        s.flush()
        s.rollback()
    assert _counts(db) == (0, 0)
