"""Expenses service: roles, defaults, currency, client/project references, locks and lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.context import Actor
from server.db import models as M
from server.db.base import utcnow
from server.errors import ApiError
from server.services import expenses as svc
from tests.support.world import empty_invoice

KEY = b"test-cursor-key"


class World:
    """One org with a Manager and a Member, two clients (EUR, GBP) and a project each."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.org = M.Organization(name="Acme")
        s.add(self.org)
        s.flush()
        self.manager = self.actor("MANAGER")
        self.member = self.actor("MEMBER")
        self.eur = self.add(M.Client(org_id=self.org.id, name="Northwind", currency="EUR"))
        self.gbp = self.add(M.Client(org_id=self.org.id, name="Contoso Ltd", currency="GBP"))
        self.eur_project = self.add(M.Project(org_id=self.org.id, client_id=self.eur.id, name="A"))
        self.gbp_project = self.add(M.Project(org_id=self.org.id, client_id=self.gbp.id, name="B"))

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

    def create(self, **body: Any) -> M.Expense:
        body.setdefault("clientId", self.eur.id)
        body.setdefault("description", "Train to Leeds")
        body.setdefault("amount", "42.50")
        body.setdefault("expenseDate", "2026-03-03")
        return svc.create_expense(self.s, self.manager, body)

    def ids(self, **params: Any) -> list[str]:
        page = svc.list_expenses(self.s, self.manager, {"limit": 200, **params}, key=KEY)
        return [row.id for row in page.items]


@pytest.fixture
def world(session: Session) -> World:
    """The shared workspace of these tests."""
    return World(session)


def test_create_defaults_and_output(world: World) -> None:
    """Category OTHER, billable, currency from the client, recorder as userId; money as string."""
    row = world.create(amount=42.5)
    out = svc.expense_out(row, world.manager)
    assert out["amount"] == "42.50"
    assert (out["currency"], out["category"], out["billable"]) == ("EUR", "OTHER", True)
    assert out["userId"] == world.manager.user_id
    assert (out["expenseDate"], out["invoiceId"], out["projectId"]) == ("2026-03-03", None, None)


def test_output_is_money_blind_for_members(world: World) -> None:
    """A Member rendering (never reachable through the API) omits amount entirely."""
    out = svc.expense_out(world.create(), world.member)
    assert "amount" not in out


def test_members_are_forbidden_everything(world: World) -> None:
    """Every expense operation is 403 forbidden_scope for a Member."""
    row = world.create()
    calls = [
        lambda: svc.list_expenses(world.s, world.member, {}, key=KEY),
        lambda: svc.get_expense(world.s, world.member, row.id),
        lambda: svc.create_expense(world.s, world.member, {}),
        lambda: svc.update_expense(world.s, world.member, row.id, {}),
        lambda: svc.delete_expense(world.s, world.member, row.id),
    ]
    for call in calls:
        with pytest.raises(ApiError) as exc:
            call()
        assert (exc.value.status, exc.value.code) == (403, "forbidden_scope")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 501}, "description"),
        ({"currency": "USD"}, "currency"),
        ({"category": "travel"}, "category"),
        ({"customCategory": "x" * 101}, "customCategory"),
        ({"expenseDate": "03/03/2026"}, "expenseDate"),
        ({"clientId": "00000000-0000-4000-8000-000000000000"}, "clientId"),
    ],
)
def test_create_validation(world: World, body: dict[str, Any], field: str) -> None:
    """Invalid values are 422 naming the field (currency is read-only)."""
    with pytest.raises(ApiError) as exc:
        world.create(**body)
    assert exc.value.status == 422
    assert field in (exc.value.fields or {})


def test_create_requires_the_documented_fields(world: World) -> None:
    """clientId, description, amount and expenseDate are required."""
    with pytest.raises(ApiError) as exc:
        svc.create_expense(world.s, world.manager, {})
    assert set(exc.value.fields or {}) == {"clientId", "description", "amount", "expenseDate"}


def test_project_must_belong_to_the_client(world: World) -> None:
    """A project of another client is 422 projectId; the client's own project is accepted."""
    with pytest.raises(ApiError) as exc:
        world.create(projectId=world.gbp_project.id)
    assert exc.value.fields == {"projectId": "must be a project of the expense's client"}
    assert world.create(projectId=world.eur_project.id).project_id == world.eur_project.id


