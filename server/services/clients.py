"""Clients: CRUD with the org's default currency, delete guards and the currency-change guard.

Owner, Admin and Manager only (a Member token is 403 `forbidden_scope` on every operation).
Deletion is soft (`deleted_at`); a client with a non-archived project, an invoice or a time entry
cannot be deleted (409), and its currency cannot change once expenses or invoices exist (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import Client, Expense, Invoice, Organization, Project, TimeEntry
from server.errors import Conflict, NotFound, ValidationFailed
from server.services.access import require_manager_plus, start_write
from server.services.filters import Filters
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import (
    Field,
    apply_changes,
    common,
    dec,
    put_money,
    read_fields,
)
from server.services.webhooks import notify

PAYMENT_TERMS = ("DUE_ON_RECEIPT", "NET_7", "NET_15", "NET_30", "NET_60")

CLIENT_FIELDS: tuple[Field, ...] = (
    Field("name", "name", required=True, nullable=False, max_len=255),
    Field("contactName", "contact_name", max_len=255),
    Field("email", "email", "email", max_len=254),
    Field("phone", "phone", max_len=50),
    Field("website", "website", max_len=2048),
    Field("currency", "currency", "code", nullable=False, max_len=3),
    Field("notes", "notes", max_len=10_000),
    Field("billingEmail", "billing_email", "email", max_len=254),
    Field("billingAddress", "billing_address", max_len=1000),
    Field("billingLine1", "billing_line1", max_len=255),
    Field("billingLine2", "billing_line2", max_len=255),
    Field("billingCity", "billing_city", max_len=255),
    Field("billingRegion", "billing_region", max_len=255),
    Field("billingPostalCode", "billing_postal_code", max_len=32),
    Field("billingCountry", "billing_country", "code", max_len=2),
    Field("taxNumber", "tax_number", max_len=64),
    Field("defaultRate", "default_rate", "money"),
    Field("defaultPaymentTerms", "default_payment_terms", "enum", choices=PAYMENT_TERMS),
    Field("defaultTaxRate", "default_tax_rate", "money"),
    Field("requirePoNumber", "require_po_number", "bool", nullable=False),
)

_HUNDRED = Decimal(100)


def client_out(row: Client, actor: Actor) -> dict[str, Any]:
    """The Client object of the contract (camelCase; `defaultRate` omitted for Members)."""
    out = common(row)
    out.update(
        name=row.name,
        contactName=row.contact_name,
        email=row.email,
        phone=row.phone,
        website=row.website,
        currency=row.currency,
        notes=row.notes,
        billingEmail=row.billing_email,
        billingAddress=row.billing_address,
        billingLine1=row.billing_line1,
        billingLine2=row.billing_line2,
        billingCity=row.billing_city,
        billingRegion=row.billing_region,
        billingPostalCode=row.billing_postal_code,
        billingCountry=row.billing_country,
        taxNumber=row.tax_number,
    )
    put_money(out, actor, defaultRate=row.default_rate)
    out["defaultPaymentTerms"] = row.default_payment_terms
    out["defaultTaxRate"] = dec(row.default_tax_rate)
    out["requirePoNumber"] = row.require_po_number
    return out


def _read(body: dict[str, Any] | None, *, creating: bool) -> dict[str, Any]:
    changes = read_fields(body, CLIENT_FIELDS, creating=creating)
    rate = changes.get("default_tax_rate")
    if rate is not None and rate > _HUNDRED:
        raise ValidationFailed({"defaultTaxRate": "must be between 0 and 100"})
    return changes


def find_client(session: Session, actor: Actor, client_id: str) -> Client:
    """The org's non-deleted client `client_id`, else 404 (other orgs' clients included)."""
    row = session.get(Client, client_id)
    if row is None or row.org_id != actor.org_id or row.deleted_at is not None:
        raise NotFound("No such client")
    return row


def get_client(session: Session, actor: Actor, client_id: str) -> Client:
    require_manager_plus(actor, "Members may not use clients")
    return find_client(session, actor, client_id)


def create_client(session: Session, actor: Actor, body: dict[str, Any] | None) -> Client:
    """Create a client; `currency` defaults to the organization's `defaultCurrency`."""
    require_manager_plus(actor, "Members may not use clients")
    changes = _read(body, creating=True)
    start_write(session)
    if "currency" not in changes:
        org = session.get(Organization, actor.org_id)
        changes["currency"] = org.default_currency if org is not None else "USD"
    row = Client(org_id=actor.org_id, **changes)
    session.add(row)
    session.flush()
    notify(session, actor, "client.created", lambda view: {"client": client_out(row, view)})
    return row


def update_client(
    session: Session, actor: Actor, client_id: str, body: dict[str, Any] | None
) -> Client:
    """Partial update: absent keys untouched, `null` clears, empty strings become `null`."""
    require_manager_plus(actor, "Members may not use clients")
    changes = _read(body, creating=False)
    start_write(session)
    row = find_client(session, actor, client_id)
    new_currency = changes.get("currency", row.currency)
    if new_currency != row.currency and _has_money_records(session, row.id):
        raise Conflict("The currency of a client with expenses or invoices cannot change")
    if apply_changes(row, changes):
        row.updated_at = utcnow()
        session.flush()
    return row


def delete_client(session: Session, actor: Actor, client_id: str) -> None:
    """Soft delete, refused (409) while projects, invoices or time entries depend on it."""
    require_manager_plus(actor, "Members may not use clients")
    start_write(session)
    row = find_client(session, actor, client_id)
    live_project = exists().where(
        Project.client_id == row.id,
        Project.deleted_at.is_(None),
        Project.status != "ARCHIVED",
    )
    if session.scalar(select(live_project)):
        raise Conflict("The client has projects that are not archived: archive them first")
    if session.scalar(select(exists().where(Invoice.client_id == row.id))):
        raise Conflict("The client has invoices and cannot be deleted")
    entries = exists().where(
        TimeEntry.project_id == Project.id,
        Project.client_id == row.id,
        TimeEntry.deleted_at.is_(None),
    )
    if session.scalar(select(entries)):
        raise Conflict("The client has time entries and cannot be deleted")
    now = utcnow()
    row.deleted_at = now
    row.updated_at = now
    session.flush()


def _has_money_records(session: Session, client_id: str) -> bool:
    expenses = exists().where(Expense.client_id == client_id, Expense.deleted_at.is_(None))
    invoices = exists().where(Invoice.client_id == client_id)
    return bool(session.scalar(select(expenses))) or bool(session.scalar(select(invoices)))


CLIENT_SORTS: dict[str, Any] = {
    "createdAt": Client.created_at,
    "id": Client.id,
    "name": Client.name,
    "updatedAt": Client.updated_at,
}


def list_clients(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of the org's clients (search: name, contactName, email)."""
    require_manager_plus(actor, "Members may not use clients")
    request = PageRequest.from_params(
        "clients", params, CLIENT_SORTS, workspace=actor.org_id, key=key
    )
    filters = Filters(params)
    stmt = select(Client).where(Client.org_id == actor.org_id)
    stmt = filters.include_deleted(stmt, Client.deleted_at)
    stmt = filters.range(stmt, Client.created_at, "createdAt")
    stmt = filters.range(stmt, Client.updated_at, "updatedAt")
    stmt = filters.search(stmt, Client.search_text, session=session)
    filters.raise_if_invalid()
    return paginate(session, stmt, request)
