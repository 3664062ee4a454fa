"""Timers service (1.1.0): stop and restart, with the roles, locks and archive rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db import models as M
from server.db.base import utcnow
from server.db.webhooks import WebhookEndpoint, WebhookEvent
from server.errors import ApiError
from server.services import time_entries as entries
from server.services import timers
from tests.server.services.test_time_entries import World, _lock


@pytest.fixture
def world(session: Session) -> World:
    """The time-entry tests' workspace (Member and Other on the project)."""
    return World(session)


def _status(call: object, *args: object) -> int:
    with pytest.raises(ApiError) as exc:
        call(*args)  # type: ignore[operator]
    return exc.value.status


def test_stop_sets_the_elapsed_duration_and_keeps_short_entries(world: World) -> None:
    """A 40-second timer stops at 40 seconds and stays (the API discards nothing short)."""
    actor = world.actors["MEMBER"]
    row = world.create("MEMBER", running=True)
    row.started_at = utcnow() - timedelta(seconds=40)
    stopped = timers.stop_time_entry(world.s, actor, row.id)
    assert (stopped.is_running, stopped.stopped_at is not None) == (False, True)
    assert 40 <= stopped.duration_seconds <= 42
    assert stopped.updated_at == stopped.stopped_at
    assert entries.get_time_entry(world.s, actor, row.id) is stopped
    assert entries.get_running_time_entry(world.s, actor) is None


def test_stopping_a_stopped_entry_is_conflict(world: World) -> None:
    """The second stop, and a stop of logged time, are 409 and change nothing."""
    actor = world.actors["MEMBER"]
    row = world.create("MEMBER", running=True)
    timers.stop_time_entry(world.s, actor, row.id)
    stopped_at = row.stopped_at
    assert _status(timers.stop_time_entry, world.s, actor, row.id) == 409
    assert row.stopped_at == stopped_at
    logged = world.create("MEMBER")
    assert _status(timers.stop_time_entry, world.s, actor, logged.id) == 409


def test_stop_caps_at_seven_days(world: World) -> None:
    """A timer forgotten for a month stops at the 604800-second maximum."""
    row = world.create("MEMBER", running=True)
    row.started_at = utcnow() - timedelta(days=30)
    stopped = timers.stop_time_entry(world.s, world.actors["MEMBER"], row.id)
    assert stopped.duration_seconds == 604800


def test_roles_for_stop(world: World) -> None:
    """A Member cannot stop another's timer (404); a Manager can stop anyone's."""
    theirs = world.create("OTHER", running=True)
    assert _status(timers.stop_time_entry, world.s, world.actors["MEMBER"], theirs.id) == 404
    assert timers.stop_time_entry(world.s, world.actors["MANAGER"], theirs.id).is_running is False


def test_locked_running_entry_cannot_be_stopped(world: World) -> None:
    """An invoiced entry is locked: stop is 409 for an Owner too."""
    row = world.create("OTHER", running=True)
    _lock(world, row)
    assert _status(timers.stop_time_entry, world.s, world.actors["OWNER"], row.id) == 409
    assert row.is_running is True


def test_restart_copies_the_entry_and_stops_the_running_one(world: World) -> None:
    """Restart starts a new timer today with the same fields and stops the caller's timer."""
    actor = world.actors["MEMBER"]
    task = M.Task(org_id=world.org.id, project_id=world.project.id, name="T")
    world.s.add(task)
    world.s.flush()
    source = world.create("MEMBER", taskId=task.id, note="Review", billable=False)
    running = world.create("MEMBER", running=True)
    row, created = timers.restart_time_entry(world.s, actor, source.id)
    assert created is True
    assert row.id not in (source.id, running.id)
    assert (row.project_id, row.task_id, row.note, row.billable) == (
        world.project.id,
        task.id,
        "Review",
        False,
    )
    assert (row.user_id, row.is_running, row.duration_seconds) == (actor.user_id, True, 0)
    assert row.entry_date == utcnow().date()
    assert (running.is_running, running.stopped_at is not None) == (False, True)
    assert (source.is_running, source.duration_seconds) == (False, 3600), "source unchanged"
    assert entries.get_running_time_entry(world.s, actor) is row


