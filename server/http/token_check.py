"""Hold a response served on a remembered token row until the database has confirmed the token.

`server.http.auth.bearer_info` may start a safe request on PostgreSQL from the token row it read
for an earlier request (a `TokenCheck` in connexion's token_info), saving the request's own
token lookup. This middleware, right after security, makes that safe:

- it binds the check for the request's code: a page query carries the token's test and, when it
  returns rows, confirms the check in that same statement (`server.services.token_check`);
- before the response starts — whatever produced it: the handler, request validation, an error
  raised anywhere below — an unconfirmed check is settled by reading the token
  (`authenticate`): refused → that 401/402 replaces the response; valid but no longer the same
  Actor (a role or plan changed) → the request runs again, before anything was sent, as the
  fresh Actor. Only safe methods get here, so running one again changes nothing.

A revoked token is therefore refused by the next request exactly as before; what changes is
when the database is asked (in the page's statement, or after the handler) — never whether.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.context import Actor, Runtime, TokenCheck, bind_token_check, unbind_token_check
from server.errors import ApiError
from server.http.auth import TOKEN_CHECK, authenticate


class _Refused(Exception):
    """The database refused the token: raise `error` instead of sending the response."""

    def __init__(self, error: ApiError) -> None:
        self.error = error


class _ActorChanged(Exception):
    """The token is valid but yields another Actor: the request must run again as `actor`."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor


def _connexion_context(scope: Scope) -> dict[str, Any] | None:
    context = scope.get("extensions", {}).get("connexion_context")
    return context if isinstance(context, dict) else None


class TokenCheckMiddleware:
    """Settles a request's `TokenCheck` before its response starts (see the module docstring)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = _connexion_context(scope) if scope["type"] == "http" else None
        info = context.get("token_info") if context is not None else None
        check = info.get(TOKEN_CHECK) if isinstance(info, dict) else None
        if context is None or not isinstance(info, dict) or not isinstance(check, TokenCheck):
            await self.app(scope, receive, send)
            return
        received: list[Message] = []

        async def recording_receive() -> Message:
            message = await receive()
            received.append(message)
            return message

        fresh = await self._attempt(scope, recording_receive, send, check)
        if fresh is None:
            return
        # Nothing was sent: run the (safe) request again as the Actor the database gave.
        info["actor"] = fresh
        info.pop(TOKEN_CHECK, None)
        context["user"] = info["sub"] = fresh.user_id

        async def replaying_receive() -> Message:
            return received.pop(0) if received else await receive()

        await self.app(scope, replaying_receive, send)

    async def _attempt(
        self, scope: Scope, receive: Receive, send: Send, check: TokenCheck
    ) -> Actor | None:
        """Run the request once; the fresh Actor when it must run again, else None."""

        async def confirming_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not check.confirmed:
                await self._confirm(check)
            await send(message)

        token = bind_token_check(check)
        try:
            await self.app(scope, receive, confirming_send)
        except _Refused as refused:
            raise refused.error from None
        except _ActorChanged as changed:
            return changed.actor
        except Exception:
            # An error response (raised, not sent) must not answer for a refused token either.
            if check.confirmed:
                raise
            try:
                await self._confirm(check)
            except _Refused as refused:
                raise refused.error from None
            except _ActorChanged as changed:
                return changed.actor
            raise
        finally:
            unbind_token_check(token)
        return None

    async def _confirm(self, check: TokenCheck) -> None:
        """Read the token (and remember the row): raises `_Refused` or `_ActorChanged`."""
        try:
            fresh = await anyio.to_thread.run_sync(authenticate, self.runtime, check.token)
        except ApiError as error:
            check.confirmed = True
            raise _Refused(error) from None
        check.confirmed = True
        if fresh != check.actor:
            raise _ActorChanged(fresh)
