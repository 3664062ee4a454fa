"""`make bench-scale`: does a first page cost at 1,000,000 time entries what it costs at 100,000?

For SQLite and PostgreSQL alike, two servers run side by side (core 0): one on the 100,000-entry
seed of `make bench`, one on a 1,000,000-entry seed of the same workspace in which a tenth of the
notes name a ticket (so searching one ticket is selective). From core 1, one keep-alive client
times single requests (no concurrency: the figure is the request's own latency, not a queue),
interleaving every query round after round so a shared machine's drift spreads over all of them.

Figures: the p50 of each query at 1M and `growth_ratio_<db>_<query>` = that p50 ÷ the p50 of the
default first page at 100k on the same database in the same run (goal ≤ 1.5). Queries marked
"information" have no goal (see `QUERIES`). The result is the `scale` section of
`bench/results/latest.json` (`make bench` keeps it) and `bench/results/latest-scale.md`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import pg
from bench.config import DATA_DIR, LIST_PATH, BenchConfig
from bench.report import GROWTH_GOAL
from bench.runner import server_env
from bench.seed import SeedInfo, cached_sqlite, seed_database, seed_key
from bench.seed_rows import ANCHOR, ticket_ref
from bench.servers import REAL_APP, Server

SCALE_ENTRIES = 1_000_000
TICKET_SHARE = 0.1
DEPTH = 500_000
WARMUP, ROUNDS, PER_ROUND = 10, 8, 15
CLIENT_CORE = 1
DATABASES = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True)
class Query:
    name: str
    params: Mapping[str, str]
    goal: bool = True  # False: reported for information, no growth goal


def scale_config() -> BenchConfig:
    return dataclasses.replace(
        BenchConfig.make(quick=False),
        time_entries=SCALE_ENTRIES,
        pool_tokens=0,
        ticket_share=TICKET_SHARE,
    )


def queries(info: SeedInfo, deep_cursor: str) -> list[Query]:
    """The first pages integrations ask for, each in the sort its index serves."""
    month_from = (ANCHOR - timedelta(days=365)).date()
    month_to = month_from + timedelta(days=30)
    synced_to = (ANCHOR - timedelta(days=400)).date().isoformat()
    entry_dates = {"entryDateFrom": month_from.isoformat(), "entryDateTo": month_to.isoformat()}
    return [
        Query("default", {}),
        Query("project_id", {"projectId": info.project_ids[0]}),
        Query("user_id", {"userId": info.owner_user_id}),
        Query("entry_date_range", {**entry_dates, "sort": "-entryDate"}),
        Query("billable_false", {"billable": "false"}),
        Query("running_true", {"running": "true"}),
        Query(
            "updated_at_range_deleted",
            {"updatedAtFrom": synced_to, "includeDeleted": "true", "sort": "updatedAt"},
        ),
        Query("search_selective", {"search": ticket_ref(4217)}),
        Query("search_no_match", {"search": "zqxjv"}),
        Query(f"depth_{DEPTH}", {"cursor": deep_cursor}),
        # One B-tree cannot serve a range on one column in the order of another: with the
        # default sort, a range's cost depends on where it lies (see bench/README.md).
        Query("entry_date_range_default_sort", entry_dates, goal=False),
        Query("search_common", {"search": "review"}, goal=False),
    ]


class Client:
    """One keep-alive HTTP/1.1 connection to a server, timing single GETs."""

    def __init__(self, server: Server, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, params: Mapping[str, str], limit: int = 50) -> tuple[float, dict[str, Any]]:
        path = f"{LIST_PATH}?{urllib.parse.urlencode({'limit': limit, **params})}"
        try:
            elapsed, response, body = self._timed(path)
        except (http.client.RemoteDisconnected, ConnectionError):
            # uvicorn closes a keep-alive connection idle for 5 s (while the other queries ran):
            # reconnect and time the request again, so no sample includes a TCP handshake.
            self.conn.close()
            self.conn.connect()
            elapsed, response, body = self._timed(path)
        if response.status != 200:
            raise RuntimeError(f"GET {path} → {response.status}: {body[:300]!r}")
        return elapsed * 1000, json.loads(body)

    def _timed(self, path: str) -> tuple[float, http.client.HTTPResponse, bytes]:
        began = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        return time.perf_counter() - began, response, body

    def close(self) -> None:
        self.conn.close()


def walk_to(client: Client, depth: int) -> str:
    """The nextCursor after `depth` rows of the default list (pages of 200)."""
    cursor: str | None = None
    seen = 0
    while seen < depth:
        _, page = client.get({"cursor": cursor} if cursor else {}, limit=min(200, depth - seen))
        seen += len(page["data"])
        cursor = page["pagination"]["nextCursor"]
        if cursor is None:
            raise RuntimeError(f"the list ended after {seen} rows, before {depth}")
    if cursor is None:
        raise RuntimeError("depth must be positive")
    return cursor


def measure(jobs: list[tuple[str, Client, Query]]) -> dict[str, dict[str, Any]]:
    """Warm up, then ROUNDS interleaved rounds of PER_ROUND requests per job; p50/p90 in ms."""
    samples: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
    rows: dict[str, int] = {}
    for name, client, query in jobs:
        for _ in range(WARMUP):
            _, page = client.get(query.params)
        rows[name] = len(page["data"])
    for _ in range(ROUNDS):
        for name, client, query in jobs:
            for _ in range(PER_ROUND):
                samples[name].append(client.get(query.params)[0])
    return {
        name: {
            "p50_ms": round(statistics.median(values), 3),
            "p90_ms": round(statistics.quantiles(values, n=10)[-1], 3),
            "requests": len(values),
            "rows": rows[name],
        }
        for name, values in samples.items()
    }


@contextlib.contextmanager
def pinned_to(core: int) -> Iterator[None]:
    """Run the client on the load core, away from the servers' core (no-op without affinity)."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def measure_backend(
    backend: str,
    workdir: Path,
    base: tuple[str, SeedInfo],
    big: tuple[str, SeedInfo],
) -> dict[str, Any]:
    """Both servers on core 0, the client on core 1; figures of one database."""
    (base_url, base_info), (big_url, big_info) = base, big
    started, load_before = time.time(), os.getloadavg()
    servers = [
        Server(f"{backend}_100k", REAL_APP, server_env(base_url, workdir), workdir, "0"),
        Server(f"{backend}_1m", REAL_APP, server_env(big_url, workdir), workdir, "0"),
    ]
    clients: list[Client] = []
    try:
        for server, info in zip(servers, (base_info, big_info), strict=True):
            server.start()
            server.wait_ready(f"{LIST_PATH}?limit=1", {"Authorization": f"Bearer {info.token}"})
        with pinned_to(CLIENT_CORE):
            small, large = Client(servers[0], base_info.token), Client(servers[1], big_info.token)
            clients += [small, large]
            print(f"{backend}: walking to depth {DEPTH:,}", file=sys.stderr)
            scale_queries = queries(big_info, walk_to(large, DEPTH))
            jobs = [("base_default_100k", small, scale_queries[0])]
            jobs += [(q.name, large, q) for q in scale_queries]
            print(f"{backend}: timing {len(jobs)} queries", file=sys.stderr)
            results = measure(jobs)
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
    base_p50 = results.pop("base_default_100k")
    for query in scale_queries:
        entry = results[query.name]
        entry["params"] = dict(query.params) if query.name != f"depth_{DEPTH}" else "cursor"
        entry["goal"] = query.goal
        entry["growth_ratio"] = round(entry["p50_ms"] / base_p50["p50_ms"], 3)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(started)),
        "loadavg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "base_default_100k": base_p50,
        "queries": results,
    }


