"""Who may do what: role → scopes (shown by `/me`), role guards and Member project visibility.

Stable helpers shared by every service module:

- `scopes_for(role)`: the scope strings (`clients:read`, `time-entries:write`, …) of a role;
- `require_manager_plus(actor)` / `require_admin_plus(actor)`: 403 `forbidden_scope` otherwise;
- `visible_project_ids(session, actor)`: `None` when the actor sees every project of its
  organization (Manager+), else the ids of the non-deleted projects the Member is on;
- `can_see_project(session, actor, project_id)`: the same rule for one project;
- `start_write(session)`: every service write calls it first (BEGIN IMMEDIATE on SQLite).

"Invisible is not found": callers turn a project outside the visible set into 404, never 403.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.context import ADMIN, MANAGER, MEMBER, OWNER, Actor
from server.db.models import Project, ProjectMember
from server.db.session import begin_write
from server.errors import ForbiddenScope

_MANAGER_SCOPES: tuple[str, ...] = (
    "clients:read",
    "clients:write",
    "projects:read",
    "projects:write",
    "tasks:read",
    "tasks:write",
    "time-entries:read",
    "time-entries:write",
    "expenses:read",
    "expenses:write",
    "invoices:read",
    "members:read",
    "organization:read",
)

# Members write tasks only when assigned to them and time entries only their own: the scope
# says the operation is open to the role; the services narrow it to the records.
_MEMBER_SCOPES: tuple[str, ...] = (
    "projects:read",
    "tasks:read",
    "tasks:write",
    "time-entries:read",
    "time-entries:write",
    "members:read",
    "organization:read",
)

SCOPES_BY_ROLE: dict[str, tuple[str, ...]] = {
    OWNER: _MANAGER_SCOPES,
    ADMIN: _MANAGER_SCOPES,
    MANAGER: _MANAGER_SCOPES,
    MEMBER: _MEMBER_SCOPES,
}


def scopes_for(role: str) -> list[str]:
    """The scopes `/me` reports for `role` (an unknown role has none)."""
    return list(SCOPES_BY_ROLE.get(role, ()))


def require_manager_plus(actor: Actor, message: str = "Your role may not do this") -> None:
    """Owner, Admin or Manager only: a Member gets 403 `forbidden_scope`."""
    if not actor.is_manager_plus:
        raise ForbiddenScope(message)


def require_admin_plus(actor: Actor, message: str = "Only Owners and Admins may do this") -> None:
    """Owner or Admin only: anyone else gets 403 `forbidden_scope`."""
    if not actor.is_admin_plus:
        raise ForbiddenScope(message)


def visible_project_ids(session: Session, actor: Actor) -> set[str] | None:
    """`None` = every project of the org; else the non-deleted projects the Member is on."""
    if actor.is_manager_plus:
        return None
    stmt = (
        select(Project.id)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            ProjectMember.member_id == actor.member_id,
            Project.org_id == actor.org_id,
            Project.deleted_at.is_(None),
        )
    )
    return set(session.scalars(stmt))


def can_see_project(session: Session, actor: Actor, project_id: str) -> bool:
    """Whether `project_id` is inside the actor's visible set (org and deletion not checked)."""
    if actor.is_manager_plus:
        return True
    stmt = select(ProjectMember.project_id).where(
        ProjectMember.member_id == actor.member_id, ProjectMember.project_id == project_id
    )
    return session.scalar(stmt) is not None


def start_write(session: Session) -> None:
    """Open the write transaction (`begin_write`) unless the request already opened one.

    The request lifecycle may have started the transaction itself (idempotency claim, or a
    scope pinned to BEGIN IMMEDIATE); asking again would only make SQLAlchemy warn.
    """
    if not session.in_transaction():
        begin_write(session)
