"""Idempotent POSTs (design §6): the key check, claim, replay and 409, as ASGI middleware.

`IdempotencyMiddleware` (position BEFORE_VALIDATION: after routing and security, before request
validation, as design §4 orders the checks) handles a POST whose operation declares the
`Idempotency-Key` header:

1. A missing or invalid key is 422 `validation_error` with `fields: {"Idempotency-Key": …}`; a
   JSON body that is not UTF-8 or not JSON is 400 `bad_request`.
2. It *claims* the key: a unique pending row `(token id, key)`. On PostgreSQL the claim is
   inserted and committed in its own short transaction, so other processes see it at once. On
   SQLite the request first waits for its write turn (`server.db.write_gate`) and the claim is
   made inside the request's own transaction (`ClaimSlot.request_scope`), so a rollback takes
   the claim with it; the keys of requests running in this process are remembered, so a
   duplicate still gets the 409 below instead of waiting its turn. On conflict:
   - same fingerprint, completed → the stored status/body/`Location` are replayed with
     `Idempotent-Replayed: true` (nothing runs, not even validation);
   - other fingerprint → 409 `conflict` (even if the new body is invalid);
   - same fingerprint, pending, lease alive → 409 `conflict` + `Retry-After: 1`;
   - pending with an expired lease (its process died) or a record past its TTL → taken over.
3. The claim travels in the ASGI scope (`ClaimSlot`); if request validation rejects the request

The request's unit of work that settles the claim is `server.http.transaction`; the key store is
`server.http.idempotency_store`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
from connexion.middleware.abstract import ROUTING_CONTEXT
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.context import RequestScope, Runtime
from server.db.write_gate import take_turn
from server.errors import ValidationFailed
from server.http.idempotency_store import (
    CLAIM_SLOT,
    Claim,
    ClaimSlot,
    Replay,
    fingerprint,
    reused_for_another_request,
    still_in_progress,
    store_of,
)
from server.http.jsonbody import decode_request_json

log = logging.getLogger("hoursmith.idempotency")

HEADER = b"idempotency-key"
# Design §6: 1–255 printable ASCII characters.
KEY_PATTERN = re.compile(r"[\x20-\x7E]{1,255}")


# --- ASGI plumbing ------------------------------------------------------------------------


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # A truncated body is not the request: run nothing, claim nothing (see on_exception).
            raise ClientDisconnect()
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
        # SQLite: wait for this process's write turn (server.db.write_gate), then claim inside the
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
