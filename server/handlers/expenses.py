"""Expenses handlers: thin adapters from connexion kwargs to `server.services.expenses`."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session, short_write
from server.services import expenses as svc
from server.services.serialize import (
    Handled,
    created,
    no_content,
    ok,
    page,
    path_id,
    query_params,
)


def list_expenses(**kwargs: Any) -> Handled:
    actor = current_actor()
    result = svc.list_expenses(current_session(), actor, query_params(kwargs))
    items = [svc.expense_out(row, actor) for row in result.items]
    return page(items, result.next_cursor, result.limit), 200, {}


@short_write
def create_expense(body: dict[str, Any] | None = None, **_kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.create_expense(current_session(), actor, body)
    return created(svc.expense_out(row, actor), "expenses")


def get_expense(**kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.get_expense(current_session(), actor, path_id(kwargs))
    return ok(svc.expense_out(row, actor))


def update_expense(body: dict[str, Any] | None = None, **kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.update_expense(current_session(), actor, path_id(kwargs), body)
    return ok(svc.expense_out(row, actor))


def delete_expense(**kwargs: Any) -> Handled:
    svc.delete_expense(current_session(), current_actor(), path_id(kwargs))
    return no_content()
