"""405 for a wrong method on a static path that a templated path would otherwise capture.

Starlette tries routes in order and the first one whose *path* matches with the request's
method wins, so `PATCH /api/v1/time-entries/running` reached `PATCH /time-entries/{id}` with
`id=running` (and then 401/402/422) although the document's `/time-entries/running` only has
GET. Design §4 puts 404/405 first, so this pure-ASGI check runs before routing and security: a
request whose path is exactly one of the document's template-free paths but whose method is not
defined there is answered 405, with that path's `Allow` (computed by `errors.AllowIndex`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import allowed_verbs, spec_methods


def static_methods(base_path: str, paths: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """`{full static path: allowed methods}` (HEAD wherever GET is) for template-free paths."""
    return {
        base_path + template: allowed_verbs(methods)
        for template, methods in paths.items()
        if "{" not in template
    }


def static_methods_from_spec(spec: Mapping[str, Any], base_path: str) -> dict[str, frozenset[str]]:
    """`static_methods` over the operations of an OpenAPI document's `paths`."""
    return static_methods(base_path, spec_methods(spec))


class StaticPathMethodMiddleware:
    """Raise 405 for a method a static path does not define (before routing/security)."""

    def __init__(self, app: ASGIApp, methods: Mapping[str, frozenset[str]]) -> None:
        self.app = app
        self.methods = dict(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            allowed = self.methods.get(scope.get("path", ""))
            if allowed is not None and scope["method"].upper() not in allowed:
                raise HTTPException(status_code=405)
        await self.app(scope, receive, send)
