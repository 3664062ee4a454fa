"""Bearer-token security function for connexion (`x-bearerInfoFunc: server.auth.bearer_info`).

Checks run in the documented order: malformed / unknown / wrong secret / revoked token or
removed member → 401; workspace without API access (plan not studio/agency, or a lapsed
subscription) → 402 with `requiredPlan` and `feature`; empty rate-limit bucket → 429. Role checks
(403) belong to handlers and services, which see the `Actor` through `current_actor()`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from sqlalchemy import select

from server.context import Actor, Runtime, current_runtime
from server.db.models import ApiToken, Member, Organization
from server.errors import ForbiddenPlan, RateLimited, Unauthenticated
from server.ratelimit import limiter_of, slot_of
from server.tokens import parse_token, secret_matches

API_PLANS = frozenset({"studio", "agency"})


def authenticate(runtime: Runtime, token: str) -> Actor:
    """Resolve a bearer token to its Actor, or raise the 401/402 `ApiError` (blocking I/O)."""
    parsed = parse_token(token.strip())
    if parsed is None:
        raise Unauthenticated("Malformed API token")
    stmt = (
        select(ApiToken, Member, Organization)
        .join(Member, Member.id == ApiToken.member_id)
        .join(Organization, Organization.id == ApiToken.org_id)
        .where(ApiToken.prefix == parsed.prefix)
    )
    with runtime.sessions() as session:
        row = session.execute(stmt).first()
    # Compare even when the prefix is unknown, so timing does not reveal valid prefixes.
    stored_hash = row[0].secret_hash if row else "0" * 64
    matches = secret_matches(parsed.secret, stored_hash)
    if row is None or not matches:
        raise Unauthenticated("Unknown API token")
    api_token, member, org = row
    if api_token.env != parsed.env:
        raise Unauthenticated("Unknown API token")
    if api_token.revoked_at is not None:
        raise Unauthenticated("This API token has been revoked")
    if member.deleted_at is not None or member.org_id != api_token.org_id:
        raise Unauthenticated("The member of this API token has been removed")
    if org.plan not in API_PLANS or org.subscription_status != "active":
        raise ForbiddenPlan("API access requires the Studio or Agency plan")
    return Actor(
        org_id=org.id,
        user_id=member.user_id,
        member_id=member.id,
        token_id=api_token.id,
        role=member.role,
        plan=org.plan,
        token_name=api_token.name,
    )


async def bearer_info(
    token: str, required_scopes: list[str] | None = None, request: Any = None
) -> dict[str, Any]:
    """connexion's bearer hook: returns `{"sub": user_id, "actor": Actor}` or raises."""
    runtime = current_runtime()
    actor = await anyio.to_thread.run_sync(authenticate, runtime, token)
    decision = await limiter_of(runtime).ahit_token(actor.token_id, actor.plan)
    slot = slot_of(request.scope) if request is not None else None
    if slot is not None:
        slot.decision = decision
    if not decision.allowed:
        raise RateLimited(decision.retry_after, "Rate limit exceeded for this API token")
    return {"sub": actor.user_id, "actor": actor}