def test_restarting_the_running_entry_is_a_no_op(world: World) -> None:
    """The running entry comes back unchanged and no entry is created."""
    actor = world.actors["MEMBER"]
    running = world.create("MEMBER", running=True)
    before = (running.started_at, running.updated_at)
    row, created = timers.restart_time_entry(world.s, actor, running.id)
    assert (row, created) == (running, False)
    assert (running.started_at, running.updated_at) == before
    assert world.ids("MANAGER") == [running.id]


def test_manager_restarts_a_members_entry_as_its_own_timer(world: World) -> None:
    """The new timer belongs to the caller, not to the source entry's user."""
    source = world.create("MEMBER")
    row, _ = timers.restart_time_entry(world.s, world.actors["MANAGER"], source.id)
    assert row.user_id == world.actors["MANAGER"].user_id
    assert _status(timers.restart_time_entry, world.s, world.actors["OTHER"], source.id) == 404


def test_locked_entry_can_be_restarted_but_not_changed(world: World) -> None:
    """Restart reads an invoiced entry without changing it (Manager+: Members cannot see it)."""
    source = world.create("MEMBER")
    _lock(world, source)
    row, created = timers.restart_time_entry(world.s, world.actors["MANAGER"], source.id)
    assert created is True
    assert row.invoice_id is None
    assert _status(timers.restart_time_entry, world.s, world.actors["MEMBER"], source.id) == 404


def test_restart_obeys_archive_and_deletion(world: World) -> None:
    """An ARCHIVED or deleted project, a deleted task or a project left behind is 409."""
    actor = world.actors["MEMBER"]
    source = world.create("MEMBER")
    world.project.status = "ARCHIVED"
    assert _status(timers.restart_time_entry, world.s, actor, source.id) == 409
    world.project.status = "ACTIVE"
    world.project.deleted_at = utcnow()
    assert _status(timers.restart_time_entry, world.s, actor, source.id) == 409
    world.project.deleted_at = None
    task = M.Task(org_id=world.org.id, project_id=world.project.id, name="T", deleted_at=utcnow())
    world.s.add(task)
    world.s.flush()
    source.task_id = task.id
    assert _status(timers.restart_time_entry, world.s, actor, source.id) == 409
    source.task_id = None
    world.s.query(M.ProjectMember).filter_by(member_id=actor.member_id).delete()
    assert _status(timers.restart_time_entry, world.s, actor, source.id) == 409
    assert entries.get_running_time_entry(world.s, actor) is None


def test_restart_refuses_to_stop_an_invoiced_running_timer(world: World) -> None:
    """When the caller's running timer is locked, restart is 409 and nothing starts."""
    actor = world.actors["MANAGER"]
    running = world.create("MANAGER", running=True)
    _lock(world, running)
    source = world.create("MANAGER")
    assert _status(timers.restart_time_entry, world.s, actor, source.id) == 409
    assert running.is_running is True


def test_restart_emits_time_entry_created_and_stop_does_not(world: World) -> None:
    """A restarted timer is a started timer: one time_entry.created event, with the new entry."""
    world.s.add(
        WebhookEndpoint(
            org_id=world.org.id,
            url="https://hooks.example.com/x",
            events=["time_entry.created"],
            secret="wsk_test",
            enabled=True,
        )
    )
    world.s.flush()
    actor = replace(world.actors["MEMBER"], plan="agency")
    source = world.create("MEMBER")
    before = world.s.scalar(select(func.count()).select_from(WebhookEvent))
    row, _ = timers.restart_time_entry(world.s, actor, source.id)
    timers.restart_time_entry(world.s, actor, row.id)  # no-op: nothing new started
    timers.stop_time_entry(world.s, actor, row.id)
    events = world.s.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at)).all()
    assert len(events) == (before or 0) + 1
    payload = orjson.loads(events[-1].payload)
    assert (payload["type"], payload["data"]["timeEntry"]["id"]) == ("time_entry.created", row.id)
