"""When a failed delivery is tried again: the schedule's delay, scaled, with jitter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from server.webhooks.config import WebhookSettings


def retry_delay(
    settings: WebhookSettings, attempts_made: int, rng: random.Random | None = None
) -> float | None:
    """Seconds until the next try after `attempts_made` failed ones; None when none is left."""
    if attempts_made < 1 or attempts_made > len(settings.schedule):
        return None
    base = settings.schedule[attempts_made - 1] * settings.schedule_scale
    spread = (rng or random).uniform(-settings.jitter, settings.jitter)
    return max(0.0, base * (1.0 + spread))


def next_attempt_at(
    settings: WebhookSettings, attempts_made: int, now: datetime, rng: random.Random | None = None
) -> datetime | None:
    """The instant of the next try, or None when the delivery has used its attempts."""
    delay = retry_delay(settings, attempts_made, rng)
    return None if delay is None else now + timedelta(seconds=delay)
