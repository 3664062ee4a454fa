"""The retry schedule: the product's delays, scaled, with bounded jitter, then no more."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from server.webhooks.config import DEFAULT_SCHEDULE, WebhookSettings
from server.webhooks.schedule import next_attempt_at, retry_delay


def test_default_schedule_is_the_products() -> None:
    """5 s, 1 min, 5 min, 30 min, 2 h, 6 h, 24 h: eight attempts in all."""
    settings = WebhookSettings()
    assert settings.schedule == (5, 60, 300, 1800, 7200, 21600, 86400) == DEFAULT_SCHEDULE
    assert settings.attempts == 8
    assert settings.timeout_seconds == 10


def test_delays_follow_the_schedule_within_the_jitter() -> None:
    """Each delay stays within ±jitter of its scheduled value."""
    settings = WebhookSettings(jitter=0.1)
    rng = random.Random(7)
    for made, base in enumerate(DEFAULT_SCHEDULE, start=1):
        for _ in range(50):
            delay = retry_delay(settings, made, rng)
            assert delay is not None
            assert base * 0.9 <= delay <= base * 1.1


def test_jitter_spreads_retries() -> None:
    """Two deliveries failing together do not retry at the same instant."""
    settings = WebhookSettings(jitter=0.1)
    assert len({retry_delay(settings, 1) for _ in range(20)}) > 1


def test_scale_shrinks_the_real_schedule() -> None:
    """A scale of 0.001 turns 24 h into 86.4 s, keeping the shape."""
    settings = WebhookSettings(schedule_scale=0.001, jitter=0)
    assert retry_delay(settings, 7) == 86.4
    assert retry_delay(settings, 1) == 0.005


def test_no_retry_after_the_last_attempt() -> None:
    """After the eighth failed attempt there is no next one."""
    settings = WebhookSettings()
    now = datetime(2026, 1, 1)
    assert next_attempt_at(settings, 8, now) is None
    later = next_attempt_at(WebhookSettings(jitter=0), 1, now)
    assert later == now + timedelta(seconds=5)
