"""Wire formats: decimals from JSON numbers are rounded, decimal strings are strict (D4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.formats import as_integer, parse_decimal


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (369798888221.28143, 4, "369798888221.2814"),
        (0.1 + 0.2, 4, "0.3000"),
        (0.005, 2, "0.01"),
        (0.0049, 2, "0.00"),
        (5e-324, 2, "0.00"),
        (-0.0, 2, "0.00"),
        (150.1, 4, "150.1000"),
        (12, 2, "12"),
    ],
)
def test_numbers_round_half_up_to_the_field_precision(
    value: float, places: int, expected: str
) -> None:
    """A JSON number is a binary float: it is rounded to `max_places`, never rejected for it."""
    assert str(parse_decimal(value, max_places=places)) == expected


@pytest.mark.parametrize("value", ["1.23456", "0.001"])
def test_strings_must_already_fit(value: str) -> None:
    """A decimal string is exact: more places than the field holds is an error."""
    with pytest.raises(ValueError, match="decimal places"):
        parse_decimal(value, max_places=2 if value == "0.001" else 4)
    assert parse_decimal("1.2345") == Decimal("1.2345")


@pytest.mark.parametrize("value", [1e14, 1e300, float("inf"), float("nan"), True, None, "1e3"])
def test_out_of_range_or_not_a_decimal(value: object) -> None:
    """Huge, non-finite, boolean, null and exponent strings are refused."""
    with pytest.raises(ValueError, match=r"number|finite|too large"):
        parse_decimal(value)


def test_as_integer() -> None:
    """Integral floats are integers; fractions and booleans are not."""
    assert as_integer(6397.0) == 6397
    assert type(as_integer(6397.0)) is int
    assert as_integer(6397) == 6397
    assert as_integer(6397.5) is None
    assert as_integer(True) is None
    assert as_integer("1") is None
