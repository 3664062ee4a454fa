"""Cursors are bound to the workspace: every real list rejects another workspace's cursor."""

from __future__ import annotations

import pytest

from tests.support.http_api import Api
from tests.support.world import empty_invoice

LISTS = ("/clients", "/projects", "/tasks", "/time-entries", "/expenses", "/invoices", "/members")


def two_of_each(api: Api) -> None:
    """Two records on every list (members: the World already has five)."""
    world = api.world
    for n in range(2):
        client = world.client()
        world.s.add(empty_invoice(world.org.id, client.id, f"INV-{n}"))
        project = world.project(client)
        world.time_entry(project, world.task(project))
        body = {"clientId": client.id, "description": "Train", "amount": "12.50"}
        created = api.post("/expenses", {**body, "expenseDate": "2026-03-02"})
        assert created.status_code == 201, created.text


@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_from_another_workspace_is_a_bad_request(
    api: Api, other_api: Api, path: str
) -> None:
    """A nextCursor minted in one workspace is 400 bad_request with another workspace's token
    (same list, sort and filters), while the minting workspace follows it."""
    two_of_each(api)
    two_of_each(other_api)
    first = api.get(path, limit=1)
    cursor = first.json()["pagination"]["nextCursor"]
    assert cursor, first.text
    assert api.get(path, limit=1, cursor=cursor).status_code == 200
    foreign = other_api.get(path, limit=1, cursor=cursor)
    assert foreign.status_code == 400, foreign.text
    assert foreign.json()["error"]["code"] == "bad_request"