@contextlib.contextmanager
def seeded_cluster(
    configs: Mapping[str, BenchConfig],
) -> Iterator[tuple[pg.Cluster, dict[str, SeedInfo]]]:
    """A running cluster with one seeded database per config; the stopped data directory is
    cached under bench/.data like the SQLite seeds, keyed by the seeds and PostgreSQL's version."""
    version = subprocess.run(
        [pg._tool("pg_ctl") or "pg_ctl", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest = hashlib.sha256(
        "|".join([version, *(f"{k}={seed_key(c)}" for k, c in sorted(configs.items()))]).encode()
    ).hexdigest()[:12]
    cache = DATA_DIR / f"pg-scale-{digest}"
    infos_path = cache / "seeds.json"
    if infos_path.exists():
        print(f"using cached {cache.name}", file=sys.stderr)
        infos = {k: SeedInfo(**v) for k, v in json.loads(infos_path.read_text()).items()}
        with pg.Cluster(template=cache / "data") as cluster:
            yield cluster, infos
        return
    for stale in DATA_DIR.glob("pg-scale-*"):
        shutil.rmtree(stale, ignore_errors=True)
    with pg.Cluster() as cluster:
        infos = {}
        for name, cfg in configs.items():
            print(f"seeding PostgreSQL database {name} (cached for later runs)", file=sys.stderr)
            infos[name] = seed_database(cluster.create_database(name), cfg)
        cluster.stop()
        partial = cache.with_name(cache.name + ".tmp")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(cluster.data_dir, partial / "data")
        (partial / "seeds.json").write_text(
            json.dumps({k: dataclasses.asdict(v) for k, v in infos.items()})
        )
        partial.replace(cache)
        cluster.start()
        yield cluster, infos


def run_scale(
    databases: frozenset[str] = DATABASES, previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Seed (or reuse) both sizes on each of `databases` and measure; the `scale` section.

    A database not measured in this run keeps its figures from `previous` (each database's
    results carry their own date and load)."""
    started, load_before = time.time(), os.getloadavg()
    base_cfg, big_cfg = BenchConfig.make(quick=False), scale_config()
    backends: dict[str, Any] = {}
    skipped = dict.fromkeys(DATABASES - databases, "not asked for (--databases)")
    with tempfile.TemporaryDirectory(prefix="hoursmith-bench-scale-") as tmp:
        workdir = Path(tmp)
        copies = [workdir / "base", workdir / "big"]
        for path in copies:
            path.mkdir()
        if "sqlite" in databases:
            base = cached_sqlite(base_cfg, copies[0])
            big = cached_sqlite(big_cfg, copies[1])
            backends["sqlite"] = measure_backend("sqlite", workdir, base, big)
        if "postgresql" in databases and pg.available():
            configs = {"base": base_cfg, "big": big_cfg}
            with seeded_cluster(configs) as (cluster, infos):
                backends["postgresql"] = measure_backend(
                    "postgresql",
                    workdir,
                    (cluster.url_for("base"), infos["base"]),
                    (cluster.url_for("big"), infos["big"]),
                )
        elif "postgresql" in databases:
            skipped["postgresql"] = "initdb/pg_ctl not found"
    kept = dict((previous or {}).get("backends", {}))
    for name in list(skipped):
        if name in kept:
            del skipped[name]
    backends = {**{k: v for k, v in kept.items() if k not in backends}, **backends}
    figures: dict[str, float] = {}
    for backend, result in backends.items():
        figures[f"scale_base_p50_ms_{backend}"] = result["base_default_100k"]["p50_ms"]
        for name, entry in result["queries"].items():
            figures[f"scale_p50_ms_{backend}_{name}"] = entry["p50_ms"]
            figures[f"growth_ratio_{backend}_{name}"] = entry["growth_ratio"]
    return {
        "meta": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(started)),
            "duration_seconds": round(time.time() - started),
            "time_entries": {"base": base_cfg.time_entries, "scale": big_cfg.time_entries},
            "method": f"one keep-alive client on core {CLIENT_CORE}, servers on core 0; "
            f"{WARMUP} warm-up requests, then {ROUNDS} interleaved rounds of {PER_ROUND} "
            "requests per query; p50 over all rounds",
            "loadavg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        },
        "backends": backends,
        "figures": figures,
        "goals": [
            {
                "figure": f"growth_ratio_{backend}_{name}",
                "value": entry["growth_ratio"],
                "goal": f"<= {GROWTH_GOAL:g}",
                "result": "pass" if entry["growth_ratio"] <= GROWTH_GOAL else "FAIL",
            }
            for backend, result in backends.items()
            for name, entry in result["queries"].items()
            if entry["goal"]
        ],
        **({"skipped": skipped} if skipped else {}),
    }
