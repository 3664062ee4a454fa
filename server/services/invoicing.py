"""Invoice life cycle as the app performs it (the admin CLI plays the app; the API only reads).

`build_invoice` turns a client's billable, un-invoiced work into a DRAFT invoice and locks that
work (sets `invoice_id`), so the API refuses to change or delete it (409). `send_invoice`,
`pay_invoice` and `cancel_invoice` move the invoice along DRAFT → SENT → PAID, or to CANCELLED,
which releases the locks so the work can be edited and invoiced again.

Pricing: each time entry is rounded UP to the quarter hour on its invoice line (never in the
stored entry) and priced by the rate cascade project `hourlyRate` → client `defaultRate` (tasks
carry no rate; no rate at all prices at 0). FIXED projects bill their `fixedFeeAmount` once, as
one CUSTOM line carrying the project's entries; NON_BILLABLE projects are never invoiced.
Money is exact: line amounts and tax are rounded half-up to the cent.

Every function flushes but never commits: the caller owns the transaction. Expected failures
raise `ValueError` with a one-line message the CLI prints as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from server.db.base import utcnow
from server.db.models import (
    Client,
    Expense,
    Invoice,
    InvoiceLine,
    Organization,
    Project,
    Task,
    TimeEntry,
)
from server.services.access import start_write

GROUPINGS = ("project", "task", "entry")
PAYMENT_TERMS_DAYS = {
    "DUE_ON_RECEIPT": 0,
    "NET_7": 7,
    "NET_15": 15,
    "NET_30": 30,
    "NET_60": 60,
}
DEFAULT_TERMS = "NET_30"
NUMBER_DIGITS = 4
CENT = Decimal("0.01")
QUARTER_HOUR_SECONDS = 900
ZERO = Decimal("0.00")


def quarter_hours(seconds: int) -> Decimal:
    """Hours billed for one entry: `seconds` rounded UP to the next quarter hour (0 stays 0)."""
    quarters = -(-max(seconds, 0) // QUARTER_HOUR_SECONDS)
    return (Decimal(quarters) / 4).quantize(CENT)


def money(value: Decimal) -> Decimal:
    """Round half-up to the cent: how every line amount, tax and total is stated."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Line:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    project_id: str | None = None
    task_id: str | None = None
    time_entry_ids: list[str] = field(default_factory=list)
    expense_id: str | None = None

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


def _client_of(session: Session, org_id: str, client_id: str) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.org_id != org_id or client.deleted_at is not None:
        raise ValueError(f"no client with id {client_id} in organization {org_id}")
    return client


def _billable_entries(session: Session, org_id: str, client_id: str) -> list[TimeEntry]:
    stmt = (
        select(TimeEntry)
        .join(Project, Project.id == TimeEntry.project_id)
        .where(
            TimeEntry.org_id == org_id,
            Project.client_id == client_id,
            Project.rate_type != "NON_BILLABLE",
            TimeEntry.billable.is_(True),
            TimeEntry.invoice_id.is_(None),
            TimeEntry.deleted_at.is_(None),
            TimeEntry.is_running.is_(False),
        )
        .order_by(TimeEntry.entry_date, TimeEntry.created_at, TimeEntry.id)
    )
    return list(session.scalars(stmt))


def _billable_expenses(session: Session, org_id: str, client_id: str) -> list[Expense]:
    stmt = (
        select(Expense)
        .where(
            Expense.org_id == org_id,
            Expense.client_id == client_id,
            Expense.billable.is_(True),
            Expense.invoice_id.is_(None),
            Expense.deleted_at.is_(None),
        )
        .order_by(Expense.expense_date, Expense.created_at, Expense.id)
    )
    return list(session.scalars(stmt))


def _fixed_fee_already_billed(session: Session, project_id: str) -> bool:
    stmt = (
        select(InvoiceLine.id)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            InvoiceLine.project_id == project_id,
            InvoiceLine.kind == "CUSTOM",
            InvoiceLine.unit == "fixed",
            InvoiceLine.unit_price > 0,
            Invoice.status != "CANCELLED",
        )
        .limit(1)
    )
    return session.scalar(stmt) is not None


