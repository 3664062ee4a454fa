"""Settings → Webhooks: Agency only, checked URLs, explicit events, secrets, test and replay."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select

from server.db.webhooks import CANCELLED, PENDING, WebhookDelivery, WebhookEndpoint
from server.webhooks import endpoints as E
from server.webhooks.config import WebhookSettings
from tests.server.webhooks.conftest import Db
from tests.support.webhooks import assert_schema_valid

URL = "http://127.0.0.1:9/hook"


def _create(db: Db, settings: WebhookSettings, *events: str) -> tuple[str, str]:
    with db.sessions() as s:
        endpoint, secret = E.create_endpoint(s, db.agency_org, URL, events, settings=settings)
        s.commit()
        return endpoint.id, secret


def test_only_agency_organizations_get_endpoints(db: Db, settings: WebhookSettings) -> None:
    """A Studio organization is refused with a message naming the plan."""
    with db.sessions() as s, pytest.raises(E.WebhookAdminError, match="Agency plan"):
        E.create_endpoint(s, db.studio_org, URL, ["client.created"], settings=settings)


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("https://127.0.0.1/x", ["client.created"], "not a public address"),
        ("https://10.0.0.1/x", ["client.created"], "not a public address"),
        ("https://[::1]/x", ["client.created"], "not a public address"),
        ("https://169.254.169.254/x", ["client.created"], "not a public address"),
        ("https://localhost/x", ["client.created"], "not a public address"),
        ("https://93.184.216.34/x", ["*"], "no wildcards"),
        ("https://93.184.216.34/x", ["invoice.created"], "unknown event"),
        ("https://93.184.216.34/x", [], "at least one"),
    ],
)
def test_bad_urls_and_event_lists_are_refused(
    db: Db, url: str, events: list[str], message: str
) -> None:
    """Without the allow setting, non-public targets are refused at creation, as are bad events."""
    with db.sessions() as s, pytest.raises(E.WebhookAdminError, match=message):
        E.create_endpoint(s, db.agency_org, url, events, settings=WebhookSettings())


def test_rotation_replaces_the_secret_at_once(db: Db, settings: WebhookSettings) -> None:
    """The rotated secret is the one stored (and so the one the next attempt signs with)."""
    endpoint_id, first = _create(db, settings, "client.created")
    with db.sessions() as s:
        _, second = E.rotate_secret(s, endpoint_id)
        s.commit()
        assert s.get_one(WebhookEndpoint, endpoint_id).secret == second != first


def test_test_event_is_not_live_and_flagged(db: Db, settings: WebhookSettings) -> None:
    """A test event goes to this endpoint only, with livemode false and data.test true."""
    endpoint_id, _ = _create(db, settings, "invoice.payment_failed")
    _create(db, settings, "invoice.payment_failed")
    with db.sessions() as s:
        event, delivery = E.send_test(s, endpoint_id)
        s.commit()
        payload = orjson.loads(event.payload)
        count = len(s.scalars(select(WebhookDelivery)).all())
    assert (delivery.endpoint_id, count) == (endpoint_id, 1)
    assert payload["livemode"] is False
    assert payload["data"]["test"] is True
    assert payload["data"]["payment"]["outcome"] == "failed"
    assert_schema_valid(payload)


def test_replay_sends_the_same_event_again(db: Db, settings: WebhookSettings) -> None:
    """A replay adds a pending delivery for the same event id (same bytes)."""
    endpoint_id, _ = _create(db, settings, "client.created")
    with db.sessions() as s:
        event, first = E.send_test(s, endpoint_id, "client.created")
        s.commit()
        again, added = E.replay(s, event.id)
        s.commit()
    assert again.id == event.id
    assert len(added) == 1
    assert added[0].id != first.id
    assert added[0].status == PENDING
    with db.sessions() as s, pytest.raises(E.WebhookAdminError, match="no webhook event"):
        E.replay(s, "00000000-0000-0000-0000-000000000000")


def test_delete_cancels_pending_deliveries(db: Db, settings: WebhookSettings) -> None:
    """A deleted endpoint disappears from the list and its pending deliveries are cancelled."""
    endpoint_id, _ = _create(db, settings, "client.created")
    with db.sessions() as s:
        _, delivery = E.send_test(s, endpoint_id)
        E.delete_endpoint(s, endpoint_id)
        s.commit()
    with db.sessions() as s:
        assert E.list_endpoints(s, db.agency_org) == []
        assert s.get_one(WebhookDelivery, delivery.id).status == CANCELLED
        with pytest.raises(E.WebhookAdminError, match="no webhook endpoint"):
            E.find_endpoint(s, endpoint_id)


def test_delivery_log_lists_attempts_newest_first(db: Db, settings: WebhookSettings) -> None:
    """The log shows each delivery of the endpoint with its event, newest first."""
    endpoint_id, _ = _create(db, settings, "client.created", "task.created")
    with db.sessions() as s:
        E.send_test(s, endpoint_id, "client.created")
        E.send_test(s, endpoint_id, "task.created")
        s.commit()
        log = E.delivery_log(s, endpoint_id)
    assert [v.event.type for v in log] == ["task.created", "client.created"]
    assert all(v.attempts == [] for v in log)
