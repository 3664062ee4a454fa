"""Time entries service: CRUD, defaults, running timers, locks, visibility and lists."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.context import Actor
from server.db import models as M
from server.db.base import utcnow
from server.errors import ApiError
from server.services import time_entries as svc
from server.services.pagination import Page
from tests.support.world import empty_invoice

KEY = b"test-cursor-key"


class World:
    """One org with a user per role, a client and an ACTIVE project the Member is on."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.org = M.Organization(name="Acme")
        s.add(self.org)
        s.flush()
        self.actors: dict[str, Actor] = {}
        for role in ("OWNER", "ADMIN", "MANAGER", "MEMBER", "OTHER"):
            self.actors[role] = self.add_member(self.org, role)
        self.client = M.Client(org_id=self.org.id, name="Northwind", currency="EUR")
        s.add(self.client)
        s.flush()
        self.project = self.add_project()
        self.join(self.project, "MEMBER")
        self.join(self.project, "OTHER")

    def add_member(self, org: M.Organization, role: str) -> Actor:
        user = M.User(name=role.title(), email=f"{role.lower()}-{org.id}@example.com")
        self.s.add(user)
        self.s.flush()
        real_role = "MEMBER" if role == "OTHER" else role
        member = M.Member(
            org_id=org.id, user_id=user.id, role=real_role, name=user.name, email=user.email
        )
        self.s.add(member)
        self.s.flush()
        return Actor(org.id, user.id, member.id, "tok", real_role, "studio", "t")

    def add_project(self, **kw: Any) -> M.Project:
        kw.setdefault("name", "Site")
        project = M.Project(org_id=self.org.id, client_id=self.client.id, **kw)
        self.s.add(project)
        self.s.flush()
        return project

    def join(self, project: M.Project, role: str) -> None:
        self.s.add(M.ProjectMember(project_id=project.id, member_id=self.actors[role].member_id))
        self.s.flush()

    def create(self, role: str = "MANAGER", **body: Any) -> M.TimeEntry:
        body.setdefault("projectId", self.project.id)
        body.setdefault("entryDate", "2026-03-02")
        if "duration" not in body and not body.get("running"):
            body.setdefault("durationSeconds", 3600)
        return svc.create_time_entry(self.s, self.actors[role], body)

    def page(self, role: str = "MANAGER", **params: Any) -> Page:
        return svc.list_time_entries(self.s, self.actors[role], params, key=KEY)

    def ids(self, role: str = "MANAGER", **params: Any) -> list[str]:
        return [row.id for row in self.page(role, limit=200, **params).items]


@pytest.fixture
def world(session: Session) -> World:
    """The shared workspace of these tests."""
    return World(session)


def error_of(exc: pytest.ExceptionInfo[ApiError]) -> tuple[int, dict[str, str]]:
    return exc.value.status, exc.value.fields or {}


# --- create ---------------------------------------------------------------------------------


def test_create_defaults_user_and_billable_and_serialises(world: World) -> None:
    """userId defaults to the caller, billable follows the project; output has every field."""
    row = world.create("MEMBER", duration="1h30m", note="Kick-off")
    out = svc.time_entry_out(row)
    assert out["userId"] == world.actors["MEMBER"].user_id
    assert out["durationSeconds"] == 5400
    assert out["billable"] is True
    assert (out["running"], out["locked"], out["invoiceId"]) == (False, False, None)
    assert (out["entryDate"], out["note"], out["startedAt"]) == ("2026-03-02", "Kick-off", None)
    assert "duration" not in out
    assert out["createdAt"].endswith("Z")


def test_non_billable_project_defaults_billable_false(world: World) -> None:
    """A NON_BILLABLE project makes new entries non-billable unless told otherwise."""
    internal = world.add_project(name="Internal", rate_type="NON_BILLABLE")
    assert world.create(projectId=internal.id).billable is False
    assert world.create(projectId=internal.id, billable=True).billable is True


