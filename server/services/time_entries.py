"""Time entries: logging time, running timers, locks and who sees whose time.

Rules (design §2–§4):
- Owner, Admin and Manager read and write everyone's entries in the organization. A Member sees
  and writes only its own entries that are not on an invoice; anything else is 404 ("invisible
  is not found"). A Member's list is pinned to itself: a `userId` filter naming someone else
  returns an empty page (not 403), consistent with those entries being invisible to it.
- Only Owners and Admins may log time for another user (`userId`); others get 403. The user
  must be a current member of the organization (else 422 `userId`).
- `projectId` must name a non-deleted project of the organization that the caller can see. A
  project the Member is not on is reported exactly like a missing one, as 422
  `fields.projectId` (the id is a body reference, not the addressed resource, so 422 rather than
  404; the message never reveals that the project exists). Logging to an ARCHIVED project is 409.
- `taskId` must belong to the project (422). `billable` defaults from the project's rate type.
- Exactly one of `durationSeconds` / `duration` (if both, `durationSeconds` wins), unless the
  entry is started as a running timer. At most one running timer per user (409; the database's
  partial unique index `uq_time_entries_one_running` is the last word under races). Timers
  start only through create (`running: true`, no duration); PATCH `running: false` stops one,
  setting `durationSeconds` to the time between `startedAt` and `stoppedAt` (capped at 7 days)
  unless a duration is sent alongside.
- An entry on an invoice (`invoiceId` set) is locked: update and delete are 409 for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import Member, Project, Task, TimeEntry
from server.errors import Conflict, ForbiddenScope, NotFound, ValidationFailed
from server.services.access import can_see_project, start_write
from server.services.durations import MAX_DURATION_SECONDS
from server.services.filters import Filters
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import common, day, instant
from server.services.time_entry_body import is_uuid, read_time_entry_body
from server.services.webhooks import notify

# What a list selects: plain columns (rows, not ORM objects: no identity map or object loading on
# the hottest list), everything `time_entry_out` reads; `search_text` stays in the database.
_c = TimeEntry.__table__.c
LIST_COLUMNS = (
    _c.id,
    _c.org_id,
    _c.created_at,
    _c.updated_at,
    _c.deleted_at,
    _c.project_id,
    _c.task_id,
    _c.user_id,
    _c.entry_date,
    _c.duration_seconds,
    _c.note,
    _c.billable,
    _c.invoice_id,
    _c.started_at,
    _c.stopped_at,
    _c.is_running,
)

SORTS: dict[str, Any] = {
    "createdAt": TimeEntry.created_at,
    "durationSeconds": TimeEntry.duration_seconds,
    "entryDate": TimeEntry.entry_date,
    "id": TimeEntry.id,
    "updatedAt": TimeEntry.updated_at,
}

_RUNNING_CONFLICT = "This user already has a running timer; stop it first"


def time_entry_out(row: Any) -> dict[str, Any]:
    """The TimeEntry object of the contract (no money fields, so identical for every role).

    `row` is a TimeEntry or a row of `LIST_COLUMNS` (lists).
    """
    out = common(row)
    out.update(
        projectId=row.project_id,
        taskId=row.task_id,
        userId=row.user_id,
        entryDate=day(row.entry_date),
        durationSeconds=row.duration_seconds,
        note=row.note,
        billable=row.billable,
        invoiceId=row.invoice_id,
        startedAt=instant(row.started_at),
        stoppedAt=instant(row.stopped_at),
        running=row.is_running,
        locked=row.invoice_id is not None,
    )
    return out


def time_entry_row_out(row: Any) -> dict[str, Any]:
    """`time_entry_out` for a row of `LIST_COLUMNS`, unpacked by position.

    The same dict as `time_entry_out` (tested); positional unpacking avoids ~16 named attribute
    lookups per row, which were a third of a 50-entry page's serialisation time.
    """
    (
        id_,
        org_id,
        created_at,
        updated_at,
        deleted_at,
        project_id,
        task_id,
        user_id,
        entry_date,
        duration_seconds,
        note,
        billable,
        invoice_id,
        started_at,
        stopped_at,
        is_running,
    ) = row
    return {
        "id": id_,
        "orgId": org_id,
        "createdAt": instant(created_at),
        "updatedAt": instant(updated_at),
        "deletedAt": instant(deleted_at),
        "projectId": project_id,
        "taskId": task_id,
        "userId": user_id,
        "entryDate": day(entry_date),
        "durationSeconds": duration_seconds,
        "note": note,
        "billable": billable,
        "invoiceId": invoice_id,
        "startedAt": instant(started_at),
        "stoppedAt": instant(stopped_at),
        "running": is_running,
        "locked": invoice_id is not None,
    }


# --- lookups --------------------------------------------------------------------------------


def _visible(stmt: Select[Any], actor: Actor) -> Select[Any]:
    """Restrict to what `actor` may see: everything for Manager+, own un-invoiced for Members."""
    stmt = stmt.where(TimeEntry.org_id == actor.org_id)
    if actor.is_member:
        stmt = stmt.where(TimeEntry.user_id == actor.user_id, TimeEntry.invoice_id.is_(None))
    return stmt


def find_time_entry(session: Session, actor: Actor, entry_id: str) -> TimeEntry:
    """The visible, non-deleted entry `entry_id`, else 404."""
    if not is_uuid(entry_id):
        raise NotFound("No such time entry")
    stmt = _visible(select(TimeEntry), actor).where(
        TimeEntry.id == entry_id, TimeEntry.deleted_at.is_(None)
    )
    row: TimeEntry | None = session.scalar(stmt)
    if row is None:
        raise NotFound("No such time entry")
    return row


def _project(session: Session, actor: Actor, project_id: str) -> Project:
    project = session.get(Project, project_id)
    if (
        project is None
        or project.org_id != actor.org_id
        or project.deleted_at is not None
        or not can_see_project(session, actor, project.id)
    ):
        raise ValidationFailed({"projectId": "no such project"})
    return project


def _check_task(session: Session, task_id: str | None, project: Project) -> None:
    if task_id is None:
        return
    task = session.get(Task, task_id)
    if task is None or task.project_id != project.id or task.deleted_at is not None:
        raise ValidationFailed({"taskId": "must be a task of the entry's project"})


def _check_user(session: Session, actor: Actor, user_id: str) -> None:
    if user_id == actor.user_id:
        return
    if not actor.is_admin_plus:
        raise ForbiddenScope("Only Owners and Admins may log time for another user")
    stmt = select(Member.id).where(
        Member.org_id == actor.org_id, Member.user_id == user_id, Member.deleted_at.is_(None)
    )
    if session.scalar(stmt) is None:
        raise ValidationFailed({"userId": "is not a member of this organization"})


def _has_running(session: Session, user_id: str) -> bool:
    stmt = select(TimeEntry.id).where(TimeEntry.user_id == user_id, TimeEntry.is_running.is_(True))
    return session.scalar(stmt.limit(1)) is not None


def flush_guarding_timer(session: Session) -> None:
    """Flush; the one-running-timer index turning a lost race into 409 rather than 500.

    No savepoint: the failed flush spoils the transaction, which is fine because the 409 rolls
    the whole request back anyway.
    """
    try:
        session.flush()
    except IntegrityError as exc:
        # PostgreSQL names the index; SQLite names the indexed column.
        message = str(exc.orig)
        if "uq_time_entries_one_running" in message or "time_entries.user_id" in message:
            raise Conflict(_RUNNING_CONFLICT) from None
        raise


# --- operations -----------------------------------------------------------------------------


def get_time_entry(session: Session, actor: Actor, entry_id: str) -> TimeEntry:
    return find_time_entry(session, actor, entry_id)


def get_running_time_entry(session: Session, actor: Actor) -> TimeEntry | None:
    """The caller's own running timer, or None."""
    stmt = select(TimeEntry).where(
        TimeEntry.org_id == actor.org_id,
        TimeEntry.user_id == actor.user_id,
        TimeEntry.is_running.is_(True),
        TimeEntry.deleted_at.is_(None),
    )
    return session.scalar(stmt.limit(1))