def test_update_moves_client_and_currency(world: World) -> None:
    """Changing client re-copies the currency and re-checks the project."""
    row = world.create(projectId=world.eur_project.id)
    with pytest.raises(ApiError) as exc:
        svc.update_expense(world.s, world.manager, row.id, {"clientId": world.gbp.id})
    assert exc.value.status == 422
    svc.update_expense(
        world.s,
        world.manager,
        row.id,
        {"clientId": world.gbp.id, "projectId": world.gbp_project.id, "amount": "10"},
    )
    assert (row.currency, row.client_id, row.amount) == ("GBP", world.gbp.id, Decimal("10"))


def test_other_orgs_expense_is_not_found(world: World) -> None:
    """An expense of another workspace is 404."""
    row = world.create()
    other = World(world.s)
    with pytest.raises(ApiError) as exc:
        svc.get_expense(world.s, other.manager, row.id)
    assert exc.value.status == 404


def test_locked_expense_is_conflict(world: World) -> None:
    """An invoiced expense cannot be updated or deleted (409)."""
    row = world.create()
    invoice = world.add(empty_invoice(world.org.id, world.eur.id, "INV-1"))
    row.invoice_id = invoice.id
    world.s.flush()
    for call in (
        lambda: svc.update_expense(world.s, world.manager, row.id, {"amount": 1}),
        lambda: svc.delete_expense(world.s, world.manager, row.id),
    ):
        with pytest.raises(ApiError) as exc:
            call()
        assert exc.value.status == 409


def test_delete_is_soft(world: World) -> None:
    """Deleted expenses are 404 and listed only with includeDeleted."""
    row = world.create()
    svc.delete_expense(world.s, world.manager, row.id)
    with pytest.raises(ApiError) as exc:
        svc.get_expense(world.s, world.manager, row.id)
    assert exc.value.status == 404
    assert world.ids() == []
    assert world.ids(include_deleted="yes") == [row.id]


def test_list_filters(world: World) -> None:
    """Client, clientName, project, category, billable, dates, amounts and search filter."""
    a = world.create(amount="10", category="TRAVEL", customCategory="Rail 100%")
    b = world.create(amount="99.99", expenseDate="2026-03-10", billable=False)
    c = world.create(clientId=world.gbp.id, projectId=world.gbp_project.id, amount="500")
    assert set(world.ids()) == {a.id, b.id, c.id}
    assert world.ids(client_id=world.gbp.id) == [c.id]
    assert world.ids(client_name="CONTOSO") == [c.id]
    assert world.ids(client_name="%") == []
    assert world.ids(project_id=world.gbp_project.id) == [c.id]
    assert world.ids(category="travel") == [a.id]
    assert world.ids(billable="0") == [b.id]
    assert world.ids(expense_date_from="2026-03-04") == [b.id]
    assert world.ids(expense_date_to="2026-03-03", sort="id") == sorted([a.id, c.id])
    assert world.ids(amount_min="10.01", amount_max=100) == [b.id]
    assert world.ids(search="rail 100%") == [a.id]
    assert world.ids(search="leeds", sort="amount") == [a.id, b.id, c.id]
    today = utcnow().date().isoformat()
    assert len(world.ids(created_at_from=today, updated_at_from=today)) == 3


@pytest.mark.parametrize("sort", sorted([*svc.SORTS, *(f"-{name}" for name in svc.SORTS)]))
def test_list_sorts(world: World, sort: str) -> None:
    """Allow-listed sorts order by (key, id)."""
    rows = [
        world.create(amount=a, expenseDate=d)
        for a, d in (("5", "2026-03-09"), ("7", "2026-03-01"), ("5", "2026-03-05"))
    ]
    key = svc.SORTS[sort.removeprefix("-")].key
    expected = sorted(rows, key=lambda r: (getattr(r, key), r.id), reverse=sort.startswith("-"))
    assert world.ids(sort=sort) == [r.id for r in expected]


def test_bad_enum_filter_is_422(world: World) -> None:
    """An unknown category is a 422 naming the parameter."""
    with pytest.raises(ApiError) as exc:
        world.ids(category="snacks")
    assert "category" in (exc.value.fields or {})
