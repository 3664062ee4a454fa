"""Recording a batch of finished attempts: the lease rule, and one read for the whole batch."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from server.db.base import utcnow
from server.db.webhooks import FAILED, PENDING, SUCCEEDED, WebhookAttempt, WebhookDelivery
from server.webhooks.claims import Claim, claim_due, record_attempts
from server.webhooks.config import WebhookSettings
from server.webhooks.sender import AttemptResult
from tests.server.webhooks.conftest import Db, fire
from tests.server.webhooks.test_worker import subscribe
from tests.support.statements import recorded_statements

OK = AttemptResult(200, None, 5, "ok")
REFUSED = AttemptResult(500, None, 5, "no")


def claimed(db: Db, settings: WebhookSettings, events: int, owner: str = "a") -> list[Claim]:
    """`events` pending deliveries to one endpoint, claimed by `owner` (committed)."""
    subscribe(db, settings, "http://127.0.0.1:9/hooks", "client.created")
    for _ in range(events):
        fire(db)
    roomy = settings.model_copy(update={"endpoint_concurrency": events})
    with db.sessions() as s:
        claims = claim_due(s, owner, utcnow(), roomy, limit=events)
        s.commit()
    assert len(claims) == events
    return claims


def test_a_batch_is_recorded_with_one_read_of_its_deliveries_and_one_of_endpoints(
    db: Db, settings: WebhookSettings
) -> None:
    """Five results (four 2xx, one 500) are logged and applied with two SELECTs in all."""
    claims = claimed(db, settings, 5)
    results = [OK, OK, REFUSED, OK, OK]
    started = utcnow()
    with db.sessions() as s:
        engine = s.get_bind()
        assert isinstance(engine, Engine)
        with recorded_statements(engine) as statements:
            recorded = record_attempts(
                s,
                [(c, r, started) for c, r in zip(claims, results, strict=True)],
                "a",
                settings=settings,
                now=utcnow(),
            )
            s.commit()
        assert recorded == 5
        selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 2
        statuses = [s.get(WebhookDelivery, c.delivery_id) for c in claims]
        assert [d.status if d else None for d in statuses] == [SUCCEEDED] * 2 + [PENDING] + [
            SUCCEEDED
        ] * 2
        assert all(d is not None and d.lease_owner is None for d in statuses)
        assert s.scalar(select(func.count()).select_from(WebhookAttempt)) == 5


def test_an_attempt_whose_lease_passed_to_another_worker_is_not_recorded(
    db: Db, settings: WebhookSettings
) -> None:
    """Worker `a` lost the lease to `b`: a's result changes nothing; b's own is recorded."""
    (claim,) = claimed(db, settings, 1, owner="a")
    with db.sessions() as s:
        delivery = s.get(WebhookDelivery, claim.delivery_id)
        assert delivery is not None
        delivery.lease_owner = "b"  # a's lease ran out and b claimed the delivery
        s.commit()
    with db.sessions() as s:
        assert (
            record_attempts(s, [(claim, OK, utcnow())], "a", settings=settings, now=utcnow()) == 0
        )
        s.commit()
    with db.sessions() as s:
        delivery = s.get(WebhookDelivery, claim.delivery_id)
        assert delivery is not None
        assert (delivery.status, delivery.attempts, delivery.lease_owner) == (PENDING, 0, "b")
        assert s.scalar(select(func.count()).select_from(WebhookAttempt)) == 0
        assert (
            record_attempts(s, [(claim, REFUSED, utcnow())], "b", settings=settings, now=utcnow())
            == 1
        )
        s.commit()
        assert (delivery.status, delivery.attempts) == (PENDING, 1)


def test_the_last_failed_attempt_fails_the_delivery(db: Db, settings: WebhookSettings) -> None:
    """With no retry left in the schedule, a 500 marks the delivery failed."""
    (claim,) = claimed(db, settings, 1)
    single = settings.model_copy(update={"schedule": ()})
    with db.sessions() as s:
        assert (
            record_attempts(s, [(claim, REFUSED, utcnow())], "a", settings=single, now=utcnow())
            == 1
        )
        s.commit()
        delivery = s.get(WebhookDelivery, claim.delivery_id)
        assert delivery is not None
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (FAILED, 1, 500)
