"""The rule catalogue: well formed, and every rule has a base → revision pair test."""

from __future__ import annotations

from generator.compat.rules import RULES
from tests.generator.compat import test_bodies, test_branches, test_operations, test_schemas

# Rules that no schema pair can show: C040 judges info.version (see test_check.py).
PROVEN_ELSEWHERE = {"C040"}


def test_every_rule_has_a_pair() -> None:
    """Each rule id of the catalogue is demonstrated by at least one pair test."""
    tables = (test_schemas.PAIRS, test_branches.PAIRS, test_operations.PAIRS, test_bodies.PAIRS)
    shown = {rule for table in tables for rule, _, _ in table}
    assert set(RULES) - shown - PROVEN_ELSEWHERE == set()


def test_ids_are_unique_and_severities_known() -> None:
    """Ids look like C000 and severities are error, warn or info."""
    for rule_id, rule in RULES.items():
        assert rule_id == rule.id
        assert len(rule_id) == 4
        assert rule_id.startswith("C")
        assert rule.severity in ("error", "warn", "info")
