"""Invoices read service: roles, output (balance, overdue, lines), filters and sorts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.context import Actor
from server.db import models as M
from server.db.base import utcnow
from server.errors import ApiError
from server.services import invoices as svc
from server.services.invoicing import build_invoice, pay_invoice, send_invoice

KEY = b"test-cursor-key"


class World:
    """One org, a Manager and a Member, two clients with a 100.00/h project each."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.org = self.add(M.Organization(name="Acme", invoice_prefix="AC-"))
        self.manager = self.actor("MANAGER")
        self.member = self.actor("MEMBER")
        self.clients = [
            self.add(M.Client(org_id=self.org.id, name=n, currency="EUR", default_rate=100))
            for n in ("Northwind", "Contoso")
        ]
        self.projects = [
            self.add(M.Project(org_id=self.org.id, client_id=c.id, name=f"P{i}"))
            for i, c in enumerate(self.clients)
        ]

    def add(self, row: Any) -> Any:
        self.s.add(row)
        self.s.flush()
        return row

    def actor(self, role: str) -> Actor:
        user = self.add(M.User(name=role, email=f"{role}-{self.org.id}@example.com"))
        member = self.add(
            M.Member(org_id=self.org.id, user_id=user.id, role=role, name=role, email=user.email)
        )
        return Actor(self.org.id, user.id, member.id, "tok", role, "studio", "t")

    def invoice(self, which: int, hours: int) -> M.Invoice:
        self.add(
            M.TimeEntry(
                org_id=self.org.id,
                project_id=self.projects[which].id,
                user_id=self.manager.user_id,
                entry_date=date(2026, 3, 2),
                duration_seconds=hours * 3600,
            )
        )
        return build_invoice(self.s, self.org.id, self.clients[which].id)

    def ids(self, **params: Any) -> list[str]:
        page = svc.list_invoices(self.s, self.manager, {"limit": 200, **params}, key=KEY)
        return [row.id for row in page.items]


@pytest.fixture
def world(session: Session) -> World:
    """The shared workspace of these tests."""
    return World(session)


def test_members_get_403(world: World) -> None:
    """Invoices are Manager+ only: a Member is refused with forbidden_scope."""
    row = world.invoice(0, 1)
    for call in (
        lambda: svc.list_invoices(world.s, world.member, {}, key=KEY),
        lambda: svc.get_invoice(world.s, world.member, row.id),
    ):
        with pytest.raises(ApiError) as exc:
            call()
        assert (exc.value.status, exc.value.code) == (403, "forbidden_scope")


def test_output_balance_overdue_and_lines(world: World) -> None:
    """Money is formatted; balance = total − amountPaid; overdue only when SENT and past due."""
    row = world.invoice(0, 2)
    out = svc.invoice_out(row, world.manager)
    assert (out["number"], out["status"], out["paymentStatus"]) == ("AC-0001", "DRAFT", "unpaid")
    assert (out["subtotal"], out["total"], out["amountPaid"], out["balance"]) == (
        "200.00",
        "200.00",
        "0.00",
        "200.00",
    )
    assert (out["taxRate"], out["discountAmount"], out["overdue"]) == ("0.00", "0.00", False)
    assert "lines" not in out
    send_invoice(world.s, row.id)
    pay_invoice(world.s, row.id, Decimal("50"))
    row.due_date = utcnow().date() - timedelta(days=1)
    out = svc.invoice_out(row, world.manager)
    assert (out["balance"], out["overdue"], out["paymentStatus"]) == (
        "150.00",
        True,
        "partially_paid",
    )
    detail = svc.invoice_detail_out(world.s, row, world.manager)
    (line,) = detail["lines"]
    assert line["kind"] == "TIME"
    assert (line["quantity"], line["unit"], line["unitPrice"], line["amount"]) == (
        "2.00",
        "hours",
        "100.00",
        "200.00",
    )
    assert len(line["timeEntryIds"]) == 1
    assert line["expenseId"] is None


def test_money_blind_rendering_omits_money(world: World) -> None:
    """Rendered for a Member, every money field is absent, not null."""
    out = svc.invoice_detail_out(world.s, world.invoice(0, 1), world.member)
    for key in ("subtotal", "discountAmount", "total", "amountPaid", "balance"):
        assert key not in out
    assert "unitPrice" not in out["lines"][0]
    assert "amount" not in out["lines"][0]


def test_get_other_org_or_deleted_is_404(world: World) -> None:
    """Another org's invoice and a soft-deleted one are not found."""
    row = world.invoice(0, 1)
    other = World(world.s)
    with pytest.raises(ApiError) as exc:
        svc.get_invoice(world.s, other.manager, row.id)
    assert exc.value.status == 404
    row.deleted_at = utcnow()
    with pytest.raises(ApiError) as exc:
        svc.get_invoice(world.s, world.manager, row.id)
    assert exc.value.status == 404
    assert world.ids() == []
    assert world.ids(include_deleted="true") == [row.id]


def test_list_filters_and_search(world: World) -> None:
    """Client, clientName, status, paymentStatus, ranges, totals and number search filter."""
    a = world.invoice(0, 1)
    b = world.invoice(1, 3)
    send_invoice(world.s, b.id)
    pay_invoice(world.s, b.id)
    assert set(world.ids()) == {a.id, b.id}
    assert world.ids(client_id=world.clients[1].id) == [b.id]
    assert world.ids(client_name="north") == [a.id]
    assert world.ids(status="paid") == [b.id]
    assert world.ids(payment_status="UNPAID") == [a.id]
    assert world.ids(total_min="150") == [b.id]
    assert world.ids(total_max=100) == [a.id]
    assert world.ids(search="ac-0002") == [b.id]
    today = utcnow().date().isoformat()
    assert world.ids(sent_at_from=today) == [b.id]
    assert world.ids(paid_at_to=today) == [b.id]
    assert set(world.ids(issue_date_from=today, due_date_from=today)) == {a.id, b.id}
    assert world.ids(issue_date_to="2000-01-01") == []


@pytest.mark.parametrize("sort", sorted([*svc.SORTS, *(f"-{name}" for name in svc.SORTS)]))
def test_list_sorts_with_nulls(world: World, sort: str) -> None:
    """Sorts follow (key, id); nulls first ascending and last descending."""
    rows = [world.invoice(0, 1), world.invoice(1, 3), world.invoice(0, 2)]
    send_invoice(world.s, rows[1].id)
    pay_invoice(world.s, rows[1].id)
    key = svc.SORTS[sort.removeprefix("-")].key
    desc = sort.startswith("-")

    def order(r: M.Invoice) -> tuple[Any, ...]:
        value = getattr(r, key)
        return (value is not None, value, r.id) if not desc else (value is None, value, r.id)

    if desc:
        nulls = sorted(
            [r for r in rows if getattr(r, key) is None], key=lambda r: r.id, reverse=True
        )
        rest = sorted(
            [r for r in rows if getattr(r, key) is not None],
            key=lambda r: (getattr(r, key), r.id),
            reverse=True,
        )
        expected = rest + nulls
    else:
        expected = sorted(rows, key=order)
    assert world.ids(sort=sort) == [r.id for r in expected]
