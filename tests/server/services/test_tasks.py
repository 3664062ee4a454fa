"""Tasks service: billable default, assignees, dates, archive, Member rules, guards, lists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.errors import Conflict, ForbiddenScope, NotFound, ValidationFailed
from server.services import tasks as svc
from server.services.serialize import entities
from tests.support.world import CURSOR_KEY, World


def _names(db: Session, world: World, who: str = "manager", **params: Any) -> list[str]:
    page = svc.list_tasks(db, world.actor(who), params, key=CURSOR_KEY)
    return [t.name for t in entities(page.items)]


def test_billable_defaults_from_rate_type(world: World, db: Session) -> None:
    """Tasks of NON_BILLABLE projects default to non-billable, others to billable."""
    actor = world.actor("manager")
    free = world.project(rate_type="NON_BILLABLE")
    paid = world.project()
    assert svc.create_task(db, actor, {"projectId": free.id, "name": "a"}).billable is False
    assert svc.create_task(db, actor, {"projectId": paid.id, "name": "b"}).billable is True
    row = svc.create_task(db, actor, {"projectId": free.id, "name": "c", "billable": True})
    assert row.billable is True
    assert (row.status, row.priority, row.tags) == ("TODO", "MEDIUM", [])


def test_assignees_must_be_org_members(world: World, db: Session) -> None:
    """Assignees are stored in order; a user of another org is a 422 on assigneeIds."""
    project = world.project()
    actor = world.actor("owner")
    users = [world.members[m].user_id for m in ("member2", "member")]
    row = svc.create_task(db, actor, {"projectId": project.id, "name": "t", "assigneeIds": users})
    db.commit()
    assert svc.assignees_of(db, [row.id])[row.id] == users
    stranger = World(db, name="Globex").members["owner"].user_id
    with pytest.raises(ValidationFailed) as exc:
        svc.update_task(db, actor, row.id, {"assigneeIds": [stranger]})
    assert set(exc.value.fields or {}) == {"assigneeIds"}


def test_dates_must_be_consistent(world: World, db: Session) -> None:
    """dueDate and endDate before startDate are 422, also on the merged PATCH state."""
    project = world.project()
    actor = world.actor("owner")
    with pytest.raises(ValidationFailed) as exc:
        svc.create_task(
            db,
            actor,
            {
                "projectId": project.id,
                "name": "t",
                "startDate": "2026-03-05",
                "endDate": "2026-03-01",
            },
        )
    assert set(exc.value.fields or {}) == {"endDate"}
    task = world.task(project, start_date=date(2026, 3, 5))
    with pytest.raises(ValidationFailed):
        svc.update_task(db, actor, task.id, {"dueDate": "2026-03-04"})


def test_archive_and_restore(world: World, db: Session) -> None:
    """Archive sets archivedAt once; PATCH archived=false clears it."""
    task = world.task(world.project())
    actor = world.actor("manager")
    first = svc.archive_task(db, actor, task.id).archived_at
    assert first is not None
    assert svc.archive_task(db, actor, task.id).archived_at == first
    db.commit()
    assert svc.update_task(db, actor, task.id, {"archived": False}).archived_at is None
    out = svc.task_out(task, [])
    assert out["archivedAt"] is None


def test_member_rules(world: World, db: Session) -> None:
    """Members: assigned tasks editable, unassigned visible ones 403, other projects 404."""
    project = world.project(on=("member", "member2"))
    mine = world.task(project, assignees=("member",))
    theirs = world.task(project, assignees=("member2",))
    hidden = world.task(world.project(on=("member2",)))
    member = world.actor("member")
    assert svc.update_task(db, member, mine.id, {"status": "DONE"}).status == "DONE"
    db.commit()
    with pytest.raises(ForbiddenScope):
        svc.update_task(db, member, theirs.id, {"status": "DONE"})
    db.rollback()
    with pytest.raises(NotFound):
        svc.get_task(db, member, hidden.id)
    with pytest.raises(ForbiddenScope):
        svc.create_task(db, member, {"projectId": project.id, "name": "x"})
    with pytest.raises(ForbiddenScope):
        svc.archive_task(db, member, mine.id)
    with pytest.raises(ForbiddenScope):
        svc.delete_task(db, member, mine.id)
    with pytest.raises(ForbiddenScope):
        svc.update_task(db, member, mine.id, {"archived": True})
    assert sorted(_names(db, world, "member")) == sorted([mine.name, theirs.name])


def test_delete_guard_and_soft_delete(world: World, db: Session) -> None:
    """A task with time entries is 409; otherwise it is soft-deleted and then 404."""
    project = world.project()
    busy = world.task(project, name="busy")
    world.time_entry(project, busy)
    with pytest.raises(Conflict):
        svc.delete_task(db, world.actor("owner"), busy.id)
    db.rollback()
    idle = world.task(project, name="idle")
    svc.delete_task(db, world.actor("owner"), idle.id)
    db.commit()
    with pytest.raises(NotFound):
        svc.get_task(db, world.actor("owner"), idle.id)
    assert "idle" in _names(db, world, include_deleted="true")
    assert "idle" not in _names(db, world)


def test_list_filters_and_priority_sort(world: World, db: Session) -> None:
    """projectId, assigneeId, status, priority, billable, ranges, search; priority in order."""
    one, two = world.project(), world.project()
    world.task(one, name="high", priority="HIGH", assignees=("member",), due_date=date(2026, 5, 1))
    world.task(one, name="low", priority="LOW", billable=False, description="Fix 50% bug")
    world.task(two, name="medium", status="DONE", end_date=date(2026, 4, 1))
    assert _names(db, world, sort="priority") == ["low", "medium", "high"]
    assert _names(db, world, sort="-priority") == ["high", "medium", "low"]
    by_status = _names(db, world, sort="status")  # TODO (ties by id) before DONE
    assert by_status[2] == "medium"
    assert sorted(by_status[:2]) == ["high", "low"]
    assert sorted(_names(db, world, project_id=one.id)) == ["high", "low"]
    assert _names(db, world, assignee_id=world.members["member"].user_id) == ["high"]
    assert _names(db, world, status="done") == ["medium"]
    assert _names(db, world, priority="LOW") == ["low"]
    assert _names(db, world, billable="no") == ["low"]
    assert _names(db, world, due_date_from="2026-04-15") == ["high"]
    assert _names(db, world, end_date_to="2026-04-01") == ["medium"]
    assert _names(db, world, search="50%") == ["low"]
    with pytest.raises(ValidationFailed):
        _names(db, world, billable="maybe")


def test_priority_pagination_stable(world: World, db: Session) -> None:
    """Paging by priority with inserts and deletes between pages neither repeats nor skips."""
    project = world.project()
    rows = [world.task(project, name=f"t{i}", priority=("LOW", "HIGH")[i % 2]) for i in range(8)]
    actor = world.actor("manager")
    page = svc.list_tasks(db, actor, {"sort": "-priority", "limit": 3}, key=CURSOR_KEY)
    seen = [t.id for t in entities(page.items)]
    world.task(project, name="late-high", priority="HIGH")
    victim = next(r for r in rows if r.id not in seen)
    svc.delete_task(db, actor, victim.id)
    db.commit()
    while page.next_cursor:
        params = {"sort": "-priority", "limit": 3, "cursor": page.next_cursor}
        page = svc.list_tasks(db, actor, params, key=CURSOR_KEY)
        seen += [t.id for t in entities(page.items)]
    assert len(seen) == len(set(seen))
    assert {r.id for r in rows} - {victim.id} <= set(seen)
    assert victim.id not in seen
