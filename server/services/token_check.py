"""The request's token test, folded into the query that reads its data (PostgreSQL, safe requests).

A request served on a remembered token row (`server.context.TokenCheck`) has not asked the
database about its token yet. `guard` adds that question to a page query as an uncorrelated
EXISTS: PostgreSQL evaluates it once, before the first row, as a one-time filter. The test
holds every fact the request's `Actor` was built from — same token and secret hash, not
revoked, member present with the same role, same organization plan, active subscription — so
rows coming back prove the whole `Actor` current at the statement that read them. No rows is
ambiguous (an empty page, or a token that changed): the caller leaves the check unconfirmed and
`server.http.token_check` reads the token before the response leaves.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, exists, literal, select
from sqlalchemy.sql import ColumnElement, Select

from server.context import TokenCheck, current_token_check
from server.db.models import ApiToken, Member, Organization

_tok = cast(Table, ApiToken.__table__).c
_mem = cast(Table, Member.__table__).c
_org = cast(Table, Organization.__table__).c


def still_valid(check: TokenCheck) -> ColumnElement[bool]:
    """True while the token row, its member and organization still yield `check.actor`."""
    actor = check.actor
    return exists(
        select(literal(1))
        .select_from(ApiToken.__table__)
        .join(Member.__table__, _mem.id == _tok.member_id)
        .join(Organization.__table__, _org.id == _tok.org_id)
        .where(
            _tok.id == actor.token_id,
            _tok.secret_hash == check.secret_hash,
            _tok.env == check.env,
            _tok.name == actor.token_name,
            _tok.org_id == actor.org_id,
            _tok.revoked_at.is_(None),
            _mem.id == actor.member_id,
            _mem.org_id == actor.org_id,
            _mem.user_id == actor.user_id,
            _mem.role == actor.role,
            _mem.deleted_at.is_(None),
            _org.plan == actor.plan,
            _org.subscription_status == "active",
        )
    )


def guard(stmt: Select[Any]) -> tuple[Select[Any], TokenCheck | None]:
    """`stmt` with the request's unconfirmed token test added, and the check it now carries
    (None: nothing to confirm, `stmt` unchanged). A statement that returns rows confirms it."""
    check = current_token_check()
    if check is None or check.confirmed:
        return stmt, None
    return stmt.where(still_valid(check)), check
