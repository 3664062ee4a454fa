"""Time entries handlers: thin adapters from connexion kwargs to `server.services.time_entries`.

The service opens the write transaction; the request middleware commits (and stores the
idempotent response of a POST) once the handler has returned.
"""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session, run_read, short_write
from server.services import time_entries as svc
from server.services import timers
from server.services.serialize import (
    Handled,
    created,
    no_content,
    ok,
    page,
    path_id,
    query_params,
)


async def list_time_entries(**kwargs: Any) -> Handled:
    """The hottest read: inline on SQLite when it is an index seek (see `run_read`)."""
    params = query_params(kwargs)
    return await run_read(_list_time_entries, params, inline_ok=not params.get("search"))


def _list_time_entries(params: dict[str, Any]) -> Handled:
    result = svc.list_time_entries(current_session(), current_actor(), params)
    items = [svc.time_entry_row_out(row) for row in result.items]
    return page(items, result.next_cursor, result.limit), 200, {}


@short_write
def create_time_entry(body: dict[str, Any] | None = None, **_kwargs: Any) -> Handled:
    row = svc.create_time_entry(current_session(), current_actor(), body)
    return created(svc.time_entry_out(row), "time-entries")


def get_running_time_entry(**_kwargs: Any) -> Handled:
    row = svc.get_running_time_entry(current_session(), current_actor())
    return ok(None if row is None else svc.time_entry_out(row))


def get_time_entry(**kwargs: Any) -> Handled:
    row = svc.get_time_entry(current_session(), current_actor(), path_id(kwargs))
    return ok(svc.time_entry_out(row))


def update_time_entry(body: dict[str, Any] | None = None, **kwargs: Any) -> Handled:
    row = svc.update_time_entry(current_session(), current_actor(), path_id(kwargs), body)
    return ok(svc.time_entry_out(row))


def delete_time_entry(**kwargs: Any) -> Handled:
    svc.delete_time_entry(current_session(), current_actor(), path_id(kwargs))
    return no_content()


@short_write
def stop_time_entry(**kwargs: Any) -> Handled:
    row = timers.stop_time_entry(current_session(), current_actor(), path_id(kwargs))
    return ok(svc.time_entry_out(row))


@short_write
def restart_time_entry(**kwargs: Any) -> Handled:
    """201 with the new running entry, or 200 with the entry itself when it is the running one."""
    row, started = timers.restart_time_entry(current_session(), current_actor(), path_id(kwargs))
    out = svc.time_entry_out(row)
    return created(out, "time-entries") if started else ok(out)
