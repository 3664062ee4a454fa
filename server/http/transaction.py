"""The request's unit of work: one session per request, committed on 2xx, else rolled back.

`RequestTransactionMiddleware` (position BEFORE_CONTEXT: just before the handler) owns each
request's unit of work: it opens a `RequestScope` (see `server.context`) that handlers reach via
`current_session()`. When the handler's response starts, *before any byte is sent*: a 2xx is
written into the claimed row by `record_response` inside the request's own transaction, which
is then committed — so the stored response and the write it describes commit together or not
at all. Any other status (or an exception) rolls back and deletes the claim, so the request can
be corrected and retried with the same key. On SQLite a write request takes its write turn here
when it has none yet, and gives it back once committed or rolled back, before sending.

Handlers do not call anything here: the middleware records the response. It also purges expired
idempotency records and rate-limit rows every few minutes, off the request path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.context import RequestScope, Runtime, bind_scope, unbind_scope
from server.db.session import is_unreachable, retry_once_if_unreachable
from server.db.write_gate import take_turn, turn_in
from server.errors import Unavailable, error_body, error_headers, request_id_of
from server.http.idempotency_store import CLAIM_SLOT, ClaimSlot, record_response, store_of
from server.http.ratelimit import limiter_of

log = logging.getLogger("hoursmith.transaction")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PURGE_EVERY_SECONDS = 300


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
            if unsafe:
                await self._run(scope, receive, send, request_scope, slot)
            else:
                await self._run_safe(scope, receive, send, request_scope)
        finally:
            unbind_scope(token)
            if own_turn is not None:
                own_turn.release()
            self._maybe_purge()

    async def _run_safe(self, scope: Scope, receive: Receive, send: Send, rs: RequestScope) -> None:
        """A safe request whose database was unreachable runs once more, on a fresh session (the
        pool dropped its dead connections), before anything was sent. Still unreachable: the
        error goes on to `server.http.unavailable` (503)."""
        received: list[Message] = []
        sent = False

        async def recording_receive() -> Message:
            message = await receive()
            received.append(message)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal sent
            sent = True
            await send(message)

        try:
            await self._run(scope, recording_receive, tracking_send, rs, None)
            return
        except DBAPIError as exc:
            if sent or not is_unreachable(exc):
                raise
            log.warning("database unreachable during %s; retrying once", scope.get("path"))

        async def replaying_receive() -> Message:
            return received.pop(0) if received else await receive()

        retry = RequestScope(self.runtime.sessions, read_only=True)
        token = bind_scope(retry)
        try:
            await self._run(scope, replaying_receive, send, retry, None)
        finally:
            unbind_scope(token)

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
                failure = self._finish(rs, slot, start, body)
            else:
                failure = await anyio.to_thread.run_sync(self._finish, rs, slot, start, body)
            if turn is not None:
                turn.release()  # committed or rolled back: the next writer may begin
            if failure is not None:
                await _send_failure(send, scope, failure)
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
    ) -> Exception | None:
        """Commit (2xx/3xx, storing an idempotent 2xx) or roll back; the commit's error, if any
        (then nothing was written and the claim is released)."""
        status = int(start["status"])
        if status >= 400:
            self._abort(rs, slot)
            return None
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
        except Exception as exc:
            log.exception("commit failed")
            self._abort(rs, slot)
            return exc
        rs.close()
        return None

    def _abort(self, rs: RequestScope, slot: ClaimSlot | None) -> None:
        try:
            rs.discard()
        finally:
            # A claim made in this transaction (SQLite) went with the rollback.
            if slot is not None and not slot.settled:
                slot.settled = True
                if slot.request_scope is None:
                    try:
                        # A fresh connection if the request's own died with the database.
                        retry_once_if_unreachable(lambda: self.store.release(slot.claim))
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


async def _send_failure(send: Send, scope: Scope, failure: Exception) -> None:
    """503 `unavailable` when the commit could not reach the database, else 500 `internal`."""
    rid = request_id_of(scope)
    if is_unreachable(failure):
        error = Unavailable()
        status, body = 503, error_body(error.code, error.message, rid)
        extra = error.headers
    else:
        status, body = 500, error_body("internal", f"Internal server error (request {rid})", rid)
        extra = {}
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    merged = {**error_headers(status, None, rid), **extra}
    headers += [(k.lower().encode(), v.encode()) for k, v in merged.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
