"""The per-process fragment counts: probed once, capped, forgotten when old or least used."""

from __future__ import annotations

import pytest

from server.db import fragment_counts
from server.db.fragment_counts import COUNT_CAP, STATS_SECONDS, FragmentCounts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_count_is_probed_once_then_served_from_the_cache() -> None:
    """The second ask for a fragment does not run the probe again."""
    counts, probes = FragmentCounts(), []
    for _ in range(3):
        assert counts.count(("db", "t", "abc"), lambda: probes.append(1) or 7) == 7
    assert probes == [1]


def test_counts_are_capped() -> None:
    """A probe that reports more than COUNT_CAP rows is stored as COUNT_CAP ("common")."""
    assert FragmentCounts().count(("db", "t", "abc"), lambda: COUNT_CAP * 5) == COUNT_CAP


def test_an_old_count_is_taken_again() -> None:
    """After STATS_SECONDS the probe runs again and its new answer is kept."""
    clock = Clock()
    counts = FragmentCounts(clock)
    assert counts.count(("db", "t", "abc"), lambda: 1) == 1
    clock.now += STATS_SECONDS - 1
    assert counts.count(("db", "t", "abc"), lambda: 2) == 1
    clock.now += 2
    assert counts.count(("db", "t", "abc"), lambda: 2) == 2


def test_the_least_recently_used_fragment_is_forgotten_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_FRAGMENTS entries the one asked for longest ago goes; a recent ask keeps one."""
    monkeypatch.setattr(fragment_counts, "MAX_FRAGMENTS", 2)
    counts = FragmentCounts()
    counts.count(("db", "t", "a"), lambda: 1)
    counts.count(("db", "t", "b"), lambda: 1)
    counts.count(("db", "t", "a"), lambda: 1)  # "a" is now the most recent
    counts.count(("db", "t", "c"), lambda: 1)
    assert len(counts) == 2
    assert counts.count(("db", "t", "a"), lambda: 9) == 1
    assert counts.count(("db", "t", "b"), lambda: 9) == 9
