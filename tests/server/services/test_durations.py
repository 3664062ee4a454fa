"""Duration strings accepted by time entries (`duration`, write-only)."""

from __future__ import annotations

import pytest

from server.services.durations import MAX_DURATION_SECONDS, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400),
        ("1:30", 5400),
        ("90m", 5400),
        ("1.5h", 5400),
        ("45m", 2700),
        ("2h", 7200),
        ("0:45", 2700),
        ("2:00:30", 7230),
        ("1h 30m", 5400),
        (" 1H30M ", 5400),
        ("45s", 45),
        ("1h30m15s", 5415),
        ("2.25m", 135),
        (".5h", 1800),
        ("0m", 0),
        ("0:00", 0),
        ("0.1h", 360),
        ("168h", MAX_DURATION_SECONDS),
    ],
)
def test_parse_duration_accepts_every_documented_form(text: str, seconds: int) -> None:
    """Each accepted spelling maps to the exact number of seconds."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "90",
        "1.5",
        "abc",
        "1:75",
        "1:5",
        "h",
        "m30",
        "30m1h",
        "-1h",
        "1h-30m",
        "1,5h",
        "1:30:99",
        "169h",
        "1e3h",
        "1 hour",
        "::",
        "1::30",
    ],
)
def test_parse_duration_refuses_unparseable_text(text: str) -> None:
    """Anything outside the documented forms raises ValueError with a reason."""
    with pytest.raises(ValueError, match="must be"):
        parse_duration(text)


def test_parse_duration_rounds_fractional_seconds_half_up() -> None:
    """A fraction of a second is rounded to the nearest whole second."""
    assert parse_duration("0.0001h") == 0
    assert parse_duration("0.00015h") == 1
