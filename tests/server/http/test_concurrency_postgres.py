"""Issue 5 across processes: two real `hoursmith serve` processes sharing one PostgreSQL.

Idempotency and rate limits must hold between processes, not just threads: these tests hit
both servers at once through the real CLI, the real spec and the real handlers (createClient,
getMe), and one of them SIGKILLs a server mid-burst.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.live_server import CLI, free_port, server_env
from tests.support.postgres import Cluster, create_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
LEASE_SECONDS = 3


@dataclass
class Proc:
    """One `hoursmith serve` process."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"


@dataclass
class Deployment:
    """Two servers on one database, plus what is needed to make tokens and count rows."""

    env: dict[str, str]
    workdir: Path
    database_url: str
    owner_member_id: str
    servers: list[Proc]

    def token(self) -> str:
        """A fresh Owner token (own rate-limit buckets for each test)."""
        out = _cli(
            ["token", "create", "--json", "--name", f"t-{uuid.uuid4().hex[:6]}",
             self.owner_member_id],
            self.env, self.workdir,
        )  # fmt: skip
        return str(json.loads(out)["token"])

    def count_clients(self, name: str) -> int:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                sql = text("SELECT count(*) FROM clients WHERE name = :n")
                return int(conn.execute(sql, {"n": name}).scalar_one())
        finally:
            engine.dispose()


