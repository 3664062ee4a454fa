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

from sqlalchemy import Table, bindparam, exists, literal_column, select
from sqlalchemy.sql import ColumnElement, Select

from server.context import TokenCheck, current_token_check
from server.db.models import ApiToken, Member, Organization

_tok = cast(Table, ApiToken.__table__).c
_mem = cast(Table, Member.__table__).c
_org = cast(Table, Organization.__table__).c


def _param(name: str) -> Any:
    return bindparam(f"token_check_{name}")


# Built once, with named parameters: a construct built per request (3 tables, 13 conditions)
# cost more server CPU in SQLAlchemy than the statement it saved. `params` fills them in.
STILL_VALID: ColumnElement[bool] = exists(
    select(literal_column("1"))
    .select_from(ApiToken.__table__)
    .join(Member.__table__, _mem.id == _tok.member_id)
    .join(Organization.__table__, _org.id == _tok.org_id)
    .where(
        _tok.id == _param("token_id"),
        _tok.secret_hash == _param("secret_hash"),
        _tok.env == _param("env"),
        _tok.name == _param("token_name"),
        _tok.org_id == _param("org_id"),
        _tok.revoked_at.is_(None),
        _mem.id == _param("member_id"),
        _mem.org_id == _param("org_id"),
        _mem.user_id == _param("user_id"),
        _mem.role == _param("role"),
        _mem.deleted_at.is_(None),
        _org.plan == _param("plan"),
        _org.subscription_status == "active",
    )
)


def params(check: TokenCheck) -> dict[str, Any]:
    """The values of `STILL_VALID`'s parameters: every fact `check.actor` was built from."""
    actor = check.actor
    return {
        "token_check_token_id": actor.token_id,
        "token_check_secret_hash": check.secret_hash,
        "token_check_env": check.env,
        "token_check_token_name": actor.token_name,
        "token_check_org_id": actor.org_id,
        "token_check_member_id": actor.member_id,
        "token_check_user_id": actor.user_id,
        "token_check_role": actor.role,
        "token_check_plan": actor.plan,
    }


def guard(stmt: Select[Any]) -> tuple[Select[Any], dict[str, Any], TokenCheck | None]:
    """`stmt` with the request's unconfirmed token test added, the parameters to execute it
    with, and the check it now carries (None: nothing to confirm, `stmt` unchanged). A statement
    that returns rows confirms the check."""
    check = current_token_check()
    if check is None or check.confirmed:
        return stmt, {}, None
    return stmt.where(STILL_VALID), params(check), check