def _time_lines(
    session: Session,
    client: Client,
    entries: Sequence[TimeEntry],
    grouping: str,
) -> list[_Line]:
    projects = {
        p.id: p
        for p in session.scalars(
            select(Project).where(Project.id.in_({e.project_id for e in entries}))
        )
    }
    task_ids = {e.task_id for e in entries if e.task_id}
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(task_ids)))}
    lines: list[_Line] = []
    groups: dict[tuple[str, ...], _Line] = {}
    fixed: dict[str, _Line] = {}
    for entry in entries:
        project = projects[entry.project_id]
        if project.rate_type == "FIXED":
            line = fixed.get(project.id)
            if line is None:
                fee = project.fixed_fee_amount or ZERO
                billed = _fixed_fee_already_billed(session, project.id)
                line = _Line(
                    kind="CUSTOM",
                    description=f"{project.name} — fixed fee"
                    + (" (already invoiced)" if billed else ""),
                    quantity=Decimal("1.00"),
                    unit="fixed",
                    unit_price=ZERO if billed else fee,
                    project_id=project.id,
                )
                fixed[project.id] = line
                lines.append(line)
            line.time_entry_ids.append(entry.id)
            continue
        rate = project.hourly_rate if project.hourly_rate is not None else client.default_rate
        rate = rate if rate is not None else ZERO
        task = tasks.get(entry.task_id) if entry.task_id else None
        if grouping == "project":
            key: tuple[str, ...] = (project.id, str(rate))
            description = project.name
        elif grouping == "task":
            key = (project.id, entry.task_id or "", str(rate))
            description = f"{project.name} — {task.name if task else 'No task'}"
        else:
            key = (entry.id,)
            description = f"{project.name} — {entry.entry_date.isoformat()}"
            if entry.note:
                description += f": {entry.note}"
        line = groups.get(key)
        if line is None:
            line = _Line(
                kind="TIME",
                description=description,
                quantity=ZERO,
                unit="hours",
                unit_price=rate,
                project_id=project.id,
                task_id=entry.task_id if grouping != "project" else None,
            )
            groups[key] = line
            lines.append(line)
        line.quantity += quarter_hours(entry.duration_seconds)
        line.time_entry_ids.append(entry.id)
    return lines


def _expense_lines(expenses: Iterable[Expense]) -> list[_Line]:
    return [
        _Line(
            kind="EXPENSE",
            description=e.description,
            quantity=Decimal("1.00"),
            unit="item",
            unit_price=e.amount,
            project_id=e.project_id,
            expense_id=e.id,
        )
        for e in expenses
    ]


def _next_number(session: Session, org: Organization) -> str:
    # One UPDATE … RETURNING: concurrent builders can never draw the same number.
    stmt = (
        update(Organization)
        .where(Organization.id == org.id)
        .values(next_invoice_number=Organization.next_invoice_number + 1)
        .returning(Organization.next_invoice_number)
    )
    drawn = int(session.execute(stmt).scalar_one()) - 1
    session.refresh(org, ["next_invoice_number"])
    return f"{org.invoice_prefix}{drawn:0{NUMBER_DIGITS}d}"


def _lock(
    session: Session, model: type[TimeEntry] | type[Expense], ids: list[str], inv: str
) -> None:
    """Point the rows at the invoice, only where still un-invoiced; a lost race is an error."""
    if not ids:
        return
    stmt = (
        update(model)
        .where(and_(model.id.in_(ids), model.invoice_id.is_(None)))
        .values(invoice_id=inv)
        .returning(model.id)
        .execution_options(synchronize_session="fetch")
    )
    locked = set(session.scalars(stmt))
    if locked != set(ids):
        raise ValueError("some of this client's work was invoiced concurrently; try again")