def create_time_entry(session: Session, actor: Actor, body: Mapping[str, Any] | None) -> TimeEntry:
    """Log time (or start a timer with `running: true`), applying the defaults and guards."""
    values = read_time_entry_body(body, creating=True)
    start_write(session)
    running = values.pop("_running", False)
    user_id = values.pop("user_id", actor.user_id)
    _check_user(session, actor, user_id)
    project = _project(session, actor, values["project_id"])
    _check_task(session, values.get("task_id"), project)
    if project.status == "ARCHIVED":
        raise Conflict("Time cannot be logged to an archived project")
    values.setdefault("billable", project.rate_type != "NON_BILLABLE")
    row = TimeEntry(org_id=actor.org_id, user_id=user_id, **values)
    if running:
        if _has_running(session, user_id):
            raise Conflict(_RUNNING_CONFLICT)
        row.is_running = True
        row.started_at = utcnow()
        row.duration_seconds = 0
    session.add(row)
    flush_guarding_timer(session)
    notify(session, actor, "time_entry.created", lambda _view: {"timeEntry": time_entry_out(row)})
    return row


def update_time_entry(
    session: Session, actor: Actor, entry_id: str, body: Mapping[str, Any] | None
) -> TimeEntry:
    """Partial update; `running: false` stops a running timer (a no-op on a stopped entry)."""
    values = read_time_entry_body(body, creating=False)
    start_write(session)
    row = find_time_entry(session, actor, entry_id)
    if row.invoice_id is not None:
        raise Conflict("This time entry is on an invoice and cannot be changed")
    running = values.pop("_running", None)
    if "user_id" in values and values["user_id"] != row.user_id:
        _check_user(session, actor, values["user_id"])
    if "project_id" in values or "task_id" in values:
        project = _project(session, actor, values.get("project_id", row.project_id))
        _check_task(session, values.get("task_id", row.task_id), project)
        moving = values.get("project_id", row.project_id) != row.project_id
        if moving and project.status == "ARCHIVED":
            raise Conflict("Time cannot be logged to an archived project")
    if row.is_running and running is None and "duration_seconds" in values:
        raise ValidationFailed(
            {"durationSeconds": "can only be set together with running: false while it runs"}
        )
    changed = running is False and stop_timer(row)
    for attr, value in values.items():
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
        flush_guarding_timer(session)
    return row


