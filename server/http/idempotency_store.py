"""The idempotency key store (design §6): claim, complete, release and purge keyed records.

A claim is a unique pending row `(token id, key)`; its 2xx response is written into the same row
by `record_response` inside the request's transaction (`server.http.transaction`), so the stored
response and the write it describes commit together. `ClaimSlot` carries a claim from
`server.http.idempotency` (which claims) to `server.http.transaction` (which settles it).
Blocking code: the middlewares call it from worker threads.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import orjson
from sqlalchemy import CursorResult, Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.context import RequestScope, Runtime
from server.db.base import utcnow
from server.db.infra import IdempotencyRecord
from server.errors import Conflict

# Core table: ORM-enabled DML hides rowcounts, which decide who owns a claim.
RECORDS = cast(Table, IdempotencyRecord.__table__)

# Where IdempotencyMiddleware leaves its ClaimSlot for RequestTransactionMiddleware.
CLAIM_SLOT = "hoursmith.idempotency_claim"


@dataclass(frozen=True)
class Claim:
    token_id: str
    key: str
    claim_id: str


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes
    content_type: str | None
    location: str | None


class ClaimLost(Exception):
    """The lease expired and another attempt took the key over; this attempt must not commit."""


def fingerprint(method: str, path: str, body: bytes) -> str:
    """sha256 of method + path + canonical JSON (sorted keys); raw bytes if not JSON."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), b"\n", path.encode(), b"\n", canonical):
        digest.update(part)
    return digest.hexdigest()


def reused_for_another_request() -> Conflict:
    return Conflict("This Idempotency-Key was already used with a different request")


def still_in_progress() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still in progress", headers={"Retry-After": "1"}
    )