def build_invoice(
    session: Session, org_id: str, client_id: str, grouping: str = "project"
) -> Invoice:
    """Create a DRAFT invoice from the client's billable, un-invoiced work and lock that work."""
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {', '.join(GROUPINGS)} (got {grouping!r})")
    start_write(session)
    org = session.get(Organization, org_id)
    if org is None:
        raise ValueError(f"no organization with id {org_id}")
    client = _client_of(session, org_id, client_id)
    entries = _billable_entries(session, org_id, client_id)
    expenses = _billable_expenses(session, org_id, client_id)
    if not entries and not expenses:
        raise ValueError(f"client {client.name!r} has no billable, un-invoiced time or expenses")
    lines = _time_lines(session, client, entries, grouping) + _expense_lines(expenses)

    subtotal = sum((line.amount for line in lines), ZERO)
    discount = ZERO
    tax_rate = client.default_tax_rate if client.default_tax_rate is not None else ZERO
    tax = money((subtotal - discount) * tax_rate / 100)
    today = utcnow().date()
    invoice = Invoice(
        org_id=org_id,
        client_id=client.id,
        number=_next_number(session, org),
        status="DRAFT",
        payment_status="unpaid",
        subtotal=subtotal,
        discount_amount=discount,
        tax_rate=tax_rate,
        total=subtotal - discount + tax,
        amount_paid=ZERO,
        currency=client.currency,
        bill_to_name=client.name,
        issue_date=today,
        due_date=due_date_for(today, client.default_payment_terms),
    )
    session.add(invoice)
    session.flush()
    for position, line in enumerate(lines, start=1):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=position,
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                amount=line.amount,
                project_id=line.project_id,
                task_id=line.task_id,
                time_entry_ids=list(line.time_entry_ids),
                expense_id=line.expense_id,
            )
        )
    _lock(session, TimeEntry, [e.id for e in entries], invoice.id)
    _lock(session, Expense, [e.id for e in expenses], invoice.id)
    session.flush()
    return invoice


def invoice_lines(session: Session, invoice_id: str) -> list[InvoiceLine]:
    """The invoice's lines in their printed order."""
    stmt = select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
    return list(session.scalars(stmt.order_by(InvoiceLine.position)))


def _invoice(session: Session, invoice_id: str) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.deleted_at is not None:
        raise ValueError(f"no invoice with id {invoice_id}")
    return invoice


def send_invoice(session: Session, invoice_id: str) -> Invoice:
    """DRAFT → SENT, stamping `sentAt`."""
    start_write(session)
    invoice = _invoice(session, invoice_id)
    if invoice.status != "DRAFT":
        raise ValueError(f"invoice {invoice.number} is {invoice.status}; only a DRAFT can be sent")
    invoice.status = "SENT"
    invoice.sent_at = utcnow()
    session.flush()
    return invoice


def payment_amount(invoice: Invoice, amount: Decimal | None) -> Decimal:
    """The amount of a payment on a payable invoice: the balance by default, else checked."""
    if invoice.status != "SENT":
        raise ValueError(
            f"invoice {invoice.number} is {invoice.status}; only a SENT one is payable"
        )
    balance = invoice.total - invoice.amount_paid
    paid = balance if amount is None else Decimal(amount)
    if paid <= 0:
        raise ValueError("a payment must be greater than zero")
    if paid != money(paid):
        raise ValueError("a payment has at most two decimal places")
    if paid > balance:
        raise ValueError(f"a payment of {paid} exceeds the balance of {money(balance)}")
    return paid


def pay_invoice(session: Session, invoice_id: str, amount: Decimal | None = None) -> Invoice:
    """Record a payment on a SENT invoice: the whole balance by default, or a part of it."""
    start_write(session)
    invoice = _invoice(session, invoice_id)
    paid = payment_amount(invoice, amount)
    invoice.amount_paid = invoice.amount_paid + paid
    if invoice.amount_paid == invoice.total:
        invoice.status = "PAID"
        invoice.payment_status = "paid"
        invoice.paid_at = utcnow()
    else:
        invoice.payment_status = "partially_paid"
    session.flush()
    return invoice


def cancel_invoice(session: Session, invoice_id: str) -> Invoice:
    """DRAFT or unpaid SENT → CANCELLED, releasing its time entries and expenses."""
    start_write(session)
    invoice = _invoice(session, invoice_id)
    if invoice.status in ("PAID", "CANCELLED"):
        raise ValueError(f"invoice {invoice.number} is {invoice.status} and cannot be cancelled")
    if invoice.amount_paid > 0:
        raise ValueError(f"invoice {invoice.number} has payments and cannot be cancelled")
    invoice.status = "CANCELLED"
    for model in (TimeEntry, Expense):
        session.execute(
            update(model)
            .where(model.invoice_id == invoice.id)
            .values(invoice_id=None)
            .execution_options(synchronize_session="fetch")
        )
    session.flush()
    return invoice


def due_date_for(issue: date, terms: str | None) -> date:
    """The due date that `terms` (default NET_30) gives an invoice issued on `issue`."""
    return issue + timedelta(days=PAYMENT_TERMS_DAYS.get(terms or DEFAULT_TERMS, 30))
