"""Wire formats shared by every resource: money, decimals, dates and instants.

Money and other decimals go out as strings ("150.00": at least two places, up to four, never a
float) and come in as a JSON number or a decimal string. Instants go out as ISO-8601 UTC with `Z`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
TWO_PLACES = Decimal("0.01")


def format_decimal(value: Decimal | None) -> str | None:
    """`Decimal('150')` → "150.00"; `Decimal('12.3450')` → "12.345"; keeps at most 4 places."""
    if value is None:
        return None
    value = value.quantize(Decimal("0.0001"))
    if value == value.quantize(TWO_PLACES):
        return f"{value.quantize(TWO_PLACES):f}"
    return f"{value.normalize():f}"


MAX_DECIMAL = Decimal(10) ** 14  # money is stored in 1/10,000 units in a BigInteger


def parse_decimal(value: object, *, max_places: int = 4) -> Decimal:
    """Parse a JSON number or decimal string; ValueError with a reason when invalid.

    - A decimal *string* is exact and strict: more than `max_places` decimals is an error.
    - A JSON *number* arrives as a binary float (most clients cannot send 0.1 + 0.2 exactly), so
      it is rounded half-up to `max_places` (the field's precision) instead of being rejected.
      Integers are exact.
    - Either way, magnitudes of 10^14 and more are refused.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("must be a number or a decimal string")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest string that round-trips: 0.1 → "0.1", not 0.1000000000000000055.
        try:
            number = Decimal(repr(value))
        except InvalidOperation as exc:  # pragma: no cover - repr of a float always parses
            raise ValueError("must be a number or a decimal string") from exc
    elif isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_RE.fullmatch(text):
            raise ValueError("must be a number or a decimal string")
        number = Decimal(text)
    else:
        raise ValueError("must be a number or a decimal string")
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if abs(number) >= MAX_DECIMAL:
        raise ValueError("is too large")
    if isinstance(value, float):
        # `+ 0` turns a rounded -0.0000 into 0.0000.
        return number.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP) + 0
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or -exponent > max_places:
        raise ValueError(f"must have at most {max_places} decimal places")
    return number


def as_integer(value: object) -> int | None:
    """A JSON integer as `int`: `6397` and the integral float `6397.0` (JSON Schema 2020-12 calls
    both integers); None for anything else (booleans, `6397.5`, strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def format_instant(value: datetime | None) -> str | None:
    """Naive-UTC datetime → `2026-11-25T07:21:11.123456Z` (no offset, always Z)."""
    if value is None:
        return None
    if value.tzinfo is not None:  # naive is the norm: skip building a copy (half the cost)
        value = value.replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def format_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def parse_date(value: str) -> date:
    """`YYYY-MM-DD` only; ValueError for impossible dates such as 2026-02-30."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date in YYYY-MM-DD form")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("is not a valid calendar date") from exc
