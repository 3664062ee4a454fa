"""Invoices handlers (read-only): adapters to `server.services.invoices`; lines only on get."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session
from server.services import invoices as svc
from server.services.serialize import Handled, ok, page, path_id, query_params


def list_invoices(**kwargs: Any) -> Handled:
    actor = current_actor()
    result = svc.list_invoices(current_session(), actor, query_params(kwargs))
    items = [svc.invoice_out(row, actor) for row in result.items]
    return page(items, result.next_cursor, result.limit), 200, {}


def get_invoice(**kwargs: Any) -> Handled:
    actor, session = current_actor(), current_session()
    row = svc.get_invoice(session, actor, path_id(kwargs))
    return ok(svc.invoice_detail_out(session, row, actor))