def test_duration_seconds_wins_over_duration(world: World) -> None:
    """When both are sent, durationSeconds is used and duration is ignored."""
    assert world.create(durationSeconds=60, duration="not parsed").duration_seconds == 60


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration": "ninety"}, "duration"),
        ({"durationSeconds": -1}, "durationSeconds"),
        ({"durationSeconds": 1.5}, "durationSeconds"),
        ({"durationSeconds": True}, "durationSeconds"),
        ({"durationSeconds": None}, "durationSeconds"),
        ({"entryDate": "2026-02-30", "durationSeconds": 1}, "entryDate"),
        ({"projectId": "nope", "durationSeconds": 1}, "projectId"),
        ({"projectId": "00000000-0000-4000-8000-000000000000", "durationSeconds": 1}, "projectId"),
        ({"taskId": "00000000-0000-4000-8000-000000000000", "durationSeconds": 1}, "taskId"),
        ({"durationSeconds": 1, "currency": "EUR"}, "currency"),
        ({"running": "yes"}, "running"),
    ],
)
def test_create_validation_errors_name_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    """Invalid bodies are 422 with the offending field in `fields`."""
    body = {"projectId": world.project.id, "entryDate": "2026-03-02", **body}
    with pytest.raises(ApiError) as exc:
        svc.create_time_entry(world.s, world.actors["MANAGER"], body)
    status, fields = error_of(exc)
    assert status == 422
    assert field in fields


def test_create_requires_project_date_and_a_duration(world: World) -> None:
    """An empty body names every missing required field at once."""
    with pytest.raises(ApiError) as exc:
        svc.create_time_entry(world.s, world.actors["MANAGER"], {})
    assert set(error_of(exc)[1]) == {"projectId", "entryDate", "durationSeconds"}


def test_task_must_belong_to_the_project(world: World) -> None:
    """A task of another project is 422; a task of the entry's project is accepted."""
    other = world.add_project(name="Other")
    task = M.Task(org_id=world.org.id, project_id=other.id, name="T")
    own = M.Task(org_id=world.org.id, project_id=world.project.id, name="Own")
    world.s.add_all([task, own])
    world.s.flush()
    with pytest.raises(ApiError) as exc:
        world.create(taskId=task.id)
    assert error_of(exc) == (422, {"taskId": "must be a task of the entry's project"})
    assert world.create(taskId=own.id).task_id == own.id


def test_archived_project_is_conflict(world: World) -> None:
    """Logging time to an ARCHIVED project is 409."""
    archived = world.add_project(name="Old", status="ARCHIVED")
    with pytest.raises(ApiError) as exc:
        world.create(projectId=archived.id)
    assert exc.value.status == 409


def test_member_cannot_log_to_a_project_it_is_not_on(world: World) -> None:
    """An invisible project is reported exactly like a missing one (422 projectId)."""
    hidden = world.add_project(name="Hidden")
    with pytest.raises(ApiError) as exc:
        world.create("MEMBER", projectId=hidden.id)
    assert error_of(exc) == (422, {"projectId": "no such project"})


def test_project_of_another_org_is_not_found(world: World) -> None:
    """Another workspace's project is invisible: 422 projectId."""
    org = M.Organization(name="Other")
    world.s.add(org)
    world.s.flush()
    client = M.Client(org_id=org.id, name="X", currency="USD")
    world.s.add(client)
    world.s.flush()
    foreign = M.Project(org_id=org.id, client_id=client.id, name="F")
    world.s.add(foreign)
    world.s.flush()
    with pytest.raises(ApiError) as exc:
        world.create("OWNER", projectId=foreign.id)
    assert error_of(exc)[0] == 422


@pytest.mark.parametrize(("role", "status"), [("MANAGER", 403), ("MEMBER", 403)])
def test_only_admins_log_time_for_others(world: World, role: str, status: int) -> None:
    """Managers and Members setting another user's id get 403 forbidden_scope."""
    with pytest.raises(ApiError) as exc:
        world.create(role, userId=world.actors["OTHER"].user_id)
    assert (exc.value.status, exc.value.code) == (status, "forbidden_scope")


@pytest.mark.parametrize("role", ["OWNER", "ADMIN"])
def test_admins_log_time_for_members_only(world: World, role: str) -> None:
    """Owners/Admins may log for a member of the org; a stranger's id is 422."""
    target = world.actors["OTHER"].user_id
    assert world.create(role, userId=target).user_id == target
    stranger = M.User(name="S", email="s@example.com")
    world.s.add(stranger)
    world.s.flush()
    with pytest.raises(ApiError) as exc:
        world.create(role, userId=stranger.id)
    assert error_of(exc) == (422, {"userId": "is not a member of this organization"})


# --- running timers -------------------------------------------------------------------------


