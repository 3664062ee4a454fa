"""The twins answer exactly like the real server on the same seeded data (behaviour only).

If a twin drifted (other rows, other order, another JSON shape, a broken cursor) the bench would
compare different work; these tests pin that. No timing is asserted anywhere: performance is
measured by `make bench`, never tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bench.config import BENCH_SECRET_KEY, LIST_PATH, BenchConfig
from bench.seed import SeedInfo, seed_database
from bench.twins import fastapi_app, starlette_app
from server.http.app import create_app
from server.settings import Settings

ENTRIES = 260  # three pages of 100: first, middle, and a short last page


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, SeedInfo, Path]:
    tmp = tmp_path_factory.mktemp("bench-twins")
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    cfg = replace(
        BenchConfig.make(quick=True),
        time_entries=ENTRIES,
        clients=20,
        projects=10,
        expenses=10,
        members=8,
        pool_tokens=1,
    )
    return url, seed_database(url, cfg), tmp


@pytest.fixture(scope="module")
def clients(seeded: tuple[str, SeedInfo, Path]) -> Iterator[dict[str, TestClient]]:
    url, _info, tmp = seeded
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BENCH_DATABASE_URL", url)
        mp.setenv("HOURSMITH_SECRET_KEY", BENCH_SECRET_KEY)
        real = create_app(
            Settings(
                database_url=url,
                secret_key=BENCH_SECRET_KEY,
                rate_limit=False,
                var_dir=tmp / "var",
            )
        )
        apps: dict[str, Any] = {
            "real": real,
            "fastapi": fastapi_app.create(),
            "starlette": starlette_app.create(),
        }
    with (
        TestClient(apps["real"]) as real_client,
        TestClient(apps["fastapi"]) as fastapi_client,
        TestClient(apps["starlette"]) as starlette_client,
    ):
        yield {"real": real_client, "fastapi": fastapi_client, "starlette": starlette_client}


def _get(client: TestClient, token: str, **params: Any) -> Any:
    response = client.get(LIST_PATH, params=params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def _walk(client: TestClient, token: str, limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = _get(client, token, limit=limit, **({"cursor": cursor} if cursor else {}))
        ids += [item["id"] for item in page["data"]]
        cursor = page["pagination"]["nextCursor"]
        if cursor is None:
            return ids


@pytest.mark.parametrize("twin", ["fastapi", "starlette"])
def test_first_page_is_identical(
    clients: dict[str, TestClient], seeded: tuple[str, SeedInfo, Path], twin: str
) -> None:
    token = seeded[1].token
    real, other = _get(clients["real"], token, limit=50), _get(clients[twin], token, limit=50)
    assert other["data"] == real["data"]
    assert list(other) == list(real) == ["data", "pagination"]
    assert [list(item) for item in other["data"]] == [list(item) for item in real["data"]]
    assert other["pagination"]["limit"] == real["pagination"]["limit"] == 50
    assert isinstance(other["pagination"]["nextCursor"], str)
    assert isinstance(real["pagination"]["nextCursor"], str)


@pytest.mark.parametrize("twin", ["fastapi", "starlette"])
def test_walking_every_page_gives_the_same_ids(
    clients: dict[str, TestClient], seeded: tuple[str, SeedInfo, Path], twin: str
) -> None:
    token = seeded[1].token
    real_ids = _walk(clients["real"], token, 100)
    assert len(real_ids) == len(set(real_ids)) == ENTRIES
    assert _walk(clients[twin], token, 100) == real_ids


@pytest.mark.parametrize("twin", ["fastapi", "starlette"])
def test_a_deep_page_matches(
    clients: dict[str, TestClient], seeded: tuple[str, SeedInfo, Path], twin: str
) -> None:
    """The depth scenario's page: reached through each app's own cursor, same rows."""
    token = seeded[1].token
    pages = []
    for name in ("real", twin):
        first = _get(clients[name], token, limit=200)
        pages.append(_get(clients[name], token, limit=50, cursor=first["pagination"]["nextCursor"]))
    assert pages[1]["data"] == pages[0]["data"]
    assert len(pages[0]["data"]) == 50  # rows 201-250 of 260


@pytest.mark.parametrize("name", ["real", "fastapi", "starlette"])
@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer nope", "Bearer hsk_live_0123456789ab_" + "A" * 32],
)
def test_bad_tokens_are_401_everywhere(
    clients: dict[str, TestClient], name: str, authorization: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = clients[name].get(LIST_PATH, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
