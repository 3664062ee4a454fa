"""Time entries over HTTP: create forms, timers, roles, locks, deletes, lists, contract shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.db import models as M
from tests.support.http_api import Api, conforms, make_invoice


def test_conforms_rejects_a_wrong_shape() -> None:
    """The schema check used here really fails on a non-conforming body (and on `duration`)."""
    with pytest.raises(AssertionError):
        conforms({"data": {"id": 1}}, "TimeEntryResponse")
    with pytest.raises(AssertionError):
        conforms({"data": None}, "TimeEntryResponse")


def create(api: Api, who: str = "owner", **body: Any) -> httpx.Response:
    body.setdefault("entryDate", "2026-03-02")
    if not body.get("running") and "duration" not in body:
        body.setdefault("durationSeconds", 3600)
    return api.post("/time-entries", body, who)


def test_create_with_duration_string_returns_201_and_location(api: Api) -> None:
    """`duration` is parsed; 201 with Location; the body conforms and omits `duration`."""
    project = api.world.project(on=("member",))
    res = create(api, "member", projectId=project.id, duration="1h30m", note="Wireframes")
    assert res.status_code == 201, res.text
    data = res.json()["data"]
    assert res.headers["Location"] == f"/api/v1/time-entries/{data['id']}"
    conforms(res.json(), "TimeEntryResponse")
    assert data["durationSeconds"] == 5400
    assert data["userId"] == api.world.members["member"].user_id
    assert (data["billable"], data["running"], data["locked"]) == (True, False, False)
    got = api.get(f"/time-entries/{data['id']}", "member")
    assert got.status_code == 200
    assert got.json() == res.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration": "ninety minutes"}, "duration"),
        ({"durationSeconds": -5}, "durationSeconds"),
        ({"durationSeconds": 604801}, "durationSeconds"),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_invalid_bodies_are_422_with_fields(api: Api, body: dict[str, Any], field: str) -> None:
    """Unparseable durations, out-of-range seconds and unknown fields are 422 naming the field."""
    project = api.world.project()
    res = create(api, projectId=project.id, **body)
    assert res.status_code == 422, res.text
    assert field in res.json()["error"]["fields"]


def test_missing_duration_and_unknown_project_are_422(api: Api) -> None:
    """No duration (and no timer) is 422; a project of another org is 422 projectId."""
    project = api.world.project()
    res = api.post("/time-entries", {"projectId": project.id, "entryDate": "2026-03-02"})
    assert res.status_code == 422
    assert "durationSeconds" in res.json()["error"]["fields"]
    hidden = api.world.project()
    res = create(api, "member", projectId=hidden.id)
    assert res.status_code == 422
    assert res.json()["error"]["fields"] == {"projectId": "no such project"}


def test_archived_project_is_409(api: Api) -> None:
    """Logging time to an ARCHIVED project is 409 conflict."""
    project = api.world.project(status="ARCHIVED")
    res = create(api, projectId=project.id)
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "conflict"


def test_user_id_is_owner_and_admin_only(api: Api) -> None:
    """A Manager setting userId is 403; an Owner may log time for a member."""
    project = api.world.project()
    target = api.world.members["member"].user_id
    res = create(api, "manager", projectId=project.id, userId=target)
    assert res.status_code == 403
    assert res.json()["error"]["code"] == "forbidden_scope"
    res = create(api, "owner", projectId=project.id, userId=target)
    assert res.status_code == 201, res.text
    assert res.json()["data"]["userId"] == target


def test_timer_start_running_conflict_and_stop(api: Api) -> None:
    """Start with running=true; a second is 409; /running shows it; PATCH running=false stops."""
    project = api.world.project(on=("member",))
    assert api.get("/time-entries/running", "member").json() == {"data": None}
    started = create(api, "member", projectId=project.id, running=True)
    assert started.status_code == 201, started.text
    entry = started.json()["data"]
    assert (entry["running"], entry["durationSeconds"], entry["stoppedAt"]) == (True, 0, None)
    assert entry["startedAt"].endswith("Z")
    again = create(api, "member", projectId=project.id, running=True)
    assert again.status_code == 409
    running = api.get("/time-entries/running", "member")
    assert running.status_code == 200
    conforms(running.json(), "RunningTimeEntryResponse")
    assert running.json()["data"]["id"] == entry["id"]
    assert api.get("/time-entries/running", "owner").json() == {"data": None}
    listed = api.get("/time-entries", "member", running="true").json()["data"]
    assert [e["id"] for e in listed] == [entry["id"]]
    stopped = api.patch(f"/time-entries/{entry['id']}", {"running": False}, "member")
    assert stopped.status_code == 200, stopped.text
    data = stopped.json()["data"]
    assert data["running"] is False
    assert data["stoppedAt"] is not None
    assert api.get("/time-entries/running", "member").json() == {"data": None}


def test_running_with_a_duration_is_422(api: Api) -> None:
    """A timer cannot start with a duration."""
    project = api.world.project()
    res = api.post(
        "/time-entries",
        {"projectId": project.id, "entryDate": "2026-03-02", "running": True, "duration": "1h"},
    )
    assert res.status_code == 422
    assert "duration" in res.json()["error"]["fields"]


def test_member_sees_only_its_own_entries(api: Api) -> None:
    """Someone else's entry is 404 for a Member; its list is pinned to itself."""
    project = api.world.project(on=("member", "member2"))
    mine = create(api, "member", projectId=project.id).json()["data"]
    theirs = create(api, "member2", projectId=project.id).json()["data"]
    assert api.get(f"/time-entries/{theirs['id']}", "member").status_code == 404
    assert api.patch(f"/time-entries/{theirs['id']}", {"note": "x"}, "member").status_code == 404
    assert api.delete(f"/time-entries/{theirs['id']}", "member").status_code == 404
    listed = api.get("/time-entries", "member").json()["data"]
    assert [e["id"] for e in listed] == [mine["id"]]
    other_user = api.world.members["member2"].user_id
    assert api.get("/time-entries", "member", userId=other_user).json()["data"] == []
    by_manager = api.get("/time-entries", "manager", userId=other_user).json()["data"]
    assert [e["id"] for e in by_manager] == [theirs["id"]]


