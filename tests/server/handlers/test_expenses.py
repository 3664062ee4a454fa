"""Expenses over HTTP: 201 + Location, read-only currency, roles, locks, deletes and lists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.db import models as M
from tests.support.http_api import Api, conforms, make_invoice


def create(api: Api, client: M.Client, who: str = "manager", **body: Any) -> httpx.Response:
    body.setdefault("clientId", client.id)
    body.setdefault("description", "Train to Leeds")
    body.setdefault("amount", "42.5")
    body.setdefault("expenseDate", "2026-03-03")
    return api.post("/expenses", body, who)


def test_create_returns_201_with_currency_from_client(api: Api) -> None:
    """201 + Location; currency copied from the client; defaults applied; body conforms."""
    client = api.world.client(currency="GBP")
    res = create(api, client, amount=42.5)
    assert res.status_code == 201, res.text
    data = res.json()["data"]
    assert res.headers["Location"] == f"/api/v1/expenses/{data['id']}"
    conforms(res.json(), "ExpenseResponse")
    assert (data["amount"], data["currency"], data["category"]) == ("42.50", "GBP", "OTHER")
    assert data["billable"] is True
    assert data["userId"] == api.world.members["manager"].user_id
    assert api.get(f"/expenses/{data['id']}").json() == res.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "USD"}, "currency"),
        ({"amount": 0}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"description": "x" * 501}, "description"),
        ({"category": "FOOD"}, "category"),
    ],
)
def test_invalid_bodies_are_422(api: Api, body: dict[str, Any], field: str) -> None:
    """Read-only currency, non-positive or 3-decimal amounts and bad enums are 422."""
    res = create(api, api.world.client(), **body)
    assert res.status_code == 422, res.text
    assert field in res.json()["error"]["fields"]


def test_project_of_another_client_is_422(api: Api) -> None:
    """projectId must belong to the expense's client."""
    client = api.world.client()
    foreign = api.world.project()
    res = create(api, client, projectId=foreign.id)
    assert res.status_code == 422
    assert "projectId" in res.json()["error"]["fields"]


def test_member_gets_403_everywhere(api: Api) -> None:
    """Every expense operation is 403 forbidden_scope for a Member."""
    client = api.world.client()
    expense = create(api, client).json()["data"]
    for res in (
        api.get("/expenses", "member"),
        api.get(f"/expenses/{expense['id']}", "member"),
        create(api, client, "member"),
        api.patch(f"/expenses/{expense['id']}", {"amount": 1}, "member"),
        api.delete(f"/expenses/{expense['id']}", "member"),
    ):
        assert res.status_code == 403, res.text
        assert res.json()["error"]["code"] == "forbidden_scope"


def test_patch_lock_and_delete(api: Api) -> None:
    """PATCH is partial; a locked expense is 409; DELETE is 204 then 404."""
    client = api.world.client()
    expense = create(api, client, customCategory="Rail").json()["data"]
    res = api.patch(f"/expenses/{expense['id']}", {"amount": "10", "category": "TRAVEL"})
    assert res.status_code == 200, res.text
    data = res.json()["data"]
    assert (data["amount"], data["category"], data["customCategory"]) == ("10.00", "TRAVEL", "Rail")
    assert api.delete(f"/expenses/{expense['id']}").status_code == 204
    assert api.get(f"/expenses/{expense['id']}").status_code == 404
    locked = create(api, client).json()["data"]
    row = api.world.s.get(M.Expense, locked["id"])
    assert row is not None
    row.invoice_id = make_invoice(api, api.world.project(client)).id
    api.world.s.commit()
    assert api.patch(f"/expenses/{locked['id']}", {"amount": 1}).status_code == 409
    assert api.delete(f"/expenses/{locked['id']}").status_code == 409


def test_list_filters(api: Api) -> None:
    """clientName, lower-case category, amount bounds, dates and search work over HTTP."""
    northwind = api.world.client(name="Northwind")
    contoso = api.world.client(name="Contoso")
    a = create(api, northwind, amount="10", category="TRAVEL").json()["data"]
    b = create(api, contoso, amount="250", description="Laptop stand").json()["data"]
    assert [e["id"] for e in api.get("/expenses", clientName="conto").json()["data"]] == [b["id"]]
    assert [e["id"] for e in api.get("/expenses", category="travel").json()["data"]] == [a["id"]]
    assert [e["id"] for e in api.get("/expenses", amountMin="100").json()["data"]] == [b["id"]]
    assert [e["id"] for e in api.get("/expenses", search="LAPTOP").json()["data"]] == [b["id"]]
    page = api.get("/expenses", sort="amount", expenseDateFrom="2026-03-03").json()
    conforms(page, "ExpenseList")
    assert [e["id"] for e in page["data"]] == [a["id"], b["id"]]
    assert api.get("/expenses", expenseDateTo="2026-03-02").json()["data"] == []
