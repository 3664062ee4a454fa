"""Rate limits (design §8): fixed-window buckets per token and per client IP.

Where the checks happen, and why there:
- The token's buckets are consumed inside `server.http.auth.bearer_info`, after the 401 and 402
  checks, because the order of checks is 401 → 402 → 429 → 403.
- `RateLimitMiddleware` is the outermost user middleware. It assigns the request id, then stamps
  `X-RateLimit-*`, `RateLimit-Policy`, `RateLimit` and `X-Request-Id` on every response
  (404/405/401/429 included). When no token was accepted, it consumes the client IP's bucket;
  an empty IP bucket turns the 401 into a 429. The two halves meet through a `RateSlot` object
  stored in the ASGI scope.

Backends (`HOURSMITH_RATE_LIMIT_BACKEND`):
- `memory`: a dict under a lock — exact for one process (the SQLite deployment).
- `database`: one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` per request, windows
  computed from the database clock; PostgreSQL row locks serialise concurrent increments, so
  any number of processes together admit at most `limit` requests per window.
`HOURSMITH_RATE_LIMIT=off` never rejects but still sends the headers, with full remaining.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio.to_thread
from sqlalchemy import Engine, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.context import Runtime, bind_runtime
from server.db.session import retry_once_if_unreachable
from server.errors import assign_request_id, send_error

RATE_SLOT_KEY = "hoursmith.rate_slot"
EXEMPT_PREFIXES = ("/api/openapi.json", "/api-docs")


@dataclass(frozen=True)
class Window:
    name: str
    limit: int
    seconds: int


PLAN_WINDOWS: dict[str, tuple[Window, ...]] = {
    "studio": (Window("burst", 30, 10), Window("sustained", 600, 60)),
    "agency": (Window("burst", 60, 10), Window("sustained", 1200, 60)),
}
ANONYMOUS_WINDOWS = (Window("anonymous", 10, 60),)


@dataclass(frozen=True)
class BucketState:
    window: Window
    hits: int
    reset_at: float  # unix seconds when the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.window.limit - self.hits)

    @property
    def allowed(self) -> bool:
        return self.hits <= self.window.limit


@dataclass(frozen=True)
class Decision:
    """The outcome of one request against all of its buckets."""

    states: tuple[BucketState, ...]
    now: float

    @property
    def allowed(self) -> bool:
        return all(s.allowed for s in self.states)

    @property
    def retry_after(self) -> int:
        blocked = [s.reset_at for s in self.states if not s.allowed]
        return max(1, math.ceil(max(blocked) - self.now)) if blocked else 0

    def _binding(self) -> BucketState:
        blocked = [s for s in self.states if not s.allowed]
        if blocked:
            return max(blocked, key=lambda s: s.reset_at)
        return min(self.states, key=lambda s: (s.remaining, -s.window.seconds))

    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self._headers)

    @functools.cached_property
    def _headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """Built once per decision (both header middlewares and the 429 path read them)."""
        sustained = max(self.states, key=lambda s: s.window.seconds)
        binding = self._binding()
        policy = ", ".join(
            f'"{s.window.name}";q={s.window.limit};w={s.window.seconds}' for s in self.states
        )
        current = ", ".join(
            f'"{s.window.name}";r={s.remaining};t={max(0, math.ceil(s.reset_at - self.now))}'
            for s in self.states
        )
        out = [
            (b"x-ratelimit-limit", str(sustained.window.limit).encode()),
            (b"x-ratelimit-remaining", str(min(s.remaining for s in self.states)).encode()),
            (b"x-ratelimit-reset", str(math.ceil(binding.reset_at)).encode()),
            (b"ratelimit-policy", policy.encode()),
            (b"ratelimit", current.encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after).encode()))
        return tuple(out)

    @classmethod
    def unlimited(cls, windows: Sequence[Window], now: float) -> Decision:
        """Rate limiting off: full buckets, never blocking."""
        states = tuple(BucketState(w, 0, (now // w.seconds + 1) * w.seconds) for w in windows)
        return cls(states, now)


class Backend(Protocol):
    def hit(self, key: str, windows: Sequence[Window]) -> Decision: ...


class MemoryBackend:
    """Fixed windows in a dict: exact within one process; thread-safe."""

    def __init__(self, clock: Any = time.time) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[int, int]] = {}
        self._clock = clock
        self._last_sweep = 0.0

    def hit(self, key: str, windows: Sequence[Window]) -> Decision:
        now = float(self._clock())
        states = []
        with self._lock:
            for w in windows:
                start = int(now // w.seconds) * w.seconds
                name = f"{key}:{w.name}"
                seen_start, hits = self._buckets.get(name, (start, 0))
                hits = hits + 1 if seen_start == start else 1
                self._buckets[name] = (start, hits)
                states.append(BucketState(w, hits, start + w.seconds))
            if now - self._last_sweep > 300:
                self._sweep(now)
        return Decision(tuple(states), now)

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        stale = [k for k, (start, _) in self._buckets.items() if start < now - 3600]
        for k in stale:
            del self._buckets[k]


_UPSERT = """
INSERT INTO rate_limit_buckets (bucket, window_start, hits)
VALUES {rows}
ON CONFLICT (bucket) DO UPDATE SET
  hits = CASE WHEN excluded.window_start > rate_limit_buckets.window_start THEN 1
              ELSE rate_limit_buckets.hits + 1 END,
  window_start = CASE WHEN excluded.window_start > rate_limit_buckets.window_start
                      THEN excluded.window_start ELSE rate_limit_buckets.window_start END
