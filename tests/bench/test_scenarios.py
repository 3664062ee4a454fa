"""CPU-per-request ratios of the bench scenarios: each server judged by its own rounds."""

from __future__ import annotations

from bench.measure import Stats
from bench.scenarios import cost_ratio, own_cpu_us
from bench.wrk import WrkResult


def _rounds(requests: int) -> list[WrkResult]:
    return [WrkResult(requests / 10, 1.0, 2.0, requests, 0, 0)]


def _two_servers() -> dict[str, Stats]:
    # Each variant loads its own server; the other server idles (a tick) in that variant's rounds.
    return {
        "cheap": Stats(_rounds(1000), [{"cheap": 2.0, "dear": 0.01}]),
        "dear": Stats(_rounds(500), [{"cheap": 0.01, "dear": 2.0}]),
    }


def test_own_cpu_is_the_loaded_servers_cpu_over_its_own_requests() -> None:
    """A variant's cost is its own server's CPU in its own rounds ÷ the requests it answered."""
    stats = _two_servers()
    assert own_cpu_us(stats, "cheap") == 2000.0
    assert own_cpu_us(stats, "dear") == 4000.0


def test_cost_ratio_is_the_cheap_servers_cpu_over_the_dear_ones() -> None:
    """Half the CPU per request reads as 0.5: the throughput ratio of two saturated cores."""
    assert cost_ratio(_two_servers(), "cheap", "dear") == 0.5


def test_cost_ratio_without_cpu_figures_is_none() -> None:
    """Rounds without CPU metering give no ratio instead of a made-up one."""
    stats = {"cheap": Stats(_rounds(10)), "dear": Stats(_rounds(10))}
    assert cost_ratio(stats, "cheap", "dear") is None
