"""`create_app()`: the connexion AsyncApp with the request path of ARCHITECTURE.md.

    ServerErrorMiddleware (our 500 envelope: safety net, P6)
    → RateLimitMiddleware (request id, X-RateLimit-*/RateLimit-*, per-IP bucket)
    → ExceptionMiddleware (ApiError / ProblemException / HTTPException → envelope)
    → StaticPathMethodMiddleware (405 for a method a static path lacks: D3)
    → Routing → Security (bearer_info: 401 → 402 → 429)
    → IdempotencyMiddleware (POST: 422 key, 400 malformed JSON, claim → replay / 409)
    → RequestValidation (422/400)
    → ResponseValidation (Rust validator, per-status lookups cached, when `validate_responses`)
    → RequestTransactionMiddleware (session per request; stores the 2xx of a claimed key)
    → Context → handler

The engine and session factory are built here (never at import time) and disposed when the
lifespan ends; run uvicorn with `--lifespan on` so a broken spec or resolver fails startup (P14).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import connexion
import yaml
from connexion.middleware import MiddlewarePosition
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver

from server import errors
from server.context import Runtime
from server.db.session import make_engine, session_factory
from server.db.write_gate import gate_of
from server.http import docs, fastpath, unavailable
from server.http.idempotency import IdempotencyMiddleware, keyed_operations
from server.http.jsonbody import JSONIFIER
from server.http.query_aliases import AliasURIParser
from server.http.ratelimit import DecisionHeadersMiddleware, RateLimitMiddleware
from server.http.request_validation import VALIDATORS
from server.http.response_validation import CachedResponseValidationMiddleware
from server.http.static_paths import StaticPathMethodMiddleware, static_methods_from_spec
from server.http.transaction import RequestTransactionMiddleware
from server.settings import REPO_ROOT, Settings
from server.webhooks.config import WebhookSettings
from server.webhooks.worker import Worker

GENERATED_SPEC = Path(__file__).resolve().parent.parent / "generated" / "openapi_30.yaml"
SOURCE_SPEC = REPO_ROOT / "openapi" / "api-v1.yaml"
_RUNTIME_ATTR = "hoursmith_runtime"


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    return loaded


def base_path_of(spec: Mapping[str, Any]) -> str:
    """The path of the first server URL, as connexion uses it (`/api/v1`)."""
    servers = spec.get("servers") or [{"url": ""}]
    return urlparse(str(servers[0].get("url", ""))).path.rstrip("/")


def make_resolver(operations: Mapping[str, Any]) -> Resolver:
    """operationId → handler through the generated table (ValueError, not KeyError: P15)."""

    def resolve(operation_id: str) -> Callable[..., Any]:
        try:
            entry = operations[operation_id]
        except KeyError:
            raise ValueError(f"unknown operationId {operation_id}") from None
        module, function = entry[0], entry[1]
        return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]

    return Resolver(function_resolver=resolve)


def _default_operations() -> Mapping[str, Any]:
    from server.generated.routes import OPERATIONS  # noqa: PLC0415 (generated after checkout)

    table: Mapping[str, Any] = OPERATIONS
    return table


def runtime_of(app: connexion.AsyncApp) -> Runtime:
    """The Runtime (settings, engine, sessions) of an app built by `create_app`."""
    runtime = getattr(app, _RUNTIME_ATTR)
    assert isinstance(runtime, Runtime)
    return runtime


@asynccontextmanager
async def webhook_worker(runtime: Runtime) -> AsyncIterator[None]:
    """The delivery worker inside the server process (`hoursmith serve`; `--no-worker` or
    `HOURSMITH_WEBHOOK_WORKER=off` turns it off). Its SQLite writes take turns with the
    requests' on the process's write gate; it stops gracefully with the app."""
    settings = WebhookSettings()
    if not settings.worker:
        yield
        return
    worker = Worker(runtime.sessions, settings, write_lock=lambda: gate_of(runtime))
    task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        worker.stop()
        await task


def create_app(
    settings: Settings | None = None,
    *,
    spec: dict[str, Any] | None = None,
    operations: Mapping[str, Any] | None = None,
    spec_31: dict[str, Any] | None = None,
) -> connexion.AsyncApp:
    """Build the app; `spec`/`operations`/`spec_31` override the generated files (tests)."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        cursor_key=settings.resolved_secret_key(),
    )
    spec = spec if spec is not None else load_yaml(GENERATED_SPEC)
    operations = operations if operations is not None else _default_operations()

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        try:
            async with webhook_worker(runtime):
                yield
        finally:
            engine.dispose()

    middlewares = [
        functools.partial(ServerErrorMiddleware, handler=errors.on_exception),
        *[
            CachedResponseValidationMiddleware if m is ResponseValidationMiddleware else m
            for m in ConnexionMiddleware.default_middlewares[1:]
        ],
    ]
    app = connexion.AsyncApp(__name__, middlewares=middlewares, lifespan=lifespan)
    setattr(app, _RUNTIME_ATTR, runtime)
    fastpath.install(app)  # per-operation decoration built once (server/http/fastpath.py)
    app.add_api(
        spec,
        resolver=make_resolver(operations),
        pythonic_params=True,
        strict_validation=True,
        uri_parser_class=AliasURIParser,  # documented query aliases (server/http/query_aliases.py)
        validate_responses=settings.validate_responses,
        validator_map=VALIDATORS,
        security_map=fastpath.SECURITY_MAP,
        jsonifier=JSONIFIER,  # orjson bodies (server/http/jsonbody.py)
        swagger_ui_options=SwaggerUIOptions(serve_spec=False, swagger_ui=False),
    )
    errors.install(app, errors.AllowIndex.from_spec(spec, base_path_of(spec)))
    unavailable.install(app)  # an unreachable database is 503, not 500
    # 404/405 come first (design §4): a static path never falls through to a templated route.
    app.add_middleware(
        StaticPathMethodMiddleware,
        position=MiddlewarePosition.BEFORE_ROUTING,
        methods=static_methods_from_spec(spec, base_path_of(spec)),
    )
    app.add_middleware(
        RateLimitMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=runtime
    )
    # After security, before request validation (design §4: replay/409 before 422, D9).
    app.add_middleware(
        IdempotencyMiddleware,
        position=MiddlewarePosition.BEFORE_VALIDATION,
        runtime=runtime,
        keyed=keyed_operations(spec),
    )
    # Inside response validation, so it sees the required X-RateLimit-* headers. Without
    # response validation nothing reads them there: RateLimitMiddleware adds the same ones.
    if settings.validate_responses:
        app.add_middleware(DecisionHeadersMiddleware, position=MiddlewarePosition.BEFORE_CONTEXT)
    app.add_middleware(
        RequestTransactionMiddleware, position=MiddlewarePosition.BEFORE_CONTEXT, runtime=runtime
    )
    _install_docs(app, settings, spec_31)
    return app


def _install_docs(
    app: connexion.AsyncApp, settings: Settings, spec_31: dict[str, Any] | None
) -> None:
    """`/api/openapi.json` and `/api-docs` (server/http/docs.py) from the 3.1 source document."""
    docs.install(app, settings, spec_31 if spec_31 is not None else load_yaml(SOURCE_SPEC))
