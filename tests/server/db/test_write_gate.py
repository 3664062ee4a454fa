from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import create_engine

from server.context import Runtime
from server.db.write_gate import WRITE_TURN, gate_of, take_turn
from server.http.app import runtime_of
from server.settings import Settings
from tests.support.infra_app import build, count_widgets, make_settings, seed


def _runtime(url: str) -> Runtime:
    engine = create_engine(url)
    return Runtime(settings=Settings(database_url=url), engine=engine, sessions=None)  # type: ignore[arg-type]


def test_turn_is_taken_once_per_request_and_released_once(tmp_path: Path) -> None:
    """A request takes its turn once; releasing twice frees the gate once; PostgreSQL has none."""
    runtime = _runtime(f"sqlite:///{tmp_path / 'gate.db'}")

    async def scenario() -> None:
        scope: dict[str, Any] = {}
        turn = await take_turn(runtime, scope)
        assert turn is not None
        assert turn.held
        assert scope[WRITE_TURN] is turn
        assert await take_turn(runtime, scope) is None  # already holds its turn
        lock = gate_of(runtime)
        assert lock is not None
        assert lock.locked()
        turn.release()
        turn.release()
        assert not lock.locked()
        second = await take_turn(runtime, {})
        assert second is not None
        assert lock.locked()
        second.release()

    asyncio.run(scenario())
    asyncio.run(scenario())  # a new event loop gets a gate of its own
    assert asyncio.run(_gate(_runtime("postgresql+psycopg://u@127.0.0.1:1/none"))) is None


async def _gate(runtime: Runtime) -> Any:
    return gate_of(runtime)


def test_waiting_writers_hold_no_worker_thread(tmp_path: Path) -> None:
    """Ten concurrent idempotent POSTs with only two worker threads all succeed promptly.

    Without the gate, each waiting writer blocks a worker thread in BEGIN IMMEDIATE, and the
    writer holding SQLite's lock then has no thread left for its next step.
    """
    app = build(make_settings(tmp_path, rate_limit=False))
    owner = seed(app)

    async def scenario() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

            async def one(i: int) -> int:
                response = await client.post(
                    "/api/v1/widgets",
                    headers={**owner.auth, "Idempotency-Key": f"gate-{i}"},
                    json={"name": f"w{i}", "sleep": 0.02},
                )
                return response.status_code

            return list(
                await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(10))), timeout=20)
            )

    assert asyncio.run(scenario()) == [201] * 10
    assert count_widgets(app) == 10
    runtime_of(app).engine.dispose()


@pytest.mark.parametrize("invalid", [{"name": ""}, {"name": "ok", "fail": "conflict"}])
def test_failed_write_gives_the_turn_back(tmp_path: Path, invalid: dict[str, Any]) -> None:
    """A write rejected by validation or by its handler frees the gate for the next writer."""
    app = build(make_settings(tmp_path, rate_limit=False))
    owner = seed(app)

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {**owner.auth, "Idempotency-Key": "bad"}
            bad = await client.post("/api/v1/widgets", headers=headers, json=invalid)
            headers = {**owner.auth, "Idempotency-Key": "good"}
            good = await asyncio.wait_for(
                client.post("/api/v1/widgets", headers=headers, json={"name": "next"}), timeout=10
            )
            return bad.status_code, good.status_code

    bad, good = asyncio.run(scenario())
    assert bad in (409, 422)
    assert good == 201
    assert count_widgets(app) == 1
    runtime_of(app).engine.dispose()