def _cli(args: list[str], env: dict[str, str], workdir: Path) -> str:
    proc = subprocess.run(
        [str(CLI), *args], env=env, cwd=workdir, capture_output=True, text=True, timeout=180,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"hoursmith {args[0]} failed: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


def start_server(env: dict[str, str], workdir: Path, port: int | None = None) -> Proc:
    """Start `hoursmith serve` and wait until it answers."""
    port = port or free_port()
    with (workdir / f"server-{port}.log").open("ab") as log:
        process = subprocess.Popen(  # stopped by the fixture, by pid
            [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (workdir / f"server-{port}.log").read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2).status_code == 200:
                return Proc(port, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError((workdir / f"server-{port}.log").read_text())


def stop(proc: Proc) -> None:
    if proc.process.poll() is None:
        proc.process.terminate()
        try:
            proc.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait(timeout=15)


@pytest.fixture(scope="module")
def deployment(
    pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Migrate a fresh database, seed an agency demo, start two servers on it."""
    workdir = tmp_path_factory.mktemp("two-servers")
    database_url = create_database(pg_cluster)
    env = server_env(
        workdir,
        {
            "HOURSMITH_DATABASE_URL": database_url,
            "HOURSMITH_SECRET_KEY": "shared-between-processes",
            "HOURSMITH_IDEMPOTENCY_LEASE_SECONDS": str(LEASE_SECONDS),
            "HOURSMITH_RATE_LIMIT_BACKEND": "database",
        },
    )
    _cli(["db", "upgrade"], env, workdir)
    demo = json.loads(_cli(["demo", "--json", "--plan", "agency"], env, workdir))
    servers = [start_server(env, workdir), start_server(env, workdir)]
    deployment = Deployment(env, workdir, database_url, demo["memberIds"]["owner"], servers)
    try:
        yield deployment
    finally:
        for proc in deployment.servers:
            stop(proc)


def fire(dep: Deployment, token: str, jobs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """POST /clients for every (key, body) at once, alternating between the two servers."""

    def one(indexed: tuple[int, tuple[str, dict[str, Any]]]) -> Any:
        i, (key, body) = indexed
        server = dep.servers[i % 2]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        try:
            return httpx.post(f"{server.url}/clients", headers=headers, json=body, timeout=30)
        except httpx.HTTPError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, enumerate(jobs)))


def test_one_key_twenty_posts_two_processes(deployment: Deployment) -> None:
    """20 concurrent identical POSTs over two processes create exactly one client."""
    name = f"once-{uuid.uuid4().hex[:8]}"
    responses = fire(deployment, deployment.token(), [("one-key", {"name": name})] * 20)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert deployment.count_clients(name) == 1
    assert len({r.json()["data"]["id"] for r in responses if r.status_code == 201}) == 1


def test_twenty_keys_twenty_records(deployment: Deployment) -> None:
    """20 distinct keys over two processes create 20 clients."""
    tag = uuid.uuid4().hex[:8]
    jobs = [(f"{tag}-{i}", {"name": f"many-{tag}"}) for i in range(20)]
    responses = fire(deployment, deployment.token(), jobs)
    assert [r.status_code for r in responses] == [201] * 20
    assert deployment.count_clients(f"many-{tag}") == 20


def test_two_bodies_race_one_key(deployment: Deployment) -> None:
    """Two different bodies on one key, one per process: one record and one 409."""
    tag = uuid.uuid4().hex[:8]
    jobs = [("race", {"name": f"left-{tag}"}), ("race", {"name": f"right-{tag}"})]
    statuses = sorted(r.status_code for r in fire(deployment, deployment.token(), jobs))
    assert statuses == [201, 409]
    total = deployment.count_clients(f"left-{tag}") + deployment.count_clients(f"right-{tag}")
    assert total == 1


def test_token_hammering_never_exceeds_the_bucket(deployment: Deployment) -> None:
    """Hammering one token on both processes admits at most the burst per 10 s window."""
    token = deployment.token()
    headers = {"Authorization": f"Bearer {token}"}

    def one(i: int) -> int:
        return httpx.get(
            f"{deployment.servers[i % 2].url}/me", headers=headers, timeout=30
        ).status_code

    start = time.time()
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(one, range(160)))
    end = time.time()
    windows = math.floor(end / 10) - math.floor(start / 10) + 1
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) <= 60 * windows  # agency burst: 60 per 10 s
    if len(statuses) > 60 * windows:  # more requests than the windows admit: some were refused
        assert 429 in statuses


def test_sigkill_mid_burst_then_restart(deployment: Deployment) -> None:
    """After a SIGKILL mid-burst: answered 201s exist, nothing unanswered exists unreplayed."""
    token = deployment.token()
    tag = uuid.uuid4().hex[:8]
    jobs = [(f"{tag}-{i}", {"name": f"kill-{tag}-{i}"}) for i in range(40)]
    victim = deployment.servers[0]
    with ThreadPoolExecutor(max_workers=1) as killer:
        killer.submit(lambda: (time.sleep(0.15), os.kill(victim.process.pid, 9)))
        responses = fire(deployment, token, jobs)
    victim.process.wait(timeout=15)
    deployment.servers[0] = start_server(deployment.env, deployment.workdir, victim.port)

    answered = {
        key for (key, _), r in zip(jobs, responses, strict=True) if not isinstance(r, Exception)
    }
    assert len(answered) < len(jobs), "the kill came after the burst; nothing was in flight"
    for (key, body), response in zip(jobs, responses, strict=True):
        if key in answered:
            assert response.status_code == 201, response.text
            assert deployment.count_clients(body["name"]) == 1
    for key, body in jobs:
        if key in answered:
            continue
        existed = deployment.count_clients(body["name"])
        retry = _retry_until_settled(deployment, token, key, body)
        assert retry.status_code == 201, retry.text
        # A committed-but-unanswered create must be replayed, never run a second time.
        assert (retry.headers.get("idempotent-replayed") == "true") == (existed == 1)
        assert deployment.count_clients(body["name"]) == 1


def _retry_until_settled(dep: Deployment, token: str, key: str, body: dict[str, Any]) -> Any:
    """Retry one key until its dead claim's lease has expired (409 + Retry-After before)."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    deadline = time.monotonic() + LEASE_SECONDS * 5
    while True:
        response = httpx.post(
            f"{dep.servers[1].url}/clients", headers=headers, json=body, timeout=30
        )
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        assert response.headers.get("retry-after") == "1"
        time.sleep(1)
