"""What both twins share: the token lookup, the keyset query and the JSON shape of an entry.

The twins are yardsticks, so this module does the same work the real `listTimeEntries` must do
and takes no shortcut the real server could not take:
- auth: parse the `hsk_` token, select the token by its public prefix (joined to its member and
  organization), compare the secret's hash in constant time, reject a wrong env, revoked tokens
  and removed members (401), and check the plan (402) — on every request, nothing cached;
- data: the keyset query on `time_entries` ordered by (created_at DESC, id DESC) through the
  `ix_time_entries_org_created` index, `limit + 1` rows to know whether a next page exists; the
  seek predicate and ORDER BY come from `server.services.pagination.PageRequest` itself, so the
  twins' SQL changes whenever the server's does;
- output: the same camelCase fields and formats (`server.formats`) and the same signed cursor
  (`server.services.pagination.encode_cursor`/`decode_cursor`), so `pagination.nextCursor` costs
  the same.

It is written with SQLAlchemy Core (rows, not ORM objects): that is a legitimate choice the real
server could make too, and the bench report says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from server.db.models import ApiToken, Member, Organization, TimeEntry
from server.db.session import make_engine
from server.errors import ApiError
from server.formats import format_date, format_instant
from server.services.pagination import PageRequest, decode_cursor, encode_cursor
from server.tokens import parse_token, secret_matches

RESOURCE = "time-entries"
SORT = "-createdAt"
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
API_PLANS = frozenset({"studio", "agency"})
WWW_AUTHENTICATE = 'Bearer realm="hoursmith"'

_tok = ApiToken.__table__.c
_mem = Member.__table__.c
_org = Organization.__table__.c
_te = TimeEntry.__table__.c

TOKEN_QUERY = (
    select(
        _tok.secret_hash,
        _tok.env,
        _tok.revoked_at,
        _tok.org_id,
        _mem.user_id,
        _mem.role,
        _mem.deleted_at,
        _org.plan,
        _org.subscription_status,
    )
    .join_from(ApiToken.__table__, Member.__table__, _mem.id == _tok.member_id)
    .join(Organization.__table__, _org.id == _tok.org_id)
)
# Prepared once with a bind parameter, as the real server does (server/http/auth.py).
TOKEN_BY_PREFIX = TOKEN_QUERY.where(_tok.prefix == bindparam("prefix"))

ENTRY_COLUMNS = (
    _te.id,
    _te.org_id,
    _te.project_id,
    _te.task_id,
    _te.user_id,
    _te.entry_date,
    _te.duration_seconds,
    _te.note,
    _te.billable,
    _te.invoice_id,
    _te.is_running,
    _te.started_at,
    _te.stopped_at,
    _te.created_at,
    _te.updated_at,
    _te.deleted_at,
)


class Denied(Exception):
    """An error answer in the API's envelope (the twins only need a few of them)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    @classmethod
    def from_api_error(cls, exc: ApiError) -> Denied:
        extra = {"fields": exc.fields} if exc.fields else {}
        return cls(exc.status, exc.code, exc.message, **extra)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": WWW_AUTHENTICATE} if self.status == 401 else {}


@dataclass(frozen=True)
class Caller:
    org_id: str
    user_id: str
    role: str


@dataclass
class TwinState:
    """Per-process state: the engine (a pool, as the real server has) and the cursor key."""

    engine: Engine
    cursor_key: bytes

    @classmethod
    def from_env(cls) -> TwinState:
        """`BENCH_DATABASE_URL` and `HOURSMITH_SECRET_KEY`, the same variables as the server."""
        url = os.environ.get("BENCH_DATABASE_URL") or os.environ["HOURSMITH_DATABASE_URL"]
        return cls(make_engine(url), os.environ["HOURSMITH_SECRET_KEY"].encode())


def authenticate(conn: Connection, authorization: str | None) -> Caller:
    """401 for a missing/malformed/unknown/revoked token, 402 without API access."""
    scheme, _, value = (authorization or "").partition(" ")
    parsed = parse_token(value.strip()) if scheme.lower() == "bearer" else None
    if parsed is None:
        raise Denied(401, "unauthenticated", "Missing or invalid API token")
    row = conn.execute(TOKEN_BY_PREFIX, {"prefix": parsed.prefix}).first()
    if (
        row is None
        or not secret_matches(parsed.secret, row.secret_hash)
        or row.env != parsed.env
        or row.revoked_at is not None
        or row.deleted_at is not None
    ):
        raise Denied(401, "unauthenticated", "Missing or invalid API token")
    if row.plan not in API_PLANS or row.subscription_status != "active":
        raise Denied(
            402,
            "forbidden_plan",
            "API access needs the studio plan",
            requiredPlan="studio",
            feature="apiAccess",
        )
    return Caller(org_id=row.org_id, user_id=row.user_id, role=row.role)


def parse_after(state: TwinState, cursor: str | None) -> tuple[Any, str] | None:
    """The (createdAt, id) to resume after; 400 for a cursor that is not ours."""
    if not cursor:
        return None
    try:
        value, last_id = decode_cursor(state.cursor_key, cursor, RESOURCE, SORT, {})
    except ApiError as exc:
        raise Denied.from_api_error(exc) from None
    if not isinstance(value, datetime):
        raise Denied(400, "bad_request", "Invalid cursor")
    return value, last_id


def list_page(
    state: TwinState, authorization: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """One page of time entries: auth, keyset query, serialisation, next cursor."""
    after = parse_after(state, cursor)
    with state.engine.connect() as conn:
        caller = authenticate(conn, authorization)
        stmt = select(*ENTRY_COLUMNS).where(_te.org_id == caller.org_id, _te.deleted_at.is_(None))
        if caller.role == "MEMBER":
            stmt = stmt.where(_te.user_id == caller.user_id)
        page = PageRequest(
            RESOURCE, limit, SORT, _te.created_at, _te.id, {}, after, state.cursor_key
        )
        seek = page.seek()
        if seek is not None:
            stmt = stmt.where(seek)
        stmt = stmt.order_by(*page.order_by()).limit(limit + 1)
        rows = conn.execute(stmt).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(
            state.cursor_key, RESOURCE, SORT, {}, (last.created_at, last.id)
        )
    return {
        "data": [entry_json(row) for row in rows],
        "pagination": {"nextCursor": next_cursor, "limit": limit},
    }


def entry_json(row: Any) -> dict[str, Any]:
    """A time entry as the API shows it to a Manager+ token (camelCase, formatted)."""
    return {
        "id": row.id,
        "orgId": row.org_id,
        "createdAt": format_instant(row.created_at),
        "updatedAt": format_instant(row.updated_at),
        "deletedAt": format_instant(row.deleted_at),
        "projectId": row.project_id,
        "taskId": row.task_id,
        "userId": row.user_id,
        "entryDate": format_date(row.entry_date),
        "durationSeconds": row.duration_seconds,
        "note": row.note,
        "billable": row.billable,
        "invoiceId": row.invoice_id,
        "startedAt": format_instant(row.started_at),
        "stoppedAt": format_instant(row.stopped_at),
        "running": row.is_running,
        "locked": row.invoice_id is not None,
    }
