"""Timers (contract 1.1.0): stop a running entry, restart one like an earlier entry.

Rules (issue 14, on top of those of `time_entries`):
- Both address an entry the caller may see (`find_time_entry`: Manager+ anyone's, a Member
  only its own un-invoiced ones; otherwise 404).
- Stop: the entry must be running (a stopped one is 409) and not on an invoice (409, the lock
  of time entries). The duration is the time since `startedAt`, capped at 7 days; the API keeps
  every entry however short (the 5-minute rule is the app's UI affordance, not the API's).
- Restart: if the entry is running it is returned unchanged (a no-op). Otherwise the caller's
  own running entry is stopped first (one timer per person), then a new running entry is
  created for the caller, today (UTC), with the entry's project, task, note and billable flag.
  The source entry is not changed, so a locked one can be restarted. The project must still
  accept time from the caller (not deleted, visible, not ARCHIVED) and the task must not be
  deleted, else 409: there is no body field to blame, the conflict is with the stored state.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import Project, Task, TimeEntry
from server.errors import Conflict
from server.services.access import can_see_project, start_write
from server.services.time_entries import (
    find_time_entry,
    flush_guarding_timer,
    get_running_time_entry,
    stop_timer,
    time_entry_out,
)
from server.services.webhooks import notify

LOCKED = "This time entry is on an invoice and cannot be changed"


def stop_time_entry(session: Session, actor: Actor, entry_id: str) -> TimeEntry:
    """Stop the running entry `entry_id`; a stopped or invoiced entry is 409."""
    start_write(session)
    row = find_time_entry(session, actor, entry_id)
    if row.invoice_id is not None:
        raise Conflict(LOCKED)
    if not stop_timer(row):
        raise Conflict("This time entry is not running")
    session.flush()
    return row


def _check_source(session: Session, actor: Actor, source: TimeEntry) -> None:
    """409 unless the caller may still log time to the source entry's project and task."""
    project = session.get(Project, source.project_id)
    if (
        project is None
        or project.deleted_at is not None
        or not can_see_project(session, actor, project.id)
    ):
        raise Conflict("The entry's project no longer accepts time from you")
    if project.status == "ARCHIVED":
        raise Conflict("Time cannot be logged to an archived project")
    if source.task_id is not None:
        task = session.get(Task, source.task_id)
        if task is None or task.deleted_at is not None:
            raise Conflict("The entry's task was deleted")


def restart_time_entry(session: Session, actor: Actor, entry_id: str) -> tuple[TimeEntry, bool]:
    """(a new running entry like `entry_id`, True), or (the entry, False) when it is running."""
    start_write(session)
    source = find_time_entry(session, actor, entry_id)
    if source.is_running:
        return source, False
    _check_source(session, actor, source)
    running = get_running_time_entry(session, actor)
    if running is not None:
        if running.invoice_id is not None:
            raise Conflict("Your running timer is on an invoice and cannot be stopped")
        stop_timer(running)
        session.flush()  # before the insert: the one-running-timer index sees the stop first
    now = utcnow()
    row = TimeEntry(
        org_id=actor.org_id,
        user_id=actor.user_id,
        project_id=source.project_id,
        task_id=source.task_id,
        note=source.note,
        billable=source.billable,
        entry_date=now.date(),
        is_running=True,
        started_at=now,
        duration_seconds=0,
    )
    session.add(row)
    flush_guarding_timer(session)
    # A timer started: the same event as a time entry logged (design §10).
    notify(session, actor, "time_entry.created", lambda _view: {"timeEntry": time_entry_out(row)})
    return row, True