RETURNING bucket, window_start, hits, {now} AS now
"""
_NOW = {
    "postgresql": "extract(epoch from statement_timestamp())::float8",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}
_WINDOW_START = {
    "postgresql": "(floor({now} / {w}) * {w})::bigint",
    "sqlite": "(CAST({now} / {w} AS INTEGER) * {w})",
}


class DatabaseBackend:
    """One upsert statement per request against `rate_limit_buckets`, on the database clock.

    A stale window start (a slower concurrent statement) never rewinds a newer window: it is
    counted against the newer one, which can only make the limiter stricter, never looser.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect.name
        if dialect not in _NOW:
            raise ValueError(f"no database rate-limit backend for {dialect}")
        self._dialect = dialect
        self._sql: dict[tuple[int, ...], Any] = {}

    def _statement(self, windows: Sequence[Window]) -> Any:
        shape = tuple(w.seconds for w in windows)
        if shape not in self._sql:
            now = _NOW[self._dialect]
            rows = ", ".join(
                f"(:b{i}, {_WINDOW_START[self._dialect].format(now=now, w=w.seconds)}, 1)"
                for i, w in enumerate(windows)
            )
            self._sql[shape] = text(_UPSERT.format(rows=rows, now=now))
        return self._sql[shape]

    def hit(self, key: str, windows: Sequence[Window]) -> Decision:
        params = {f"b{i}": f"{key}:{w.name}" for i, w in enumerate(windows)}

        def upsert() -> list[Any]:
            with self._engine.connect() as conn:
                found = list(conn.execute(self._statement(windows), params).all())
                conn.commit()
                return found

        rows = retry_once_if_unreachable(upsert)
        by_bucket = {row[0]: row for row in rows}
        now = float(rows[0][3])
        states = []
        for i, w in enumerate(windows):
            _, start, hits, _ = by_bucket[params[f"b{i}"]]
            states.append(BucketState(w, int(hits), float(start) + w.seconds))
        return Decision(tuple(states), now)

    def purge(self, older_than_seconds: int = 3600) -> int:
        now = _NOW[self._dialect]
        sql = text(f"DELETE FROM rate_limit_buckets WHERE window_start < {now} - :age")
        with self._engine.begin() as conn:
            return int(conn.execute(sql, {"age": older_than_seconds}).rowcount or 0)


