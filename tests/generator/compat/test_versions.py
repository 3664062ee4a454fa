"""Versions: parsing and the policy (additive ⇒ minor bump, v1 never leaves 1.x)."""

from __future__ import annotations

import pytest

from generator.compat.versions import next_minor, parse_version, version_problem


def test_parse_accepts_only_major_minor_patch() -> None:
    """`1.2.3` parses; prefixes, pre-releases and leading zeros do not."""
    assert parse_version("1.2.3") == (1, 2, 3)
    for text in ("v1.2.3", "1.2", "1.2.3-rc.1", "01.2.3"):
        assert parse_version(text) is None


@pytest.mark.parametrize(
    ("new", "bump", "problem"),
    [
        ((1, 1, 0), "minor", ""),
        ((1, 2, 0), "minor", ""),
        ((1, 0, 1), "minor", "must be at least 1.1.0: the contract changed since 1.0.0"),
        ((1, 0, 0), "minor", "must be at least 1.1.0: the contract changed since 1.0.0"),
        ((1, 0, 0), "none", ""),
        ((1, 0, 1), "none", ""),
        ((0, 9, 0), "none", "0.9.0 is lower than the released 1.0.0"),
        ((2, 0, 0), "minor", "2.0.0 leaves v1: a breaking change ships as a new API"),
        (None, "none", "'x' is not MAJOR.MINOR.PATCH"),
    ],
)
def test_version_problem(new: tuple[int, int, int] | None, bump: str, problem: str) -> None:
    """What the policy says about `new` after release 1.0.0 for a diff needing `bump`."""
    assert version_problem((1, 0, 0), new, bump, "x") == problem  # type: ignore[arg-type]


def test_next_minor_resets_patch() -> None:
    """1.4.7 → 1.5.0."""
    assert next_minor((1, 4, 7)) == (1, 5, 0)
