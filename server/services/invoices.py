"""Invoices, read-only through the API (they are built by the app: see `services.invoicing`).

Owner, Admin and Manager only: a Member token is 403 `forbidden_scope`. Beyond the stored
fields the output carries `balance` (total − amountPaid) and `overdue` (SENT and past its due
date, UTC today); `getInvoice` adds the `lines`. Money fields go through the shared money-blind
rule, so they would be omitted for a Member even though Members cannot reach invoices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.context import Actor
from server.db.base import utcnow
from server.db.models import Invoice, InvoiceLine
from server.errors import NotFound
from server.services.access import require_manager_plus
from server.services.expenses import client_name_filter
from server.services.filters import Filters
from server.services.invoicing import invoice_lines
from server.services.pagination import Page, PageRequest, paginate
from server.services.serialize import common, day, dec, instant, put_money

STATUSES = ("DRAFT", "SENT", "PAID", "CANCELLED")
PAYMENT_STATUSES = ("unpaid", "partially_paid", "paid", "refunded")
_DENIED = "Members may not read invoices"

SORTS: dict[str, Any] = {
    "amountPaid": Invoice.amount_paid,
    "createdAt": Invoice.created_at,
    "dueDate": Invoice.due_date,
    "id": Invoice.id,
    "issueDate": Invoice.issue_date,
    "number": Invoice.number,
    "paidAt": Invoice.paid_at,
    "paymentStatus": Invoice.payment_status,
    "sentAt": Invoice.sent_at,
    "status": Invoice.status,
    "total": Invoice.total,
    "updatedAt": Invoice.updated_at,
}


def invoice_out(row: Invoice, actor: Actor) -> dict[str, Any]:
    """The Invoice object of the contract (list shape: no lines)."""
    out = common(row)
    out.update(
        clientId=row.client_id,
        number=row.number,
        status=row.status,
        paymentStatus=row.payment_status,
    )
    put_money(
        out,
        actor,
        subtotal=row.subtotal,
        discountAmount=row.discount_amount,
        total=row.total,
        amountPaid=row.amount_paid,
        balance=row.total - row.amount_paid,
    )
    out.update(
        taxRate=dec(row.tax_rate),
        currency=row.currency,
        notes=row.notes,
        billToName=row.bill_to_name,
        issueDate=day(row.issue_date),
        dueDate=day(row.due_date),
        sentAt=instant(row.sent_at),
        paidAt=instant(row.paid_at),
        overdue=row.status == "SENT" and row.due_date < utcnow().date(),
    )
    return out


def line_out(line: InvoiceLine, actor: Actor) -> dict[str, Any]:
    """One InvoiceLine (`unitPrice` and `amount` are money)."""
    out: dict[str, Any] = {
        "id": line.id,
        "kind": line.kind,
        "description": line.description,
        "quantity": dec(line.quantity),
        "unit": line.unit,
    }
    put_money(out, actor, unitPrice=line.unit_price, amount=line.amount)
    out.update(
        projectId=line.project_id,
        taskId=line.task_id,
        timeEntryIds=list(line.time_entry_ids or []),
        expenseId=line.expense_id,
    )
    return out


def invoice_detail_out(session: Session, row: Invoice, actor: Actor) -> dict[str, Any]:
    """The InvoiceDetail object: the invoice plus its lines in order."""
    out = invoice_out(row, actor)
    out["lines"] = [line_out(line, actor) for line in invoice_lines(session, row.id)]
    return out


def get_invoice(session: Session, actor: Actor, invoice_id: str) -> Invoice:
    """The org's non-deleted invoice `invoice_id`, else 404."""
    require_manager_plus(actor, _DENIED)
    row = session.get(Invoice, invoice_id)
    if row is None or row.org_id != actor.org_id or row.deleted_at is not None:
        raise NotFound("No such invoice")
    return row


def list_invoices(
    session: Session, actor: Actor, params: Mapping[str, Any], *, key: bytes | None = None
) -> Page:
    """One keyset page of the org's invoices, filtered, searched and sorted per design §7."""
    require_manager_plus(actor, _DENIED)
    page = PageRequest.from_params("invoices", params, SORTS, workspace=actor.org_id, key=key)
    f = Filters(params)
    stmt = select(Invoice).where(Invoice.org_id == actor.org_id)
    stmt = f.equals(stmt, Invoice.client_id, "clientId")
    stmt = client_name_filter(stmt, f, Invoice.client_id)
    stmt = f.enum(stmt, Invoice.status, "status", STATUSES)
    stmt = f.enum(stmt, Invoice.payment_status, "paymentStatus", PAYMENT_STATUSES)
    stmt = f.range(stmt, Invoice.issue_date, "issueDate", dates=True)
    stmt = f.range(stmt, Invoice.due_date, "dueDate", dates=True)
    stmt = f.range(stmt, Invoice.sent_at, "sentAt")
    stmt = f.range(stmt, Invoice.paid_at, "paidAt")
    stmt = f.range(stmt, Invoice.created_at, "createdAt")
    stmt = f.range(stmt, Invoice.updated_at, "updatedAt")
    stmt = f.decimal_range(stmt, Invoice.total, "total")
    stmt = f.search(stmt, Invoice.search_text, session=session)
    stmt = f.include_deleted(stmt, Invoice.deleted_at)
    f.raise_if_invalid()
    return paginate(session, stmt, page)
