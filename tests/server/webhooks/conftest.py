"""Fixtures of the webhook tests: a migrated database with an Agency workspace, a receiver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from server.db import models as M
from server.db.migrate import upgrade
from server.db.session import make_engine, session_factory
from server.generated.webhook_events import EVENTS
from server.webhooks.config import WebhookSettings
from server.webhooks.outbox import Emitted, emit
from tests.support.webhooks import Receiver

LOOPBACK = "127.0.0.0/8"


@dataclass
class Db:
    url: str
    sessions: sessionmaker[Session]
    agency_org: str
    studio_org: str


def make_db(url: str) -> Db:
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as s:
        agency = M.Organization(name="Agency Co", plan="agency", default_currency="EUR")
        studio = M.Organization(name="Studio Co", plan="studio", default_currency="EUR")
        s.add_all([agency, studio])
        s.commit()
        return Db(url, sessions, agency.id, studio.id)


def fire(db: Db, event_type: str = "client.created", *, livemode: bool = True) -> Emitted:
    """Emit one event (example data) for the Agency organization and commit it."""
    with db.sessions() as s:
        event = emit(
            s,
            org_id=db.agency_org,
            plan="agency",
            event_type=event_type,
            livemode=livemode,
            data=lambda: dict(EVENTS[event_type].example_data),
        )
        s.commit()
        assert event is not None
        return event


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Db]:
    """A migrated SQLite file with one Agency and one Studio organization."""
    made = make_db(f"sqlite:///{tmp_path}/webhooks.db")
    yield made
    bind = made.sessions.kw["bind"]
    bind.dispose()


@pytest.fixture
def settings() -> WebhookSettings:
    """The product's schedule scaled down to milliseconds, loopback allowed, a 2 s timeout.

    The timeout is long enough that a loaded machine's slow accept never turns an answered
    request into a timeout; tests about timeouts shorten it for themselves.
    """
    return WebhookSettings(
        schedule_scale=0.00002,
        timeout_seconds=2.0,
        lease_seconds=4.0,
        poll_seconds=0.02,
        allow_networks=LOOPBACK,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running loopback receiver (stopped after the test)."""
    with Receiver() as running:
        yield running
