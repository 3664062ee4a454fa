"""Organization and Me (read-only, every role): the workspace and the token's own view of it.

`me_out` reports the scopes of the role (`server.services.access.scopes_for`) and the projects
the token can see: every non-deleted project for Manager+, the Member's own projects otherwise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.models import Member, Organization, Project
from server.errors import NotFound
from server.services.access import scopes_for, visible_project_ids
from server.services.serialize import instant


def find_organization(session: Session, actor: Actor) -> Organization:
    org = session.get(Organization, actor.org_id)
    if org is None:
        raise NotFound("No such organization")
    return org


def organization_out(org: Organization) -> dict[str, Any]:
    """The Organization object (`orgId` equals `id`: every object carries its org)."""
    return {
        "id": org.id,
        "orgId": org.id,
        "name": org.name,
        "plan": org.plan,
        "defaultCurrency": org.default_currency,
        "invoicePrefix": org.invoice_prefix,
        "legalName": org.legal_name,
        "taxId": org.tax_id,
        "businessEmail": org.business_email,
        "businessWebsite": org.business_website,
        "createdAt": instant(org.created_at),
        "updatedAt": instant(org.updated_at),
    }


def get_organization(session: Session, actor: Actor) -> dict[str, Any]:
    return organization_out(find_organization(session, actor))


def project_ids_for(session: Session, actor: Actor) -> list[str]:
    """Sorted ids of the projects `actor` may see (all non-deleted ones for Manager+)."""
    visible = visible_project_ids(session, actor)
    if visible is not None:
        return sorted(visible)
    stmt = (
        select(Project.id)
        .where(Project.org_id == actor.org_id, Project.deleted_at.is_(None))
        .order_by(Project.id)
    )
    return list(session.scalars(stmt))


def get_me(session: Session, actor: Actor) -> dict[str, Any]:
    """The Me object: who the token is, what its role may do and which projects it sees."""
    org = find_organization(session, actor)
    member = session.get(Member, actor.member_id)
    return {
        "orgId": org.id,
        "orgName": org.name,
        "plan": org.plan,
        "role": actor.role,
        "tokenName": actor.token_name,
        "scopes": scopes_for(actor.role),
        "projectIds": project_ids_for(session, actor),
        "userId": actor.user_id,
        "memberId": actor.member_id,
        "name": member.name if member is not None else "",
        "email": member.email if member is not None else "",
    }
