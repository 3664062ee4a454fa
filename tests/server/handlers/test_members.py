"""Members over HTTP: everyone may list, a Member sees only itself."""

from __future__ import annotations

from tests.support.http_api import Api


def test_owner_lists_all_members(api: Api) -> None:
    """An Owner sees the five members, in role order when sorted by role."""
    res = api.get("/members", sort="role")
    assert res.status_code == 200, res.text
    roles = [m["role"] for m in res.json()["data"]]
    assert roles == ["OWNER", "ADMIN", "MANAGER", "MEMBER", "MEMBER"]


def test_member_sees_only_itself(api: Api) -> None:
    """A Member lists only its record and gets 404 for another member's id."""
    me = api.world.members["member"]
    listed = api.get("/members", "member").json()["data"]
    assert [m["id"] for m in listed] == [me.id]
    assert api.get(f"/members/{me.id}", "member").json()["data"]["userId"] == me.user_id
    other = api.world.members["owner"].id
    res = api.get(f"/members/{other}", "member")
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "not_found"
