"""Shared fixtures for the MCP tests: the anyio backend for async tests."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Run async MCP tests on asyncio, the loop the console script uses."""
    return "asyncio"
