"""Interleaved measurement: warm every variant, then rounds A, B, C, A, B, C… and medians.

Why interleave: the machine is shared and its speed drifts over minutes. Measuring all of A then
all of B would fold that drift into the A/B ratio; alternating rounds spreads it over both, and
the median of each variant's rounds drops the odd disturbed round.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.cpu import CpuMeter, spent
from bench.servers import Server
from bench.wrk import Load, Wrk, WrkResult


@dataclass(frozen=True)
class Variant:
    """One thing to measure: one or more (server, load) jobs driven at once by `wrk`."""

    name: str
    jobs: Sequence[tuple[Server, Load]]
    wrk: Wrk


@dataclass
class Stats:
    """All rounds of one variant, and their medians."""

    rounds: list[WrkResult] = field(default_factory=list)
    # CPU seconds per process group of each round, when the scenario meters CPU (`bench.cpu`).
    cpu_rounds: list[dict[str, float]] = field(default_factory=list)

    def cpu_us_per_request(self) -> dict[str, float]:
        """CPU µs per request of each process group, over all metered rounds."""
        requests = sum(r.requests for r in self.rounds)
        if not self.cpu_rounds or not requests:
            return {}
        groups = self.cpu_rounds[0].keys()
        return {
            group: round(1e6 * sum(r[group] for r in self.cpu_rounds) / requests, 1)
            for group in groups
        }

    @property
    def rps(self) -> float:
        return statistics.median(r.requests_per_sec for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.rounds)

    @property
    def non_2xx(self) -> int:
        return sum(r.non_2xx for r in self.rounds)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": {
                "rps": round(self.rps, 1),
                "p50_ms": round(self.p50_ms, 3),
                "p99_ms": round(self.p99_ms, 3),
            },
            "non_2xx": self.non_2xx,
            "rounds": [r.as_dict() for r in self.rounds],
            **({"cpu_us_per_request": self.cpu_us_per_request()} if self.cpu_rounds else {}),
        }


def combine(results: Sequence[WrkResult]) -> WrkResult:
    """Several concurrent wrk runs as one: throughputs add up; latencies are the worst."""
    if len(results) == 1:
        return results[0]
    return WrkResult(
        requests_per_sec=sum(r.requests_per_sec for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        non_2xx=sum(r.non_2xx for r in results),
        socket_errors=sum(r.socket_errors for r in results),
    )


def run_once(variant: Variant, seconds: float) -> WrkResult:
    if len(variant.jobs) == 1:
        server, load = variant.jobs[0]
        return variant.wrk.run(server.base_url, load, seconds)
    jobs = [(server.base_url, load) for server, load in variant.jobs]
    return combine(variant.wrk.run_parallel(jobs, seconds))


def interleave(
    scenario: str,
    variants: Sequence[Variant],
    *,
    rounds: int,
    seconds: float,
    warmup: float,
    cpu: CpuMeter | None = None,
) -> dict[str, Stats]:
    """Warm each variant once (discarded), then `rounds` interleaved measured rounds (with the
    CPU of each round metered when `cpu` is given)."""
    stats = {v.name: Stats() for v in variants}
    for variant in variants:
        run_once(variant, warmup)
    for round_no in range(1, rounds + 1):
        for variant in variants:
            before = cpu.snapshot() if cpu else None
            result = run_once(variant, seconds)
            after = cpu.snapshot() if cpu else None
            stats[variant.name].rounds.append(result)
            if before is not None and after is not None:
                stats[variant.name].cpu_rounds.append(spent(before, after))
            print(
                f"  {scenario:<26} round {round_no}/{rounds} {variant.name:<22} "
                f"{result.requests_per_sec:9.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
                f"p99 {result.p99_ms:7.2f} ms  non-2xx {result.non_2xx}",
                file=sys.stderr,
            )
    return stats
