"""Clients service: defaults, partial updates, guards, roles, lists (server.services.clients)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.db import models as M
from server.db.base import utcnow
from server.errors import BadRequest, Conflict, ForbiddenScope, NotFound, ValidationFailed
from server.services import clients as svc
from tests.support.world import CURSOR_KEY, World, empty_invoice


def _list(db: Session, world: World, **params: Any) -> tuple[list[str], str | None]:
    page = svc.list_clients(db, world.actor("manager"), params, key=CURSOR_KEY)
    return [c.name for c in page.items], page.next_cursor


def test_create_defaults_currency_and_blanks(world: World, db: Session) -> None:
    """Currency comes from the org; empty strings are stored as null; output is camelCase."""
    row = svc.create_client(
        db, world.actor("manager"), {"name": "Initech", "contactName": "", "defaultRate": 150}
    )
    db.commit()
    assert row.currency == "EUR"
    assert row.contact_name is None
    out = svc.client_out(row, world.actor("manager"))
    assert out["defaultRate"] == "150.00"
    assert out["contactName"] is None
    assert out["orgId"] == world.org.id
    assert out["deletedAt"] is None
    assert out["requirePoNumber"] is False
    assert out["createdAt"].endswith("Z")


def test_create_validation_lists_every_bad_field(world: World, db: Session) -> None:
    """A missing name, bad email, 5-decimal rate and unknown key are one 422 with fields."""
    with pytest.raises(ValidationFailed) as exc:
        svc.create_client(
            db,
            world.actor("owner"),
            {"email": "nope", "defaultRate": "1.00001", "colour": "red", "currency": "EURO"},
        )
    assert exc.value.fields is not None
    assert set(exc.value.fields) == {"name", "email", "defaultRate", "colour", "currency"}


def test_members_are_forbidden(world: World, db: Session) -> None:
    """Every client operation is 403 forbidden_scope for a Member token."""
    client = world.client()
    member = world.actor("member")
    with pytest.raises(ForbiddenScope):
        svc.get_client(db, member, client.id)
    with pytest.raises(ForbiddenScope):
        svc.create_client(db, member, {"name": "X"})
    with pytest.raises(ForbiddenScope):
        svc.list_clients(db, member, {}, key=CURSOR_KEY)


def test_patch_is_partial_and_null_clears(world: World, db: Session) -> None:
    """Absent keys stay, null and "" clear optional fields, updatedAt moves."""
    client = world.client(contact_name="Ana", email="ana@x.example", notes="n")
    before = client.updated_at
    row = svc.update_client(db, world.actor("admin"), client.id, {"notes": None, "email": ""})
    db.commit()
    assert row.contact_name == "Ana"
    assert row.notes is None
    assert row.email is None
    assert row.updated_at >= before
    with pytest.raises(ValidationFailed):
        svc.update_client(db, world.actor("admin"), client.id, {"name": None})
    db.rollback()


def test_other_org_client_is_not_found(world: World, db: Session) -> None:
    """Another workspace's client is 404, never 403."""
    other = World(db, name="Globex")
    foreign = other.client()
    with pytest.raises(NotFound):
        svc.get_client(db, world.actor("owner"), foreign.id)
    with pytest.raises(NotFound):
        svc.update_client(db, world.actor("owner"), foreign.id, {"name": "Mine"})


def test_currency_change_guarded_by_expenses(world: World, db: Session) -> None:
    """Changing currency once an expense exists is 409; without expenses it is allowed."""
    client = world.client()
    svc.update_client(db, world.actor("owner"), client.id, {"currency": "usd"})
    db.commit()
    assert client.currency == "USD"
    db.add(
        M.Expense(
            org_id=world.org.id,
            client_id=client.id,
            user_id=world.members["owner"].user_id,
            description="Train",
            amount=Decimal(10),
            currency="USD",
            expense_date=date(2026, 3, 1),
        )
    )
    db.commit()
    with pytest.raises(Conflict):
        svc.update_client(db, world.actor("owner"), client.id, {"currency": "GBP"})


