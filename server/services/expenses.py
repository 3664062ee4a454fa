"""Expenses: costs recorded against a client (optionally one of its projects).

Owner, Admin and Manager only: a Member token is 403 `forbidden_scope` on every operation.
`currency` is copied from the client and read-only (the contract's `additionalProperties:
false` makes sending it a 422; the shared body reader refuses it too, for non-HTTP callers).
`userId` is whoever recorded the expense. An expense on an invoice (`invoiceId` set) is locked:
update and delete are 409 for everyone. `clientId`/`projectId` are body references, so a
missing, deleted or foreign one is 422 with `fields`, and the project must belong to the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import Client, Expense, Project
from server.errors import Conflict, NotFound, ValidationFailed
from server.services.access import require_manager_plus, start_write
from server.services.filters import Filters
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import Field, apply_changes, common, day, put_money, read_fields

CATEGORIES = ("TRAVEL", "MEALS", "SOFTWARE", "EQUIPMENT", "CONTRACTORS", "OTHER")
MAX_AMOUNT = Decimal("999999999999.99")
_DENIED = "Members may not use expenses"
CLIENT_NAME_MAX = 255  # ClientCreate.name and the clientName filter's maxLength

SORTS: dict[str, Any] = {
    "amount": Expense.amount,
    "createdAt": Expense.created_at,
    "expenseDate": Expense.expense_date,
    "id": Expense.id,
    "updatedAt": Expense.updated_at,
}

EXPENSE_FIELDS: tuple[Field, ...] = (
    Field("clientId", "client_id", required=True, nullable=False, max_len=36),
    Field("projectId", "project_id", max_len=36),
    Field("description", "description", required=True, nullable=False, max_len=500),
    Field("amount", "amount", "money", required=True, nullable=False, places=2),
    Field("expenseDate", "expense_date", "date", required=True, nullable=False),
    Field("category", "category", "enum", nullable=False, choices=CATEGORIES),
    Field("customCategory", "custom_category", max_len=100),
    Field("billable", "billable", "bool", nullable=False),
)


def expense_out(row: Expense, actor: Actor) -> dict[str, Any]:
    """The Expense object of the contract (`amount` omitted for a Member, by the shared rule)."""
    out = common(row)
    out.update(
        clientId=row.client_id,
        projectId=row.project_id,
        userId=row.user_id,
        description=row.description,
    )
    put_money(out, actor, amount=row.amount)
    out.update(
        currency=row.currency,
        expenseDate=day(row.expense_date),
        category=row.category,
        customCategory=row.custom_category,
        billable=row.billable,
        invoiceId=row.invoice_id,
    )
    return out


def _read(body: Mapping[str, Any] | None, *, creating: bool) -> dict[str, Any]:
    values = read_fields(body, EXPENSE_FIELDS, creating=creating)
    amount = values.get("amount")
    if amount is not None and not Decimal(0) < amount <= MAX_AMOUNT:
        raise ValidationFailed({"amount": "must be greater than 0 and at most 999999999999.99"})
    description = values.get("description")
    if description is not None and not description.strip():
        raise ValidationFailed({"description": "must not be blank"})
    return values


def _client(session: Session, actor: Actor, client_id: str) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.org_id != actor.org_id or client.deleted_at is not None:
        raise ValidationFailed({"clientId": "no such client"})
    return client


def _check_project(session: Session, project_id: str | None, client: Client) -> None:
    if project_id is None:
        return
    project = session.get(Project, project_id)
    if project is None or project.client_id != client.id or project.deleted_at is not None:
        raise ValidationFailed({"projectId": "must be a project of the expense's client"})


def find_expense(session: Session, actor: Actor, expense_id: str) -> Expense:
    """The org's non-deleted expense `expense_id`, else 404."""
    row = session.get(Expense, expense_id)
    if row is None or row.org_id != actor.org_id or row.deleted_at is not None:
        raise NotFound("No such expense")
    return row


def get_expense(session: Session, actor: Actor, expense_id: str) -> Expense:
    require_manager_plus(actor, _DENIED)
    return find_expense(session, actor, expense_id)


def create_expense(session: Session, actor: Actor, body: Mapping[str, Any] | None) -> Expense:
    """Record an expense for the caller; currency from the client; defaults OTHER, billable."""
    require_manager_plus(actor, _DENIED)
    values = _read(body, creating=True)
    start_write(session)
    client = _client(session, actor, values["client_id"])
    _check_project(session, values.get("project_id"), client)
    values.setdefault("category", "OTHER")
    values.setdefault("billable", True)
    row = Expense(org_id=actor.org_id, user_id=actor.user_id, currency=client.currency, **values)
    session.add(row)
    session.flush()
    return row


def update_expense(
    session: Session, actor: Actor, expense_id: str, body: Mapping[str, Any] | None
) -> Expense:
    """Partial update; a new client brings its currency; locked expenses are 409."""
    require_manager_plus(actor, _DENIED)
    values = _read(body, creating=False)
    start_write(session)
    row = find_expense(session, actor, expense_id)
    if row.invoice_id is not None:
        raise Conflict("This expense is on an invoice and cannot be changed")
    if "client_id" in values or "project_id" in values:
        client = _client(session, actor, values.get("client_id", row.client_id))
        _check_project(session, values.get("project_id", row.project_id), client)
        values["currency"] = client.currency
    if apply_changes(row, values):
        row.updated_at = utcnow()
        session.flush()
    return row


def delete_expense(session: Session, actor: Actor, expense_id: str) -> None:
    """Soft delete (later reads are 404); a locked expense is 409."""
    require_manager_plus(actor, _DENIED)
    start_write(session)
    row = find_expense(session, actor, expense_id)
    if row.invoice_id is not None:
        raise Conflict("This expense is on an invoice and cannot be deleted")
    now = utcnow()
    row.deleted_at = now
    row.updated_at = now
    session.flush()


def client_name_filter(stmt: Any, f: Filters, client_id_column: Any) -> Any:
    """`clientName`: case-insensitive substring of the client's name, through a join.

    Matched against `Client.name_fold` (folded in Python like search terms), so SQLite and
    PostgreSQL agree on non-ASCII names. As long as a client name may be (the document's
    `maxLength`), not the shorter `search` limit.
    """
    if not f.get("clientName"):
        return stmt
    joined = stmt.join(Client, Client.id == client_id_column)
    return f.search(joined, Client.name_fold, "clientName", max_length=CLIENT_NAME_MAX)


def list_expenses(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of the org's expenses, filtered, searched and sorted per design §7."""
    require_manager_plus(actor, _DENIED)
    page = PageRequest.from_params("expenses", params, SORTS, workspace=actor.org_id, key=key)
    f = Filters(params)
    stmt = select(Expense).where(Expense.org_id == actor.org_id)
    stmt = f.equals(stmt, Expense.client_id, "clientId")
    stmt = client_name_filter(stmt, f, Expense.client_id)
    stmt = f.equals(stmt, Expense.project_id, "projectId")
    stmt = f.enum(stmt, Expense.category, "category", CATEGORIES)
    stmt = f.boolean(stmt, Expense.billable, "billable")
    stmt = f.range(stmt, Expense.expense_date, "expenseDate", dates=True)
    stmt = f.range(stmt, Expense.created_at, "createdAt")
    stmt = f.range(stmt, Expense.updated_at, "updatedAt")
    stmt = f.decimal_range(stmt, Expense.amount, "amount")
    stmt = f.search(stmt, Expense.search_text, session=session)
    stmt = f.include_deleted(stmt, Expense.deleted_at)
    f.raise_if_invalid()
    return paginate(session, stmt, page)
