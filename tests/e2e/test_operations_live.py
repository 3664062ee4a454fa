"""Every operation of the document over real HTTP against a real `hoursmith serve`, per role.

One server process (temp SQLite, demo workspace) serves the whole module; rate limiting is off
here so the walk is not throttled (`test_rate_limit_live` covers the limiter over HTTP).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.live_server import CLI, LiveServer, live_server_running

REPO = Path(__file__).resolve().parents[2]
MANAGERS = ("owner", "admin", "manager")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with rate limiting off (the walk sends many requests per token)."""
    workdir = tmp_path_factory.mktemp("operations-live")
    with live_server_running(workdir, {"HOURSMITH_RATE_LIMIT": "off"}) as live:
        yield live


class Caller:
    """Calls the API as one demo role and records which operations it exercised."""

    def __init__(self, server: LiveServer, role: str, seen: set[str]) -> None:
        self.http = httpx.Client(
            base_url=server.api_url,
            headers={"Authorization": f"Bearer {server.tokens[role]}"},
            timeout=30.0,
        )
        self.seen = seen

    def close(self) -> None:
        self.http.close()

    def __call__(
        self, operation_id: str, method: str, path: str, expected: int, body: Any = None
    ) -> Any:
        headers = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
        response = self.http.request(method, path, json=body, headers=headers)
        assert response.status_code == expected, (operation_id, response.text)
        assert response.headers["X-RateLimit-Limit"].isdigit()
        self.seen.add(operation_id)
        if response.status_code == 204:
            assert response.content == b""
            return None
        payload = response.json()
        if expected >= 400:
            assert set(payload) == {"error"}
        return payload


def _document_operation_ids() -> set[str]:
    document = yaml.safe_load((REPO / "openapi" / "api-v1.yaml").read_text())
    return {
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    }


def _walk_as_manager_plus(call: Caller, server: LiveServer, role: str) -> None:
    me = call("getMe", "GET", "/me", 200)["data"]
    assert me["role"] == role.upper()
    org = call("getOrganization", "GET", "/organization", 200)["data"]
    assert org["id"] == server.demo["orgId"]
    members = call("listMembers", "GET", "/members?limit=10", 200)["data"]
    assert len(members) >= 4
    call("getMember", "GET", f"/members/{server.demo['memberIds']['member']}", 200)

    client = call("createClient", "POST", "/clients", 201, {"name": f"E2E {role}"})["data"]
    call("getClient", "GET", f"/clients/{client['id']}", 200)
    updated = call("updateClient", "PATCH", f"/clients/{client['id']}", 200, {"notes": "hi"})
    assert updated["data"]["notes"] == "hi"
    listed = call("listClients", "GET", f"/clients?search=E2E%20{role}", 200)["data"]
    assert [c["id"] for c in listed] == [client["id"]]

    project = call(
        "createProject",
        "POST",
        "/projects",
        201,
        {"clientId": client["id"], "name": "Relaunch", "hourlyRate": "120.00"},
    )["data"]
    assert project["hourlyRate"] == "120.00"
    call("getProject", "GET", f"/projects/{project['id']}", 200)
    call("updateProject", "PATCH", f"/projects/{project['id']}", 200, {"color": "#336699"})
    by_client = call("listProjects", "GET", f"/projects?clientId={client['id']}", 200)["data"]
    assert [p["id"] for p in by_client] == [project["id"]]

    task = call(
        "createTask", "POST", "/tasks", 201, {"projectId": project["id"], "name": "Wireframes"}
    )["data"]
    call("getTask", "GET", f"/tasks/{task['id']}", 200)
    call("updateTask", "PATCH", f"/tasks/{task['id']}", 200, {"status": "IN_PROGRESS"})
    tasks = call("listTasks", "GET", f"/tasks?projectId={project['id']}", 200)["data"]
    assert [t["id"] for t in tasks] == [task["id"]]
    archived_task = call("archiveTask", "POST", f"/tasks/{task['id']}/archive", 200)["data"]
    assert archived_task["archivedAt"] is not None
    call("updateTask", "PATCH", f"/tasks/{task['id']}", 200, {"archived": False})

    entry = call(
        "createTimeEntry",
        "POST",
        "/time-entries",
        201,
        {
            "projectId": project["id"],
            "taskId": task["id"],
            "entryDate": "2026-11-02",
            "duration": "1h30m",
        },
    )["data"]
    assert entry["durationSeconds"] == 5400
    call("getTimeEntry", "GET", f"/time-entries/{entry['id']}", 200)
    call("updateTimeEntry", "PATCH", f"/time-entries/{entry['id']}", 200, {"note": "review"})
    entries = call("listTimeEntries", "GET", f"/time-entries?projectId={project['id']}", 200)
    assert [e["id"] for e in entries["data"]] == [entry["id"]]
    call("getRunningTimeEntry", "GET", "/time-entries/running", 200)
    timer = _restart_and_stop(call, {**entry, "note": "review"})

    expense = call(
        "createExpense",
        "POST",
        "/expenses",
        201,
        {
            "clientId": client["id"],
            "description": "Train",
            "amount": "42.50",
            "expenseDate": "2026-11-03",
        },
    )["data"]
    assert expense["currency"] == client["currency"]
    call("getExpense", "GET", f"/expenses/{expense['id']}", 200)
    call("updateExpense", "PATCH", f"/expenses/{expense['id']}", 200, {"amount": 40})
    call("listExpenses", "GET", f"/expenses?clientId={client['id']}", 200)

    invoices = call("listInvoices", "GET", "/invoices?limit=5", 200)["data"]
    assert invoices, "the demo workspace has invoices"
    detail = call("getInvoice", "GET", f"/invoices/{invoices[0]['id']}", 200)["data"]
    assert detail["lines"]

    # Guards first, then the deletes in dependency order; deleted records are 404 afterwards.
    call("deleteProject", "DELETE", f"/projects/{project['id']}", 409)
    call("deleteExpense", "DELETE", f"/expenses/{expense['id']}", 204)
    call("getExpense", "GET", f"/expenses/{expense['id']}", 404)
    call("deleteTimeEntry", "DELETE", f"/time-entries/{entry['id']}", 204)
    call("deleteTimeEntry", "DELETE", f"/time-entries/{timer['id']}", 204)
    call("deleteTask", "DELETE", f"/tasks/{task['id']}", 204)
    call("archiveProject", "POST", f"/projects/{project['id']}/archive", 200)
    call("deleteProject", "DELETE", f"/projects/{project['id']}", 204)
    call("deleteClient", "DELETE", f"/clients/{client['id']}", 204)
    call("getClient", "GET", f"/clients/{client['id']}", 404)


