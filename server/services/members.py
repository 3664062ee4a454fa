"""Members (read-only): every role may list them, but a Member token sees only its own record.

Another member's id is 404 for a Member token ("invisible is not found"). Removed members are
soft-deleted rows: hidden unless a list asks for `includeDeleted=true`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.context import ADMIN, MANAGER, MEMBER, OWNER, Actor
from server.db.models import Member
from server.errors import NotFound
from server.services.filters import Filters
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import common, entities, rank, ranked

ROLES = (OWNER, ADMIN, MANAGER, MEMBER)

MEMBER_SORTS: dict[str, Any] = {
    "createdAt": Member.created_at,
    "id": Member.id,
    "role": rank(Member.role, ROLES, "role_rank"),
}


def member_out(row: Member) -> dict[str, Any]:
    """The Member object of the contract."""
    out = common(row)
    out.update(userId=row.user_id, role=row.role, name=row.name, email=row.email)
    return out


def get_member(session: Session, actor: Actor, member_id: str) -> Member:
    """One member of the actor's org; a Member token may only read itself."""
    row = session.get(Member, member_id)
    if (
        row is None
        or row.org_id != actor.org_id
        or row.deleted_at is not None
        or (actor.is_member and row.id != actor.member_id)
    ):
        raise NotFound("No such member")
    return row


def list_members(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of members; role sorts OWNER, ADMIN, MANAGER, MEMBER (ascending)."""
    request = PageRequest.from_params(
        "members", params, MEMBER_SORTS, workspace=actor.org_id, key=key
    )
    filters = Filters(params)
    by_role = request.sort.removeprefix("-") == "role"
    stmt = ranked(Member, MEMBER_SORTS["role"]) if by_role else select(Member)
    stmt = stmt.where(Member.org_id == actor.org_id)
    if actor.is_member:
        stmt = stmt.where(Member.id == actor.member_id)
    stmt = filters.include_deleted(stmt, Member.deleted_at)
    stmt = filters.enum(stmt, Member.role, "role", ROLES)
    stmt = filters.range(stmt, Member.created_at, "createdAt")
    stmt = filters.range(stmt, Member.updated_at, "updatedAt")
    stmt = filters.search(stmt, Member.search_text, session=session)
    filters.raise_if_invalid()
    return paginate(session, stmt, request)


def page_members(page: Page) -> list[dict[str, Any]]:
    """Serialise a page of `list_members`."""
    return [member_out(row) for row in entities(page.items)]
