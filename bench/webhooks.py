"""`post_with_webhook_vs_post`: the cost of a subscribed webhook endpoint on an idempotent POST.

The same POST /time-entries load runs against two servers on two copies of the seeded
database: one whose organization has no webhook endpoint, and one with an endpoint subscribed to
`time_entry.created` whose URL is a loopback sink in the bench process. The second server runs
as `hoursmith serve` does by default, with the delivery worker in the server process, so the
figure includes writing the outbox row in the request's transaction *and* delivering every event
(claim, signed POST to the sink, attempt log) on the same pinned core.
"""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.measure import Variant
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


def post_with_webhook_vs_post(
    bench: Bench, plain: Server, hooked: Server, sink: Sink
) -> ScenarioResult:
    load = bench.create()
    stats = bench.measure(
        "post_with_webhook_vs_post",
        [
            Variant("post", [(plain, load)], bench.wrk),
            Variant("post_with_webhook", [(hooked, load)], bench.wrk),
        ],
    )
    return ScenarioResult(
        "post_with_webhook_vs_post",
        "Idempotent POST /time-entries throughput with one endpoint subscribed to "
        "time_entry.created (outbox row in the request's transaction, deliveries by the "
        "in-process worker to a loopback sink) / without, on SQLite.",
        stats,
        {
            "post_with_webhook_vs_post": _ratio(stats["post_with_webhook"].rps, stats["post"].rps),
        },
        notes=[f"the sink received {sink.count} deliveries during the run"],
    )
