"""Rate limits: per-token buckets by plan, the per-IP bucket, headers on every response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_mock_engine

from server.db.base import Base
from server.db.session import make_engine
from server.http.ratelimit import (
    ANONYMOUS_WINDOWS,
    PLAN_WINDOWS,
    DatabaseBackend,
    Decision,
    MemoryBackend,
    Window,
)
from tests.support.infra_app import build, client_for, make_settings, seed
from tests.support.windows import start_early_in_window

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


class Clock:
    """A settable clock for the memory backend."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_memory_backend_counts_fixed_windows() -> None:
    """The 4th hit of a 3-per-10s window is refused until the window rolls over."""
    clock = Clock(1000.0)
    backend = MemoryBackend(clock)
    windows = (Window("w", 3, 10),)
    assert [backend.hit("k", windows).allowed for _ in range(4)] == [True, True, True, False]
    refused = backend.hit("k", windows)
    assert refused.retry_after == 10
    clock.now = 1010.0
    assert backend.hit("k", windows).allowed


def test_decision_headers_report_the_binding_bucket() -> None:
    """Limit is the sustained budget; remaining is the smallest; 429 adds Retry-After."""
    clock = Clock(1005.0)
    backend = MemoryBackend(clock)
    windows = PLAN_WINDOWS["studio"]
    decision = Decision((), 0)
    for _ in range(31):
        decision = backend.hit("t", windows)
    headers = dict(decision.headers())
    assert headers[b"x-ratelimit-limit"] == b"600"
    assert headers[b"x-ratelimit-remaining"] == b"0"
    assert headers[b"x-ratelimit-reset"] == b"1010"
    assert headers[b"retry-after"] == b"5"
    assert headers[b"ratelimit-policy"] == b'"burst";q=30;w=10, "sustained";q=600;w=60'
    assert headers[b"ratelimit"].startswith(b'"burst";r=0;t=5')


def test_database_backend_on_sqlite_is_exact(tmp_path: Path) -> None:
    """The upsert backend admits exactly the limit per window."""
    engine = make_engine(f"sqlite:///{tmp_path / 'rl.db'}")
    Base.metadata.create_all(engine)
    backend = DatabaseBackend(engine)
    results = [backend.hit("k", ANONYMOUS_WINDOWS) for _ in range(12)]
    assert sum(r.allowed for r in results) == 10
    assert results[-1].states[0].hits == 12
    engine.dispose()


def test_database_backend_rejects_unknown_dialects() -> None:
    """Only SQLite and PostgreSQL have an upsert statement."""
    with pytest.raises(ValueError, match="no database rate-limit backend"):
        DatabaseBackend(create_mock_engine("mysql://", executor=print))


@pytest.mark.parametrize(("plan", "burst"), [("studio", 30), ("agency", 60)])
def test_token_burst_then_429(tmp_path: Path, plan: str, burst: int) -> None:
    """The request after the burst is 429 with Retry-After, the envelope and the headers."""
    app = build(make_settings(tmp_path))
    token = seed(app, plan=plan)
    with client_for(app) as client:
        start_early_in_window(PLAN_WINDOWS[plan][0].seconds, needed_seconds=8.0)
        statuses = [
            client.get("/api/v1/widgets", headers=token.auth).status_code for _ in range(burst)
        ]
        assert set(statuses) == {200}
        refused = client.get("/api/v1/widgets", headers=token.auth)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == str(PLAN_WINDOWS[plan][1].limit)


def test_headers_on_error_responses(tmp_path: Path) -> None:
    """404, 405 and 401 carry the rate-limit headers too."""
    app = build(make_settings(tmp_path))
    token = seed(app)
    with client_for(app) as client:
        for response in (
            client.get("/api/v1/nope"),
            client.put("/api/v1/widgets", headers=token.auth),
            client.get("/api/v1/widgets"),
            client.get("/api/v1/widgets/none", headers=token.auth),
        ):
            assert all(h in response.headers for h in RATE_HEADERS), response.status_code
            assert "ratelimit-policy" in response.headers


def test_anonymous_requests_are_limited_per_ip(tmp_path: Path) -> None:
    """After 10 requests without a valid token, the 401 becomes a 429."""
    app = build(make_settings(tmp_path))
    with client_for(app) as client:
        start_early_in_window(ANONYMOUS_WINDOWS[0].seconds)
        statuses = [client.get("/api/v1/widgets").status_code for _ in range(10)]
        refused = client.get("/api/v1/widgets", headers={"Authorization": "Bearer bad"})
    assert statuses == [401] * 10
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-limit"] == "10"
    assert "retry-after" in refused.headers


def test_disabled_never_rejects_but_reports(tmp_path: Path) -> None:
    """HOURSMITH_RATE_LIMIT=off sends full-bucket headers and never answers 429."""
    app = build(make_settings(tmp_path, rate_limit=False))
    token = seed(app)
    with client_for(app) as client:
        responses = [client.get("/api/v1/widgets", headers=token.auth) for _ in range(40)]
    assert {r.status_code for r in responses} == {200}
    assert responses[-1].headers["x-ratelimit-remaining"] == "30"  # the full burst bucket
    assert responses[-1].headers["ratelimit"].startswith('"burst";r=30;')
    assert '"sustained";r=600;' in responses[-1].headers["ratelimit"]


@pytest.mark.postgres
def test_database_backend_on_postgres_counts_across_engines(pg_url: str) -> None:
    """Two engines (as two processes would) share one exact bucket on PostgreSQL."""
    first, second = make_engine(pg_url), make_engine(pg_url)
    Base.metadata.create_all(first)
    a, b = DatabaseBackend(first), DatabaseBackend(second)
    window: Any = (Window("w", 15, 60),)
    results = [(a if i % 2 else b).hit("shared", window) for i in range(20)]
    assert sum(r.allowed for r in results) == 15
    first.dispose()
    second.dispose()
