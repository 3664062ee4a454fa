"""PostgreSQL: the token lookup and the token's rate-limit hit in one statement (one round trip).

With the limiter on, a request used to reach the database three times before its handler ran:
the token lookup, then the bucket upsert and its COMMIT, from two worker-thread hops. Here one
statement does both. A CTE selects the token (joined to its member and organization, the same
query as `authenticate`); only when that row is valid for the API (same secret hash and
environment, not revoked, member present, API plan, active subscription) does a second CTE
upsert the plan's buckets, on the database clock. It runs in autocommit mode: the statement is
its own transaction. Python then makes the usual checks on the row (constant-time hash compare,
401 before 402 before 429) and builds the Decision from the returned buckets.

Guarantees are those of the two statements it replaces: nothing is cached (a revoked token is
refused by the next request), the upsert's row locks keep a bucket exact across processes, and a
request refused with 401 or 402 never touches its token's buckets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    Table,
    bindparam,
    case,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql import Select

from server.context import Actor, Runtime
from server.db.infra import RateLimitBucket
from server.db.session import retry_once_if_unreachable
from server.errors import Unauthenticated
from server.http.ratelimit import PLAN_WINDOWS, BucketState, Decision
from server.tokens import ParsedToken, hash_secret, parse_token

_buckets = cast(Table, RateLimitBucket.__table__)


def gate_statement(token_by_prefix: Select[Any], plans: Iterable[str]) -> Select[Any]:
    """`token_by_prefix` (a select with a `prefix` bind parameter and the columns the checks
    read) as a CTE, plus the upsert of the buckets of each of `plans` for a valid token."""
    tok = token_by_prefix.cte("tok")
    clock = select(
        sql_cast(func.extract("epoch", func.statement_timestamp()), Float).label("now")
    ).cte("clock")
    # The plans' windows as a UNION ALL of one-row selects, not `values().data()`: SQLAlchemy
    # cannot cache a statement holding a VALUES clause, and recompiling this one cost more CPU
    # per request than everything else the limiter does.
    windows = union_all(
        *(
            select(
                literal(plan, String).label("plan"),
                literal(w.name, String).label("name"),
                literal(w.seconds, Integer).label("seconds"),
            )
            for plan in sorted(plans)
            for w in PLAN_WINDOWS[plan]
        )
    ).subquery("w")
    start = sql_cast(func.floor(clock.c.now / windows.c.seconds) * windows.c.seconds, BigInteger)
    admitted = (
        select(
            (literal("t:") + tok.c.token_id + literal(":") + windows.c.name).label("bucket"),
            start.label("window_start"),
            literal(1).label("hits"),
        )
        .select_from(tok.join(windows, windows.c.plan == tok.c.plan).join(clock, true()))
        .where(
            tok.c.secret_hash == bindparam("secret_hash"),
            tok.c.env == bindparam("env"),
            tok.c.revoked_at.is_(None),
            tok.c.deleted_at.is_(None),
            tok.c.member_org_id == tok.c.token_org_id,
            tok.c.subscription_status == "active",
        )
    )
    insert = pg_insert(_buckets).from_select(["bucket", "window_start", "hits"], admitted)
    newer = insert.excluded.window_start > _buckets.c.window_start
    upsert = insert.on_conflict_do_update(
        index_elements=[_buckets.c.bucket],
        set_={
            "hits": case((newer, 1), else_=_buckets.c.hits + 1),
            "window_start": case(
                (newer, insert.excluded.window_start), else_=_buckets.c.window_start
            ),
        },
    ).returning(_buckets.c.bucket, _buckets.c.window_start, _buckets.c.hits)
    hit = upsert.cte("hit")
    return select(
        tok,
        clock.c.now,
        hit.c.bucket.label("hit_bucket"),
        hit.c.window_start.label("hit_window_start"),
        hit.c.hits.label("hit_hits"),
    ).select_from(tok.join(clock, true()).outerjoin(hit, true()))


def authenticate_and_hit(
    runtime: Runtime,
    token: str,
    gate: Select[Any],
    check: Callable[[ParsedToken, Any], Actor],
) -> tuple[Actor, Decision]:
    """One round trip: the Actor (or the 401/402 `ApiError` raised by `check`) and the token's
    bucket decision. `gate` is a `gate_statement`; blocking I/O (run it in a worker thread)."""
    parsed = parse_token(token.strip())
    if parsed is None:
        raise Unauthenticated("Malformed API token")
    params = {"prefix": parsed.prefix, "secret_hash": hash_secret(parsed.secret), "env": parsed.env}

    def run() -> list[Any]:
        # Autocommit: the statement is its own transaction (the upsert commits with it).
        with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return list(conn.execute(gate, params).all())

    rows = retry_once_if_unreachable(run)
    actor = check(parsed, rows[0] if rows else None)
    windows = PLAN_WINDOWS[actor.plan]
    hits = {row.hit_bucket: row for row in rows if row.hit_bucket is not None}
    states = []
    for window in windows:
        row = hits.get(f"t:{actor.token_id}:{window.name}")
        if row is None:  # cannot happen for a row that passed the checks; never admit blindly
            raise RuntimeError("rate-limit buckets were not updated for a valid token")
        states.append(
            BucketState(window, int(row.hit_hits), float(row.hit_window_start) + window.seconds)
        )
    return actor, Decision(tuple(states), float(rows[0].now))
