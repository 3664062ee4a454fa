"""Clients over HTTP: status codes, Location, envelopes, roles, 404s and list paging."""

from __future__ import annotations

from tests.support.http_api import Api


def test_create_returns_201_location_and_defaults(api: Api) -> None:
    """POST answers 201 with Location, the org's currency and blanks stored as null."""
    res = api.post("/clients", {"name": "Initech", "contactName": "", "defaultRate": "150"})
    assert res.status_code == 201, res.text
    data = res.json()["data"]
    assert res.headers["Location"] == f"/api/v1/clients/{data['id']}"
    assert data["currency"] == "EUR"
    assert data["contactName"] is None
    assert data["defaultRate"] == "150.00"
    assert data["deletedAt"] is None


def test_validation_error_names_fields(api: Api) -> None:
    """A blank name and a 5-decimal rate are 422 validation_error with both fields named."""
    res = api.post("/clients", {"name": "  ", "defaultRate": "1.00001"})
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "validation_error"
    assert "name" in error["fields"]
    assert "defaultRate" in error["fields"]


def test_member_is_forbidden(api: Api) -> None:
    """A Member token gets 403 forbidden_scope on list, read and create."""
    client = api.world.client()
    for res in (
        api.get("/clients", "member"),
        api.get(f"/clients/{client.id}", "member"),
        api.post("/clients", {"name": "X"}, "member"),
    ):
        assert res.status_code == 403, res.text
        assert res.json()["error"]["code"] == "forbidden_scope"


def test_patch_delete_then_404(api: Api) -> None:
    """PATCH is partial; DELETE is 204 with no body; later GET and PATCH are 404."""
    created = api.post("/clients", {"name": "Acme", "notes": "keep", "email": "a@b.example"})
    cid = created.json()["data"]["id"]
    res = api.patch(f"/clients/{cid}", {"email": None, "phone": "123"})
    assert res.status_code == 200, res.text
    data = res.json()["data"]
    assert (data["email"], data["phone"], data["notes"]) == (None, "123", "keep")
    res = api.delete(f"/clients/{cid}", "manager")
    assert res.status_code == 204
    assert res.content == b""
    assert api.get(f"/clients/{cid}").status_code == 404
    assert api.patch(f"/clients/{cid}", {"name": "x"}).json()["error"]["code"] == "not_found"
    listed = api.get("/clients", includeDeleted="true").json()["data"]
    assert [c["deletedAt"] is not None for c in listed if c["id"] == cid] == [True]


def test_delete_guard_is_conflict(api: Api) -> None:
    """Deleting a client with an active project is 409 conflict."""
    client = api.world.client()
    api.world.project(client)
    res = api.delete(f"/clients/{client.id}")
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "conflict"


def test_list_pages_with_cursor(api: Api) -> None:
    """Three clients, limit 2: two pages, no overlap, nextCursor null at the end."""
    for name in ("a", "b", "c"):
        api.world.client(name=name)
    first = api.get("/clients", sort="name", limit=2).json()
    assert [c["name"] for c in first["data"]] == ["a", "b"]
    assert first["pagination"]["limit"] == 2
    cursor = first["pagination"]["nextCursor"]
    second = api.get("/clients", sort="name", limit=2, cursor=cursor).json()
    assert [c["name"] for c in second["data"]] == ["c"]
    assert second["pagination"]["nextCursor"] is None
    bad = api.get("/clients", sort="-name", limit=2, cursor=cursor)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request"


def test_unknown_id_is_404(api: Api) -> None:
    """A well-formed id that does not exist is 404 not_found."""
    res = api.get("/clients/0c1e7a52-3f4b-4c6d-8e9f-a0b1c2d3e4f5")
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "not_found"