def _restart_and_stop(call: Caller, entry: dict[str, Any]) -> dict[str, Any]:
    """Restart a timer like `entry`, restart it again (no-op), stop it, stop again (409)."""
    path = f"/time-entries/{entry['id']}"
    timer = call("restartTimeEntry", "POST", f"{path}/restart", 201)["data"]
    assert (timer["running"], timer["projectId"], timer["note"]) == (
        True,
        entry["projectId"],
        entry["note"],
    )
    same = call("restartTimeEntry", "POST", f"/time-entries/{timer['id']}/restart", 200)["data"]
    assert same == timer
    stopped = call("stopTimeEntry", "POST", f"/time-entries/{timer['id']}/stop", 200)["data"]
    assert (stopped["running"], stopped["stoppedAt"] is not None) == (False, True)
    error = call("stopTimeEntry", "POST", f"/time-entries/{timer['id']}/stop", 409)["error"]
    assert error["code"] == "conflict"
    return stopped


@pytest.mark.parametrize("role", MANAGERS)
def test_every_operation_works_for_managers_and_up(server: LiveServer, role: str) -> None:
    """Owner, Admin and Manager tokens can use all 36 operations end to end over HTTP."""
    seen: set[str] = set()
    call = Caller(server, role, seen)
    try:
        _walk_as_manager_plus(call, server, role)
    finally:
        call.close()
    assert seen == _document_operation_ids()


def test_member_sees_only_its_own_world(server: LiveServer) -> None:
    """A Member token gets 403 on money resources, its own projects, and only its own records."""
    call = Caller(server, "member", set())
    try:
        _walk_as_member(call, server)
    finally:
        call.close()


def _walk_as_member(call: Caller, server: LiveServer) -> None:
    me = call("getMe", "GET", "/me", 200)["data"]
    assert me["role"] == "MEMBER"
    call("getOrganization", "GET", "/organization", 200)
    members = call("listMembers", "GET", "/members", 200)["data"]
    assert [m["id"] for m in members] == [server.demo["memberIds"]["member"]]
    call("getMember", "GET", f"/members/{server.demo['memberIds']['owner']}", 404)
    for path in ("/clients", "/expenses", "/invoices"):
        assert call("forbidden", "GET", path, 403)["error"]["code"] == "forbidden_scope"
    call("createClient", "POST", "/clients", 403, {"name": "Nope"})

    projects = call("listProjects", "GET", "/projects?limit=200", 200)["data"]
    assert sorted(p["id"] for p in projects) == sorted(me["projectIds"])
    assert all("hourlyRate" not in p and "budgetAmount" not in p for p in projects)
    call("createProject", "POST", "/projects", 403, {"clientId": str(uuid.uuid4()), "name": "x"})

    entry = call(
        "createTimeEntry",
        "POST",
        "/time-entries",
        201,
        {"projectId": me["projectIds"][0], "entryDate": "2026-11-04", "durationSeconds": 900},
    )["data"]
    assert entry["userId"] == server.demo["userIds"]["member"]
    mine = call("listTimeEntries", "GET", "/time-entries?limit=200", 200)["data"]
    assert {e["userId"] for e in mine} == {server.demo["userIds"]["member"]}
    call("updateTimeEntry", "PATCH", f"/time-entries/{entry['id']}", 200, {"note": "standup"})
    timer = _restart_and_stop(call, {**entry, "note": "standup"})
    assert timer["userId"] == server.demo["userIds"]["member"]
    call("deleteTimeEntry", "DELETE", f"/time-entries/{timer['id']}", 204)
    call("deleteTimeEntry", "DELETE", f"/time-entries/{entry['id']}", 204)


def test_free_plan_token_gets_402_over_http(tmp_path: Path) -> None:
    """A workspace on the free plan answers every API call with 402 forbidden_plan."""
    with live_server_running(tmp_path, {"HOURSMITH_RATE_LIMIT": "off"}) as live:
        subprocess.run(
            [str(CLI), "org", "set-plan", live.demo["orgId"], "free"], env=live.env, check=True
        )
        response = httpx.get(
            f"{live.api_url}/me", headers={"Authorization": f"Bearer {live.tokens['owner']}"}
        )
    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["code"], error["requiredPlan"], error["feature"]) == (
        "forbidden_plan",
        "studio",
        "apiAccess",
    )
