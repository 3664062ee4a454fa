"""Tasks handlers: thin adapters from connexion kwargs to `server.services.tasks`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.context import current_actor, current_session, short_write
from server.db.models import Task
from server.services import tasks as svc
from server.services.serialize import (
    Handled,
    created,
    entities,
    no_content,
    ok,
    page,
    path_id,
    query_params,
)


def _one(session: Session, row: Task) -> dict[str, Any]:
    return svc.task_out(row, svc.assignees_of(session, [row.id])[row.id])


def list_tasks(**kwargs: Any) -> Handled:
    session = current_session()
    result = svc.list_tasks(session, current_actor(), query_params(kwargs))
    rows = entities(result.items)
    assignees = svc.assignees_of(session, [row.id for row in rows])
    items = [svc.task_out(row, assignees[row.id]) for row in rows]
    return page(items, result.next_cursor, result.limit), 200, {}


@short_write
def create_task(body: dict[str, Any] | None = None, **_kwargs: Any) -> Handled:
    session = current_session()
    row = svc.create_task(session, current_actor(), body)
    return created(_one(session, row), "tasks")


def get_task(**kwargs: Any) -> Handled:
    session = current_session()
    return ok(_one(session, svc.get_task(session, current_actor(), path_id(kwargs))))


def update_task(body: dict[str, Any] | None = None, **kwargs: Any) -> Handled:
    session = current_session()
    row = svc.update_task(session, current_actor(), path_id(kwargs), body)
    return ok(_one(session, row))


def delete_task(**kwargs: Any) -> Handled:
    svc.delete_task(current_session(), current_actor(), path_id(kwargs))
    return no_content()


def archive_task(**kwargs: Any) -> Handled:
    session = current_session()
    return ok(_one(session, svc.archive_task(session, current_actor(), path_id(kwargs))))
