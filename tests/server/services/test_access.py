"""Roles, scopes and project visibility (server.services.access), plus the shared service fixtures.

The `db` fixture and the `World` builder defined here are imported by the other service test
modules of this directory: one database per test, on SQLite and (when the `pg_url` fixture of
tests/support/postgres.py is available) on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.context import ADMIN, MANAGER, MEMBER, OWNER, Actor
from server.db import all_models  # noqa: F401  (every table on Base.metadata)
from server.db import models as M
from server.db.base import Base
from server.db.session import make_engine, session_factory
from server.errors import ForbiddenScope
from server.services.access import (
    can_see_project,
    require_admin_plus,
    require_manager_plus,
    scopes_for,
    visible_project_ids,
)

CURSOR_KEY = b"services-test-cursor-key"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    """A fresh database with every table and one session on it (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'services.db'}"
    else:
        try:
            url = request.getfixturevalue("pg_url")
        except pytest.FixtureLookupError:
            pytest.skip("PostgreSQL fixture `pg_url` (tests/support/postgres.py) not available")
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


class World:
    """One workspace with a member per role (plus a second Member) and builders for records."""

    def __init__(self, s: Session, name: str = "Acme", currency: str = "EUR") -> None:
        self.s = s
        self.org = M.Organization(name=name, plan="studio", default_currency=currency)
        s.add(self.org)
        s.flush()
        self.members: dict[str, M.Member] = {}
        for label, role in (
            ("owner", OWNER),
            ("admin", ADMIN),
            ("manager", MANAGER),
            ("member", MEMBER),
            ("member2", MEMBER),
        ):
            user = M.User(name=f"{label} {name}", email=f"{label}@{name.lower()}.example")
            s.add(user)
            s.flush()
            member = M.Member(
                org_id=self.org.id, user_id=user.id, role=role, name=user.name, email=user.email
            )
            s.add(member)
            s.flush()
            self.members[label] = member
        s.commit()

    def actor(self, label: str = "owner") -> Actor:
        member = self.members[label]
        return Actor(
            org_id=self.org.id,
            user_id=member.user_id,
            member_id=member.id,
            token_id=f"token-{label}",
            role=member.role,
            plan=self.org.plan,
            token_name=f"{label} token",
        )

    def client(self, **kw: Any) -> M.Client:
        kw.setdefault("name", "Northwind")
        kw.setdefault("currency", "EUR")
        row = M.Client(org_id=self.org.id, **kw)
        self.s.add(row)
        self.s.commit()
        return row

    def project(
        self, client: M.Client | None = None, on: tuple[str, ...] = (), **kw: Any
    ) -> M.Project:
        """A project of `client` (a new one by default) with the members labelled in `on`."""
        kw.setdefault("name", "Website")
        row = M.Project(org_id=self.org.id, client_id=(client or self.client()).id, **kw)
        self.s.add(row)
        self.s.flush()
        for label in on:
            self.s.add(M.ProjectMember(project_id=row.id, member_id=self.members[label].id))
        self.s.commit()
        return row

    def task(self, project: M.Project, assignees: tuple[str, ...] = (), **kw: Any) -> M.Task:
        kw.setdefault("name", "Design")
        row = M.Task(org_id=self.org.id, project_id=project.id, **kw)
        self.s.add(row)
        self.s.flush()
        for position, label in enumerate(assignees):
            user_id = self.members[label].user_id
            self.s.add(M.TaskAssignee(task_id=row.id, user_id=user_id, position=position))
        self.s.commit()
        return row

    def time_entry(self, project: M.Project, task: M.Task | None = None) -> M.TimeEntry:
        row = M.TimeEntry(
            org_id=self.org.id,
            project_id=project.id,
            task_id=task.id if task else None,
            user_id=self.members["owner"].user_id,
            entry_date=date(2026, 3, 2),
            duration_seconds=3600,
        )
        self.s.add(row)
        self.s.commit()
        return row


@pytest.fixture
def world(db: Session) -> World:
    """The default workspace on the test database."""
    return World(db)


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
