"""Clients handlers: thin adapters from connexion kwargs to `server.services.clients`."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session, short_write
from server.services import clients as svc
from server.services.serialize import (
    Handled,
    created,
    no_content,
    ok,
    page,
    path_id,
    query_params,
)


def list_clients(**kwargs: Any) -> Handled:
    actor = current_actor()
    result = svc.list_clients(current_session(), actor, query_params(kwargs))
    items = [svc.client_out(row, actor) for row in result.items]
    return page(items, result.next_cursor, result.limit), 200, {}


@short_write
def create_client(body: dict[str, Any] | None = None, **_kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.create_client(current_session(), actor, body)
    return created(svc.client_out(row, actor), "clients")


def get_client(**kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.get_client(current_session(), actor, path_id(kwargs))
    return ok(svc.client_out(row, actor))


def update_client(body: dict[str, Any] | None = None, **kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.update_client(current_session(), actor, path_id(kwargs), body)
    return ok(svc.client_out(row, actor))


def delete_client(**kwargs: Any) -> Handled:
    svc.delete_client(current_session(), current_actor(), path_id(kwargs))
    return no_content()
