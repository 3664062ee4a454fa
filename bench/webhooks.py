"""`post_with_webhook_vs_post`: the cost of a subscribed webhook endpoint on an idempotent POST.

The same POST /time-entries load runs against two servers on two copies of the seeded
database: one whose organization has no webhook endpoint, and one with an endpoint subscribed to
`time_entry.created` whose URL is a loopback sink in the bench process. Every event is delivered
while the load runs, by a standalone `hoursmith worker` process (the multi-process deployment;
the server runs with `--no-worker`), so the goal figure is the request path's own cost: the
outbox rows written in the POST's transaction. The worker's CPU per delivery is reported beside
it; with the default in-process worker that cost lands on the server's core too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.config import REPO_ROOT
from bench.cpu import CpuMeter
from bench.measure import Stats, Variant
from bench.scenarios import Bench, ScenarioResult, _ratio
from bench.servers import Server
from server.db.webhooks import WebhookEndpoint
from server.webhooks.signing import new_secret

EVENT = "time_entry.created"
LOOPBACK = "127.0.0.0/8"


class Sink:
    """A loopback receiver answering 204 to every POST and counting them (keep-alive on)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink._lock:
                    sink.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def subscribed_copy(source: str, workdir: Path, org_id: str, url: str) -> str:
    """A copy of the SQLite database at `source` whose organization has one endpoint."""
    target = workdir / "bench-webhook.sqlite"
    shutil.copyfile(source.removeprefix("sqlite:///"), target)
    copy_url = f"sqlite:///{target}"
    engine = create_engine(copy_url)
    try:
        with Session(engine) as session:
            session.add(
                WebhookEndpoint(org_id=org_id, url=url, events=[EVENT], secret=new_secret())
            )
            session.commit()
    finally:
        engine.dispose()
    return copy_url


def _server_us_per_request(stats: dict[str, Stats], server: str, variant: str) -> float | None:
    """A server's CPU over every round of the scenario (its own and the other variant's, where
    a backlog of deliveries may still drain) per request it answered."""
    seconds = sum(r[server] for s in stats.values() for r in s.cpu_rounds)
    requests = sum(r.requests for r in stats[variant].rounds)
    return round(1e6 * seconds / requests, 1) if requests and seconds else None


@contextmanager
def standalone_worker(env: Mapping[str, str], workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m server.webhooks.standalone` (what `hoursmith worker` runs), unpinned;
    SIGTERM (a graceful stop) at the end."""
    with (workdir / "webhook-worker.log").open("wb") as log:
        proc = subprocess.Popen(  # stopped below, by pid
            [sys.executable, "-m", "server.webhooks.standalone"],
            env={**os.environ, **env, "HOURSMITH_WEBHOOK_POLL_SECONDS": "0.05"},
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def post_with_webhook_vs_post(
    bench: Bench, plain: Server, hooked: Server, sink: Sink, worker: subprocess.Popen[bytes]
) -> ScenarioResult:
    load = bench.create()
    stats = bench.measure(
        "post_with_webhook_vs_post",
        [
            Variant("post", [(plain, load)], bench.wrk),
            Variant("post_with_webhook", [(hooked, load)], bench.wrk),
        ],
        cpu=CpuMeter({"post": plain.pid, "post_with_webhook": hooked.pid, "worker": worker.pid}),
    )
    worker_seconds = sum(r["worker"] for s in stats.values() for r in s.cpu_rounds)
    plain_us = _server_us_per_request(stats, "post", "post")
    hooked_us = _server_us_per_request(stats, "post_with_webhook", "post_with_webhook")
    hooked_requests = sum(r.requests for r in stats["post_with_webhook"].rounds)
    return ScenarioResult(
        "post_with_webhook_vs_post",
        "Idempotent POST /time-entries with one endpoint subscribed to time_entry.created "
        "(outbox rows in the request's transaction; every event delivered meanwhile by a "
        "standalone worker process to a loopback sink) against the same POST without an "
        "endpoint, on SQLite. The goal figure is the server's CPU per request without ÷ with "
        "the webhook (the throughput ratio a saturated core would show; it does not swing with "
        "other load on a shared machine); post_with_webhook_rps_ratio is the measured "
        "throughput ratio, webhook_worker_cpu_us_per_delivery the worker's cost.",
        stats,
        {
            "post_with_webhook_vs_post": _ratio(plain_us, hooked_us),
            "post_with_webhook_rps_ratio": _ratio(
                stats["post_with_webhook"].rps, stats["post"].rps
            ),
            "post_cpu_us_per_request": plain_us,
            "post_with_webhook_cpu_us_per_request": hooked_us,
            "webhook_worker_cpu_us_per_delivery": round(1e6 * worker_seconds / sink.count, 1)
            if sink.count
            else None,
        },
        notes=[
            f"the sink received {sink.count} deliveries; the webhook server answered "
            f"{hooked_requests} measured POSTs (plus warm-up)"
        ],
    )
