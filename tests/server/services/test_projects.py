"""Projects service: defaults, rate/budget rules, archive, guards, visibility, lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.db import models as M
from server.errors import Conflict, ForbiddenScope, NotFound, ValidationFailed
from server.services import projects as svc
from server.services.serialize import entities
from tests.support.world import CURSOR_KEY, World


def _names(db: Session, world: World, who: str = "manager", **params: Any) -> list[str]:
    page = svc.list_projects(db, world.actor(who), params, key=CURSOR_KEY)
    return [p.name for p in shared_entities(page.items)]


def shared_entities(items: list[Any]) -> list[M.Project]:
    """The Project objects of a page (status sorts select rows, not entities)."""
    return entities(items)


def test_create_defaults_and_inherited_rate(world: World, db: Session) -> None:
    """Status ACTIVE, rateType HOURLY and a blank hourlyRate inherits the client's defaultRate."""
    client = world.client(default_rate=Decimal("120"))
    row = svc.create_project(
        db, world.actor("manager"), {"clientId": client.id, "name": "Site", "hourlyRate": ""}
    )
    db.commit()
    assert (row.status, row.rate_type, row.hourly_rate) == ("ACTIVE", "HOURLY", Decimal("120"))
    out = svc.project_out(row, world.actor("manager"))
    assert out["hourlyRate"] == "120.00"
    assert out["clientId"] == client.id


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"budgetHours": 10, "budgetAmount": 100}, {"budgetHours", "budgetAmount"}),
        ({"rateType": "FIXED"}, {"fixedFeeAmount"}),
        ({"rateType": "HOURLY", "fixedFeeAmount": 5}, {"fixedFeeAmount"}),
        ({"startDate": "2026-03-02", "dueDate": "2026-03-01"}, {"dueDate"}),
        ({"hourlyRate": "1.23456"}, {"hourlyRate"}),
        ({"budgetHours": "1.234"}, {"budgetHours"}),
        ({"color": "red"}, {"color"}),
    ],
)
def test_rules_are_422_with_fields(
    world: World, db: Session, body: dict[str, Any], fields: set[str]
) -> None:
    """Each broken project rule is a 422 naming the offending fields."""
    client = world.client()
    with pytest.raises(ValidationFailed) as exc:
        svc.create_project(db, world.actor("owner"), {"clientId": client.id, "name": "P", **body})
    assert set(exc.value.fields or {}) == fields


def test_unknown_client_is_422(world: World, db: Session) -> None:
    """A clientId of another workspace is a validation error on clientId."""
    foreign = World(db, name="Globex").client()
    with pytest.raises(ValidationFailed) as exc:
        svc.create_project(db, world.actor("owner"), {"clientId": foreign.id, "name": "P"})
    assert set(exc.value.fields or {}) == {"clientId"}


def test_update_rules_on_merged_state(world: World, db: Session) -> None:
    """Adding budgetAmount beside an existing budgetHours fails; leaving FIXED drops the fee."""
    project = world.project(rate_type="FIXED", fixed_fee_amount=Decimal(500), budget_hours=10)
    actor = world.actor("manager")
    with pytest.raises(ValidationFailed):
        svc.update_project(db, actor, project.id, {"budgetAmount": 100})
    db.rollback()
    row = svc.update_project(db, actor, project.id, {"rateType": "HOURLY", "name": "Renamed"})
    db.commit()
    assert (row.rate_type, row.fixed_fee_amount, row.name) == ("HOURLY", None, "Renamed")
    assert row.budget_hours == Decimal(10)


def test_archive_and_unarchive(world: World, db: Session) -> None:
    """Archive sets ARCHIVED (idempotently), the project stays readable, PATCH restores it."""
    project = world.project()
    actor = world.actor("admin")
    assert svc.archive_project(db, actor, project.id).status == "ARCHIVED"
    assert svc.archive_project(db, actor, project.id).status == "ARCHIVED"
    db.commit()
    assert svc.get_project(db, actor, project.id).status == "ARCHIVED"
    assert svc.update_project(db, actor, project.id, {"status": "ACTIVE"}).status == "ACTIVE"


def test_delete_guards_and_cascade(world: World, db: Session) -> None:
    """Time entries block deletion (409); otherwise tasks go too and the project is 404."""
    busy = world.project()
    world.time_entry(busy)
    with pytest.raises(Conflict):
        svc.delete_project(db, world.actor("owner"), busy.id)
    db.rollback()
    free = world.project()
    task = world.task(free)
    svc.delete_project(db, world.actor("owner"), free.id)
    db.commit()
    db.refresh(task)
    assert task.deleted_at is not None
    with pytest.raises(NotFound):
        svc.get_project(db, world.actor("owner"), free.id)


