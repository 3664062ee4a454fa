"""Invoice changes made in the app (send, pay, a failed payment) and their webhook events.

`invoicing` changes the invoice; this module adds the event in the same transaction:
`invoice.sent`, `invoice.paid` when a payment settles the invoice in full, and
`invoice.payment_failed` for a failed attempt (which changes nothing on the invoice).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from server.context import Actor
from server.db.models import Invoice
from server.formats import format_decimal
from server.services import invoicing
from server.services.invoices import invoice_detail_out
from server.services.webhooks import app_actor, notify

DEFAULT_FAILURE = "card_declined"


def _payment(invoice: Invoice, amount: Decimal, reason: str | None) -> dict[str, Any]:
    return {
        "amount": format_decimal(amount),
        "currency": invoice.currency,
        "outcome": "failed" if reason else "succeeded",
        "failureReason": reason,
    }


def _notify(
    session: Session, invoice: Invoice, event_type: str, payment: dict[str, Any] | None = None
) -> None:
    def build(view: Actor) -> dict[str, Any]:
        data = {"invoice": invoice_detail_out(session, invoice, view)}
        return data if payment is None else {**data, "payment": payment}

    notify(session, app_actor(session, invoice.org_id), event_type, build)


def send_invoice(session: Session, invoice_id: str) -> Invoice:
    """DRAFT → SENT, with `invoice.sent`."""
    invoice = invoicing.send_invoice(session, invoice_id)
    _notify(session, invoice, "invoice.sent")
    return invoice


def pay_invoice(session: Session, invoice_id: str, amount: Decimal | None = None) -> Invoice:
    """Record a payment; `invoice.paid` when it settles the invoice."""
    before = session.get(Invoice, invoice_id)
    paid_before = before.amount_paid if before is not None else Decimal(0)
    invoice = invoicing.pay_invoice(session, invoice_id, amount)
    if invoice.status == "PAID":
        payment = _payment(invoice, invoice.amount_paid - paid_before, None)
        _notify(session, invoice, "invoice.paid", payment)
    return invoice


def fail_payment(
    session: Session,
    invoice_id: str,
    amount: Decimal | None = None,
    reason: str = DEFAULT_FAILURE,
) -> Invoice:
    """A payment attempt that failed: the invoice is unchanged; `invoice.payment_failed`."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.deleted_at is not None:
        raise ValueError(f"no invoice with id {invoice_id}")
    attempted = invoicing.payment_amount(invoice, amount)
    _notify(session, invoice, "invoice.payment_failed", _payment(invoice, attempted, reason))
    return invoice
