"""Projects handlers: thin adapters from connexion kwargs to `server.services.projects`."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session, short_write
from server.services import projects as svc
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


def list_projects(**kwargs: Any) -> Handled:
    actor = current_actor()
    result = svc.list_projects(current_session(), actor, query_params(kwargs))
    items = [svc.project_out(row, actor) for row in entities(result.items)]
    return page(items, result.next_cursor, result.limit), 200, {}


@short_write
def create_project(body: dict[str, Any] | None = None, **_kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.create_project(current_session(), actor, body)
    return created(svc.project_out(row, actor), "projects")


def get_project(**kwargs: Any) -> Handled:
    actor = current_actor()
    return ok(svc.project_out(svc.get_project(current_session(), actor, path_id(kwargs)), actor))


def update_project(body: dict[str, Any] | None = None, **kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.update_project(current_session(), actor, path_id(kwargs), body)
    return ok(svc.project_out(row, actor))


def delete_project(**kwargs: Any) -> Handled:
    svc.delete_project(current_session(), current_actor(), path_id(kwargs))
    return no_content()


def archive_project(**kwargs: Any) -> Handled:
    actor = current_actor()
    row = svc.archive_project(current_session(), actor, path_id(kwargs))
    return ok(svc.project_out(row, actor))
