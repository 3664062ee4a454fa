"""Query aliases over HTTP: the document lists only canonical filter values (booleans, one enum
spelling), and the server still takes the documented aliases (design §7)."""

from __future__ import annotations

from datetime import datetime

import pytest

from server.db import models as M
from tests.support.http_api import Api


@pytest.fixture
def tasks(api: Api) -> dict[str, str]:
    """A billable HIGH TODO task and a non-billable LOW DONE task of one fresh project."""
    project = api.world.project(name="Aliases")
    high = api.world.task(project, name="high", billable=True, priority="HIGH", status="TODO")
    low = api.world.task(project, name="low", billable=False, priority="LOW", status="DONE")
    return {"project": project.id, "high": high.id, "low": low.id}


def _names(api: Api, tasks: dict[str, str], **params: str) -> list[str]:
    response = api.get("/tasks", projectId=tasks["project"], sort="name", **params)
    assert response.status_code == 200, response.text
    return [t["name"] for t in response.json()["data"]]


@pytest.mark.parametrize("alias", ["true", "TRUE", "1", "yes", "Yes"])
def test_true_aliases_filter_like_true(api: Api, tasks: dict[str, str], alias: str) -> None:
    """`billable=1`, `=yes` … select the billable task, exactly as `billable=true` does."""
    assert _names(api, tasks, billable=alias) == ["high"]


@pytest.mark.parametrize("alias", ["false", "False", "0", "no", "NO"])
def test_false_aliases_filter_like_false(api: Api, tasks: dict[str, str], alias: str) -> None:
    """`billable=0`, `=no` … select the non-billable task, exactly as `billable=false` does."""
    assert _names(api, tasks, billable=alias) == ["low"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("priority", "high", ["high"]),
        ("priority", "High", ["high"]),
        ("priority", "LOW", ["low"]),
        ("status", "done", ["low"]),
        ("status", "in_progress", []),
    ],
)
def test_enum_filters_match_any_case(
    api: Api, tasks: dict[str, str], name: str, value: str, expected: list[str]
) -> None:
    """An enum filter in another case selects what the documented spelling selects."""
    assert _names(api, tasks, **{name: value}) == expected


def test_include_deleted_takes_the_boolean_aliases(api: Api, tasks: dict[str, str]) -> None:
    """`includeDeleted=1` and `=yes` return a soft-deleted task; `=no` hides it."""
    low = api.world.s.get(M.Task, tasks["low"])
    assert low is not None
    low.deleted_at = datetime(2026, 3, 1, 12, 0)
    api.world.s.commit()
    assert _names(api, tasks) == ["high"]
    assert _names(api, tasks, includeDeleted="1") == ["high", "low"]
    assert _names(api, tasks, includeDeleted="yes") == ["high", "low"]
    assert _names(api, tasks, includeDeleted="no") == ["high"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("billable", "maybe"),
        ("billable", "2"),
        ("priority", "urgent"),
        ("includeDeleted", "sometimes"),
        ("sort", "NAME"),
    ],
)
def test_values_that_are_no_alias_are_422(api: Api, name: str, value: str) -> None:
    """Anything beyond the documented aliases is 422 naming the parameter; `sort` stays exact."""
    response = api.get("/tasks", **{name: value})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert name in error["fields"]
