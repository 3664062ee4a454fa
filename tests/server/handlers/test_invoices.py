"""Invoices over HTTP (read-only): roles, list vs detail shape, filters, 404s, no writes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from server.db import models as M
from server.services.invoicing import build_invoice, pay_invoice, send_invoice
from tests.support.http_api import Api, conforms


def invoice_for(api: Api, name: str, seconds: int) -> M.Invoice:
    """Log `seconds` for a new client billed at 100.00/h and build its invoice (as the CLI)."""
    client = api.world.client(name=name, default_rate=Decimal(100), default_tax_rate=Decimal(10))
    project = api.world.project(client)
    s = api.world.s
    s.add(
        M.TimeEntry(
            org_id=api.world.org.id,
            project_id=project.id,
            user_id=api.world.members["owner"].user_id,
            entry_date=date(2026, 3, 2),
            duration_seconds=seconds,
        )
    )
    s.flush()
    invoice = build_invoice(s, api.world.org.id, client.id)
    s.commit()
    return invoice


def test_get_has_lines_and_list_does_not(api: Api) -> None:
    """getInvoice carries lines; listInvoices does not; both conform to the contract."""
    invoice = invoice_for(api, "Northwind", 3000)  # 50 min → 1.00 h
    res = api.get(f"/invoices/{invoice.id}", "manager")
    assert res.status_code == 200, res.text
    conforms(res.json(), "InvoiceResponse")
    data = res.json()["data"]
    assert (data["subtotal"], data["taxRate"], data["total"], data["balance"]) == (
        "100.00",
        "10.00",
        "110.00",
        "110.00",
    )
    assert (data["status"], data["overdue"], data["currency"]) == ("DRAFT", False, "EUR")
    (line,) = data["lines"]
    assert (line["kind"], line["quantity"], line["unitPrice"]) == ("TIME", "1.00", "100.00")
    listed = api.get("/invoices", "manager").json()
    conforms(listed, "InvoiceList")
    assert [i["id"] for i in listed["data"]] == [invoice.id]
    assert "lines" not in listed["data"][0]


def test_member_is_forbidden_and_unknown_is_404(api: Api) -> None:
    """A Member gets 403 on list and get; an unknown id is 404 for a Manager."""
    invoice = invoice_for(api, "Northwind", 900)
    for res in (api.get("/invoices", "member"), api.get(f"/invoices/{invoice.id}", "member")):
        assert res.status_code == 403
        assert res.json()["error"]["code"] == "forbidden_scope"
    missing = api.get("/invoices/00000000-0000-4000-8000-000000000000", "manager")
    assert missing.status_code == 404


def test_invoices_cannot_be_written(api: Api) -> None:
    """The API has no invoice writes: POST and DELETE are 405 method_not_allowed."""
    invoice = invoice_for(api, "Northwind", 900)
    assert api.post("/invoices", {"clientId": invoice.client_id}).status_code == 405
    assert api.delete(f"/invoices/{invoice.id}").status_code == 405


def test_list_filters_and_sort(api: Api) -> None:
    """status/paymentStatus (any case), clientName, total bounds, search and sort over HTTP."""
    small = invoice_for(api, "Northwind", 900)
    big = invoice_for(api, "Contoso", 36000)
    send_invoice(api.world.s, big.id)
    pay_invoice(api.world.s, big.id)
    api.world.s.commit()

    def ids(**params: str) -> list[str]:
        res = api.get("/invoices", "manager", **params)
        assert res.status_code == 200, res.text
        return [i["id"] for i in res.json()["data"]]

    assert ids(status="paid") == [big.id]
    assert ids(paymentStatus="UNPAID") == [small.id]
    assert ids(clientName="north") == [small.id]
    assert ids(totalMin="100") == [big.id]
    assert ids(search=big.number.lower()) == [big.id]
    assert ids(sort="total") == [small.id, big.id]
    assert ids(sort="-paidAt") == [big.id, small.id]
    assert api.get("/invoices", "manager", status="VOID").status_code == 422