def test_locked_entry_is_409_for_owners_too(api: Api) -> None:
    """An entry on an invoice cannot be updated or deleted (409), and shows locked: true."""
    project = api.world.project()
    entry = create(api, projectId=project.id).json()["data"]
    invoice = make_invoice(api, project)
    row = api.world.s.get(M.TimeEntry, entry["id"])
    assert row is not None
    row.invoice_id = invoice.id
    api.world.s.commit()
    got = api.get(f"/time-entries/{entry['id']}").json()["data"]
    assert (got["locked"], got["invoiceId"]) == (True, invoice.id)
    assert api.patch(f"/time-entries/{entry['id']}", {"note": "x"}).status_code == 409
    assert api.delete(f"/time-entries/{entry['id']}").status_code == 409


def test_patch_and_delete(api: Api) -> None:
    """PATCH is partial and accepts duration strings; DELETE is 204 and later GETs are 404."""
    project = api.world.project()
    entry = create(api, projectId=project.id, note="keep").json()["data"]
    res = api.patch(f"/time-entries/{entry['id']}", {"duration": "45m", "billable": False})
    assert res.status_code == 200, res.text
    data = res.json()["data"]
    assert (data["durationSeconds"], data["billable"], data["note"]) == (2700, False, "keep")
    res = api.delete(f"/time-entries/{entry['id']}")
    assert res.status_code == 204
    assert res.content == b""
    assert api.get(f"/time-entries/{entry['id']}").status_code == 404
    listed = api.get("/time-entries", includeDeleted="true").json()["data"]
    assert [e["deletedAt"] is not None for e in listed if e["id"] == entry["id"]] == [True]


def test_idempotent_create_replays(api: Api) -> None:
    """The same Idempotency-Key and body replays the first response, creating one entry."""
    project = api.world.project()
    body = {"projectId": project.id, "entryDate": "2026-03-02", "durationSeconds": 60}
    first = api.call("POST", "/time-entries", json=body, key="te-replay-1")
    second = api.call("POST", "/time-entries", json=body, key="te-replay-1")
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()
    assert len(api.get("/time-entries").json()["data"]) == 1


def test_list_filters_sort_and_pages(api: Api) -> None:
    """Filters in their API spelling, sort, search and cursor paging work over HTTP."""
    project = api.world.project()
    other = api.world.project(rate_type="NON_BILLABLE")
    for seconds, day in ((600, "01"), (1200, "02"), (1800, "03"), (2400, "04")):
        create(api, projectId=project.id, durationSeconds=seconds, entryDate=f"2026-03-{day}")
    odd = create(api, projectId=other.id, note="Retro 100%", entryDate="2026-03-09").json()["data"]
    assert api.get("/time-entries", billable="false").json()["data"][0]["id"] == odd["id"]
    assert [e["id"] for e in api.get("/time-entries", search="retro 100%").json()["data"]] == [
        odd["id"]
    ]
    ranged = api.get(
        "/time-entries",
        projectId=project.id,
        entryDateFrom="2026-03-02",
        entryDateTo="2026-03-03",
        sort="entryDate",
    ).json()["data"]
    assert [e["entryDate"] for e in ranged] == ["2026-03-02", "2026-03-03"]
    heavy = api.get("/time-entries", durationSecondsMin=1800, durationSecondsMax="3000")
    assert sorted(e["durationSeconds"] for e in heavy.json()["data"]) == [1800, 2400]
    first = api.get("/time-entries", sort="-durationSeconds", limit=2).json()
    conforms(first, "TimeEntryList")
    second = api.get(
        "/time-entries", sort="-durationSeconds", limit=2, cursor=first["pagination"]["nextCursor"]
    ).json()
    third = api.get(
        "/time-entries", sort="-durationSeconds", limit=2, cursor=second["pagination"]["nextCursor"]
    ).json()
    durations = [e["durationSeconds"] for page in (first, second, third) for e in page["data"]]
    assert durations == [3600, 2400, 1800, 1200, 600]
    assert third["pagination"]["nextCursor"] is None


