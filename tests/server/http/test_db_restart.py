"""A PostgreSQL restart under load is not a 500 (issue 16).

Safe requests retry once on a fresh connection; a write that cannot reach the database is 503
`unavailable` with `Retry-After`, its idempotency claim released, so the client's retry with the
same key runs. One real server, its own throwaway cluster (restarted mid-load), loopback only.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.server.http.test_concurrency_postgres import _cli, start_server, stop
from tests.support.live_server import server_env
from tests.support.postgres import create_database, missing_binaries, start_cluster, stop_cluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
LOAD_SECONDS = 4.0
RESTART_AFTER_SECONDS = 1.0
WORKERS = 4
MAX_ATTEMPTS = 50  # × 0.2 s: longer than a restart plus a lapsed claim's lease
LEASE_SECONDS = 3


class Load:
    """Workers that list time entries and create clients until told to stop, recording all."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.headers = url, {"Authorization": f"Bearer {token}"}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.created: dict[str, str] = {}  # client name → id, from acknowledged (201) POSTs
        self.retried_writes = 0
        self.unfinished: list[str] = []

    def _record(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1

    def _create(self, client: httpx.Client) -> None:
        """One client creation, retried with the same key after each 503 until acknowledged."""
        name, key = f"restart-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
        headers = {**self.headers, "Idempotency-Key": key}
        for attempt in range(MAX_ATTEMPTS):
            response = client.post(f"{self.url}/clients", headers=headers, json={"name": name})
            self._record("POST", response.status_code)
            if response.status_code == 201:
                with self.lock:
                    self.created[name] = response.json()["data"]["id"]
                    self.retried_writes += attempt > 0
                return
            if response.status_code == 503:
                assert response.headers["Retry-After"].isdigit()
                assert response.json()["error"]["code"] == "unavailable"
            elif response.status_code != 409:  # 409: the same key still in flight elsewhere
                return
            time.sleep(0.2)
        with self.lock:
            self.unfinished.append(name)

    def work(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                response = client.get(f"{self.url}/time-entries?limit=5", headers=self.headers)
                self._record("GET", response.status_code)
                self._create(client)


def test_restart_under_load_is_never_a_500(tmp_path: Path) -> None:
    """Restarting PostgreSQL under load: no 500, every 503 write retried, no write lost."""
    if reason := missing_binaries():
        pytest.skip(reason)
    running = start_cluster()
    server = None
    try:
        database_url = create_database(running.cluster)
        env = server_env(
            tmp_path,
            {
                "HOURSMITH_DATABASE_URL": database_url,
                "HOURSMITH_RATE_LIMIT": "off",
                "HOURSMITH_IDEMPOTENCY_LEASE_SECONDS": str(LEASE_SECONDS),
            },
        )
        _cli(["db", "upgrade"], env, tmp_path)
        demo = json.loads(_cli(["demo", "--json", "--plan", "agency"], env, tmp_path))
        server = start_server(env, tmp_path)
        load = Load(server.url, demo["tokens"]["owner"])
        workers = [threading.Thread(target=load.work) for _ in range(WORKERS)]
        for worker in workers:
            worker.start()
        time.sleep(RESTART_AFTER_SECONDS)
        subprocess.run(
            [*running.prefix, "pg_ctl", "-D", str(running.root / "data"), "-l",
             str(running.root / "log"), "-m", "fast", "-w", "restart"],
            check=True, capture_output=True,
        )  # fmt: skip
        time.sleep(LOAD_SECONDS - RESTART_AFTER_SECONDS)
        load.stop.set()
        for worker in workers:
            worker.join(timeout=60)
        server_log = (tmp_path / f"server-{server.port}.log").read_text()
        assert not [k for k in load.statuses if k[1] >= 500 and k[1] != 503], (
            load.statuses,
            server_log[-3000:],
        )
        assert load.unfinished == []
        assert load.statuses[("POST", 201)] > 0
        assert load.statuses[("GET", 200)] > 0
        engine = create_engine(database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT name, id FROM clients WHERE name LIKE 'restart-%'")
                ).all()
        finally:
            engine.dispose()
        assert dict(rows) == load.created  # every acknowledged write, exactly once
    finally:
        if server is not None:
            stop(server)
        stop_cluster(running)
