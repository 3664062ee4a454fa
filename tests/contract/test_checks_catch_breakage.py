"""Each custom check fails on a deliberately broken app (and passes on a correct one).

The checks are called directly with crafted Schemathesis `Response` objects; the follow-up
requests of the pagination and replay checks go to small Starlette apps that break one rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from schemathesis.core.transport import Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from tests.contract import hooks

BASE = "http://testserver/api/v1"
RATE = {"x-ratelimit-limit": ["600"], "x-ratelimit-remaining": ["599"], "x-ratelimit-reset": ["1"]}


def crafted(
    status: int,
    body: Any,
    *,
    method: str = "GET",
    url: str = f"{BASE}/things",
    headers: dict[str, list[str]] | None = None,
    request_headers: dict[str, str] | None = None,
    request_body: Any = None,
    content_type: str = "application/json",
) -> Response:
    """A Schemathesis Response as if `method url` had answered `status` with `body`."""
    prepared = requests.Request(
        method,
        url,
        headers=request_headers or {},
        data=json.dumps(request_body) if request_body is not None else None,
    ).prepare()
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"content-type": [content_type], **RATE, **(headers or {})}
    return Response(status, all_headers, content, prepared, 0.01, True)


def case_for(method: str, operation_id: str, app: Any = None) -> Any:
    """A stand-in for a Schemathesis Case: what the checks read from it."""
    definition = SimpleNamespace(raw={"operationId": operation_id})
    return SimpleNamespace(method=method, operation=SimpleNamespace(app=app, definition=definition))


CTX = SimpleNamespace(transport_kwargs=None)


# ───────────────────────────────────────────────────────── error envelope


def test_envelope_accepts_a_documented_error() -> None:
    """A 404 with the documented envelope passes."""
    response = crafted(404, {"error": {"code": "not_found", "message": "Client not found."}})
    assert hooks.error_envelope(CTX, response, case_for("GET", "getClient")) is True


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (404, {"type": "about:blank", "status": 404}, "application/problem+json", "content-type"),
        (404, {"error": {"code": "conflict", "message": "x"}}, "application/json", "carries code"),
        (400, {"error": {"code": "oops", "message": "x"}}, "application/json", "catalogue"),
        (500, b"Internal Server Error", "text/plain", "not JSON"),
        (422, {"detail": "bad"}, "application/json", "is not"),
        (402, {"error": {"code": "forbidden_plan", "message": "x"}}, "application/json", "402"),
    ],
)
def test_envelope_catches_broken_errors(
    status: int, body: Any, content_type: str, expected: str
) -> None:
    """problem+json, a code that does not match the status, unknown codes and bare bodies fail."""
    response = crafted(status, body, content_type=content_type)
    with pytest.raises(AssertionError, match=expected):
        hooks.error_envelope(CTX, response, case_for("GET", "getClient"))


def test_envelope_requires_www_authenticate_on_401() -> None:
    """A 401 without `WWW-Authenticate: Bearer` fails."""
    response = crafted(401, {"error": {"code": "unauthenticated", "message": "x"}})
    with pytest.raises(AssertionError, match="WWW-Authenticate"):
        hooks.error_envelope(CTX, response, case_for("GET", "getMe"))


# ───────────────────────────────────────────────────────── rate-limit headers


def test_rate_limit_headers_missing_fail() -> None:
    """A response without X-RateLimit-Reset fails; a complete one passes."""
    good = crafted(200, {"data": {}})
    assert hooks.rate_limit_headers(CTX, good, case_for("GET", "getMe")) is True
    bad = crafted(200, {"data": {}})
    del bad.headers["x-ratelimit-reset"]
    with pytest.raises(AssertionError, match="x-ratelimit-reset"):
        hooks.rate_limit_headers(CTX, bad, case_for("GET", "getMe"))


# ───────────────────────────────────────────────────────── pagination

ITEMS = [{"id": f"id-{i:02d}", "createdAt": f"2026-03-{30 - i:02d}T00:00:00Z"} for i in range(5)]


def paged_app(page_of: Callable[[int, int], tuple[list[Any], str | None]]) -> Starlette:
    """A list endpoint whose cursor is the offset; `page_of(offset, limit)` may misbehave."""

    async def things(request: Request) -> JSONResponse:
        limit = int(request.query_params.get("limit", "50"))
        offset = int(request.query_params.get("cursor", "0"))
        data, cursor = page_of(offset, limit)
        return JSONResponse({"data": data, "pagination": {"nextCursor": cursor, "limit": limit}})

    return Starlette(routes=[Route("/api/v1/things", things)])


def correct_page(offset: int, limit: int) -> tuple[list[Any], str | None]:
    """Pages of ITEMS in order, nextCursor only when more remain."""
    end = offset + limit
    return ITEMS[offset:end], (str(end) if end < len(ITEMS) else None)


def run_pagination(page_of: Callable[[int, int], tuple[list[Any], str | None]]) -> Any:
    """Run the pagination check on page 1 (limit 2) of an app serving `page_of`."""
    first, cursor = page_of(0, 2)
    response = crafted(
        200,
        {"data": first, "pagination": {"nextCursor": cursor, "limit": 2}},
        url=f"{BASE}/things?limit=2",
    )
    return hooks.pagination_invariants(
        CTX, response, case_for("GET", "listThings", paged_app(page_of))
    )


def test_pagination_accepts_a_correct_list() -> None:
    """Correct keyset pages pass."""
    assert run_pagination(correct_page) is True


def test_pagination_catches_a_repeated_id() -> None:
    """A page that repeats the last id of the previous page fails."""

    def overlapping(offset: int, limit: int) -> tuple[list[Any], str | None]:
        start = max(0, offset - 1)
        data, _ = correct_page(start, limit)
        return data, (str(offset + limit) if offset + limit < len(ITEMS) else None)

    with pytest.raises(AssertionError, match="repeats id"):
        run_pagination(overlapping)


def test_pagination_catches_a_cursor_on_the_last_page() -> None:
    """A nextCursor on the last page (leading to an empty page) fails."""

    def never_null(offset: int, limit: int) -> tuple[list[Any], str | None]:
        data, _ = correct_page(offset, limit)
        return data, (str(offset + limit) if data else None)

    with pytest.raises(AssertionError, match="nextCursor"):
        run_pagination(never_null)


def test_pagination_catches_an_early_null_cursor() -> None:
    """A null nextCursor before the end (records skipped) fails."""

    def stops_early(offset: int, limit: int) -> tuple[list[Any], str | None]:
        data, _ = correct_page(offset, limit)
        return data, None

    with pytest.raises(AssertionError, match="missing"):
        run_pagination(stops_early)


def test_pagination_catches_wrong_sort_order() -> None:
    """Items not in -createdAt order fail."""

    def ascending(offset: int, limit: int) -> tuple[list[Any], str | None]:
        ordered = list(reversed(ITEMS))
        end = offset + limit
        return ordered[offset:end], (str(end) if end < len(ordered) else None)

    with pytest.raises(AssertionError, match="out of order"):
        run_pagination(ascending)


def test_pagination_catches_too_many_items() -> None:
    """More items than the limit fails."""
    response = crafted(
        200,
        {"data": ITEMS, "pagination": {"nextCursor": None, "limit": 2}},
        url=f"{BASE}/things?limit=2",
    )
    with pytest.raises(AssertionError, match="5 items on a page of limit 2"):
        hooks.pagination_invariants(CTX, response, case_for("GET", "listThings"))


# ───────────────────────────────────────────────────────── idempotent replay

CREATED = {"data": {"id": "c-1", "name": "Northwind"}}


def idempotent_app(*, replay_header: bool, same_body: bool, conflict: bool) -> Starlette:
    """A create endpoint remembering keys, broken in the ways the flags say."""
    seen: dict[str, Any] = {}
    counter = iter(range(2, 1000))

    async def create(request: Request) -> StarletteResponse:
        key = request.headers["idempotency-key"]
        body = json.loads(await request.body())  # the fingerprint is the canonical JSON
        if key in seen and seen[key] != body:
            if conflict:
                error = {"error": {"code": "conflict", "message": "key reused"}}
                return JSONResponse(error, status_code=409)
            return JSONResponse({"data": {"id": f"c-{next(counter)}"}}, status_code=201)
        headers = {"Location": "/api/v1/things/c-1"}
        if key in seen:
            if replay_header:
                headers["Idempotent-Replayed"] = "true"
            data = CREATED if same_body else {"data": {"id": f"c-{next(counter)}"}}
            return JSONResponse(data, status_code=201, headers=headers)
        seen[key] = body
        return JSONResponse(CREATED, status_code=201, headers=headers)

    return Starlette(routes=[Route("/api/v1/things", create, methods=["POST"])])


def run_replay(app: Starlette) -> Any:
    """Send the first POST to `app`, then run the replay check on its response."""
    from starlette.testclient import TestClient  # noqa: PLC0415

    request_body = {"name": "Northwind"}
    headers = {"Idempotency-Key": "k-1", "Content-Type": "application/json"}
    first = TestClient(app).post("/api/v1/things", json=request_body, headers=headers)
    response = crafted(
        first.status_code,
        first.json(),
        method="POST",
        headers={"location": [first.headers["location"]]},
        request_headers=headers,
        request_body=request_body,
    )
    return hooks.idempotent_replay(CTX, response, case_for("POST", "createThing", app))


def test_replay_accepts_a_correct_app() -> None:
    """Exact replays with the header and a 409 for another body pass."""
    assert run_replay(idempotent_app(replay_header=True, same_body=True, conflict=True)) is True


def test_replay_catches_a_missing_replayed_header() -> None:
    """A replay without `Idempotent-Replayed: true` fails."""
    with pytest.raises(AssertionError, match="Idempotent-Replayed"):
        run_replay(idempotent_app(replay_header=False, same_body=True, conflict=True))


def test_replay_catches_a_different_body() -> None:
    """A replay whose body differs (the create ran twice) fails."""
    with pytest.raises(AssertionError, match="replayed body differs"):
        run_replay(idempotent_app(replay_header=True, same_body=False, conflict=True))


def test_replay_catches_a_missing_conflict() -> None:
    """The same key with another body that is not 409 conflict fails."""
    with pytest.raises(AssertionError, match="expected 409 conflict"):
        run_replay(idempotent_app(replay_header=True, same_body=True, conflict=False))


def test_replay_refused_by_the_rate_limit_is_not_judged() -> None:
    """A replay answered 429 (the limit comes before idempotency) is neither passed nor failed."""
    answered = 0

    async def create(request: Request) -> StarletteResponse:
        nonlocal answered
        answered += 1
        if answered > 1:
            error = {"error": {"code": "rate_limited", "message": "Rate limit exceeded"}}
            return JSONResponse(error, status_code=429, headers={"Retry-After": "1"})
        return JSONResponse(CREATED, status_code=201, headers={"Location": "/api/v1/things/c-1"})

    app = Starlette(routes=[Route("/api/v1/things", create, methods=["POST"])])
    assert run_replay(app) is None
    assert answered == 2  # the first POST and its replay; no conflict probe after a refusal
