"""Every error the API can answer, and the one envelope they all share (design §5).

Exception tree (raise these from handlers, services and the security function)::

    Exception
    └── ApiError(status, code, message, *, fields, headers, extra)
        ├── BadRequest          400 bad_request
        ├── Unauthenticated     401 unauthenticated   (+ WWW-Authenticate)
        ├── ForbiddenPlan       402 forbidden_plan    (+ requiredPlan, feature)
        ├── ForbiddenScope      403 forbidden_scope
        ├── NotFound            404 not_found
        ├── Conflict            409 conflict
        ├── ValidationFailed    422 validation_error  (+ fields)
        └── RateLimited         429 rate_limited      (+ Retry-After)

Framework exceptions are translated by the handlers `install()` registers: connexion's
`ProblemException` (validation, 401, 415, non-conforming responses), Starlette's `HTTPException`
(unknown route 404, 405 with an `Allow` computed from the spec), anything else → 500 `internal`
with the traceback logged (never sent) under the request id.

Envelope: `{"error": {"code", "message", fields?, requiredPlan?, feature?, requestId}}`, always
`application/json`, and the `X-Request-Id` header on every response.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from connexion.exceptions import ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Scope, Send

log = logging.getLogger("hoursmith.errors")

WWW_AUTHENTICATE = 'Bearer realm="hoursmith"'
REQUEST_ID_KEY = "hoursmith.request_id"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    402: "forbidden_plan",
    403: "forbidden_scope",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "bad_request",
    422: "validation_error",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with a stable `code`, rendered as the envelope by the exception middleware."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code or CODES.get(status, f"http_{status}")
        self.message = message or HTTPStatus(status).phrase
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(f"{status} {self.code}: {self.message}")


class BadRequest(ApiError):
    def __init__(self, message: str = "Malformed request", **kw: Any) -> None:
        super().__init__(400, "bad_request", message, **kw)


class Unauthenticated(ApiError):
    def __init__(self, message: str = "Missing or invalid API token", **kw: Any) -> None:
        super().__init__(401, "unauthenticated", message, **kw)


class ForbiddenPlan(ApiError):
    def __init__(
        self, message: str = "This workspace's plan does not include API access", **kw: Any
    ) -> None:
        kw.setdefault("extra", {"requiredPlan": "studio", "feature": "apiAccess"})
        super().__init__(402, "forbidden_plan", message, **kw)


class ForbiddenScope(ApiError):
    def __init__(self, message: str = "Your role may not do this", **kw: Any) -> None:
        super().__init__(403, "forbidden_scope", message, **kw)


class NotFound(ApiError):
    def __init__(self, message: str = "Not found", **kw: Any) -> None:
        super().__init__(404, "not_found", message, **kw)


class Conflict(ApiError):
    def __init__(self, message: str = "Conflict", **kw: Any) -> None:
        super().__init__(409, "conflict", message, **kw)


class ValidationFailed(ApiError):
    def __init__(
        self, fields: Mapping[str, str], message: str = "Request validation failed", **kw: Any
    ) -> None:
        super().__init__(422, "validation_error", message, fields=fields, **kw)


class RateLimited(ApiError):
    def __init__(self, retry_after: int, message: str = "Rate limit exceeded", **kw: Any) -> None:
        headers = {"Retry-After": str(max(1, retry_after)), **kw.pop("headers", {})}
        super().__init__(429, "rate_limited", message, headers=headers, **kw)


class Unavailable(ApiError):
    """503: the database could not be reached; nothing was changed, retry after a moment."""

    def __init__(
        self,
        message: str = "The database is unavailable; retry in a moment",
        retry_after: int = 1,
        **kw: Any,
    ) -> None:
        headers = {"Retry-After": str(max(1, retry_after)), **kw.pop("headers", {})}
        super().__init__(503, "unavailable", message, headers=headers, **kw)


# --- envelope -----------------------------------------------------------------------------


def request_id_of(scope: Mapping[str, Any]) -> str:
    """The id assigned by the edge middleware (or a fresh one outside it)."""
    rid = scope.get(REQUEST_ID_KEY)
    return rid if isinstance(rid, str) else new_request_id()


def new_request_id() -> str:
    """32 random hex digits (the shape of `uuid4().hex`, without building a UUID object)."""
    return os.urandom(16).hex()


def assign_request_id(scope: Scope) -> str:
    """Reuse a sane incoming X-Request-Id, else mint one; remembered in the scope."""
    if isinstance(existing := scope.get(REQUEST_ID_KEY), str):
        return existing
    incoming = ""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            incoming = value.decode("latin-1").strip()
            break
    rid = incoming if incoming and _SANE_REQUEST_ID.match(incoming) else new_request_id()
    scope[REQUEST_ID_KEY] = rid
    return rid


def error_body(
    code: str,
    message: str,
    request_id: str,
    *,
    fields: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = dict(fields)
    if extra:
        error.update(extra)
    error["requestId"] = request_id
    return orjson.dumps({"error": error})


def error_headers(
    status: int, headers: Mapping[str, str] | None, request_id: str
) -> dict[str, str]:
    out = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
    if status == 401:
        out.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    out["X-Request-Id"] = request_id
    return out


def envelope(
    request: ConnexionRequest | Mapping[str, Any],
    status: int,
    code: str,
    message: str,
    *,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ConnexionResponse:
    scope = request.scope if isinstance(request, ConnexionRequest) else request
    rid = request_id_of(scope)
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=error_body(code, message, rid, fields=fields, extra=extra),
        headers=error_headers(status, headers, rid),
    )


async def send_error(
    scope: Scope,
    send: Send,
    *,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Answer with the envelope from raw ASGI code (middlewares outside the exception layer)."""
    rid = request_id_of(scope)
    body = error_body(code, message, rid)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [
        (k.lower().encode(), v.encode()) for k, v in error_headers(status, headers, rid).items()
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# --- translation of framework exceptions --------------------------------------------------


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})