def stop_timer(row: TimeEntry) -> bool:
    """Stop a running timer: duration = elapsed since `startedAt` (capped); no-op if stopped.

    `updatedAt` moves with `stoppedAt`. Every stopped entry is kept, however short.
    """
    if not row.is_running:
        return False
    now = utcnow()
    elapsed = max(0, int((now - (row.started_at or now)).total_seconds()))
    row.duration_seconds = min(MAX_DURATION_SECONDS, elapsed)
    row.is_running, row.stopped_at, row.updated_at = False, now, now
    return True


def delete_time_entry(session: Session, actor: Actor, entry_id: str) -> None:
    """Soft delete (later reads are 404); a locked entry is 409; a running timer stops."""
    start_write(session)
    row = find_time_entry(session, actor, entry_id)
    if row.invoice_id is not None:
        raise Conflict("This time entry is on an invoice and cannot be deleted")
    now = utcnow()
    if row.is_running:
        row.is_running, row.stopped_at = False, now
    row.deleted_at = now
    row.updated_at = now
    session.flush()


def list_time_entries(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of visible entries, filtered, searched and sorted per design §7."""
    page = PageRequest.from_params("time-entries", params, SORTS, workspace=actor.org_id, key=key)
    f = Filters(params)
    stmt = _visible(select(*LIST_COLUMNS), actor)
    user_id = f.get("userId")
    if actor.is_member and user_id is not None and user_id != actor.user_id:
        stmt = f.never(stmt)  # Members are pinned to themselves; others' time is invisible
    stmt = f.equals(stmt, TimeEntry.user_id, "userId")
    stmt = f.equals(stmt, TimeEntry.project_id, "projectId")
    stmt = f.equals(stmt, TimeEntry.task_id, "taskId")
    stmt = f.boolean(stmt, TimeEntry.billable, "billable")
    stmt = f.boolean(stmt, TimeEntry.is_running, "running")
    stmt = f.range(stmt, TimeEntry.entry_date, "entryDate", dates=True)
    stmt = f.range(stmt, TimeEntry.created_at, "createdAt")
    stmt = f.range(stmt, TimeEntry.updated_at, "updatedAt")
    stmt = f.decimal_range(stmt, TimeEntry.duration_seconds, "durationSeconds")
    stmt = f.search(stmt, TimeEntry.search_text, session=session)
    stmt = f.include_deleted(stmt, TimeEntry.deleted_at)
    f.raise_if_invalid()
    return paginate(session, stmt, page)
