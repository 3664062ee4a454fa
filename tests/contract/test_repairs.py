"""The test-data repairs: rules on the body alone, and records read over the API under test.

The API-backed repairs run here against the contract suite's seeded app through the same
transport the hooks use, with each role's own token; nothing reads the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis import GenerationMode

from tests.contract import repairs
from tests.contract.support import ContractEnv, contract_env, restore_seeded_state
from tests.contract.transport import sender_for

BASE = "http://testserver/api/v1"


@pytest.fixture
def env() -> Iterator[ContractEnv]:
    """The seeded contract app, put back to the seed afterwards (some tests write)."""
    found = contract_env()
    restore_seeded_state(found)
    yield found
    restore_seeded_state(found)


def lookup(env: ContractEnv, who: str) -> repairs.Lookup:
    """Read the API as `who`, the way the hooks do."""
    return repairs.Lookup(sender_for(env.app), BASE, env.tokens[who])


def case(env: ContractEnv, who: str, request: str, body: Any, record_id: str | None = None) -> Any:
    """A stand-in for a Schemathesis Case of `request` ("PATCH /tasks/{id}") as `who`."""
    method, path = request.split(" ")
    operation = SimpleNamespace(app=env.app, base_url=BASE, path=path)
    return SimpleNamespace(
        method=method,
        body=body,
        query=None,
        meta=SimpleNamespace(generation=SimpleNamespace(mode=GenerationMode.POSITIVE)),
        headers={"Authorization": f"Bearer {env.tokens[who]}"},
        path_parameters={"id": record_id} if record_id else {},
        operation=operation,
    )


def send(env: ContractEnv, who: str, method: str, path: str) -> Any:
    """One request to the app as `who`; its JSON body."""
    auth = {"Authorization": f"Bearer {env.tokens[who]}", "Idempotency-Key": "repairs-test"}
    return sender_for(env.app)(method, f"{BASE}{path}", auth, None).json()


RANDOM = "0f0e0d0c-0b0a-4908-8706-050403020100"


# ─────────────────────────────────────────────────────────────── the body alone


def test_order_dates_repairs_only_well_formed_dates() -> None:
    """startDate moves back to the earliest due/end date; malformed dates stay as generated."""
    body = {"startDate": "2026-03-10", "dueDate": "2026-03-12", "endDate": "2026-03-01"}
    repairs.order_dates(body)
    assert body["startDate"] == "2026-03-01"
    kept = {"startDate": "2026-03-10", "endDate": "2026-02-30"}
    repairs.order_dates(kept)
    assert kept["startDate"] == "2026-03-10"
    negative = {"startDate": "", "endDate": "2000-01-01"}
    repairs.order_dates(negative)
    assert negative["startDate"] == ""
    repairs.order_dates(None)


def test_cap_duration_repairs_only_well_formed_durations() -> None:
    """A well-formed duration over 7 days becomes 168h; the 7-day limit itself and malformed
    durations stay as generated."""
    for text, expected in (("80176m", "168h"), ("10080m", "10080m"), ("168:00", "168:00")):
        body = {"duration": text}
        repairs.cap_duration(body)
        assert body["duration"] == expected
    assert repairs.duration_seconds("1.5h 30m") == 7200
    assert repairs.duration_seconds("999:59") == 999 * 3600 + 59 * 60
    malformed = {"duration": "99999999m"}
    repairs.cap_duration(malformed)
    assert malformed["duration"] == "99999999m"


# ─────────────────────────────────────────────────────────────── references


@pytest.mark.parametrize("who", ["owner", "member"])
def test_references_name_records_the_token_can_use(env: ContractEnv, who: str) -> None:
    """Well-formed references become an active project the token sees, its client, a task of it
    and the token's own user; malformed ones stay as generated."""
    body: dict[str, Any] = {
        "clientId": RANDOM,
        "projectId": RANDOM,
        "taskId": RANDOM,
        "userId": RANDOM,
        "assigneeIds": [RANDOM, RANDOM],
    }
    repairs.repair(case(env, who, "POST /time-entries", body), {})
    read = lookup(env, who)
    project = read.data(f"/projects/{body['projectId']}")
    assert project is not None, f"{who} cannot see the chosen project"
    assert (project["status"], project["clientId"]) == ("ACTIVE", body["clientId"])
    assert read.data(f"/tasks/{body['taskId']}")["projectId"] == body["projectId"]
    me = read.data("/me")
    assert body["userId"] == me["userId"]
    assert body["assigneeIds"] == [me["userId"]]
    negative = {"clientId": "not-a-uuid", "assigneeIds": ["x"]}
    repairs.repair(case(env, who, "POST /projects", negative), {})
    assert negative == {"clientId": "not-a-uuid", "assigneeIds": ["x"]}


def test_a_token_that_reads_nothing_gets_no_references(env: ContractEnv) -> None:
    """A free-plan token (every call 402) leaves the references as generated."""
    body = {"clientId": RANDOM}
    repairs.repair(case(env, "free", "POST /projects", body), {})
    assert body == {"clientId": RANDOM}