def test_bad_list_parameters(api: Api) -> None:
    """An unknown sort or parameter is 422; a cursor from another sort is 400."""
    assert api.get("/time-entries", sort="note").status_code == 422
    assert api.get("/time-entries", colour="red").status_code == 422
    project = api.world.project()
    for _ in range(2):
        create(api, projectId=project.id)
    cursor = api.get("/time-entries", limit=1).json()["pagination"]["nextCursor"]
    res = api.get("/time-entries", limit=1, cursor=cursor, sort="id")
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "bad_request"


# --- timers (contract 1.1.0) ----------------------------------------------------------------


def test_stop_then_restart_over_http(api: Api) -> None:
    """stop: 200 with the stopped entry, again 409; restart: 201 + Location, a new running one."""
    project = api.world.project(on=("member",))
    started = create(api, "member", projectId=project.id, running=True, note="Call").json()["data"]
    stopped = api.post(f"/time-entries/{started['id']}/stop", None, "member")
    assert stopped.status_code == 200, stopped.text
    conforms(stopped.json(), "TimeEntryResponse")
    assert (stopped.json()["data"]["running"], stopped.json()["data"]["id"]) == (
        False,
        started["id"],
    )
    again = api.post(f"/time-entries/{started['id']}/stop", None, "member")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    restarted = api.post(f"/time-entries/{started['id']}/restart", None, "member")
    assert restarted.status_code == 201, restarted.text
    conforms(restarted.json(), "TimeEntryResponse")
    new = restarted.json()["data"]
    assert restarted.headers["Location"] == f"/api/v1/time-entries/{new['id']}"
    assert new["id"] != started["id"]
    assert (new["running"], new["projectId"], new["note"]) == (True, project.id, "Call")
    same = api.post(f"/time-entries/{new['id']}/restart", None, "member")
    assert (same.status_code, same.json()) == (200, restarted.json())
    running = api.get("/time-entries/running", "member").json()["data"]
    assert running["id"] == new["id"]


def test_timer_actions_replay_with_the_same_idempotency_key(api: Api) -> None:
    """A retried restart with the same key replays the first 201 instead of starting again."""
    project = api.world.project(on=("member",))
    source = create(api, "member", projectId=project.id).json()["data"]
    path = f"/time-entries/{source['id']}/restart"
    first = api.call("POST", path, "member", key="restart-once")
    replay = api.call("POST", path, "member", key="restart-once")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    listed = api.get("/time-entries", "member", running="true").json()["data"]
    assert [e["id"] for e in listed] == [first.json()["data"]["id"]]


def test_timer_actions_need_an_idempotency_key_and_a_visible_entry(api: Api) -> None:
    """No Idempotency-Key is 422; another user's entry is 404 for a Member."""
    project = api.world.project(on=("member",))
    entry = api.world.time_entry(project)  # the owner's
    res = api.client.post(
        f"/api/v1/time-entries/{entry.id}/stop",
        headers={"Authorization": f"Bearer {api.tokens['member']}"},
    )
    assert res.status_code == 422
    for action in ("stop", "restart"):
        res = api.post(f"/time-entries/{entry.id}/{action}", None, "member")
        assert (res.status_code, res.json()["error"]["code"]) == (404, "not_found")


def test_restart_on_an_archived_project_is_409(api: Api) -> None:
    """Restarting an entry whose project was archived is a conflict, nothing starts."""
    project = api.world.project()
    entry = api.world.time_entry(project)
    project.status = "ARCHIVED"
    api.world.s.commit()
    res = api.post(f"/time-entries/{entry.id}/restart")
    assert (res.status_code, res.json()["error"]["code"]) == (409, "conflict")
    assert api.get("/time-entries/running").json()["data"] is None
