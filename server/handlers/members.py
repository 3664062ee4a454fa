"""Members handlers (read-only): thin adapters to `server.services.members`."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session
from server.services import members as svc
from server.services.serialize import Handled, ok, page, path_id, query_params


def list_members(**kwargs: Any) -> Handled:
    result = svc.list_members(current_session(), current_actor(), query_params(kwargs))
    return page(svc.page_members(result), result.next_cursor, result.limit), 200, {}


def get_member(**kwargs: Any) -> Handled:
    row = svc.get_member(current_session(), current_actor(), path_id(kwargs))
    return ok(svc.member_out(row))
