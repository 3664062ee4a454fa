"""The house rules' registry: what a rule is, what it yields, and `@rule` to register one.

Its own module so that the rules (`generator/rules/`) and the linter that runs them
(`generator/lint.py`) both depend on it and not on each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.load import Document, JsonPath

Hit = tuple[JsonPath, str]
Check = Callable[[Document], Iterable[Hit]]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where it is (file, line, node path), which rule and what is wrong."""

    file: str
    line: int
    rule: str
    message: str
    where: JsonPath = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule} {self.message}"


@dataclass(frozen=True)
class Rule:
    """A house rule: stable id, the reason it exists, and the check that finds violations."""

    id: str
    reason: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, reason: str) -> Callable[[Check], Check]:
    """Register a check under a stable id; ids are never reused or renumbered."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        RULES[rule_id] = Rule(rule_id, reason, check)
        return check

    return register
