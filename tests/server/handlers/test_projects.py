"""Projects over HTTP: create/archive/delete codes, Member visibility and money-blindness."""

from __future__ import annotations

from tests.support.http_api import Api


def test_create_archive_restore_delete(api: Api) -> None:
    """201 + Location, archive 200 ARCHIVED, PATCH back to ACTIVE, DELETE 204 then 404."""
    client = api.world.client(default_rate=150)
    res = api.post("/projects", {"clientId": client.id, "name": "Site"}, "manager")
    assert res.status_code == 201, res.text
    project = res.json()["data"]
    assert res.headers["Location"] == f"/api/v1/projects/{project['id']}"
    assert (project["status"], project["rateType"], project["hourlyRate"]) == (
        "ACTIVE",
        "HOURLY",
        "150.00",
    )
    path = f"/projects/{project['id']}"
    archived = api.post(f"{path}/archive", None, "manager")
    assert archived.status_code == 200, archived.text
    assert archived.json()["data"]["status"] == "ARCHIVED"
    assert api.patch(path, {"status": "ACTIVE"}).json()["data"]["status"] == "ACTIVE"
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_rules_are_422(api: Api) -> None:
    """FIXED without a fee is 422 with fields.fixedFeeAmount."""
    client = api.world.client()
    res = api.post("/projects", {"clientId": client.id, "name": "P", "rateType": "FIXED"})
    assert res.status_code == 422
    assert "fixedFeeAmount" in res.json()["error"]["fields"]


def test_member_sees_own_projects_without_money(api: Api) -> None:
    """A Member lists and reads only its projects, money fields absent; others are 404."""
    mine = api.world.project(on=("member",), hourly_rate=90)
    other = api.world.project(on=("member2",))
    listed = api.get("/projects", "member").json()["data"]
    assert [p["id"] for p in listed] == [mine.id]
    assert "hourlyRate" not in listed[0]
    assert "budgetAmount" not in listed[0]
    assert "budgetHours" in listed[0]
    assert api.get(f"/projects/{other.id}", "member").status_code == 404
    res = api.patch(f"/projects/{mine.id}", {"name": "x"}, "member")
    assert res.status_code == 403
    assert res.json()["error"]["code"] == "forbidden_scope"


def test_list_client_name_filter(api: Api) -> None:
    """clientName matches a case-insensitive substring of the client's name."""
    north = api.world.client(name="Northwind")
    api.world.project(north, name="n1")
    api.world.project(api.world.client(name="Other"), name="o1")
    res = api.get("/projects", clientName="NORTH")
    assert res.status_code == 200, res.text
    assert [p["name"] for p in res.json()["data"]] == ["n1"]
    assert api.get("/projects", sort="status").status_code == 200


def test_list_client_name_filter_takes_a_whole_client_name(api: Api) -> None:
    """clientName accepts the longest client name (255 characters, the document's maxLength)."""
    longest = "N" * 255
    api.world.project(api.world.client(name=longest), name="long")
    res = api.get("/projects", clientName=longest.lower())
    assert res.status_code == 200, res.text
    assert [p["name"] for p in res.json()["data"]] == ["long"]
    assert api.get("/projects", clientName=longest + "N").status_code == 422


def test_guarded_delete_is_conflict(api: Api) -> None:
    """A project with time entries cannot be deleted (409)."""
    project = api.world.project()
    api.world.time_entry(project)
    res = api.delete(f"/projects/{project.id}")
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "conflict"
