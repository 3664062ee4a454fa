"""Invoice building and life cycle as the admin CLI drives it (server.services.invoicing)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import models as M
from server.db.base import utcnow
from server.services.invoicing import (
    build_invoice,
    cancel_invoice,
    invoice_lines,
    pay_invoice,
    quarter_hours,
    send_invoice,
)


class World:
    """A tiny workspace: one org, one user, one client, helpers to add projects and work."""

    def __init__(self, s: Session, **client: Any) -> None:
        self.s = s
        self.org = M.Organization(name="Acme", invoice_prefix="INV-")
        self.user = M.User(name="Ann", email=f"ann-{id(self)}@example.com")
        s.add_all([self.org, self.user])
        s.flush()
        self.client = self.add_client(**client)

    def add_client(self, **kw: Any) -> M.Client:
        kw.setdefault("name", "Northwind")
        kw.setdefault("currency", "EUR")
        client = M.Client(org_id=self.org.id, **kw)
        self.s.add(client)
        self.s.flush()
        return client

    def project(self, client: M.Client | None = None, **kw: Any) -> M.Project:
        kw.setdefault("name", "Site")
        project = M.Project(org_id=self.org.id, client_id=(client or self.client).id, **kw)
        self.s.add(project)
        self.s.flush()
        return project

    def entry(self, project: M.Project, seconds: int, **kw: Any) -> M.TimeEntry:
        kw.setdefault("entry_date", date(2026, 3, 2))
        entry = M.TimeEntry(
            org_id=self.org.id,
            project_id=project.id,
            user_id=self.user.id,
            duration_seconds=seconds,
            **kw,
        )
        self.s.add(entry)
        self.s.flush()
        return entry

    def expense(self, amount: str, **kw: Any) -> M.Expense:
        kw.setdefault("expense_date", date(2026, 3, 3))
        kw.setdefault("description", "Train")
        expense = M.Expense(
            org_id=self.org.id,
            client_id=self.client.id,
            user_id=self.user.id,
            amount=Decimal(amount),
            currency=self.client.currency,
            **kw,
        )
        self.s.add(expense)
        self.s.flush()
        return expense


@pytest.fixture
def world(session: Session) -> World:
    """A workspace whose client bills 100.00/h with 20% tax on NET_15 terms."""
    return World(
        session,
        default_rate=Decimal("100"),
        default_tax_rate=Decimal("20"),
        default_payment_terms="NET_15",
    )


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [(0, "0.00"), (1, "0.25"), (900, "0.25"), (901, "0.50"), (3600, "1.00"), (5401, "1.75")],
)
def test_quarter_hours_rounds_up(seconds: int, hours: str) -> None:
    """Each entry is billed in quarter hours, always rounding up."""
    assert quarter_hours(seconds) == Decimal(hours)


def test_build_invoice_prices_rounded_entries_with_the_rate_cascade(world: World) -> None:
    """Project rate beats the client default; each entry rounds up on its line; totals exact."""
    own_rate = world.project(name="Own rate", hourly_rate=Decimal("80.5"))
    inherits = world.project(name="Inherits")
    a = world.entry(own_rate, 3000)  # 50 min → 1.00 h
    b = world.entry(own_rate, 600)  # 10 min → 0.25 h
    c = world.entry(inherits, 5400)  # 1.50 h at 100
    invoice = build_invoice(world.s, world.org.id, world.client.id)
    lines = invoice_lines(world.s, invoice.id)
    assert [(ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in lines] == [
        ("Own rate", Decimal("1.25"), Decimal("80.5"), Decimal("100.63")),
        ("Inherits", Decimal("1.50"), Decimal("100"), Decimal("150.00")),
    ]
    assert lines[0].time_entry_ids == [a.id, b.id]
    assert lines[1].time_entry_ids == [c.id]
    assert invoice.subtotal == Decimal("250.63")
    assert invoice.tax_rate == Decimal("20")
    assert invoice.total == Decimal("300.76")  # tax 50.126 → 50.13
    assert (invoice.status, invoice.payment_status, invoice.currency) == ("DRAFT", "unpaid", "EUR")
    assert invoice.number == "INV-0001"
    assert invoice.bill_to_name == "Northwind"
    assert invoice.due_date - invoice.issue_date == timedelta(days=15)
    world.s.refresh(a)
    assert a.duration_seconds == 3000, "the stored entry is never rounded"


def test_build_invoice_locks_only_billable_uninvoiced_finished_work(world: World) -> None:
    """Non-billable, running, deleted and NON_BILLABLE-project work stays out and unlocked."""
    project = world.project()
    free = world.project(name="Free", rate_type="NON_BILLABLE")
    billed = world.entry(project, 3600)
    skipped = [
        world.entry(project, 3600, billable=False),
        world.entry(project, 0, is_running=True, started_at=utcnow()),
        world.entry(project, 3600, deleted_at=utcnow()),
        world.entry(free, 3600),
    ]
    expense = world.expense("12.30")
    unbillable_expense = world.expense("5", billable=False)
    invoice = build_invoice(world.s, world.org.id, world.client.id)
    for row in (billed, expense, unbillable_expense, *skipped):
        world.s.refresh(row)
    assert billed.invoice_id == invoice.id
    assert expense.invoice_id == invoice.id
    assert [r.invoice_id for r in (unbillable_expense, *skipped)] == [None] * 5
    kinds = [(ln.kind, ln.expense_id) for ln in invoice_lines(world.s, invoice.id)]
    assert kinds == [("TIME", None), ("EXPENSE", expense.id)]
    assert invoice.subtotal == Decimal("112.30")


def test_build_invoice_groupings(world: World) -> None:
    """`task` gives a line per task, `entry` a line per entry with its note."""
    project = world.project(name="Site")
    task = M.Task(org_id=world.org.id, project_id=project.id, name="Design")
    world.s.add(task)
    world.s.flush()
    world.entry(project, 900, task_id=task.id)
    world.entry(project, 900, task_id=task.id, note="Logo")
    world.entry(project, 900)
    by_task = build_invoice(world.s, world.org.id, world.client.id, grouping="task")
    lines = invoice_lines(world.s, by_task.id)
    assert [(ln.description, ln.quantity, ln.task_id) for ln in lines] == [
        ("Site — Design", Decimal("0.50"), task.id),
        ("Site — No task", Decimal("0.25"), None),
    ]
    cancel_invoice(world.s, by_task.id)
    by_entry = build_invoice(world.s, world.org.id, world.client.id, grouping="entry")
    descriptions = [ln.description for ln in invoice_lines(world.s, by_entry.id)]
    assert descriptions == ["Site — 2026-03-02", "Site — 2026-03-02: Logo", "Site — 2026-03-02"]
    assert by_entry.number == "INV-0002"


def test_fixed_fee_project_is_billed_once(world: World) -> None:
    """A FIXED project bills its fee as one CUSTOM line, and never a second time."""
    fixed = world.project(name="Brand", rate_type="FIXED", fixed_fee_amount=Decimal("1500"))
    first = world.entry(fixed, 7200)
    invoice = build_invoice(world.s, world.org.id, world.client.id)
    (line,) = invoice_lines(world.s, invoice.id)
    assert (line.kind, line.amount, line.time_entry_ids) == ("CUSTOM", Decimal("1500"), [first.id])
    world.entry(fixed, 3600)
    again = build_invoice(world.s, world.org.id, world.client.id)
    (line2,) = invoice_lines(world.s, again.id)
    assert line2.amount == Decimal("0")
    assert again.total == Decimal("0")


def test_build_invoice_refuses_nothing_billable_and_foreign_clients(
    world: World, session: Session
) -> None:
    """No billable work, an unknown client or another org's client is a ValueError."""
    with pytest.raises(ValueError, match="no billable"):
        build_invoice(session, world.org.id, world.client.id)
    with pytest.raises(ValueError, match="no client"):
        build_invoice(session, world.org.id, "00000000-0000-0000-0000-000000000000")
    other = M.Organization(name="Other")
    session.add(other)
    session.flush()
    world.entry(world.project(), 3600)
    with pytest.raises(ValueError, match="no client"):
        build_invoice(session, other.id, world.client.id)
    with pytest.raises(ValueError, match="grouping"):
        build_invoice(session, world.org.id, world.client.id, grouping="week")


