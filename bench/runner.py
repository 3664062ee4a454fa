"""One bench run from start to finish: seed, start servers, run scenarios, collect figures.

Phases:
1. SQLite: a working copy of the cached seeded database; the real server three times (plain,
   validating responses, rate limiting on) plus the two twins, all pinned to core 0 and started
   together (an idle server costs nothing), driven one at a time from core 1.
2. PostgreSQL (when initdb/pg_ctl exist): a throwaway cluster seeded with the same workspace;
   the real server plain and with rate limiting on (core 0), and a second plain process on core 1
   for the scaling scenario.
3. `python -m generator generate` twice; the second (warm) run is timed.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import pg, scenarios, webhooks
from bench.config import BENCH_SECRET_KEY, LIST_PATH, REPO_ROOT, BenchConfig
from bench.scenarios import Bench, ScenarioResult
from bench.seed import cached_sqlite, seed_database
from bench.servers import FASTAPI_APP, REAL_APP, STARLETTE_APP, Server, ServerError
from bench.wrk import Wrk, ensure_wrk

SCENARIOS = (
    "list_vs_fastapi",
    "depth_ratio",
    "response_validation_ratio",
    "post_vs_get",
    "rate_limit_overhead",
    "post_with_webhook_vs_post",
    "pg",
    "generate_seconds",
)


def server_env(url: str, workdir: Path, **switches: str) -> dict[str, str]:
    return {
        "HOURSMITH_DATABASE_URL": url,
        "HOURSMITH_SECRET_KEY": BENCH_SECRET_KEY,
        "HOURSMITH_VAR_DIR": str(workdir / "var"),
        "HOURSMITH_RATE_LIMIT": "off",
        "HOURSMITH_VALIDATE_RESPONSES": "off",
        **{f"HOURSMITH_{k.upper()}": v for k, v in switches.items()},
    }


@contextlib.contextmanager
def serving(
    servers: Sequence[Server],
    token: str,
    rss: dict[str, float],
    failures: dict[str, str] | None = None,
) -> Iterator[None]:
    """Start every server, wait until each answers the list, and stop them all at the end.

    With `failures`, a server that does not come up is recorded there (name → reason) and the
    others go on, so one broken configuration costs one scenario, not the whole run. Peak RSS
    (VmHWM) is read just before stopping, after the server has taken all its load.
    """
    try:
        for server in servers:
            server.start()
        for server in servers:
            try:
                server.wait_ready(f"{LIST_PATH}?limit=1", {"Authorization": f"Bearer {token}"})
            except ServerError as exc:
                if failures is None:
                    raise
                failures[server.name] = str(exc)
                print(f"warning: {exc}", file=sys.stderr)
        yield
    finally:
        for server in servers:
            peak = server.peak_rss_mb()
            if peak is not None and server.name not in (failures or {}):
                rss[server.name] = round(peak, 1)
            server.stop()


def run(cfg: BenchConfig, *, only: set[str], real_app: str = REAL_APP) -> dict[str, Any]:
    """Run the selected scenarios; returns the results document (see `report`)."""
    started = time.time()
    load_before = os.getloadavg()
    results: list[ScenarioResult] = []
    rss: dict[str, float] = {}
    failures: dict[str, str] = {}
    extra: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hoursmith-bench-") as tmp:
        workdir = Path(tmp)
        binary = ensure_wrk()
        url, info = cached_sqlite(cfg, workdir)
        bench = Bench(
            cfg,
            info,
            Wrk(binary, workdir, cores=str(cfg.load_core), connections=cfg.connections),
            Wrk(binary, workdir, cores=None, connections=max(1, cfg.connections // 2)),
        )
        if only & set(SCENARIOS[:6]):
            results += _sqlite_phase(
                bench,
                url=url,
                workdir=workdir,
                only=only,
                real_app=real_app,
                rss=rss,
                failures=failures,
            )
        if "pg" in only:
            if pg.available():
                try:
                    results += _pg_phase(bench, workdir, real_app, rss, failures)
                except (RuntimeError, OSError) as exc:
                    # Keep the SQLite results of a long run; say why PostgreSQL is missing.
                    extra["pg_skipped"] = f"PostgreSQL phase failed: {exc}"
                    print(f"warning: {extra['pg_skipped']}", file=sys.stderr)
            else:
                extra["pg_skipped"] = "initdb/pg_ctl not found"
        if "generate_seconds" in only:
            extra["generate_seconds"] = time_generate()
    meta = _meta(cfg, started)
    # The machine may be shared: say how busy it was, since absolute numbers depend on it.
    meta["loadavg_1m_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    return {
        "meta": meta,
        "scenarios": {r.name: r.as_dict() for r in results},
        "figures": _figures(results, extra, rss),
        "peak_rss_mb": rss,
        "failed_servers": failures,
        **({"skipped": extra["pg_skipped"]} if "pg_skipped" in extra else {}),
    }


def _sqlite_phase(
    bench: Bench,
    *,
    url: str,
    workdir: Path,
    only: set[str],
    real_app: str,
    rss: dict[str, float],
    failures: dict[str, str],
) -> list[ScenarioResult]:
    cores = str(bench.cfg.server_core)
    ours = Server("hoursmith_sqlite", real_app, server_env(url, workdir), workdir, cores)
    validating = Server(
        "hoursmith_sqlite_validate",
        real_app,
        server_env(url, workdir, validate_responses="on"),
        workdir,
        cores,
    )
    limited = Server(
        "hoursmith_sqlite_ratelimit",
        real_app,
        server_env(url, workdir, rate_limit="on"),
        workdir,
        cores,
    )
    fastapi = Server("fastapi_twin", FASTAPI_APP, server_env(url, workdir), workdir, cores)
    starlette = Server("starlette_twin", STARLETTE_APP, server_env(url, workdir), workdir, cores)
    sink = webhooks.Sink()
    hooked = Server(
        "hoursmith_sqlite_webhook",
        real_app,
        server_env(
            webhooks.subscribed_copy(url, workdir, bench.info.org_id, sink.url)
            if "post_with_webhook_vs_post" in only
            else url,
            workdir,
            webhook_allow_networks=webhooks.LOOPBACK,
            webhook_worker="off",  # delivered by a standalone worker (bench/webhooks.py)
        ),
        workdir,
        cores,
    )
    wanted: dict[str, list[Server]] = {
        "list_vs_fastapi": [ours, fastapi, starlette],
        "depth_ratio": [ours],
        "response_validation_ratio": [ours, validating],
        "post_vs_get": [ours],
        "rate_limit_overhead": [ours, limited],
        "post_with_webhook_vs_post": [ours, hooked],
    }
    servers = list({s.name: s for k, v in wanted.items() if k in only for s in v}.values())
    results = []
    with sink, serving(servers, bench.info.token, rss, failures):
        if failures.keys() & {ours.name, fastapi.name, starlette.name}:
            raise ServerError(f"a server every scenario needs failed: {failures}")
        if "list_vs_fastapi" in only:
            results.append(scenarios.list_vs_fastapi(bench, ours, fastapi, starlette))
        if "depth_ratio" in only:
            results.append(scenarios.depth_ratio(bench, ours))
        if "response_validation_ratio" in only and validating.name not in failures:
            results.append(scenarios.response_validation(bench, ours, validating))
        if "post_vs_get" in only:
            results.append(scenarios.post_vs_get(bench, ours, backend="sqlite"))
        if "rate_limit_overhead" in only and limited.name not in failures:
            results.append(scenarios.rate_limit_overhead(bench, ours, limited, backend="sqlite"))
        if "post_with_webhook_vs_post" in only and hooked.name not in failures:
            with webhooks.standalone_worker(hooked.env, workdir) as worker:
                results.append(
                    webhooks.post_with_webhook_vs_post(bench, ours, hooked, sink, worker)
                )
    return results


def _pg_phase(
    bench: Bench, workdir: Path, real_app: str, rss: dict[str, float], failures: dict[str, str]
) -> list[ScenarioResult]:
    with pg.Cluster() as cluster:
        print("seeding PostgreSQL", file=sys.stderr)
        info = seed_database(cluster.url, bench.cfg)
        pg_bench = Bench(bench.cfg, info, bench.wrk, bench.wrk_split)
        core0, core1 = str(bench.cfg.server_core), str(bench.cfg.load_core)
        env = server_env(cluster.url, workdir)
        ours = Server("hoursmith_pg", real_app, env, workdir, core0)
        limited = Server(
            "hoursmith_pg_ratelimit",
            real_app,
            server_env(cluster.url, workdir, rate_limit="on"),
            workdir,
            core0,
        )
        second = Server("hoursmith_pg_second", real_app, env, workdir, core1)
        with serving([ours, limited, second], info.token, rss, failures):
            if ours.name in failures:
                raise ServerError(f"the server on PostgreSQL failed: {failures[ours.name]}")
            results = [scenarios.post_vs_get(pg_bench, ours, backend="postgresql")]
            if limited.name not in failures:
                results.append(
                    scenarios.rate_limit_overhead(pg_bench, ours, limited, backend="postgresql")
                )
            if second.name not in failures:
                results.append(scenarios.pg_scaling(pg_bench, ours, second, cluster.postmaster_pid))
            return results


def time_generate() -> float | None:
    """Wall time of a warm `python -m generator generate` (the second of two runs)."""
    argv = [sys.executable, "-m", "generator", "generate"]
    elapsed = None
    for _ in range(2):
        began = time.perf_counter()
        done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - began
        if done.returncode != 0:
            print(f"generator failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return None
    return None if elapsed is None else round(elapsed, 2)


def _figures(
    results: Sequence[ScenarioResult], extra: Mapping[str, Any], rss: Mapping[str, float]
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for result in results:
        figures.update(result.figures)
    if "generate_seconds" in extra:
        figures["generate_seconds"] = extra["generate_seconds"]
    ours = [mb for name, mb in rss.items() if name.startswith("hoursmith")]
    if ours:
        figures["peak_rss_mb"] = max(ours)
    return figures


def _meta(cfg: BenchConfig, started: float) -> dict[str, Any]:
    return {
        "date": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(time.time() - started),
        "mode": "quick" if cfg.quick else "full",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {_cpu_count()} cores",
        "time_entries": cfg.time_entries,
        "rounds": cfg.rounds,
        "round_seconds": cfg.round_seconds,
        "warmup_seconds": cfg.warmup_seconds,
        "connections": cfg.connections,
        "page_limit": cfg.page_limit,
        "server": "uvicorn, 1 worker, uvloop, httptools, no access log, lifespan on, "
        f"taskset -c {cfg.server_core}",
        "load": f"wrk -t1 -c{cfg.connections} --latency, taskset -c {cfg.load_core}",
    }


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0))
