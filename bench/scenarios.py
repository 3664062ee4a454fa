"""The scenarios: what is compared with what, and the figure each one yields.

Every scenario interleaves its variants (see `measure`) and reduces them to one or more figures
(ratios, microseconds). The load is always the documented call a client makes: the first page of
`GET /api/v1/time-entries?limit=50` with a Bearer token, or an idempotent `POST`.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.config import LIST_PATH, BenchConfig
from bench.cpu import POSTGRESQL, WRK, CpuMeter
from bench.measure import Stats, Variant, interleave
from bench.seed import SeedInfo
from bench.servers import Server
from bench.wrk import Load, Wrk


@dataclass
class ScenarioResult:
    name: str
    description: str
    variants: dict[str, Stats]
    figures: dict[str, float | None]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "figures": self.figures,
            "notes": self.notes,
            "variants": {name: stats.as_dict() for name, stats in self.variants.items()},
        }


@dataclass
class Bench:
    """What scenarios need: sizes, seeded tokens, and the two ways of running wrk."""

    cfg: BenchConfig
    info: SeedInfo
    wrk: Wrk  # pinned to the load core, all connections
    wrk_split: Wrk  # unpinned, half the connections: for two wrk processes at once

    def measure(
        self, scenario: str, variants: Sequence[Variant], cpu: CpuMeter | None = None
    ) -> dict[str, Stats]:
        return interleave(
            scenario,
            variants,
            rounds=self.cfg.rounds,
            seconds=self.cfg.round_seconds,
            warmup=self.cfg.warmup_seconds,
            cpu=cpu,
        )

    def first_page(self, *, pool: bool = False) -> Load:
        tokens = self.info.pool_tokens if pool else [self.info.token]
        return Load("GET", f"{LIST_PATH}?limit={self.cfg.page_limit}", tokens)

    def page_after(self, cursor: str) -> Load:
        query = urllib.parse.urlencode({"limit": self.cfg.page_limit, "cursor": cursor})
        return Load("GET", f"{LIST_PATH}?{query}", [self.info.token])

    def create(self, *, pool: bool = False) -> Load:
        tokens = self.info.pool_tokens if pool else [self.info.token]
        body = {
            "projectId": self.info.project_ids[0],
            "entryDate": "2026-10-30",
            "durationSeconds": 5400,
            "note": "Bench: idempotent create",
        }
        return Load("POST", LIST_PATH, tokens, json.dumps(body))


def _ratio(a: float | None, b: float | None) -> float | None:
    """a ÷ b to three places; None when either figure is missing (or b is zero)."""
    return round(a / b, 3) if a is not None and b else None


def _overhead_us(on: Stats, off: Stats) -> float | None:
    """Extra server time per request: 1/throughput is the per-request cost on a busy core."""
    if not on.rps or not off.rps:
        return None
    return round(1e6 / on.rps - 1e6 / off.rps, 1)


def own_cpu_us(stats: dict[str, Stats], variant: str) -> float | None:
    """CPU µs per request of the server named like `variant`, over that variant's own rounds
    (the scenario's CpuMeter names each server after the variant that loads it)."""
    return stats[variant].cpu_us_per_request().get(variant)


def cost_ratio(stats: dict[str, Stats], cheap: str, dear: str) -> float | None:
    """CPU per request of `cheap` ÷ that of `dear`: the throughput ratio of two servers that
    each saturate the one core they are pinned to, minus what other processes on that core took
    from either (which swings a measured req/s ratio by ±0.1 on a shared machine)."""
    return _ratio(own_cpu_us(stats, cheap), own_cpu_us(stats, dear))


def list_vs_fastapi(
    bench: Bench, ours: Server, fastapi: Server, starlette: Server
) -> ScenarioResult:
    load = bench.first_page()
    stats = bench.measure(
        "list_vs_fastapi",
        [
            Variant("hoursmith", [(ours, load)], bench.wrk),
            Variant("fastapi_twin", [(fastapi, load)], bench.wrk),
            Variant("starlette_twin", [(starlette, load)], bench.wrk),
        ],
        cpu=CpuMeter(
            {"hoursmith": ours.pid, "fastapi_twin": fastapi.pid, "starlette_twin": starlette.pid}
        ),
    )
    return ScenarioResult(
        "list_vs_fastapi",
        "First page (limit 50) of time entries: our server (connexion; auth, request "
        "validation, rate limiting off) vs the same endpoint on FastAPI + response_model and "
        "on bare Starlette. The goal figure is the twin's server CPU per request ÷ ours (each "
        "server saturates its pinned core, so this is the throughput ratio without the time "
        "other processes take from that core); the *_rps_ratio figures are the measured "
        "throughput ratios, for information.",
        stats,
        {
            "list_vs_fastapi": cost_ratio(stats, "fastapi_twin", "hoursmith"),
            "list_vs_starlette": cost_ratio(stats, "starlette_twin", "hoursmith"),
            "list_vs_fastapi_rps_ratio": _ratio(stats["hoursmith"].rps, stats["fastapi_twin"].rps),
            "list_vs_starlette_rps_ratio": _ratio(
                stats["hoursmith"].rps, stats["starlette_twin"].rps
            ),
            "list_cpu_us_per_request": own_cpu_us(stats, "hoursmith"),
        },
    )


def find_deep_cursor(bench: Bench, server: Server) -> tuple[str, int]:
    """Walk the list once (limit 200) to a cursor about `time_entries - 100` rows deep."""
    target = bench.info.time_entries - 2 * bench.cfg.page_limit
    cursor: str | None = None
    depth = 0
    headers = {"Authorization": f"Bearer {bench.info.token}"}
    while depth + 200 <= target:
        query = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        url = f"{server.base_url}{LIST_PATH}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            page = json.load(response)
        depth += len(page["data"])
        cursor = page["pagination"]["nextCursor"]
        if cursor is None:
            break
    if cursor is None:
        raise RuntimeError("the list ended before the target depth")
    return cursor, depth


def depth_ratio(bench: Bench, ours: Server) -> ScenarioResult:
    cursor, depth = find_deep_cursor(bench, ours)
    stats = bench.measure(
        "depth_ratio",
        [
            Variant("first_page", [(ours, bench.first_page())], bench.wrk),
            Variant(f"page_at_{depth}", [(ours, bench.page_after(cursor))], bench.wrk),
        ],
    )
    deep = stats[f"page_at_{depth}"]
    return ScenarioResult(
        "depth_ratio",
        f"p50 of a page {depth:,} rows deep (reached by walking nextCursor once) / p50 of the "
        "first page: keyset pagination should not slow down with depth.",
        stats,
        {"depth_ratio": _ratio(deep.p50_ms, stats["first_page"].p50_ms), "depth_rows": depth},
    )


def response_validation(bench: Bench, ours: Server, validating: Server) -> ScenarioResult:
    load = bench.first_page()
    stats = bench.measure(
        "response_validation_ratio",
        [
            Variant("validate_off", [(ours, load)], bench.wrk),
            Variant("validate_on", [(validating, load)], bench.wrk),
        ],
        cpu=CpuMeter({"validate_off": ours.pid, "validate_on": validating.pid}),
    )
    return ScenarioResult(
        "response_validation_ratio",
        "HOURSMITH_VALIDATE_RESPONSES=on vs off (list, first page). The goal figure is the "
        "server's CPU per request off ÷ on (the throughput ratio of a saturated core, without "
        "the time other processes take from it); response_validation_rps_ratio is the measured "
        "throughput ratio on ÷ off, for information.",
        stats,
        {
            "response_validation_ratio": cost_ratio(stats, "validate_off", "validate_on"),
            "response_validation_rps_ratio": _ratio(
                stats["validate_on"].rps, stats["validate_off"].rps
            ),
        },
    )


def post_vs_get(bench: Bench, ours: Server, *, backend: str) -> ScenarioResult:
    name = "post_vs_get" if backend == "sqlite" else f"post_vs_get_{backend}"
    stats = bench.measure(
        name,
        [
            Variant("get_list", [(ours, bench.first_page())], bench.wrk),
            Variant("post_create", [(ours, bench.create())], bench.wrk),
        ],
    )
    return ScenarioResult(
        name,
        f"Idempotent POST /time-entries (unique Idempotency-Key each) / list throughput, "
        f"on {backend}, rate limiting off.",
        stats,
        {name: _ratio(stats["post_create"].rps, stats["get_list"].rps)},
    )


def rate_limit_overhead(bench: Bench, off: Server, on: Server, *, backend: str) -> ScenarioResult:
    """Limiter cost with a pool of tokens, so every request is admitted (no cheap 429s)."""
    name = f"rate_limit_overhead_{backend}"
    get, post = bench.first_page(pool=True), bench.create(pool=True)
    stats = bench.measure(
        name,
        [
            Variant("get_limit_off", [(off, get)], bench.wrk),
            Variant("get_limit_on", [(on, get)], bench.wrk),
            Variant("post_limit_off", [(off, post)], bench.wrk),
            Variant("post_limit_on", [(on, post)], bench.wrk),
        ],
    )
    notes = []
    if stats["get_limit_on"].non_2xx or stats["post_limit_on"].non_2xx:
        notes.append("some limited requests were refused (429): the token pool was too small")
    return ScenarioResult(
        name,
        f"Rate limiting on vs off on {backend}, {len(bench.info.pool_tokens)} tokens rotated so "
        "each stays inside its agency budget; overhead = 1e6/rps_on - 1e6/rps_off (µs/request). "
        "Every POST also pays idempotency (claim + stored response), which has no off switch: "
        "see post_vs_get for its cost relative to a read.",
        stats,
        {
            f"rate_limit_get_overhead_us_{backend}": _overhead_us(
                stats["get_limit_on"], stats["get_limit_off"]
            ),
            f"rate_limit_post_overhead_us_{backend}": _overhead_us(
                stats["post_limit_on"], stats["post_limit_off"]
            ),
            f"rate_limit_get_ratio_{backend}": _ratio(
                stats["get_limit_on"].rps, stats["get_limit_off"].rps
            ),
        },
        notes,
    )


def pg_scaling(
    bench: Bench, first: Server, second: Server, postmaster: int | None = None
) -> ScenarioResult:
    half = bench.first_page()
    meter = CpuMeter({"server_1": first.pid, "server_2": second.pid}, postmaster)
    stats = bench.measure(
        "pg_scaling",
        [
            Variant("one_process", [(first, half), (first, half)], bench.wrk_split),
            Variant("two_processes", [(first, half), (second, half)], bench.wrk_split),
        ],
        cpu=meter,
    )
    one, two = stats["one_process"], stats["two_processes"]
    figures: dict[str, float | None] = {"pg_scaling": _ratio(two.rps, one.rps)}
    for variant, group_us in (("one", one.cpu_us_per_request()), ("two", two.cpu_us_per_request())):
        servers = sum(us for group, us in group_us.items() if group.startswith("server_"))
        if group_us:
            figures[f"pg_{variant}_process_cpu_us_per_request_servers"] = round(servers, 1)
            figures[f"pg_{variant}_process_cpu_us_per_request_postgresql"] = group_us[POSTGRESQL]
            figures[f"pg_{variant}_process_cpu_us_per_request_wrk"] = group_us[WRK]
    servers_one = figures.get("pg_one_process_cpu_us_per_request_servers")
    servers_two = figures.get("pg_two_process_cpu_us_per_request_servers")
    database_one = figures.get("pg_one_process_cpu_us_per_request_postgresql")
    if servers_one and servers_two is not None:
        figures["pg_server_cpu_ratio"] = _ratio(servers_two, servers_one)
    if servers_one and database_one is not None:
        figures["pg_cpu_share"] = _ratio(database_one, servers_one)
    return ScenarioResult(
        "pg_scaling",
        "List throughput of two server processes (pinned to cores 0 and 1) sharing one "
        "PostgreSQL / one process (core 0). Both variants use the same two unpinned wrk "
        f"processes ({bench.wrk_split.connections} connections each); on a 2-core machine wrk "
        "and PostgreSQL share the cores with the servers, so 2.0 is out of reach by design. "
        "CPU µs per request of each process group (servers, PostgreSQL, wrk) are metered from "
        "/proc in every round: with two processes every core is busy, so the ratio is about "
        "2 × servers(one) ÷ (servers(two) + postgresql + wrk). The goals are therefore on CPU: "
        "pg_server_cpu_ratio = servers' CPU per request with two processes ÷ one (contention "
        "cost), pg_cpu_share = PostgreSQL's CPU per request ÷ the server's (one process).",
        stats,
        figures,
    )
