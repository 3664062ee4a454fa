"""Fixtures for the generator tests."""

from __future__ import annotations

from typing import Any

import pytest

from generator.load import parse
from tests.generator.helpers import MINI


@pytest.fixture(scope="session")
def mini_data() -> dict[str, Any]:
    """The mini fixture document as plain data."""
    return parse(MINI.read_text(encoding="utf-8"), "mini.yaml").data
