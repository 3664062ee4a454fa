"""Members service: Members see only themselves, role filter and role-order sort, removals."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.db.base import utcnow
from server.errors import NotFound, ValidationFailed
from server.services import members as svc
from tests.support.world import CURSOR_KEY, World


def _roles(db: Session, world: World, who: str = "owner", **params: Any) -> list[str]:
    page = svc.list_members(db, world.actor(who), params, key=CURSOR_KEY)
    return [m["role"] for m in svc.page_members(page)]


def test_manager_lists_everyone_in_role_order(world: World, db: Session) -> None:
    """Sorting by role follows OWNER, ADMIN, MANAGER, MEMBER; role filter ignores case."""
    assert _roles(db, world, sort="role") == ["OWNER", "ADMIN", "MANAGER", "MEMBER", "MEMBER"]
    assert _roles(db, world, sort="-role")[0] == "MEMBER"
    assert _roles(db, world, role="member") == ["MEMBER", "MEMBER"]
    with pytest.raises(ValidationFailed):
        _roles(db, world, role="boss")


def test_member_sees_only_itself(world: World, db: Session) -> None:
    """A Member's list holds its own record; another member's id is 404."""
    page = svc.list_members(db, world.actor("member"), {}, key=CURSOR_KEY)
    assert [m["id"] for m in svc.page_members(page)] == [world.members["member"].id]
    own = svc.get_member(db, world.actor("member"), world.members["member"].id)
    assert svc.member_out(own)["email"] == world.members["member"].email
    with pytest.raises(NotFound):
        svc.get_member(db, world.actor("member"), world.members["owner"].id)


def test_search_and_removed_members(world: World, db: Session) -> None:
    """Search matches name/email; removed members appear only with includeDeleted."""
    assert _roles(db, world, search="MANAGER@") == ["MANAGER"]
    world.members["admin"].deleted_at = utcnow()
    db.commit()
    assert "ADMIN" not in _roles(db, world)
    assert "ADMIN" in _roles(db, world, include_deleted="yes")
    with pytest.raises(NotFound):
        svc.get_member(db, world.actor("owner"), world.members["admin"].id)


def test_other_org_member_is_not_found(world: World, db: Session) -> None:
    """A member of another workspace is 404 and never listed."""
    other = World(db, name="Globex")
    with pytest.raises(NotFound):
        svc.get_member(db, world.actor("owner"), other.members["owner"].id)
    assert len(_roles(db, world)) == 5