def spec_methods(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Path template → the HTTP methods the document defines operations for."""
    return {
        path: [m for m in item if m in HTTP_METHODS]
        for path, item in (spec.get("paths") or {}).items()
        if isinstance(item, Mapping)
    }


def allowed_verbs(methods: Iterable[str]) -> frozenset[str]:
    """Upper-cased methods, with HEAD wherever GET is (Starlette answers HEAD for GET routes)."""
    verbs = {m.upper() for m in methods}
    if "GET" in verbs:
        verbs.add("HEAD")
    return frozenset(verbs)


class AllowIndex:
    """Path template → allowed methods, from the spec (Starlette's own 405 lists one route's)."""

    def __init__(self, base_path: str, paths: Mapping[str, Iterable[str]]) -> None:
        self._routes: list[tuple[re.Pattern[str], str]] = []
        for template, methods in paths.items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base_path + template))
            verbs = allowed_verbs(methods)
            self._routes.append((re.compile(f"^{pattern}/?$"), ", ".join(sorted(verbs))))

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], base_path: str) -> AllowIndex:
        return cls(base_path, spec_methods(spec))

    def allow(self, path: str) -> str | None:
        # Literal segments beat templates (`/time-entries/running` vs `/time-entries/{id}`).
        best: tuple[int, str] | None = None
        for pattern, methods in self._routes:
            if pattern.match(path):
                literal = len(pattern.pattern.replace("[^/]+", ""))
                if best is None or literal > best[0]:
                    best = (literal, methods)
        return best[1] if best else None


def _detail(exc: HTTPException) -> str:
    detail = str(getattr(exc, "detail", "") or HTTPStatus(exc.status_code).phrase)
    return detail.split("\n\nFailed validating", maxsplit=1)[0]


def install(app: Any, allow_index: AllowIndex | None = None) -> None:
    """Register the handlers on a connexion app (P5: ProblemException needs its own entry)."""

    async def on_api_error(request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
        if exc.status >= 500:
            log.error("request %s failed: %s", request_id_of(request.scope), exc)
        return envelope(
            request,
            exc.status,
            exc.code,
            exc.message,
            fields=exc.fields,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def on_http_exception(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        status = exc.status_code
        headers = dict(getattr(exc, "headers", None) or {})
        if status >= 500:
            log.error("request %s: %s", request_id_of(request.scope), _detail(exc))
            return envelope(request, 500, "internal", "Internal server error")
        if isinstance(exc, UnsupportedMediaTypeProblem) or status == 415:
            return envelope(
                request, 400, "bad_request", "The request body must be application/json"
            )
        if status == 405:
            allow = allow_index.allow(request.url.path) if allow_index else None
            if allow:
                headers["Allow"] = allow
            return envelope(
                request, 405, "method_not_allowed", "Method not allowed", headers=headers
            )
        if status == 404:
            return envelope(request, 404, "not_found", "No such resource")
        if status == 401:
            return envelope(request, 401, "unauthenticated", _detail(exc), headers=headers)
        if status == 400:
            # Anything connexion still reports as 400 is a parameter or body it could not accept.
            return envelope(request, 422, "validation_error", _detail(exc), headers=headers)
        return envelope(request, status, CODES.get(status, f"http_{status}"), _detail(exc))

    app.add_error_handler(ApiError, on_api_error)
    app.add_error_handler(ProblemException, on_http_exception)
    app.add_error_handler(HTTPException, on_http_exception)
    app.add_error_handler(Exception, on_exception)


async def on_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Last resort: 500 `internal`; the traceback goes to the log, never to the client."""
    if isinstance(exc, ApiError):
        return envelope(
            request, exc.status, exc.code, exc.message, fields=exc.fields, headers=exc.headers
        )
    rid = request_id_of(request.scope)
    if isinstance(exc, ClientDisconnect):
        # The client hung up before its request was read in full (a load generator stopping,
        # a closed tab): nothing ran and nobody reads this answer, so it is not a crash.
        log.info("request %s: the client disconnected before its request was read", rid)
        return envelope(request, 400, "bad_request", "The request was not received in full")
    log.error("request %s crashed", rid, exc_info=exc)
    return envelope(request, 500, "internal", f"Internal server error (request {rid})")
