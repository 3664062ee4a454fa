"""Tasks over HTTP: assignees, archive/restore, Member edit rules, list filters."""

from __future__ import annotations

from tests.support.http_api import Api


def test_create_archive_restore_delete(api: Api) -> None:
    """201 with assignees, archive sets archivedAt, PATCH archived=false clears it, 204, 404."""
    project = api.world.project(rate_type="NON_BILLABLE")
    user = api.world.members["member"].user_id
    body = {"projectId": project.id, "name": "Design", "assigneeIds": [user], "tags": ["ui"]}
    res = api.post("/tasks", body, "manager")
    assert res.status_code == 201, res.text
    task = res.json()["data"]
    assert res.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert (task["billable"], task["assigneeIds"], task["tags"]) == (False, [user], ["ui"])
    path = f"/tasks/{task['id']}"
    archived = api.post(f"{path}/archive", None, "manager").json()["data"]
    assert archived["archivedAt"] is not None
    restored = api.patch(path, {"archived": False}, "manager").json()["data"]
    assert restored["archivedAt"] is None
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_member_edits_only_assigned_tasks(api: Api) -> None:
    """Assigned: 200; visible but unassigned: 403; other project: 404; create: 403."""
    project = api.world.project(on=("member",))
    mine = api.world.task(project, assignees=("member",))
    theirs = api.world.task(project, assignees=("member2",))
    hidden = api.world.task(api.world.project())
    res = api.patch(f"/tasks/{mine.id}", {"status": "IN_PROGRESS"}, "member")
    assert res.status_code == 200, res.text
    assert res.json()["data"]["status"] == "IN_PROGRESS"
    assert api.patch(f"/tasks/{theirs.id}", {"status": "DONE"}, "member").status_code == 403
    assert api.patch(f"/tasks/{hidden.id}", {"status": "DONE"}, "member").status_code == 404
    created = api.post("/tasks", {"projectId": project.id, "name": "x"}, "member")
    assert created.status_code == 403


def test_unknown_assignee_is_422(api: Api) -> None:
    """An assignee who is not a member of the workspace is 422 on assigneeIds."""
    project = api.world.project()
    body = {
        "projectId": project.id,
        "name": "t",
        "assigneeIds": ["0c1e7a52-3f4b-4c6d-8e9f-a0b1c2d3e4f5"],
    }
    res = api.post("/tasks", body)
    assert res.status_code == 422
    assert "assigneeIds" in res.json()["error"]["fields"]


def test_list_filters(api: Api) -> None:
    """priority (lower case), billable and assigneeId filters over HTTP."""
    project = api.world.project()
    api.world.task(project, name="h", priority="HIGH", assignees=("member",))
    api.world.task(project, name="l", priority="LOW", billable=False)
    assert [t["name"] for t in api.get("/tasks", priority="high").json()["data"]] == ["h"]
    assert [t["name"] for t in api.get("/tasks", billable="false").json()["data"]] == ["l"]
    user = api.world.members["member"].user_id
    assert [t["name"] for t in api.get("/tasks", assigneeId=user).json()["data"]] == ["h"]
    names = [t["name"] for t in api.get("/tasks", sort="-priority").json()["data"]]
    assert names == ["h", "l"]
