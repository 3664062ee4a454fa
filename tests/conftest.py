"""Fixtures shared across the test tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.live_server import LiveServer, start_live_server
from tests.support.postgres import pg_cluster, pg_url  # noqa: F401 (fixtures)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real `hoursmith serve` process (temp SQLite, demo data) for the whole session."""
    server = start_live_server(tmp_path_factory.mktemp("live-server"))
    try:
        yield server
    finally:
        server.stop()