def test_delete_guarded_by_expense(world: World, db: Session) -> None:
    """An expense on the project blocks its deletion."""
    project = world.project()
    db.add(
        M.Expense(
            org_id=world.org.id,
            client_id=project.client_id,
            project_id=project.id,
            user_id=world.members["owner"].user_id,
            description="Taxi",
            amount=Decimal(12),
            currency="EUR",
            expense_date=date(2026, 3, 1),
        )
    )
    db.commit()
    with pytest.raises(Conflict):
        svc.delete_project(db, world.actor("owner"), project.id)


def test_member_visibility_and_money_blindness(world: World, db: Session) -> None:
    """A Member reads only its projects (others 404), sees no money and may not write."""
    mine = world.project(on=("member",), hourly_rate=Decimal(90), budget_amount=Decimal(1000))
    theirs = world.project(on=("member2",))
    member = world.actor("member")
    out = svc.project_out(svc.get_project(db, member, mine.id), member)
    for money in ("hourlyRate", "fixedFeeAmount", "budgetAmount"):
        assert money not in out
    assert "budgetHours" in out
    with pytest.raises(NotFound):
        svc.get_project(db, member, theirs.id)
    with pytest.raises(ForbiddenScope):
        svc.update_project(db, member, mine.id, {"name": "x"})
    with pytest.raises(ForbiddenScope):
        svc.archive_project(db, member, mine.id)
    assert _names(db, world, "member") == [mine.name]


def test_list_filters_and_status_sort(world: World, db: Session) -> None:
    """clientName via join, status filter (any case), date ranges, and status in enum order."""
    north = world.client(name="Northwind Traders")
    south = world.client(name="Southwind")
    world.project(north, name="a", status="COMPLETED", start_date=date(2026, 1, 1))
    world.project(north, name="b", status="ARCHIVED", due_date=date(2026, 6, 1))
    world.project(south, name="c", status="ACTIVE", start_date=date(2026, 3, 1))
    assert sorted(_names(db, world, clientName="NORTHWIND")) == ["a", "b"]
    assert _names(db, world, clientName="wind", sort="status") == ["c", "a", "b"]
    assert _names(db, world, sort="-status") == ["b", "a", "c"]
    assert _names(db, world, status="archived") == ["b"]
    assert _names(db, world, client_id=south.id) == ["c"]
    assert _names(db, world, start_date_from="2026-02-01") == ["c"]
    assert _names(db, world, due_date_to="2026-12-31") == ["b"]
    assert _names(db, world, sort="startDate") == ["b", "a", "c"]  # nulls first ascending
    assert _names(db, world, sort="-startDate") == ["c", "a", "b"]  # nulls last descending
    with pytest.raises(ValidationFailed):
        _names(db, world, status="open")


def test_client_name_filter_folds_non_ascii_alike_on_both_databases(
    world: World, db: Session
) -> None:
    """clientName matches accented and Greek names case-insensitively, on SQLite as on PG."""
    world.project(world.client(name="École Müller"), name="fr")
    world.project(world.client(name="ΑΘΗΝΑ Studio"), name="gr")
    plain = world.client(name="Plain")
    world.project(plain, name="plain")
    assert _names(db, world, clientName="école") == ["fr"]
    assert _names(db, world, clientName="MÜLLER") == ["fr"]
    assert _names(db, world, clientName="αθηνα") == ["gr"]
    plain.name = "Ærø Rejser"  # a renamed client is found by its new name
    db.commit()
    assert _names(db, world, clientName="ærø") == ["plain"]
    assert _names(db, world, clientName="plain") == []


def test_status_pagination_stable(world: World, db: Session) -> None:
    """Paging by status while rows are inserted and deleted never repeats or skips a row."""
    client = world.client()
    rows = [
        world.project(client, name=f"p{i}", status=("ACTIVE", "COMPLETED")[i % 2]) for i in range(9)
    ]
    actor = world.actor("manager")
    seen: list[str] = []
    page = svc.list_projects(db, actor, {"sort": "status", "limit": 4}, key=CURSOR_KEY)
    seen += [p.id for p in shared_entities(page.items)]
    world.project(client, name="new-active", status="ACTIVE")
    remaining = [r for r in rows if r.id not in seen]
    svc.delete_project(db, actor, remaining[0].id)
    db.commit()
    cursor = page.next_cursor
    while cursor:
        params = {"sort": "status", "limit": 4, "cursor": cursor}
        page = svc.list_projects(db, actor, params, key=CURSOR_KEY)
        seen += [p.id for p in shared_entities(page.items)]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert set(seen) >= {r.id for r in rows} - {remaining[0].id}
    assert remaining[0].id not in seen
