"""The bare Starlette twin: one route, hand-parsed parameters, `JSONResponse`. The floor.

It still validates what the API validates for this call (unknown parameters, `limit` range) so
the comparison is about framework overhead, not about skipped checks.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.twins.core import DEFAULT_LIMIT, MAX_LIMIT, Denied, TwinState, list_page

ALLOWED_PARAMS = frozenset({"limit", "cursor"})


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise Denied(422, "validation_error", "Invalid parameters", fields={"limit": "1-200"})
    return value


def create() -> Starlette:
    """uvicorn factory (`bench.twins.starlette_app:create`)."""
    state = TwinState.from_env()

    def list_time_entries(request: Request) -> JSONResponse:
        # A sync endpoint: Starlette runs it in the threadpool, as connexion does our handlers.
        try:
            unknown = set(request.query_params) - ALLOWED_PARAMS
            if unknown:
                raise Denied(
                    422,
                    "validation_error",
                    "Unknown query parameter",
                    fields=dict.fromkeys(sorted(unknown), "unknown parameter"),
                )
            page = list_page(
                state,
                request.headers.get("authorization"),
                _limit(request.query_params.get("limit")),
                request.query_params.get("cursor"),
            )
        except Denied as exc:
            return JSONResponse(exc.body(), exc.status, headers=exc.headers())
        return JSONResponse(page)

    return Starlette(routes=[Route("/api/v1/time-entries", list_time_entries)])
