"""The rate limiter over real HTTP: a studio token's burst bucket empties into 429s."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.live_server import live_server_running
from tests.support.windows import start_early_in_window

STUDIO_BURST = 30  # requests per 10 s (design §8)
BURST_WINDOW_SECONDS = 10


def test_burst_beyond_the_bucket_is_429_with_retry_after(tmp_path: Path) -> None:
    """Past 30 requests in 10 s a studio token gets 429 rate_limited, Retry-After and headers."""
    with live_server_running(tmp_path) as live:
        headers = {"Authorization": f"Bearer {live.tokens['manager']}"}
        with httpx.Client(base_url=live.api_url, headers=headers, timeout=30.0) as http:
            start_early_in_window(BURST_WINDOW_SECONDS, needed_seconds=8.0)
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
