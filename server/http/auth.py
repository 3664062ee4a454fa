"""Bearer-token security function for connexion (`x-bearerInfoFunc: server.http.auth.bearer_info`).

Checks run in the documented order: malformed / unknown / wrong secret / revoked token or
removed member → 401; workspace without API access (plan not studio/agency, or a lapsed
subscription) → 402 with `requiredPlan` and `feature`; empty rate-limit bucket → 429. Role checks
(403) belong to handlers and services, which see the `Actor` through `current_actor()`.
"""

from __future__ import annotations

from typing import Any, cast

import anyio.to_thread
from sqlalchemy import Table, bindparam, select

from server.context import Actor, Runtime, current_runtime
from server.db.models import ApiToken, Member, Organization
from server.db.session import read_only_options, retry_once_if_unreachable
from server.errors import ForbiddenPlan, RateLimited, Unauthenticated
from server.http.ratelimit import limiter_of, slot_of
from server.http.token_gate import authenticate_and_hit, gate_statement
from server.tokens import ParsedToken, parse_token, secret_matches

API_PLANS = frozenset({"studio", "agency"})


_tok = cast(Table, ApiToken.__table__).c
_mem = cast(Table, Member.__table__).c
_org = cast(Table, Organization.__table__).c

# One indexed Core query (token by its unique prefix, joined to its member and organization),
# selecting only what the checks and the Actor need: no ORM identity map or object loading.
TOKEN_QUERY = (
    select(
        _tok.id.label("token_id"),
        _tok.name.label("token_name"),
        _tok.secret_hash,
        _tok.env,
        _tok.revoked_at,
        _tok.org_id.label("token_org_id"),
        _mem.id.label("member_id"),
        _mem.org_id.label("member_org_id"),
        _mem.user_id,
        _mem.role,
        _mem.deleted_at,
        _org.id.label("org_id"),
        _org.plan,
        _org.subscription_status,
    )
    .select_from(ApiToken.__table__)
    .join(Member.__table__, _mem.id == _tok.member_id)
    .join(Organization.__table__, _org.id == _tok.org_id)
)
# Built once with a bind parameter: the statement and its cache key are not rebuilt per request.
TOKEN_BY_PREFIX = TOKEN_QUERY.where(_tok.prefix == bindparam("prefix"))
# PostgreSQL with the limiter on: the same lookup and the token's bucket hit in one statement.
TOKEN_GATE = gate_statement(TOKEN_BY_PREFIX, API_PLANS)


def authenticate(runtime: Runtime, token: str) -> Actor:
    """Resolve a bearer token to its Actor, or raise the 401/402 `ApiError` (blocking I/O)."""
    parsed = parse_token(token.strip())
    if parsed is None:
        raise Unauthenticated("Malformed API token")

    def lookup() -> Any:
        # A pooled connection, read-only (no BEGIN/COMMIT: one statement is its own snapshot).
        options = read_only_options(runtime.engine)
        with runtime.engine.connect().execution_options(**options) as conn:
            return conn.execute(TOKEN_BY_PREFIX, {"prefix": parsed.prefix}).first()

    return actor_from_row(parsed, retry_once_if_unreachable(lookup))


def actor_from_row(parsed: ParsedToken, row: Any) -> Actor:
    """The checks of design §4 on a `TOKEN_QUERY` row (None: no such prefix), in their order."""
    # Compare even when the prefix is unknown, so timing does not reveal valid prefixes.
    stored_hash = row.secret_hash if row else "0" * 64
    matches = secret_matches(parsed.secret, stored_hash)
    if row is None or not matches:
        raise Unauthenticated("Unknown API token")
    if row.env != parsed.env:
        raise Unauthenticated("Unknown API token")
    if row.revoked_at is not None:
        raise Unauthenticated("This API token has been revoked")
    if row.deleted_at is not None or row.member_org_id != row.token_org_id:
        raise Unauthenticated("The member of this API token has been removed")
    if row.plan not in API_PLANS or row.subscription_status != "active":
        raise ForbiddenPlan("API access requires the Studio or Agency plan")
    return Actor(
        org_id=row.org_id,
        user_id=row.user_id,
        member_id=row.member_id,
        token_id=row.token_id,
        role=row.role,
        plan=row.plan,
        token_name=row.token_name,
        livemode=row.env == "live",
    )


async def bearer_info(
    token: str, required_scopes: list[str] | None = None, request: Any = None
) -> dict[str, Any]:
    """connexion's bearer hook: returns `{"sub": user_id, "actor": Actor}` or raises."""
    runtime = current_runtime()
    limiter = limiter_of(runtime)
    if limiter.gates_tokens:
        # PostgreSQL with the limiter on: token and buckets in one statement (token_gate).
        actor, decision = await anyio.to_thread.run_sync(
            authenticate_and_hit, runtime, token, TOKEN_GATE, actor_from_row
        )
    elif runtime.is_sqlite:
        # Inline on the event loop: one indexed read of a local WAL database (tens of µs, never
        # waiting for the writer) plus a sha256 costs less than the hand-off to a worker thread
        # and back (~120 µs, more under load). Over the network (PostgreSQL) it goes to a thread.
        actor = authenticate(runtime, token)
    else:
        actor = await anyio.to_thread.run_sync(authenticate, runtime, token)
    if not limiter.gates_tokens:
        decision = await limiter.ahit_token(actor.token_id, actor.plan)
    slot = slot_of(request.scope) if request is not None else None
    if slot is not None:
        slot.decision = decision
    if not decision.allowed:
        raise RateLimited(decision.retry_after, "Rate limit exceeded for this API token")
    return {"sub": actor.user_id, "actor": actor}