def test_start_and_stop_a_timer(world: World) -> None:
    """running=true starts a timer; running=false stops it and adds the elapsed seconds."""
    actor = world.actors["MEMBER"]
    row = world.create("MEMBER", running=True)
    assert (row.is_running, row.duration_seconds, row.stopped_at) == (True, 0, None)
    assert row.started_at is not None
    assert svc.get_running_time_entry(world.s, actor) is row
    assert svc.get_running_time_entry(world.s, world.actors["OTHER"]) is None
    row.started_at = utcnow() - timedelta(minutes=5)  # as if five minutes had passed
    stopped = svc.update_time_entry(world.s, actor, row.id, {"running": False})
    assert stopped.is_running is False
    assert stopped.stopped_at is not None
    assert 300 <= stopped.duration_seconds <= 302
    assert svc.get_running_time_entry(world.s, actor) is None


def test_second_running_timer_is_conflict(world: World) -> None:
    """A user can run one timer at a time; another user is unaffected."""
    world.create("MEMBER", running=True)
    with pytest.raises(ApiError) as exc:
        world.create("MEMBER", running=True)
    assert exc.value.status == 409
    assert world.create("OTHER", running=True).is_running


def test_timer_rules_on_create_and_update(world: World) -> None:
    """A timer starts without a duration; PATCH cannot start one; durations need running=false."""
    member = world.actors["MEMBER"]
    with pytest.raises(ApiError) as exc:
        world.create("MEMBER", running=True, durationSeconds=60)
    assert error_of(exc)[1] == {
        "durationSeconds": "must not be sent when starting a timer (running: true)"
    }
    stopped = world.create("MEMBER")
    with pytest.raises(ApiError) as exc:
        svc.update_time_entry(world.s, member, stopped.id, {"running": True})
    assert error_of(exc)[0] == 422
    before = stopped.updated_at
    svc.update_time_entry(world.s, member, stopped.id, {"running": False})
    assert (stopped.duration_seconds, stopped.updated_at) == (3600, before), "no-op when stopped"
    running = world.create("MEMBER", running=True)
    with pytest.raises(ApiError) as exc:
        svc.update_time_entry(world.s, member, running.id, {"durationSeconds": 60})
    assert error_of(exc)[0] == 422
    svc.update_time_entry(world.s, member, running.id, {"running": False, "duration": "45m"})
    assert (running.is_running, running.duration_seconds) == (False, 2700)


def test_stopping_caps_the_duration_at_seven_days(world: World) -> None:
    """A timer left running for weeks stops at the 604800-second maximum."""
    row = world.create("MEMBER", running=True)
    row.started_at = utcnow() - timedelta(days=30)
    svc.update_time_entry(world.s, world.actors["MEMBER"], row.id, {"running": False})
    assert row.duration_seconds == 604800


def test_database_index_backs_the_one_timer_rule(world: World) -> None:
    """Even bypassing the pre-check, the unique partial index turns a race into 409."""
    actor = world.actors["MEMBER"]
    world.create("MEMBER", running=True)
    row = M.TimeEntry(
        org_id=world.org.id,
        project_id=world.project.id,
        user_id=actor.user_id,
        entry_date=date(2026, 3, 2),
        is_running=True,
    )
    world.s.add(row)
    with pytest.raises(ApiError) as exc:
        svc.flush_guarding_timer(world.s)
    assert exc.value.status == 409


def test_deleting_a_running_entry_frees_the_timer(world: World) -> None:
    """A deleted running entry no longer counts as the user's running timer."""
    row = world.create("MEMBER", running=True)
    svc.delete_time_entry(world.s, world.actors["MEMBER"], row.id)
    assert svc.get_running_time_entry(world.s, world.actors["MEMBER"]) is None
    assert world.create("MEMBER", running=True).is_running


# --- read, update, delete, visibility, locks ------------------------------------------------


def test_member_sees_only_its_own_uninvoiced_entries(world: World) -> None:
    """Another user's entry and an invoiced own entry are 404 for a Member."""
    mine = world.create("MEMBER")
    theirs = world.create("OTHER")
    assert svc.get_time_entry(world.s, world.actors["MEMBER"], mine.id) is mine
    for entry_id in (theirs.id, "not-a-uuid"):
        with pytest.raises(ApiError) as exc:
            svc.get_time_entry(world.s, world.actors["MEMBER"], entry_id)
        assert exc.value.status == 404
    _lock(world, mine)
    with pytest.raises(ApiError) as exc:
        svc.get_time_entry(world.s, world.actors["MEMBER"], mine.id)
    assert exc.value.status == 404
    assert svc.get_time_entry(world.s, world.actors["MANAGER"], theirs.id) is theirs


def _lock(world: World, row: M.TimeEntry) -> None:
    invoice = empty_invoice(world.org.id, world.client.id, f"INV-{row.id[:6]}")
    world.s.add(invoice)
    world.s.flush()
    row.invoice_id = invoice.id
    world.s.flush()


