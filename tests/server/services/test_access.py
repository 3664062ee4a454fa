"""Roles, scopes and project visibility (server.services.access)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from server.context import ADMIN, MANAGER, MEMBER, OWNER
from server.errors import ForbiddenScope
from server.services.access import (
    can_see_project,
    require_admin_plus,
    require_manager_plus,
    scopes_for,
    visible_project_ids,
)
from tests.support.world import World


def test_scopes_follow_the_role() -> None:
    """Manager+ get write scopes on clients; a Member gets no client or invoice scope at all."""
    for role in (OWNER, ADMIN, MANAGER):
        scopes = scopes_for(role)
        assert {"clients:read", "clients:write", "invoices:read", "time-entries:write"} <= set(
            scopes
        )
    member = set(scopes_for(MEMBER))
    assert "clients:read" not in member
    assert "invoices:read" not in member
    assert {"projects:read", "tasks:read", "time-entries:write", "members:read"} <= member
    assert scopes_for("NOBODY") == []


def test_role_guards_raise_forbidden_scope(world: World) -> None:
    """Members fail the Manager+ guard; Managers fail the Admin+ guard; others pass."""
    require_manager_plus(world.actor("manager"))
    require_admin_plus(world.actor("admin"))
    with pytest.raises(ForbiddenScope) as exc:
        require_manager_plus(world.actor("member"))
    assert exc.value.status == 403
    assert exc.value.code == "forbidden_scope"
    with pytest.raises(ForbiddenScope):
        require_admin_plus(world.actor("manager"))


def test_visible_projects_for_members_only_their_own(world: World, db: Session) -> None:
    """A Member sees the non-deleted projects it is on; Manager+ see everything (None)."""
    mine = world.project(on=("member",))
    world.project(on=("member2",))
    gone = world.project(on=("member",))
    gone.deleted_at = gone.created_at
    db.commit()
    assert visible_project_ids(db, world.actor("manager")) is None
    assert visible_project_ids(db, world.actor("member")) == {mine.id}
    assert can_see_project(db, world.actor("member"), mine.id)
    assert not can_see_project(db, world.actor("member2"), mine.id)
    assert can_see_project(db, world.actor("owner"), mine.id)


def test_visible_projects_never_cross_organizations(world: World, db: Session) -> None:
    """A Member of another org on no project of this org sees none of this org's projects."""
    other = World(db, name="Globex")
    world.project(on=("member",))
    assert visible_project_ids(db, other.actor("member")) == set()