def _claim_insert(session: Session) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING claim_id` for the session's dialect, built once
    with bind parameters (see `_COMPLETE_CLAIM`)."""
    dialect = session.get_bind().dialect.name
    stmt = _CLAIM_INSERTS.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(RECORDS)
            .values(
                token_id=bindparam("b_token_id"),
                key=bindparam("b_key"),
                fingerprint=bindparam("b_fingerprint"),
                claim_id=bindparam("b_claim_id"),
                state="pending",
                lease_expires_at=bindparam("b_lease_expires_at"),
                created_at=bindparam("b_created_at"),
                expires_at=bindparam("b_expires_at"),
            )
            .on_conflict_do_nothing(index_elements=["token_id", "key"])
            .returning(RECORDS.c.claim_id)
        )
        _CLAIM_INSERTS[dialect] = stmt
    return stmt


_CLAIM_INSERTS: dict[str, Any] = {}


class IdempotencyStore:
    """Claims, completes, releases and purges idempotency records (blocking; run in a thread)."""

    def __init__(self, runtime: Runtime) -> None:
        self.sessions = runtime.sessions
        self.ttl = timedelta(seconds=runtime.settings.idempotency_ttl_seconds)
        self.lease = timedelta(seconds=runtime.settings.idempotency_lease_seconds)

    def claim(self, token_id: str, key: str, fp: str) -> Claim | Replay:
        """Claim the key in a short transaction of its own, committed at once (PostgreSQL).

        Returns the claim, or what to answer instead; raises Conflict.
        """
        with RequestScope(self.sessions, write=True) as scope:
            outcome = self.claim_in(scope.session, token_id, key, fp)
            scope.commit()
            return outcome

    def claim_in(self, session: Session, token_id: str, key: str, fp: str) -> Claim | Replay:
        """Claim the key inside `session`'s write transaction, without committing it.

        On SQLite the request's own transaction claims the key (the claim commits with the
        write it describes, or vanishes with a rollback); `claim` wraps it for PostgreSQL.
        """
        claim_id = str(uuid.uuid4())
        now = utcnow()
        params = {
            "b_token_id": token_id,
            "b_key": key,
            "b_fingerprint": fp,
            "b_claim_id": claim_id,
            "b_lease_expires_at": now + self.lease,
            "b_created_at": now,
            "b_expires_at": now + self.ttl,
        }
        if session.execute(_claim_insert(session), params).first() is not None:
            return Claim(token_id, key, claim_id)
        row = session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key
            )
        ).scalar_one()
        expired = row.expires_at <= now
        if not expired and row.fingerprint != fp:
            raise reused_for_another_request()
        if not expired and row.state == "completed":
            return Replay(
                row.status_code or 200, row.response_body or b"", row.content_type, row.location
            )
        if not expired and row.lease_expires_at > now:
            raise still_in_progress()
        # Take over: the old attempt died (lease expired) or the record outlived its TTL.
        taken = _rowcount(
            session.execute(
                update(RECORDS)
                .where(
                    RECORDS.c.token_id == token_id,
                    RECORDS.c.key == key,
                    RECORDS.c.claim_id == row.claim_id,
                )
                .values(
                    fingerprint=fp,
                    claim_id=claim_id,
                    state="pending",
                    lease_expires_at=now + self.lease,
                    status_code=None,
                    response_body=None,
                    content_type=None,
                    location=None,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
        )
        if taken != 1:
            raise still_in_progress()
        return Claim(token_id, key, claim_id)

    def release(self, claim: Claim) -> None:
        """Forget a claim whose request did not succeed, so the key can be retried."""
        with RequestScope(self.sessions, write=True) as scope:
            scope.session.execute(_claim_filter(delete(RECORDS), claim))
            scope.commit()

    def purge(self) -> int:
        """Delete records past their TTL (and stale rate-limit rows of the database backend)."""
        with RequestScope(self.sessions, write=True) as scope:
            count = _rowcount(
                scope.session.execute(delete(RECORDS).where(RECORDS.c.expires_at < utcnow()))
            )
            scope.commit()
        return count


def _rowcount(result: Any) -> int:
    """Rows touched by an INSERT/UPDATE/DELETE (typed `Result` hides `CursorResult.rowcount`)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _claim_filter(stmt: Any, claim: Claim) -> Any:
    return stmt.where(
        RECORDS.c.token_id == claim.token_id,
        RECORDS.c.key == claim.key,
        RECORDS.c.claim_id == claim.claim_id,
    )


# Built once with bind parameters: constructing a statement (and its cache key, which walks every
# value) per request is a visible share of an idempotent POST's CPU (yappi).
_COMPLETE_CLAIM = (
    update(RECORDS)
    .where(
        RECORDS.c.token_id == bindparam("b_token_id"),
        RECORDS.c.key == bindparam("b_key"),
        RECORDS.c.claim_id == bindparam("b_claim_id"),
        RECORDS.c.state == "pending",
    )
    .values(
        state="completed",
        status_code=bindparam("b_status"),
        response_body=bindparam("b_body"),
        content_type=bindparam("b_content_type"),
        location=bindparam("b_location"),
    )
)


def record_response(
    session: Session,
    claim: Claim,
    status: int,
    body: bytes | dict[str, Any],
    *,
    location: str | None = None,
    content_type: str | None = "application/json",
) -> None:
    """Store a 2xx response in the claimed row, inside `session`'s (uncommitted) transaction."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    params = {
        "b_token_id": claim.token_id,
        "b_key": claim.key,
        "b_claim_id": claim.claim_id,
        "b_status": status,
        "b_body": raw,
        "b_content_type": content_type,
        "b_location": location,
    }
    done = _rowcount(session.execute(_COMPLETE_CLAIM, params))
    if done != 1:
        raise ClaimLost(f"idempotency claim {claim.key!r} was taken over")


def store_of(runtime: Runtime) -> IdempotencyStore:
    return runtime.shared("idempotency", IdempotencyStore, IdempotencyStore)


@dataclass
class ClaimSlot:
    """A claimed key travelling from `IdempotencyMiddleware` to `RequestTransactionMiddleware`.

    `settled` becomes True once the transaction layer has either stored the 2xx response (in the
    request's own transaction) or rolled back and released the claim; a claim never settled
    there (the request was rejected by validation before reaching it) is released by
    `IdempotencyMiddleware`. On SQLite the claim is made inside the request's own transaction,
    `request_scope`, which the transaction layer adopts; releasing it is a rollback.
    """

    claim: Claim
    request_scope: RequestScope | None = None
    settled: bool = False