@pytest.mark.parametrize("role", ["OWNER", "MANAGER"])
def test_locked_entry_cannot_be_updated_or_deleted(world: World, role: str) -> None:
    """An invoiced entry is 409 for update and delete, Owners included."""
    row = world.create()
    _lock(world, row)
    assert svc.time_entry_out(row)["locked"] is True
    with pytest.raises(ApiError) as exc:
        svc.update_time_entry(world.s, world.actors[role], row.id, {"note": "x"})
    assert exc.value.status == 409
    with pytest.raises(ApiError) as exc:
        svc.delete_time_entry(world.s, world.actors[role], row.id)
    assert exc.value.status == 409


def test_update_is_partial_and_moves_updated_at(world: World) -> None:
    """Only sent fields change; duration strings work on update; updatedAt moves."""
    row = world.create(note="a")
    before = row.updated_at
    task = M.Task(org_id=world.org.id, project_id=world.project.id, name="T")
    world.s.add(task)
    world.s.flush()
    svc.update_time_entry(
        world.s, world.actors["MANAGER"], row.id, {"duration": "2h", "taskId": task.id}
    )
    assert (row.duration_seconds, row.note, row.task_id) == (7200, "a", task.id)
    assert row.updated_at >= before
    svc.update_time_entry(world.s, world.actors["MANAGER"], row.id, {"taskId": None, "note": ""})
    assert (row.task_id, row.note) == (None, None)


def test_update_to_archived_project_is_conflict(world: World) -> None:
    """Moving an entry onto an ARCHIVED project is 409."""
    row = world.create()
    archived = world.add_project(name="Old", status="ARCHIVED")
    with pytest.raises(ApiError) as exc:
        svc.update_time_entry(world.s, world.actors["MANAGER"], row.id, {"projectId": archived.id})
    assert exc.value.status == 409


def test_member_cannot_touch_others_entries(world: World) -> None:
    """Another user's entry is 404 for a Member on update and delete."""
    theirs = world.create("OTHER")
    for call in (
        lambda: svc.update_time_entry(world.s, world.actors["MEMBER"], theirs.id, {"note": "x"}),
        lambda: svc.delete_time_entry(world.s, world.actors["MEMBER"], theirs.id),
    ):
        with pytest.raises(ApiError) as exc:
            call()
        assert exc.value.status == 404


def test_delete_is_soft_and_hides_the_entry(world: World) -> None:
    """After delete, get is 404 and only includeDeleted lists it (with deletedAt)."""
    row = world.create()
    svc.delete_time_entry(world.s, world.actors["MANAGER"], row.id)
    with pytest.raises(ApiError) as exc:
        svc.get_time_entry(world.s, world.actors["MANAGER"], row.id)
    assert exc.value.status == 404
    assert world.ids() == []
    assert world.ids(include_deleted="true") == [row.id]
    assert svc.time_entry_out(row)["deletedAt"] is not None


# --- lists ----------------------------------------------------------------------------------


def test_list_filters(world: World) -> None:
    """Each filter narrows the list as documented, and they combine with AND."""
    other_project = world.add_project(name="Other", rate_type="NON_BILLABLE")
    a = world.create(durationSeconds=600, entryDate="2026-03-01", note="Design 50%_off")
    b = world.create(durationSeconds=3600, entryDate="2026-03-05", projectId=other_project.id)
    c = world.create("OTHER", running=True, entryDate="2026-03-10")
    assert set(world.ids()) == {a.id, b.id, c.id}
    assert world.ids(project_id=other_project.id) == [b.id]
    assert world.ids(user_id=world.actors["OTHER"].user_id) == [c.id]
    assert world.ids(billable="no") == [b.id]
    assert world.ids(running="TRUE") == [c.id]
    assert set(world.ids(running="0")) == {a.id, b.id}
    assert world.ids(entry_date_from="2026-03-02", entry_date_to="2026-03-05") == [b.id]
    assert set(world.ids(duration_seconds_min=600, duration_seconds_max="3600")) == {a.id, b.id}
    assert world.ids(duration_seconds_min="601") == [b.id]
    assert world.ids(search="DESIGN") == [a.id]
    assert world.ids(search="50%_") == [a.id]
    assert world.ids(search="0%x") == []
    assert world.ids(billable="true", running="false") == [a.id]
    today = utcnow().date().isoformat()
    assert len(world.ids(created_at_from=today, updated_at_to=today)) == 3
    assert world.ids(created_at_to="2000-01-01") == []


