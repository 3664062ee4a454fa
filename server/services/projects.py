"""Projects: CRUD, archive, rate/budget rules, delete guards and Member visibility.

Manager+ write; a Member reads only the projects it is on (`ProjectMember`), every other project
is 404. Rules checked on the project's resulting state (422 with `fields`): at most one of
budgetHours/budgetAmount; FIXED requires fixedFeeAmount, other rate types must not carry it;
dueDate ≥ startDate. A blank hourlyRate inherits the client's defaultRate. Archive sets status
ARCHIVED (undone by PATCH status); DELETE is soft, refused while time, expenses or invoice lines
reference the project, and takes the project's tasks with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import (
    Client,
    Expense,
    InvoiceLine,
    Project,
    ProjectMember,
    Task,
    TimeEntry,
)
from server.errors import Conflict, NotFound, ValidationFailed
from server.services.access import can_see_project, require_manager_plus, start_write
from server.services.expenses import client_name_filter
from server.services.filters import Filters
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import (
    Field,
    apply_changes,
    common,
    day,
    dec,
    put_money,
    rank,
    ranked,
    read_fields,
)
from server.services.webhooks import notify

STATUSES = ("ACTIVE", "COMPLETED", "ARCHIVED")
RATE_TYPES = ("HOURLY", "FIXED", "NON_BILLABLE")
_WRITE_DENIED = "Members may not create, change or delete projects"

PROJECT_FIELDS: tuple[Field, ...] = (
    Field("clientId", "client_id", required=True, nullable=False, max_len=36),
    Field("name", "name", required=True, nullable=False, max_len=255),
    Field("description", "description", max_len=10_000),
    Field("color", "color", "color"),
    Field("status", "status", "enum", nullable=False, choices=STATUSES),
    Field("rateType", "rate_type", "enum", nullable=False, choices=RATE_TYPES),
    Field("hourlyRate", "hourly_rate", "money"),
    Field("fixedFeeAmount", "fixed_fee_amount", "money"),
    Field("budgetHours", "budget_hours", "money", places=2),
    Field("budgetAmount", "budget_amount", "money"),
    Field("startDate", "start_date", "date"),
    Field("dueDate", "due_date", "date"),
)


def project_out(row: Project, actor: Actor) -> dict[str, Any]:
    """The Project object; hourlyRate, fixedFeeAmount and budgetAmount omitted for Members."""
    out = common(row)
    out.update(
        clientId=row.client_id,
        name=row.name,
        description=row.description,
        color=row.color,
        status=row.status,
        rateType=row.rate_type,
    )
    put_money(out, actor, hourlyRate=row.hourly_rate, fixedFeeAmount=row.fixed_fee_amount)
    out["budgetHours"] = dec(row.budget_hours)
    put_money(out, actor, budgetAmount=row.budget_amount)
    out["startDate"] = day(row.start_date)
    out["dueDate"] = day(row.due_date)
    return out


def find_project(session: Session, actor: Actor, project_id: str) -> Project:
    """The non-deleted project visible to `actor`, else 404 (other orgs, Members' blind spots)."""
    row = session.get(Project, project_id)
    if (
        row is None
        or row.org_id != actor.org_id
        or row.deleted_at is not None
        or not can_see_project(session, actor, row.id)
    ):
        raise NotFound("No such project")
    return row


def get_project(session: Session, actor: Actor, project_id: str) -> Project:
    return find_project(session, actor, project_id)


def _client_of(session: Session, actor: Actor, client_id: str) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.org_id != actor.org_id or client.deleted_at is not None:
        raise ValidationFailed({"clientId": "no such client in this workspace"})
    return client


def _check_rules(row: Project) -> None:
    errors: dict[str, str] = {}
    if row.budget_hours is not None and row.budget_amount is not None:
        errors["budgetHours"] = "set at most one of budgetHours and budgetAmount"
        errors["budgetAmount"] = "set at most one of budgetHours and budgetAmount"
    if row.rate_type == "FIXED" and row.fixed_fee_amount is None:
        errors["fixedFeeAmount"] = "is required when rateType is FIXED"
    if row.rate_type != "FIXED" and row.fixed_fee_amount is not None:
        errors["fixedFeeAmount"] = "is only allowed when rateType is FIXED"
    if row.start_date and row.due_date and row.due_date < row.start_date:
        errors["dueDate"] = "must be on or after startDate"
    if errors:
        raise ValidationFailed(errors)


def create_project(session: Session, actor: Actor, body: dict[str, Any] | None) -> Project:
    """Create a project (status ACTIVE, rateType HOURLY, hourlyRate from the client by default)."""
    require_manager_plus(actor, _WRITE_DENIED)
    changes = read_fields(body, PROJECT_FIELDS, creating=True)
    start_write(session)
    client = _client_of(session, actor, changes["client_id"])
    changes.setdefault("status", "ACTIVE")
    changes.setdefault("rate_type", "HOURLY")
    if changes.get("hourly_rate") is None:
        changes["hourly_rate"] = client.default_rate
    row = Project(org_id=actor.org_id, **changes)
    _check_rules(row)
    session.add(row)
    session.flush()
    notify(session, actor, "project.created", lambda view: {"project": project_out(row, view)})
    return row


def update_project(
    session: Session, actor: Actor, project_id: str, body: dict[str, Any] | None
) -> Project:
    """Partial update; the rules are checked on the merged result.

    Leaving FIXED without sending fixedFeeAmount clears the fee; a null/blank hourlyRate
    inherits the (possibly new) client's defaultRate; moving a project that already has time,
    expenses or invoice lines to another client is 409.
    """
    require_manager_plus(actor, _WRITE_DENIED)
    changes = read_fields(body, PROJECT_FIELDS, creating=False)
    start_write(session)
    row = find_project(session, actor, project_id)
    client_id = changes.get("client_id", row.client_id)
    if client_id != row.client_id:
        _client_of(session, actor, client_id)
        if _has_dependants(session, row.id):
            raise Conflict("A project with time, expenses or invoices cannot change client")
    if "hourly_rate" in changes and changes["hourly_rate"] is None:
        changes["hourly_rate"] = _client_of(session, actor, client_id).default_rate
    leaving_fixed = changes.get("rate_type", row.rate_type) != "FIXED"
    if leaving_fixed and row.rate_type == "FIXED" and "fixed_fee_amount" not in changes:
        changes["fixed_fee_amount"] = None
    with session.no_autoflush:
        changed = apply_changes(row, changes)
        _check_rules(row)
    if changed:
        row.updated_at = utcnow()
        session.flush()
    return row


def archive_project(session: Session, actor: Actor, project_id: str) -> Project:
    """Set status ARCHIVED (idempotent); the project stays readable and PATCH can revive it."""
    require_manager_plus(actor, _WRITE_DENIED)
    start_write(session)
    row = find_project(session, actor, project_id)
    if row.status != "ARCHIVED":
        row.status = "ARCHIVED"
        row.updated_at = utcnow()
        session.flush()
    return row


def delete_project(session: Session, actor: Actor, project_id: str) -> None:
    """Soft delete (with its tasks); 409 while time entries, expenses or invoices reference it."""
    require_manager_plus(actor, _WRITE_DENIED)
    start_write(session)
    row = find_project(session, actor, project_id)
    if _has_dependants(session, row.id):
        raise Conflict("The project has time entries, expenses or invoices: archive it instead")
    now = utcnow()
    row.deleted_at = now
    row.updated_at = now
    session.execute(
        update(Task)
        .where(Task.project_id == row.id, Task.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def _has_dependants(session: Session, project_id: str) -> bool:
    checks = (
        exists().where(TimeEntry.project_id == project_id, TimeEntry.deleted_at.is_(None)),
        exists().where(Expense.project_id == project_id, Expense.deleted_at.is_(None)),
        exists().where(InvoiceLine.project_id == project_id),
    )
    return any(session.scalar(select(check)) for check in checks)


PROJECT_SORTS: dict[str, Any] = {
    "createdAt": Project.created_at,
    "dueDate": Project.due_date,
    "id": Project.id,
    "name": Project.name,
    "startDate": Project.start_date,
    "status": rank(Project.status, STATUSES, "status_rank"),
    "updatedAt": Project.updated_at,
}


def list_projects(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of projects visible to `actor` (status sorts ACTIVE, COMPLETED, ARCHIVED)."""
    request = PageRequest.from_params(
        "projects", params, PROJECT_SORTS, workspace=actor.org_id, key=key
    )
    filters = Filters(params)
    stmt = select(Project)
    if request.sort.removeprefix("-") == "status":
        stmt = ranked(Project, PROJECT_SORTS["status"])
    stmt = stmt.where(Project.org_id == actor.org_id)
    if not actor.is_manager_plus:
        mine = select(ProjectMember.project_id).where(ProjectMember.member_id == actor.member_id)
        stmt = stmt.where(Project.id.in_(mine))
    stmt = filters.include_deleted(stmt, Project.deleted_at)
    stmt = filters.equals(stmt, Project.client_id, "clientId")
    stmt = client_name_filter(stmt, filters, Project.client_id)
    stmt = filters.enum(stmt, Project.status, "status", STATUSES)
    stmt = filters.range(stmt, Project.start_date, "startDate", dates=True)
    stmt = filters.range(stmt, Project.due_date, "dueDate", dates=True)
    stmt = filters.range(stmt, Project.created_at, "createdAt")
    stmt = filters.range(stmt, Project.updated_at, "updatedAt")
    stmt = filters.search(stmt, Project.search_text, session=session)
    filters.raise_if_invalid()
    return paginate(session, stmt, request)
