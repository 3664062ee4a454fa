"""The rate limiter over real HTTP: a studio token's burst bucket empties into 429s."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.live_server import live_server_running

STUDIO_BURST = 30  # requests per 10 s (design §8)
BURST_WINDOW_SECONDS = 10


def _wait_for_a_fresh_window() -> None:
    """Windows are aligned to multiples of 10 s: start early in one so the burst fits inside."""
    into_window = time.time() % BURST_WINDOW_SECONDS
    if into_window > 3:
        time.sleep(BURST_WINDOW_SECONDS - into_window + 0.2)


def test_burst_beyond_the_bucket_is_429_with_retry_after(tmp_path: Path) -> None:
    """Past 30 requests in 10 s a studio token gets 429 rate_limited, Retry-After and headers."""
    with live_server_running(tmp_path) as live:
        headers = {"Authorization": f"Bearer {live.tokens['manager']}"}
        with httpx.Client(base_url=live.api_url, headers=headers, timeout=30.0) as http:
            _wait_for_a_fresh_window()
            responses = [http.get("/organization") for _ in range(STUDIO_BURST + 5)]
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == STUDIO_BURST
    assert statuses[STUDIO_BURST:] == [429] * 5
    limited = responses[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Limit"] == "600"
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in responses[:STUDIO_BURST]]
    assert remaining == sorted(remaining, reverse=True)
