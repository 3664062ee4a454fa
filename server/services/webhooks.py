"""Webhook events of domain changes (design §10), written to the outbox by the services.

A service calls `notify` after its change is flushed, inside the same transaction. The payload's
`data` is the organization's view of the record (as an Owner's GET returns it, money included),
whoever made the change: the receiver is the workspace, not the caller. Building it is deferred
until an endpoint is known to listen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from server.context import OWNER, Actor
from server.db.models import Organization
from server.webhooks.outbox import emit

DataBuilder = Callable[[Actor], dict[str, Any]]


def notify(session: Session, actor: Actor, event_type: str, build: DataBuilder) -> None:
    """Emit `event_type` for a change `actor` made; `build(view)` returns the event's `data`."""
    view = replace(actor, role=OWNER)
    emit(
        session,
        org_id=actor.org_id,
        plan=actor.plan,
        event_type=event_type,
        livemode=actor.livemode,
        data=lambda: build(view),
    )


def app_actor(session: Session, org_id: str) -> Actor:
    """The actor of a change made in the app (the admin CLI): live, with the org's plan."""
    org = session.get(Organization, org_id)
    plan = org.plan if org is not None else ""
    return Actor(org_id, user_id="", member_id="", token_id="", role=OWNER, plan=plan,
                 token_name="app")  # fmt: skip
