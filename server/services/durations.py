"""Parse the human duration strings a time entry accepts as `duration` (write-only).

The API lets clients send `duration` instead of `durationSeconds` because people type
"1h30m" or "1:30", not 5400. Accepted forms (case-insensitive, surrounding blanks ignored):

- clock: `H:MM` or `H:MM:SS` ("1:30", "0:45", "2:00:30");
- units: any of `<n>h`, `<n>m`, `<n>s` in that order, optionally separated by blanks
  ("1h30m", "90m", "2h", "1h 30m", "45s"); the numbers may be decimals ("1.5h", "2.25m").

A bare number ("90") is refused: minutes or hours would be a guess. Fractions are rounded to
the nearest second. Anything else raises `ValueError` with a reason for `fields.duration`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# The contract's `durationSeconds` maximum: seven days.
MAX_DURATION_SECONDS = 7 * 24 * 3600

_CLOCK = re.compile(r"^(\d{1,4}):([0-5]\d)(?::([0-5]\d))?$")
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_UNITS = re.compile(
    rf"^(?:(?P<h>{_NUMBER})\s*h)?\s*(?:(?P<m>{_NUMBER})\s*m)?\s*(?:(?P<s>{_NUMBER})\s*s)?$"
)
_REASON = 'must be a duration such as "1h30m", "1:30", "90m" or "1.5h"'


def parse_duration(text: str) -> int:
    """Return the number of seconds `text` denotes; ValueError with a reason otherwise."""
    if not isinstance(text, str):
        raise ValueError(_REASON)
    value = text.strip().lower()
    if not value:
        raise ValueError(_REASON)
    clock = _CLOCK.fullmatch(value)
    if clock:
        hours, minutes, seconds = clock.group(1), clock.group(2), clock.group(3) or "0"
        return _bounded(Decimal(int(hours) * 3600 + int(minutes) * 60 + int(seconds)))
    units = _UNITS.fullmatch(value)
    if units is None or not any(units.group(k) for k in ("h", "m", "s")):
        raise ValueError(_REASON)
    total = Decimal(0)
    for key, factor in (("h", 3600), ("m", 60), ("s", 1)):
        if units.group(key):
            total += Decimal(units.group(key)) * factor
    return _bounded(total)


def _bounded(seconds: Decimal) -> int:
    rounded = int(seconds.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if rounded > MAX_DURATION_SECONDS:
        raise ValueError(f"must be at most {MAX_DURATION_SECONDS // 3600} hours")
    return rounded