def test_archiving_the_chosen_project_is_noticed(env: ContractEnv) -> None:
    """After the chosen project is archived through the API, references move to another one."""
    chosen = repairs.workspace(lookup(env, "owner"))
    assert chosen is not None
    project_id = chosen.references["projectId"]
    answer = send(env, "owner", "POST", f"/projects/{project_id}/archive")
    assert answer["data"]["status"] == "ARCHIVED"
    archive = case(env, "owner", "POST /projects/{id}/archive", None, project_id)
    repairs.forget_after(archive, 200)
    body = {"projectId": RANDOM}
    repairs.repair(case(env, "owner", "POST /tasks", body), {})
    assert body["projectId"] != project_id
    assert lookup(env, "owner").data(f"/projects/{body['projectId']}")["status"] == "ACTIVE"


# ─────────────────────────────────────────────────────────────── cursors


def test_a_generated_cursor_becomes_a_real_one_of_the_same_query(env: ContractEnv) -> None:
    """A positive list case's made-up cursor is replaced by one the server accepts for that
    query; without a next page it is left out; a negative case keeps its cursor."""
    listing = case(env, "owner", "GET /clients", None)
    listing.query = {"cursor": "made-up", "limit": 2, "sort": "name"}
    repairs.repair(listing, {})
    real = listing.query["cursor"]
    page = lookup(env, "owner").body("/clients", [("sort", "name"), ("cursor", real)])
    assert page is not None, "the server refuses the replaced cursor"
    first = lookup(env, "owner").items("/clients", sort="name")
    assert page["data"][0]["id"] == sorted(first, key=lambda c: (c["name"], c["id"]))[1]["id"]
    alone = case(env, "owner", "GET /clients", None)
    alone.query = {"cursor": "made-up", "search": "no client has this name"}
    repairs.repair(alone, {})
    assert alone.query == {"search": "no client has this name"}
    negative = case(env, "owner", "GET /clients", None)
    negative.query = {"cursor": "made-up"}
    negative.meta.generation.mode = GenerationMode.NEGATIVE
    repairs.repair(negative, {})
    assert negative.query == {"cursor": "made-up"}


def test_an_id_a_link_took_from_a_null_field_names_no_record(env: ContractEnv) -> None:
    """A positive case whose path id is None (a link read a null) gets an id of no record;
    a negative case keeps its value."""
    deleting = case(env, "owner", "DELETE /tasks/{id}", None)
    deleting.path_parameters = {"id": None}
    repairs.repair(deleting, {})
    assert deleting.path_parameters == {"id": repairs.NO_RECORD}
    assert lookup(env, "owner").data(f"/tasks/{repairs.NO_RECORD}") is None
    negative = case(env, "owner", "DELETE /tasks/{id}", None)
    negative.path_parameters = {"id": "None"}
    negative.meta.generation.mode = GenerationMode.NEGATIVE
    repairs.repair(negative, {})
    assert negative.path_parameters == {"id": "None"}


# ─────────────────────────────────────────────────────────────── PATCH and the stored record


def test_a_duration_on_a_running_entry_also_stops_it(env: ContractEnv) -> None:
    """The Member's seeded running timer: a PATCH with a duration gets `running: false`."""
    running = lookup(env, "member").data("/time-entries/running")
    assert running is not None
    assert running["running"] is True
    body: dict[str, Any] = {"durationSeconds": 60}
    repairs.repair(case(env, "member", "PATCH /time-entries/{id}", body, running["id"]), {})
    assert body == {"durationSeconds": 60, "running": False}


def test_a_task_stays_within_the_entry_project(env: ContractEnv) -> None:
    """A task of another project sent for a stored entry becomes a task of the entry's project."""
    read = lookup(env, "owner")
    entries = read.items("/time-entries")
    tasks = read.items("/tasks")
    entry = next(e for e in entries if any(t["projectId"] != e["projectId"] for t in tasks))
    foreign = next(t for t in tasks if t["projectId"] != entry["projectId"])
    body: dict[str, Any] = {"taskId": foreign["id"]}
    repairs.repair(case(env, "owner", "PATCH /time-entries/{id}", body, entry["id"]), {})
    own = {t["id"] for t in read.items("/tasks", projectId=entry["projectId"])}
    assert body["taskId"] in own if own else body["taskId"] is None


def test_a_fee_on_an_hourly_project_makes_it_fixed(env: ContractEnv) -> None:
    """A fixed fee sent alone for a stored HOURLY project also sends `rateType: FIXED`, and a
    later dueDate keeps the stored startDate's order."""
    read = lookup(env, "owner")
    project = next(
        p for p in read.items("/projects") if p["rateType"] == "HOURLY" and p["startDate"]
    )
    body: dict[str, Any] = {"fixedFeeAmount": "10.00", "dueDate": "0001-01-01"}
    repairs.repair(case(env, "owner", "PATCH /projects/{id}", body, project["id"]), {})
    assert body == {
        "fixedFeeAmount": "10.00",
        "dueDate": "0001-01-01",
        "rateType": "FIXED",
        "startDate": "0001-01-01",
    }