class RateLimiter:
    """Chooses the backend from settings and applies the plan / anonymous windows."""

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.enabled = settings.rate_limit
        self.backend: Backend
        if settings.resolved_rate_limit_backend() == "database":
            self.backend = DatabaseBackend(runtime.engine)
        else:
            self.backend = MemoryBackend()
        self.blocking = isinstance(self.backend, DatabaseBackend)
        # PostgreSQL: the token's hit rides on the token lookup's statement (token_gate).
        self.gates_tokens = (
            self.enabled and self.blocking and runtime.engine.dialect.name == "postgresql"
        )

    def _hit(self, key: str, windows: Sequence[Window]) -> Decision:
        if not self.enabled:
            return Decision.unlimited(windows, time.time())
        return self.backend.hit(key, windows)

    def hit_token(self, token_id: str, plan: str) -> Decision:
        return self._hit(f"t:{token_id}", PLAN_WINDOWS.get(plan, PLAN_WINDOWS["studio"]))

    def hit_ip(self, ip: str) -> Decision:
        return self._hit(f"ip:{ip}", ANONYMOUS_WINDOWS)

    async def ahit_token(self, token_id: str, plan: str) -> Decision:
        if self.blocking and self.enabled:
            return await anyio.to_thread.run_sync(self.hit_token, token_id, plan)
        return self.hit_token(token_id, plan)

    async def ahit_ip(self, ip: str) -> Decision:
        if self.blocking and self.enabled:
            return await anyio.to_thread.run_sync(self.hit_ip, ip)
        return self.hit_ip(ip)


def limiter_of(runtime: Runtime) -> RateLimiter:
    return runtime.shared("ratelimiter", RateLimiter, RateLimiter)


class RateSlot:
    """Carries the token bucket decision from `bearer_info` to the header middleware."""

    __slots__ = ("decision",)

    def __init__(self) -> None:
        self.decision: Decision | None = None


def slot_of(scope: Scope) -> RateSlot | None:
    slot = scope.get(RATE_SLOT_KEY)
    return slot if isinstance(slot, RateSlot) else None


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _merge(
    headers: Iterable[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    names = {name for name, _ in extra}
    return [(n, v) for n, v in headers if n.lower() not in names] + extra


class RateLimitMiddleware:
    """Outermost user middleware: request id, runtime binding, rate-limit headers, IP bucket."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.limiter = limiter_of(runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = assign_request_id(scope)
        bind_runtime(self.runtime)
        slot = RateSlot()
        scope[RATE_SLOT_KEY] = slot
        exempt = scope.get("path", "").startswith(EXEMPT_PREFIXES)
        swallow = False

        async def send_wrapper(message: Message) -> None:
            nonlocal swallow
            if swallow:
                return
            if message["type"] == "http.response.start":
                extra = [(b"x-request-id", request_id.encode())]
                decision = slot.decision
                if decision is None and message["status"] == 503:
                    # The database (which holds the buckets) was unreachable: nothing counted.
                    decision = Decision.unlimited(ANONYMOUS_WINDOWS, time.time())
                elif decision is None and not exempt:
                    decision = await self.limiter.ahit_ip(_client_ip(scope))
                    if not decision.allowed and message["status"] == 401:
                        swallow = True
                        await send_error(
                            scope,
                            send,
                            status=429,
                            code="rate_limited",
                            message="Too many unauthenticated requests from this address",
                            headers={k.decode(): v.decode() for k, v in decision.headers()},
                        )
                        return
                if decision is not None:
                    extra += decision.headers()
                message = {**message, "headers": _merge(message.get("headers", []), extra)}
            await send(message)

        await self.app(scope, receive, send_wrapper)


class DecisionHeadersMiddleware:
    """Inside response validation: put the token decision's rate-limit headers on the response.

    The document makes X-RateLimit-* required on every response, and connexion's response
    validation checks required headers; it runs inside `RateLimitMiddleware`, which adds them
    only on the way out. Adding the same headers here (the outer middleware overwrites them with
    equal values) lets validated responses conform. Requests rejected before the security check
    never reach response validation, so they need nothing here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slot = slot_of(scope) if scope["type"] == "http" else None
        if slot is None:
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and slot.decision is not None:
                headers = _merge(message.get("headers", []), slot.decision.headers())
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)
