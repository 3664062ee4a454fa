"""Request validators: JSON Schema 2020-12 integers on a Draft 4 base (D7)."""

from __future__ import annotations

from typing import Any

import pytest

from server.http.request_validation import RequestValidator

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 10}},
}


@pytest.mark.parametrize(("value", "valid"), [(6, True), (6.0, True), (6.5, False), (True, False)])
def test_integral_floats_are_integers(value: Any, valid: bool) -> None:
    """`6.0` is an integer in the 3.1 document's dialect; `6.5` and booleans are not."""
    errors = list(RequestValidator(SCHEMA).iter_errors({"n": value}))
    assert (not errors) is valid


def test_bounds_still_apply_to_integral_floats() -> None:
    """An integral float is still checked against minimum/maximum."""
    assert list(RequestValidator(SCHEMA).iter_errors({"n": 11.0}))
