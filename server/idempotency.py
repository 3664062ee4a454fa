"""Idempotent POSTs (design §6) and the per-request transaction they depend on.

Two middlewares share the work (ARCHITECTURE.md, request path):

`IdempotencyMiddleware` (position BEFORE_VALIDATION: after routing and security, before request
validation, as design §4 orders the checks) handles a POST whose operation declares the
`Idempotency-Key` header:

1. A missing or invalid key is 422 `validation_error` with `fields: {"Idempotency-Key": …}`; a
   JSON body that is not UTF-8 or not JSON is 400 `bad_request`.
2. It *claims* the key: a unique pending row `(token id, key)`. On PostgreSQL the claim is
   inserted and committed in its own short transaction, so other processes see it at once. On
   SQLite the request first waits for its write turn (`server.write_gate`) and the claim is
   made inside the request's own transaction (`ClaimSlot.request_scope`), so a rollback takes
   the claim with it; the keys of requests running in this process are remembered, so a
   duplicate still gets the 409 below instead of waiting its turn. On conflict:
   - same fingerprint, completed → the stored status/body/`Location` are replayed with
     `Idempotent-Replayed: true` (nothing runs, not even validation);
   - other fingerprint → 409 `conflict` (even if the new body is invalid);
   - same fingerprint, pending, lease alive → 409 `conflict` + `Retry-After: 1`;
   - pending with an expired lease (its process died) or a record past its TTL → taken over.
3. The claim travels in the ASGI scope (`ClaimSlot`); if request validation rejects the request
   the claim is never settled downstream, and this middleware releases it.

`RequestTransactionMiddleware` (position BEFORE_CONTEXT: just before the handler) owns each
request's unit of work: it opens a `RequestScope` (see `server.context`) that handlers reach via
`current_session()`. When the handler's response starts, *before any byte is sent*: a 2xx is
written into the claimed row by `record_response` inside the request's own transaction, which
is then committed — so the stored response and the write it describes commit together or not
at all. Any other status (or an exception) rolls back and deletes the claim, so the request can
be corrected and retried with the same key. On SQLite a write request takes its write turn here
when it has none yet, and gives it back once committed or rolled back, before sending.

Handlers do not call anything here: the middleware records the response. `record_response` is
public for code that builds responses outside the middleware (tests, CLI simulations).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import anyio.to_thread
import orjson
from connexion.middleware.abstract import ROUTING_CONTEXT
from sqlalchemy import CursorResult, Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.context import RequestScope, Runtime, bind_scope, unbind_scope
from server.db.base import utcnow
from server.db.infra import IdempotencyRecord
from server.errors import (
    Conflict,
    ValidationFailed,
    error_body,
    error_headers,
    request_id_of,
)
from server.jsonbody import decode_request_json
from server.ratelimit import limiter_of
from server.write_gate import take_turn, turn_in

log = logging.getLogger("hoursmith.idempotency")
# Core table: ORM-enabled DML hides rowcounts, which decide who owns a claim.
RECORDS = cast(Table, IdempotencyRecord.__table__)

HEADER = b"idempotency-key"
# Design §6: 1–255 printable ASCII characters.
KEY_PATTERN = re.compile(r"[\x20-\x7E]{1,255}")
# Where IdempotencyMiddleware leaves its ClaimSlot for RequestTransactionMiddleware.
CLAIM_SLOT = "hoursmith.idempotency_claim"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PURGE_EVERY_SECONDS = 300


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
    store = runtime.extras.get("idempotency")
    if store is None:
        store = runtime.extras.setdefault("idempotency", IdempotencyStore(runtime))
    assert isinstance(store, IdempotencyStore)
    return store


# --- ASGI plumbing ------------------------------------------------------------------------


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _actor_token_id(scope: Scope) -> str | None:
    context = scope.get("extensions", {}).get("connexion_context", {})
    actor = (context.get("token_info") or {}).get("actor")
    return getattr(actor, "token_id", None)


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


def keyed_operations(spec: Mapping[str, Any]) -> dict[str, bool]:
    """`{operationId: required}` for POST operations declaring an `Idempotency-Key` header."""
    parameters = (spec.get("components") or {}).get("parameters") or {}

    def resolve(param: Any) -> Any:
        ref = param.get("$ref") if isinstance(param, Mapping) else None
        if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
            return parameters.get(ref.rsplit("/", 1)[-1], {})
        return param

    out: dict[str, bool] = {}
    for item in (spec.get("paths") or {}).values():
        if not isinstance(item, Mapping) or not isinstance(item.get("post"), Mapping):
            continue
        operation = item["post"]
        for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            param = resolve(raw)
            if (
                isinstance(param, Mapping)
                and param.get("in") == "header"
                and str(param.get("name", "")).lower() == HEADER.decode()
                and operation.get("operationId")
            ):
                out[str(operation["operationId"])] = bool(param.get("required"))
    return out


def _check_json_body(scope: Scope, body: bytes) -> None:
    """400 for a JSON body that is not UTF-8 or not JSON (other media types: validation's job)."""
    if not body:
        return
    content_type = (_header(scope, b"content-type") or "application/json").lower()
    media, _, params = content_type.partition(";")
    if not media.strip().endswith("json"):
        return
    decode_request_json(body, params.partition("charset=")[2].strip().strip('"'))


class IdempotencyMiddleware:
    """Key check, claim, replay and 409 for POSTs, after security and before validation (§4).

    Order of checks (design §4): … 403 → 422 missing/invalid `Idempotency-Key` → 400 malformed
    body → replay/409 → 422 validation. A claim the request path never settles (validation
    rejected the request) is released here, so the corrected request can reuse the key.
    """

    def __init__(self, app: ASGIApp, runtime: Runtime, keyed: Mapping[str, bool]) -> None:
        self.app = app
        self.runtime = runtime
        self.store = store_of(runtime)
        self.keyed = dict(keyed)
        # SQLite: (token id, key) → fingerprint of the requests running in this process.
        self._running: dict[tuple[str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
        required = self.keyed.get(str(routing.get("operation_id")))
        if required is None:
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER)
        if not key:
            if not required:
                await self.app(scope, receive, send)
                return
            raise ValidationFailed(
                {"Idempotency-Key": "is required"}, "The Idempotency-Key header is required"
            )
        if not KEY_PATTERN.fullmatch(key):
            raise ValidationFailed(
                {"Idempotency-Key": "must be 1 to 255 printable ASCII characters"},
                "Invalid Idempotency-Key header",
            )
        body = await _read_body(receive)
        _check_json_body(scope, body)
        receive = _replaying(body, receive)
        token_id = _actor_token_id(scope)
        if token_id is None:  # no authenticated actor: nothing to scope the key to
            await self.app(scope, receive, send)
            return
        fp = fingerprint("POST", scope["path"], body)
        with self._in_flight(token_id, key, fp):
            await self._run_claimed(scope, receive, send, token_id=token_id, key=key, fp=fp)

    @contextmanager
    def _in_flight(self, token_id: str, key: str, fp: str) -> Iterator[None]:
        """SQLite: answer a duplicate of a request still running in this process with 409.

        The claim of a running request is not committed on SQLite (it lives in the request's
        transaction), so a duplicate would wait for the write turn and then replay. Design §6
        wants 409 `conflict` + `Retry-After: 1` while the first request runs (and 409 for a
        different request on the same key), so the keys in flight are remembered here, from
        arrival until the request is settled. PostgreSQL sees the committed pending claim.
        """
        if not self.runtime.is_sqlite:
            yield
            return
        ident = (token_id, key)
        running = self._running.get(ident)
        if running is not None:
            raise still_in_progress() if running == fp else reused_for_another_request()
        self._running[ident] = fp
        try:
            yield
        finally:
            del self._running[ident]

    async def _run_claimed(
        self, scope: Scope, receive: Receive, send: Send, *, token_id: str, key: str, fp: str
    ) -> None:
        # SQLite: wait for this process's write turn (server.write_gate), then claim inside the
        # request's own transaction. PostgreSQL: a claim committed on its own.
        turn = await take_turn(self.runtime, scope)
        try:
            slot = await self._claim(token_id, key, fp, in_request=turn is not None)
            if isinstance(slot, Replay):
                await _send_replay(send, slot)
                return
            scope[CLAIM_SLOT] = slot
            try:
                await self.app(scope, receive, send)
            finally:
                if not slot.settled:
                    slot.settled = True
                    await anyio.to_thread.run_sync(self._release, slot)
        finally:
            if turn is not None:
                turn.release()

    async def _claim(
        self, token_id: str, key: str, fp: str, *, in_request: bool
    ) -> ClaimSlot | Replay:
        """A ClaimSlot, or the Replay to answer with (raises Conflict)."""
        if not in_request:
            outcome = await anyio.to_thread.run_sync(self.store.claim, token_id, key, fp)
            return outcome if isinstance(outcome, Replay) else ClaimSlot(outcome)
        rs = RequestScope(self.runtime.sessions, write=True)

        def claim() -> Claim | Replay:
            # BEGIN IMMEDIATE may wait for another process's writer: in the worker thread.
            return self.store.claim_in(rs.session, token_id, key, fp)

        try:
            outcome = await anyio.to_thread.run_sync(claim)
        except BaseException:
            rs.discard()
            raise
        if isinstance(outcome, Replay):
            rs.discard()
            return outcome
        return ClaimSlot(outcome, request_scope=rs)

    def _release(self, slot: ClaimSlot) -> None:
        try:
            if slot.request_scope is not None:
                slot.request_scope.discard()  # a rollback: the claim goes too
            else:
                self.store.release(slot.claim)
        except Exception:
            log.exception("could not release idempotency claim %r", slot.claim.key)


class RequestTransactionMiddleware:
    """Per-request session; stores a claimed key's 2xx response in the request's transaction."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.store = store_of(runtime)
        self._last_purge = time.monotonic()
        self._purging: asyncio.Future[Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        unsafe = scope["method"] in UNSAFE
        slot = scope.get(CLAIM_SLOT)
        slot = slot if isinstance(slot, ClaimSlot) and not slot.settled else None
        if slot is not None and slot.request_scope is not None:
            request_scope = slot.request_scope  # SQLite: the claim opened the transaction
        else:
            request_scope = RequestScope(self.runtime.sessions, write=unsafe, read_only=not unsafe)
        request_scope.idempotency_claim = slot.claim if slot else None
        # SQLite: a write request without a claim waits for its write turn here, after request
        # validation (a request that holds one already got it in IdempotencyMiddleware).
        own_turn = await take_turn(self.runtime, scope) if unsafe else None
        token = bind_scope(request_scope)
        try:
            await self._run(scope, receive, send, request_scope, slot)
        finally:
            unbind_scope(token)
            if own_turn is not None:
                own_turn.release()
            self._maybe_purge()

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, rs: RequestScope, slot: ClaimSlot | None
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        finished = False
        turn = turn_in(scope)
        # On SQLite, ending the unit of work cannot wait on another writer when this request
        # reads only (autocommit) or holds the process's write turn (its transaction already has
        # the write lock): commit inline rather than hop to a worker thread and back.
        inline = self.runtime.is_sqlite and (rs.read_only or turn is not None)

        async def capture(message: Message) -> None:
            nonlocal start, finished
            if finished:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            finished = True
            status = int(start["status"])
            body = b"".join(chunks)
            if inline:
                ok = self._finish(rs, slot, start, body)
            else:
                ok = await anyio.to_thread.run_sync(self._finish, rs, slot, start, body)
            if turn is not None:
                turn.release()  # committed or rolled back: the next writer may begin
            if not ok:
                await _send_internal(send, scope)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})
            log.debug("request finished with %s", status)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            if not finished:
                finished = True
                await anyio.to_thread.run_sync(self._abort, rs, slot)
            raise
        if not finished:  # the app returned without a complete response
            await anyio.to_thread.run_sync(self._abort, rs, slot)

    def _finish(
        self, rs: RequestScope, slot: ClaimSlot | None, start: Message, body: bytes
    ) -> bool:
        """Commit (2xx/3xx, storing an idempotent 2xx) or roll back; False → answer 500."""
        status = int(start["status"])
        if status >= 400:
            self._abort(rs, slot)
            return True
        try:
            if slot is not None and 200 <= status < 300:
                headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]
                }
                record_response(
                    rs.session,
                    slot.claim,
                    status,
                    body,
                    location=headers.get("location"),
                    content_type=headers.get("content-type"),
                )
            rs.commit()
            if slot is not None:
                slot.settled = True
        except Exception:
            log.exception("commit failed; answering 500")
            self._abort(rs, slot)
            return False
        rs.close()
        return True

    def _abort(self, rs: RequestScope, slot: ClaimSlot | None) -> None:
        try:
            rs.discard()
        finally:
            # A claim made in this transaction (SQLite) went with the rollback.
            if slot is not None and not slot.settled:
                slot.settled = True
                if slot.request_scope is None:
                    try:
                        self.store.release(slot.claim)
                    except Exception:
                        log.exception("could not release idempotency claim %r", slot.claim.key)

    def _maybe_purge(self) -> None:
        """Every few minutes, purge expired records in a worker thread (never awaited)."""
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_SECONDS or (
            self._purging is not None and not self._purging.done()
        ):
            return
        self._last_purge = now
        limiter = limiter_of(self.runtime)

        def purge() -> None:
            try:
                self.store.purge()
                backend = limiter.backend
                if hasattr(backend, "purge"):
                    backend.purge()
            except Exception:
                log.exception("purge of expired idempotency records failed")

        self._purging = asyncio.get_running_loop().run_in_executor(None, purge)


async def _send_replay(send: Send, replay: Replay) -> None:
    headers = [
        (b"content-length", str(len(replay.body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    if replay.content_type:
        headers.append((b"content-type", replay.content_type.encode("latin-1")))
    if replay.location:
        headers.append((b"location", replay.location.encode("latin-1")))
    await send({"type": "http.response.start", "status": replay.status, "headers": headers})
    await send({"type": "http.response.body", "body": replay.body})


async def _send_internal(send: Send, scope: Scope) -> None:
    rid = request_id_of(scope)
    body = error_body("internal", f"Internal server error (request {rid})", rid)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error_headers(500, None, rid).items()]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