def test_delete_guards_and_soft_delete(world: World, db: Session) -> None:
    """Live projects and time entries block deletion; archived projects do not; then 404."""
    client = world.client()
    project = world.project(client)
    with pytest.raises(Conflict):
        svc.delete_client(db, world.actor("manager"), client.id)
    db.rollback()
    project.status = "ARCHIVED"
    db.commit()
    entry = world.time_entry(project)
    with pytest.raises(Conflict):
        svc.delete_client(db, world.actor("manager"), client.id)
    db.rollback()
    entry.deleted_at = utcnow()
    db.commit()
    svc.delete_client(db, world.actor("manager"), client.id)
    db.commit()
    assert client.deleted_at is not None
    with pytest.raises(NotFound):
        svc.get_client(db, world.actor("manager"), client.id)


def test_delete_guarded_by_invoice(world: World, db: Session) -> None:
    """A client with an invoice cannot be deleted."""
    client = world.client()
    db.add(
        empty_invoice(
            world.org.id,
            client.id,
            "INV-1",
            bill_to_name="Northwind",
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
        )
    )
    db.commit()
    with pytest.raises(Conflict):
        svc.delete_client(db, world.actor("owner"), client.id)


def test_list_sorts_searches_and_filters(world: World, db: Session) -> None:
    """Name sort both ways, case-insensitive search with literal %, created ranges, deleted."""
    for name in ("beta", "Alpha", "gamma 100%", "delta"):
        world.client(name=name, contact_name="Zed" if name == "delta" else None)
    assert _list(db, world, sort="name")[0] == ["Alpha", "beta", "delta", "gamma 100%"]
    assert _list(db, world, sort="-name")[0] == ["gamma 100%", "delta", "beta", "Alpha"]
    assert _list(db, world, search="ALP")[0] == ["Alpha"]
    assert _list(db, world, search="0%")[0] == ["gamma 100%"]
    assert _list(db, world, search="%")[0] == ["gamma 100%"]
    assert _list(db, world, search="zed")[0] == ["delta"]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert _list(db, world, created_at_from=tomorrow)[0] == []
    assert len(_list(db, world, created_at_to=tomorrow, updated_at_from="2020-01-01")[0]) == 4
    gone = world.client(name="zulu")
    svc.delete_client(db, world.actor("owner"), gone.id)
    db.commit()
    assert "zulu" not in _list(db, world)[0]
    assert "zulu" in _list(db, world, include_deleted=True)[0]
    with pytest.raises(ValidationFailed):
        _list(db, world, created_at_from="yesterday")
    with pytest.raises(ValidationFailed):
        _list(db, world, sort="phone")


def test_pagination_stable_under_inserts_and_deletes(world: World, db: Session) -> None:
    """Walking pages while rows are added and removed yields each surviving row exactly once."""
    names = [f"c{i:02d}" for i in range(12)]
    rows = {name: world.client(name=name) for name in names}
    seen: list[str] = []
    page, cursor = _list(db, world, sort="name", limit=5)
    seen += page
    world.client(name="a-before")  # sorts before the cursor: must not appear
    svc.delete_client(db, world.actor("owner"), rows["c07"].id)
    db.commit()
    while cursor:
        page, cursor = _list(db, world, sort="name", limit=5, cursor=cursor)
        seen += page
    expected = [n for n in names if n != "c07"]
    assert seen == expected
    assert len(seen) == len(set(seen))


def test_cursor_bound_to_filters(world: World, db: Session) -> None:
    """A cursor replayed with another search is 400 bad_request."""
    for i in range(3):
        world.client(name=f"n{i}")
    _, cursor = _list(db, world, limit=1)
    assert cursor is not None
    with pytest.raises(BadRequest):
        _list(db, world, limit=1, cursor=cursor, search="n")
