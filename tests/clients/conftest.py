"""Fixtures of the generated-client tests: one live server and the document it serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer, live_server_running


@pytest.fixture(scope="package")
def clients_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A `hoursmith serve` process of its own, so the clients' writes touch no other test.

    Rate limiting is off: the two workflows page two records at a time through every client, more
    requests than a plan's burst allows when the machine is fast (a 429 there is the limiter
    working, not the contract failing); limits are tested in tests/e2e/test_rate_limit_live.py.
    """
    with live_server_running(
        tmp_path_factory.mktemp("clients-server"), {"HOURSMITH_RATE_LIMIT": "off"}
    ) as server:
        yield server


@pytest.fixture(scope="package")
def served_document(clients_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bytes of `/api/openapi.json`, as a user of the API downloads them, in a file."""
    response = httpx.get(f"{clients_server.base_url}/api/openapi.json", timeout=10.0)
    response.raise_for_status()
    path = tmp_path_factory.mktemp("served-document") / "openapi.json"
    path.write_bytes(response.content)
    return path
