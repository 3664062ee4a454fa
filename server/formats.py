"""Wire formats shared by every resource: money, decimals, dates and instants.

Money and other decimals go out as strings ("150.00": at least two places, up to four, never a
float) and come in as a JSON number or a decimal string. Instants go out as ISO-8601 UTC with `Z`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

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


def parse_decimal(value: object, *, max_places: int = 4) -> Decimal:
    """Parse a JSON number or decimal string exactly; ValueError with a reason when invalid."""
    if isinstance(value, bool) or value is None:
        raise ValueError("must be a number or a decimal string")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr() is the shortest string that round-trips: 0.1 → "0.1", not 0.1000000000000000055.
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError("must be a number or a decimal string")
    if "e" in text.lower() and isinstance(value, float):
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError("must be a number or a decimal string") from exc
    elif not _DECIMAL_RE.fullmatch(text):
        raise ValueError("must be a number or a decimal string")
    else:
        number = Decimal(text)
    if not number.is_finite():
        raise ValueError("must be a finite number")
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or -exponent > max_places:
        raise ValueError(f"must have at most {max_places} decimal places")
    if abs(number) >= Decimal(10) ** 14:
        raise ValueError("is too large")
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
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


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
