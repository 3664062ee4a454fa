"""Tasks: CRUD, archive, assignees, billable default and the role rules for Members.

Manager+ do everything. A Member reads the tasks of the projects it is on (others are 404) and
may PATCH only tasks assigned to it (a visible, unassigned task is 403); creating, deleting and
archiving are 403 for Members. `billable` defaults from the project's rateType (NON_BILLABLE →
false). Archive sets `archivedAt`; PATCH `{"archived": false}` restores the task (TaskUpdate).
DELETE is soft and refused (409) while time entries reference the task.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import Member, Project, ProjectMember, Task, TaskAssignee, TimeEntry
from server.errors import Conflict, ForbiddenScope, NotFound, ValidationFailed
from server.services.access import can_see_project, require_manager_plus, start_write
from server.services.filters import Filters
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import (
    Field,
    apply_changes,
    common,
    day,
    dec,
    instant,
    rank,
    ranked,
    read_fields,
)
from server.services.webhooks import notify

STATUSES = ("TODO", "IN_PROGRESS", "DONE")
PRIORITIES = ("LOW", "MEDIUM", "HIGH")
_WRITE_DENIED = "Members may not create, archive or delete tasks"

TASK_FIELDS: tuple[Field, ...] = (
    Field("projectId", "project_id", required=True, nullable=False, max_len=36),
    Field("name", "name", required=True, nullable=False, max_len=255),
    Field("description", "description", max_len=10_000),
    Field("status", "status", "enum", nullable=False, choices=STATUSES),
    Field("priority", "priority", "enum", nullable=False, choices=PRIORITIES),
    Field("billable", "billable", "bool", nullable=False),
    Field("estimatedHours", "estimated_hours", "money", places=2),
    Field("assigneeIds", "assignee_ids", "ids", nullable=False, max_len=36),
    Field("tags", "tags", "strings", nullable=False, max_len=50),
    Field("startDate", "start_date", "date"),
    Field("dueDate", "due_date", "date"),
    Field("endDate", "end_date", "date"),
)
# Accepted on PATCH only (TaskUpdate.archived): false restores an archived task, true archives.
_ARCHIVE_FIELDS: tuple[Field, ...] = (Field("archived", "archived", "bool", nullable=False),)


def task_out(row: Task, assignee_ids: list[str]) -> dict[str, Any]:
    """The Task object (tasks carry no money, so there is nothing to hide from Members)."""
    out = common(row)
    out.update(
        projectId=row.project_id,
        name=row.name,
        description=row.description,
        status=row.status,
        priority=row.priority,
        billable=row.billable,
        estimatedHours=dec(row.estimated_hours),
        assigneeIds=assignee_ids,
        tags=list(row.tags or []),
        startDate=day(row.start_date),
        dueDate=day(row.due_date),
        endDate=day(row.end_date),
        archivedAt=instant(row.archived_at),
    )
    return out


def assignees_of(session: Session, task_ids: Iterable[str]) -> dict[str, list[str]]:
    """`{task_id: [user_id, …]}` in assignment order, one query for a whole page."""
    ids = list(task_ids)
    result: dict[str, list[str]] = {task_id: [] for task_id in ids}
    if not ids:
        return result
    stmt = (
        select(TaskAssignee.task_id, TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(ids))
        .order_by(TaskAssignee.task_id, TaskAssignee.position)
    )
    for task_id, user_id in session.execute(stmt):
        result[task_id].append(user_id)
    return result


def find_task(session: Session, actor: Actor, task_id: str) -> Task:
    """The non-deleted task of a project visible to `actor`, else 404."""
    row = session.get(Task, task_id)
    if (
        row is None
        or row.org_id != actor.org_id
        or row.deleted_at is not None
        or not can_see_project(session, actor, row.project_id)
    ):
        raise NotFound("No such task")
    return row


def get_task(session: Session, actor: Actor, task_id: str) -> Task:
    return find_task(session, actor, task_id)


def _project_of(session: Session, actor: Actor, project_id: str) -> Project:
    project = session.get(Project, project_id)
    if (
        project is None
        or project.org_id != actor.org_id
        or project.deleted_at is not None
        or not can_see_project(session, actor, project.id)
    ):
        raise ValidationFailed({"projectId": "no such project in this workspace"})
    return project


def _check_assignees(session: Session, actor: Actor, user_ids: list[str]) -> None:
    if not user_ids:
        return
    stmt = select(Member.user_id).where(
        Member.org_id == actor.org_id, Member.user_id.in_(user_ids), Member.deleted_at.is_(None)
    )
    known = set(session.scalars(stmt))
    unknown = [u for u in user_ids if u not in known]
    if unknown:
        raise ValidationFailed(
            {"assigneeIds": f"not members of this workspace: {', '.join(unknown)}"}
        )


def _check_dates(row: Task) -> None:
    errors: dict[str, str] = {}
    if row.start_date and row.due_date and row.due_date < row.start_date:
        errors["dueDate"] = "must be on or after startDate"
    if row.start_date and row.end_date and row.end_date < row.start_date:
        errors["endDate"] = "must be on or after startDate"
    if errors:
        raise ValidationFailed(errors)


def _set_assignees(session: Session, task_id: str, user_ids: list[str]) -> None:
    session.execute(delete(TaskAssignee).where(TaskAssignee.task_id == task_id))
    session.add_all(
        TaskAssignee(task_id=task_id, user_id=user_id, position=index)
        for index, user_id in enumerate(user_ids)
    )


def create_task(session: Session, actor: Actor, body: dict[str, Any] | None) -> Task:
    """Create a task; `billable` defaults to false on NON_BILLABLE projects, else true."""
    require_manager_plus(actor, _WRITE_DENIED)
    changes = read_fields(body, TASK_FIELDS, creating=True)
    start_write(session)
    project = _project_of(session, actor, changes["project_id"])
    assignee_ids: list[str] = changes.pop("assignee_ids", [])
    _check_assignees(session, actor, assignee_ids)
    changes.setdefault("billable", project.rate_type != "NON_BILLABLE")
    changes.setdefault("status", "TODO")
    changes.setdefault("priority", "MEDIUM")
    changes.setdefault("tags", [])
    row = Task(org_id=actor.org_id, **changes)
    _check_dates(row)
    session.add(row)
    session.flush()
    _set_assignees(session, row.id, assignee_ids)
    session.flush()
    notify(session, actor, "task.created", lambda _view: {"task": task_out(row, assignee_ids)})
    return row


def is_assigned(session: Session, task_id: str, user_id: str) -> bool:
    stmt = select(TaskAssignee.task_id).where(
        TaskAssignee.task_id == task_id, TaskAssignee.user_id == user_id
    )
    return session.scalar(stmt) is not None


def update_task(session: Session, actor: Actor, task_id: str, body: dict[str, Any] | None) -> Task:
    """Partial update. Members: only tasks assigned to them, and not to another project."""
    changes = read_fields(body, (*TASK_FIELDS, *_ARCHIVE_FIELDS), creating=False)
    start_write(session)
    row = find_task(session, actor, task_id)
    if actor.is_member:
        if not is_assigned(session, row.id, actor.user_id):
            raise ForbiddenScope("Members may edit only tasks assigned to them")
        if changes.get("project_id", row.project_id) != row.project_id:
            raise ForbiddenScope("Members may not move tasks to another project")
        if "archived" in changes:
            raise ForbiddenScope("Members may not archive or restore tasks")
    if changes.get("project_id", row.project_id) != row.project_id:
        _project_of(session, actor, changes["project_id"])
    _apply_archive_flags(row, changes)
    was_done = row.status == "DONE"
    assignee_ids: list[str] | None = changes.pop("assignee_ids", None)
    changed = False
    if assignee_ids is not None:
        _check_assignees(session, actor, assignee_ids)
        if assignee_ids != assignees_of(session, [row.id])[row.id]:
            _set_assignees(session, row.id, assignee_ids)
            changed = True
    with session.no_autoflush:
        changed = apply_changes(row, changes) or changed
        _check_dates(row)
    if changed:
        row.updated_at = utcnow()
        session.flush()
    if row.status == "DONE" and not was_done:
        notify(session, actor, "task.completed", lambda _view: {"task": _task_data(session, row)})
    return row


def _task_data(session: Session, row: Task) -> dict[str, Any]:
    return task_out(row, assignees_of(session, [row.id])[row.id])


def _apply_archive_flags(row: Task, changes: dict[str, Any]) -> None:
    """Turn `archived: true|false` into an `archived_at` change (or none, when already so)."""
    archived = changes.pop("archived", None)
    if archived is True and row.archived_at is None:
        changes["archived_at"] = utcnow()
    elif archived is False and row.archived_at is not None:
        changes["archived_at"] = None


def archive_task(session: Session, actor: Actor, task_id: str) -> Task:
    """Set `archivedAt` (idempotent: an archived task keeps its first archivedAt)."""
    require_manager_plus(actor, _WRITE_DENIED)
    start_write(session)
    row = find_task(session, actor, task_id)
    if row.archived_at is None:
        now = utcnow()
        row.archived_at = now
        row.updated_at = now
        session.flush()
    return row


def delete_task(session: Session, actor: Actor, task_id: str) -> None:
    """Soft delete; 409 while time entries reference the task."""
    require_manager_plus(actor, _WRITE_DENIED)
    start_write(session)
    row = find_task(session, actor, task_id)
    used = exists().where(TimeEntry.task_id == row.id, TimeEntry.deleted_at.is_(None))
    if session.scalar(select(used)):
        raise Conflict("The task has time entries and cannot be deleted: archive it instead")
    now = utcnow()
    row.deleted_at = now
    row.updated_at = now
    session.flush()


TASK_SORTS: dict[str, Any] = {
    "createdAt": Task.created_at,
    "dueDate": Task.due_date,
    "endDate": Task.end_date,
    "id": Task.id,
    "name": Task.name,
    "priority": rank(Task.priority, PRIORITIES, "priority_rank"),
    "startDate": Task.start_date,
    "status": rank(Task.status, STATUSES, "status_rank"),
    "updatedAt": Task.updated_at,
}


def list_tasks(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of tasks of projects visible to `actor`; enums sort in documented order."""
    request = PageRequest.from_params("tasks", params, TASK_SORTS, workspace=actor.org_id, key=key)
    filters = Filters(params)
    field = request.sort.removeprefix("-")
    stmt = ranked(Task, TASK_SORTS[field]) if field in {"priority", "status"} else select(Task)
    stmt = stmt.where(Task.org_id == actor.org_id)
    if not actor.is_manager_plus:
        mine = select(ProjectMember.project_id).where(ProjectMember.member_id == actor.member_id)
        stmt = stmt.where(Task.project_id.in_(mine))
    stmt = filters.include_deleted(stmt, Task.deleted_at)
    stmt = filters.equals(stmt, Task.project_id, "projectId")
    assignee = filters.get("assigneeId")
    if assignee is not None:
        assigned = select(TaskAssignee.task_id).where(TaskAssignee.user_id == assignee)
        stmt = stmt.where(Task.id.in_(assigned))
    stmt = filters.enum(stmt, Task.status, "status", STATUSES)
    stmt = filters.enum(stmt, Task.priority, "priority", PRIORITIES)
    stmt = filters.boolean(stmt, Task.billable, "billable")
    for name, column in (
        ("startDate", Task.start_date),
        ("dueDate", Task.due_date),
        ("endDate", Task.end_date),
    ):
        stmt = filters.range(stmt, column, name, dates=True)
    stmt = filters.range(stmt, Task.created_at, "createdAt")
    stmt = filters.range(stmt, Task.updated_at, "updatedAt")
    stmt = filters.search(stmt, Task.search_text, session=session)
    filters.raise_if_invalid()
    return paginate(session, stmt, request)
