"""The FastAPI twin: typical FastAPI style, a `response_model` that Pydantic validates and dumps.

The endpoint is a plain `def`, so FastAPI runs it in its threadpool exactly like connexion runs
our sync handlers; the database work is the shared `core.list_page`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bench.twins.core import DEFAULT_LIMIT, MAX_LIMIT, Denied, TwinState, list_page


class TimeEntryOut(BaseModel):
    """One time entry: field names are the camelCase wire names; nullable fields go out as null."""

    id: str
    orgId: str
    createdAt: str
    updatedAt: str
    deletedAt: str | None
    projectId: str
    taskId: str | None
    userId: str
    entryDate: str
    durationSeconds: int
    note: str | None
    billable: bool
    invoiceId: str | None
    startedAt: str | None
    stoppedAt: str | None
    running: bool
    locked: bool


class PaginationOut(BaseModel):
    nextCursor: str | None
    limit: int


class TimeEntryPage(BaseModel):
    data: list[TimeEntryOut]
    pagination: PaginationOut


def create() -> FastAPI:
    """uvicorn factory (`bench.twins.fastapi_app:create`); reads the database URL from the env."""
    state = TwinState.from_env()
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/api/v1/time-entries", response_model=TimeEntryPage)
    def list_time_entries(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(max_length=1000)] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Any:
        try:
            return list_page(state, authorization, limit, cursor)
        except Denied as exc:
            return JSONResponse(exc.body(), exc.status, headers=exc.headers())

    return app
