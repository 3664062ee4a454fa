"""Fixed rate-limit windows are aligned to multiples of their length (Unix time)."""

from __future__ import annotations

import time


def start_early_in_window(window_seconds: int, needed_seconds: float = 6.0) -> None:
    """Sleep into the next window when fewer than `needed_seconds` remain in the current one.

    A burst that straddles a window boundary is counted in two windows; tests that count a burst
    against one window start it early in a window so it fits, however slow the machine is.
    """
    remaining = window_seconds - time.time() % window_seconds
    if remaining < needed_seconds:
        time.sleep(remaining + 0.05)