def test_invoice_numbers_increment_and_pad(world: World) -> None:
    """Numbers are the org prefix plus the zero-padded counter, which moves on each build."""
    project = world.project()
    numbers = []
    for _ in range(3):
        world.entry(project, 60)
        numbers.append(build_invoice(world.s, world.org.id, world.client.id).number)
    assert numbers == ["INV-0001", "INV-0002", "INV-0003"]
    world.s.refresh(world.org)
    assert world.org.next_invoice_number == 4


def test_send_pay_partial_then_full(world: World) -> None:
    """SENT → partially_paid → PAID; overpaying and paying a DRAFT are refused."""
    world.entry(world.project(), 3600)
    invoice = build_invoice(world.s, world.org.id, world.client.id)
    with pytest.raises(ValueError, match="only a SENT"):
        pay_invoice(world.s, invoice.id)
    send_invoice(world.s, invoice.id)
    assert invoice.status == "SENT"
    assert invoice.sent_at is not None
    with pytest.raises(ValueError, match="only a DRAFT"):
        send_invoice(world.s, invoice.id)
    pay_invoice(world.s, invoice.id, Decimal("20.00"))
    assert (invoice.status, invoice.payment_status) == ("SENT", "partially_paid")
    with pytest.raises(ValueError, match="exceeds"):
        pay_invoice(world.s, invoice.id, Decimal("1000"))
    with pytest.raises(ValueError, match="greater than zero"):
        pay_invoice(world.s, invoice.id, Decimal("0"))
    pay_invoice(world.s, invoice.id)
    assert (invoice.status, invoice.payment_status) == ("PAID", "paid")
    assert invoice.amount_paid == invoice.total == Decimal("120.00")
    assert invoice.paid_at is not None
    with pytest.raises(ValueError, match="cannot be cancelled"):
        cancel_invoice(world.s, invoice.id)


def test_cancel_releases_locks_so_work_can_be_invoiced_again(world: World) -> None:
    """Cancelling clears invoice_id on the entries and expenses it held."""
    entry = world.entry(world.project(), 3600)
    expense = world.expense("9.99")
    invoice = build_invoice(world.s, world.org.id, world.client.id)
    cancel_invoice(world.s, invoice.id)
    world.s.refresh(entry)
    world.s.refresh(expense)
    assert (entry.invoice_id, expense.invoice_id, invoice.status) == (None, None, "CANCELLED")
    with pytest.raises(ValueError, match="CANCELLED"):
        cancel_invoice(world.s, invoice.id)
    again = build_invoice(world.s, world.org.id, world.client.id)
    locked = world.s.scalars(select(M.TimeEntry.invoice_id)).all()
    assert locked == [again.id]


def test_defaults_without_client_terms_or_rates(session: Session) -> None:
    """No payment terms means NET_30; no rate anywhere prices at zero; no tax rate means 0."""
    world = World(session)
    world.entry(world.project(), 3600)
    invoice = build_invoice(session, world.org.id, world.client.id)
    assert invoice.due_date - invoice.issue_date == timedelta(days=30)
    assert (invoice.total, invoice.tax_rate) == (Decimal("0"), Decimal("0"))
