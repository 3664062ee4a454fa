"""Workspace administration: the operations the app's settings screens would perform.

The API never creates organizations, members or tokens (design §2: those resources are
read-only), so these functions are how the admin CLI, the demo seeder and tests set a workspace
up. They take a SQLAlchemy `Session`, flush but never commit (the caller owns the transaction),
and raise `AdminError` with a one-line, user-facing message for every expected failure.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.base import utcnow
from server.db.models import ApiToken, Member, Organization, Project, ProjectMember, User
from server.tokens import ENVS, generate_token

PLANS = ("free", "studio", "agency")
ROLES = ("OWNER", "ADMIN", "MANAGER", "MEMBER")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_NAME = 255


class AdminError(ValueError):
    """An expected failure (unknown id, bad plan, duplicate member) with a one-line message."""


def _clean_name(value: str, what: str) -> str:
    name = value.strip()
    if not name:
        raise AdminError(f"{what} must not be empty")
    if len(name) > _MAX_NAME:
        raise AdminError(f"{what} must be at most {_MAX_NAME} characters")
    return name


def _check_plan(plan: str) -> str:
    if plan not in PLANS:
        raise AdminError(f"plan must be one of {', '.join(PLANS)} (got {plan!r})")
    return plan


def get_org(session: Session, org_id: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise AdminError(f"no organization with id {org_id}")
    return org


def get_active_member(session: Session, member_id: str) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise AdminError(f"no active member with id {member_id}")
    return member


def create_org(
    session: Session, name: str, plan: str = "studio", *, currency: str = "USD"
) -> Organization:
    """A new, empty workspace; add an OWNER with `add_member` to make it usable."""
    org = Organization(
        name=_clean_name(name, "organization name"),
        plan=_check_plan(plan),
        default_currency=currency,
    )
    session.add(org)
    session.flush()
    return org


def set_plan(session: Session, org_id: str, plan: str) -> Organization:
    """Change the plan; `free` takes API access away from every token of the org (402)."""
    org = get_org(session, org_id)
    org.plan = _check_plan(plan)
    session.flush()
    return org


def add_member(session: Session, org_id: str, email: str, name: str, role: str) -> Member:
    """Make `email` a member of the org, creating the user when the email is new.

    A previously removed membership of the same user is reactivated (one row per org and user).
    """
    org = get_org(session, org_id)
    email = email.strip().lower()
    if not _EMAIL_RE.fullmatch(email) or len(email) > _MAX_NAME:
        raise AdminError(f"invalid email address {email!r}")
    name = _clean_name(name, "member name")
    role = role.upper()
    if role not in ROLES:
        raise AdminError(f"role must be one of {', '.join(ROLES)}")
    user = session.scalars(select(User).where(User.email == email)).one_or_none()
    if user is None:
        user = User(email=email, name=name)
        session.add(user)
        session.flush()
    member = session.scalars(
        select(Member).where(Member.org_id == org.id, Member.user_id == user.id)
    ).one_or_none()
    if member is not None and member.deleted_at is None:
        raise AdminError(f"{email} is already a member of this organization ({member.id})")
    if member is None:
        member = Member(org_id=org.id, user_id=user.id, role=role, name=name, email=email)
        session.add(member)
    else:
        member.deleted_at = None
        member.role = role
        member.name = name
    session.flush()
    return member


def remove_member(session: Session, member_id: str) -> Member:
    """Soft-delete the member and revoke its tokens, so they are refused (401) at once."""
    member = get_active_member(session, member_id)
    now = utcnow()
    member.deleted_at = now
    session.execute(
        update(ApiToken)
        .where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()
    return member


def add_project_member(session: Session, project_id: str, member_id: str) -> ProjectMember:
    """Put a member on a project: what a Member token may see and log time to."""
    project = session.get(Project, project_id)
    if project is None or project.deleted_at is not None:
        raise AdminError(f"no project with id {project_id}")
    member = get_active_member(session, member_id)
    if member.org_id != project.org_id:
        raise AdminError("the member and the project belong to different organizations")
    link = session.get(ProjectMember, (project.id, member.id))
    if link is None:
        link = ProjectMember(project_id=project.id, member_id=member.id)
        session.add(link)
        session.flush()
    return link


def create_token(
    session: Session, member_id: str, name: str, env: str = "live"
) -> tuple[ApiToken, str]:
    """A new API token for the member; returns the row and the plaintext (shown only once)."""
    member = get_active_member(session, member_id)
    if env not in ENVS:
        raise AdminError(f"env must be one of {', '.join(ENVS)}")
    new = generate_token(env)
    token = ApiToken(
        org_id=member.org_id,
        member_id=member.id,
        name=_clean_name(name, "token name"),
        env=new.env,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
    )
    session.add(token)
    session.flush()
    return token, new.plaintext


def revoke_token(session: Session, token_id: str) -> ApiToken:
    """Revoke a token (idempotent: revoking twice keeps the first revocation time)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise AdminError(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token
