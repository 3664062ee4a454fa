"""Concurrency on SQLite with threads: one key → one record, many keys → many, buckets hold."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.infra_app import Seeded, build, client_for, count_widgets, make_settings, seed


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Any, TestClient]]:
    """A widgets app on SQLite (rate limits off unless a test turns them on)."""
    app = build(make_settings(tmp_path, rate_limit=False))
    with client_for(app) as client:
        yield app, client


def post_many(client: TestClient, who: Seeded, jobs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """POST every (key, body) at once from a thread pool."""

    def one(job: tuple[str, dict[str, Any]]) -> Any:
        key, body = job
        return client.post(
            "/api/v1/widgets", headers={**who.auth, "Idempotency-Key": key}, json=body
        )

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def test_twenty_identical_posts_create_one_record(env: tuple[Any, TestClient]) -> None:
    """20 concurrent POSTs with one key: one record, every answer 201 or 409, no 5xx."""
    app, client = env
    owner = seed(app)
    responses = post_many(client, owner, [("same", {"name": "one", "sleep": 0.2})] * 20)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert count_widgets(app, "one") == 1
    created = {r.content for r in responses if r.status_code == 201}
    assert len(created) == 1


def test_twenty_keys_create_twenty_records(env: tuple[Any, TestClient]) -> None:
    """20 concurrent POSTs with distinct keys all succeed."""
    app, client = env
    owner = seed(app)
    responses = post_many(client, owner, [(f"k{i}", {"name": f"n{i}"}) for i in range(20)])
    assert [r.status_code for r in responses] == [201] * 20
    assert count_widgets(app) == 20


def test_two_bodies_racing_one_key(env: tuple[Any, TestClient]) -> None:
    """Two different bodies on one key: one record, the loser gets 409."""
    app, client = env
    owner = seed(app)
    jobs = [("race", {"name": "left", "sleep": 0.2}), ("race", {"name": "right", "sleep": 0.2})]
    statuses = sorted(r.status_code for r in post_many(client, owner, jobs))
    assert statuses == [201, 409]
    assert count_widgets(app) == 1


def test_token_bucket_holds_under_threads(tmp_path: Path) -> None:
    """Concurrent requests never get more than the burst per 10 s window."""
    app = build(make_settings(tmp_path))
    owner = seed(app)
    with client_for(app) as client:
        start = time.time()
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda _: client.get("/api/v1/widgets", headers=owner.auth).status_code,
                    range(60),
                )
            )
        end = time.time()
    windows = math.floor(end / 10) - math.floor(start / 10) + 1
    assert set(statuses) <= {200, 429}
    assert 429 in statuses
    assert statuses.count(200) <= 30 * windows
