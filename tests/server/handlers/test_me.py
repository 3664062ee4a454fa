"""GET /me over the real app."""

from __future__ import annotations

from tests.support.http_api import Api


def test_me_for_a_manager_lists_all_projects(api: Api) -> None:
    """A Manager's /me has its identity, write scopes and every non-deleted project."""
    one = api.world.project()
    two = api.world.project()
    gone = api.world.project()
    gone.deleted_at = gone.created_at
    api.world.s.commit()
    res = api.get("/me", "manager")
    assert res.status_code == 200, res.text
    me = res.json()["data"]
    manager = api.world.members["manager"]
    assert me["orgId"] == api.world.org.id
    assert me["orgName"] == api.world.org.name
    assert me["plan"] == "agency"
    assert me["role"] == "MANAGER"
    assert me["tokenName"] == "manager token"
    assert me["memberId"] == manager.id
    assert me["userId"] == manager.user_id
    assert me["email"] == manager.email
    assert "clients:write" in me["scopes"]
    assert sorted(me["projectIds"]) == sorted([one.id, two.id])


def test_me_for_a_member_lists_only_its_projects(api: Api) -> None:
    """A Member's /me shows its own projects and no client or invoice scopes."""
    mine = api.world.project(on=("member",))
    api.world.project(on=("member2",))
    me = api.get("/me", "member").json()["data"]
    assert me["role"] == "MEMBER"
    assert me["projectIds"] == [mine.id]
    assert "clients:read" not in me["scopes"]
    assert "time-entries:write" in me["scopes"]


def test_me_requires_a_token(api: Api) -> None:
    """Without a bearer token /me is 401 unauthenticated."""
    res = api.client.get("/api/v1/me")
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthenticated"