def test_list_bad_filters_are_one_422(world: World) -> None:
    """Invalid filter values are reported together under their API names."""
    with pytest.raises(ApiError) as exc:
        world.page(billable="maybe", entry_date_from="March", duration_seconds_max="lots")
    assert error_of(exc) == (
        422,
        {
            "billable": "must be one of true, false, 1, 0, yes, no",
            "entryDateFrom": "must be a date (YYYY-MM-DD) or an ISO-8601 instant",
            "durationSecondsMax": "must be a number",
        },
    )


def test_member_list_is_pinned_to_itself(world: World) -> None:
    """A Member lists only its own un-invoiced entries; a userId of someone else gives nothing."""
    mine = world.create("MEMBER")
    invoiced = world.create("MEMBER")
    _lock(world, invoiced)
    world.create("OTHER")
    world.create("MANAGER")
    assert world.ids("MEMBER") == [mine.id]
    assert world.ids("MEMBER", user_id=world.actors["MEMBER"].user_id) == [mine.id]
    assert world.ids("MEMBER", user_id=world.actors["OTHER"].user_id) == []
    assert len(world.ids("MANAGER")) == 4


@pytest.mark.parametrize(
    "sort",
    [
        "createdAt",
        "-createdAt",
        "durationSeconds",
        "-durationSeconds",
        "entryDate",
        "-entryDate",
        "id",
        "-id",
        "updatedAt",
    ],
)
def test_list_sorts(world: World, sort: str) -> None:
    """Every allow-listed sort orders by (key, id) in the asked direction."""
    rows = [
        world.create(durationSeconds=d, entryDate=f"2026-03-0{n}")
        for n, d in ((3, 60), (1, 60), (2, 30))
    ]
    field = sort.removeprefix("-")
    attr = {
        "createdAt": "created_at",
        "durationSeconds": "duration_seconds",
        "entryDate": "entry_date",
        "id": "id",
        "updatedAt": "updated_at",
    }[field]
    desc = sort.startswith("-")
    expected = sorted(rows, key=lambda r: (getattr(r, attr), r.id), reverse=desc)
    assert world.ids(sort=sort) == [r.id for r in expected]


def test_unknown_sort_is_422(world: World) -> None:
    """A sort outside the allow-list names the parameter."""
    with pytest.raises(ApiError) as exc:
        world.page(sort="note")
    assert "sort" in error_of(exc)[1]


def test_pagination_is_stable_while_rows_change(world: World) -> None:
    """Inserting and deleting between pages causes neither duplicates nor skips."""
    rows = [world.create(durationSeconds=n) for n in range(7)]
    first = world.page(limit=3, sort="durationSeconds")
    assert [r.duration_seconds for r in first.items] == [0, 1, 2]
    assert first.next_cursor is not None
    svc.delete_time_entry(world.s, world.actors["MANAGER"], rows[3].id)  # not yet seen
    svc.delete_time_entry(world.s, world.actors["MANAGER"], rows[1].id)  # already seen
    world.create(durationSeconds=0)  # sorts before the cursor: must not appear
    world.create(durationSeconds=100)  # after the cursor: must appear
    seen = []
    cursor: str | None = first.next_cursor
    while cursor:
        nxt = world.page(limit=3, sort="durationSeconds", cursor=cursor)
        seen += [r.duration_seconds for r in nxt.items]
        cursor = nxt.next_cursor
    assert seen == [4, 5, 6, 100]


def test_cursor_is_bound_to_the_filters(world: World) -> None:
    """Reusing a cursor with another filter is 400."""
    for _ in range(3):
        world.create()
    first = world.page(limit=1)
    with pytest.raises(ApiError) as exc:
        world.page(limit=1, cursor=first.next_cursor, billable="true")
    assert exc.value.status == 400


def test_integral_float_duration_is_an_integer(world: World) -> None:
    """`6397.0` is a JSON Schema integer (D7): accepted and stored as the int 6397."""
    row = world.create(durationSeconds=6397.0)
    assert row.duration_seconds == 6397
    assert type(svc.time_entry_out(row)["durationSeconds"]) is int


def test_list_rows_serialise_like_entities(world: World) -> None:
    """The list's positional row serialiser gives exactly `time_entry_out` of the entity."""
    world.create(note="a")
    world.create("MEMBER", running=True)
    world.s.flush()
    rows = world.page(limit=200).items
    assert rows
    for row in rows:
        entity = world.s.get(M.TimeEntry, row.id)
        assert svc.time_entry_row_out(row) == svc.time_entry_out(entity)
