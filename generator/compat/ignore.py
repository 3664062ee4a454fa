"""The ignore file: findings accepted on purpose, each with the reason why.

`openapi/compat-ignore.yaml` holds a list under `accepted:`; an entry names the rule, the
operation(s), the finding text exactly as printed after the operation, the release that ships
the change and the reason. An entry applies only while its release is not yet the baseline,
so an accepted change in 1.1.0 cannot hide a new break in 1.2.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.compat.report import Finding
from generator.compat.rules import RULES
from generator.compat.versions import Version, parse_version
from generator.load import LoadError

FIELDS = ("rule", "operations", "finding", "release", "reason")


@dataclass(frozen=True)
class Accepted:
    """One entry of the ignore file."""

    rule: str
    operations: tuple[str, ...]
    finding: str
    release: Version
    reason: str

    def matches(self, finding: Finding) -> bool:
        """Same rule, one of the operations and exactly the same text."""
        return (
            finding.rule == self.rule
            and finding.operation in self.operations
            and finding.detail == self.finding
        )


def _entry(raw: Any, index: int, name: str) -> Accepted:
    where = f"{name}: entry {index + 1}"
    if not isinstance(raw, dict):
        raise LoadError(f"{where}: must be a mapping with {', '.join(FIELDS)}")
    unknown = set(raw) - set(FIELDS) - {"operation"}
    if unknown:
        raise LoadError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    rule = raw.get("rule")
    if rule not in RULES:
        raise LoadError(f"{where}: rule {rule!r} is not a compat rule id")
    ops = raw.get("operations", raw.get("operation"))
    ops = [ops] if isinstance(ops, str) else ops
    if not ops or not all(isinstance(o, str) and o for o in ops):
        raise LoadError(f"{where}: needs `operation` or `operations` (as printed)")
    finding, reason = raw.get("finding"), raw.get("reason")
    if not isinstance(finding, str) or not finding.strip():
        raise LoadError(f"{where}: needs `finding` (the text after the operation)")
    if not isinstance(reason, str) or not reason.strip():
        raise LoadError(f"{where}: needs a `reason`")
    release = parse_version(str(raw.get("release", "")))
    if release is None:
        raise LoadError(f"{where}: needs `release` (the MAJOR.MINOR.PATCH that ships it)")
    return Accepted(rule, tuple(ops), finding.strip(), release, " ".join(reason.split()))


def load_ignores(path: Path) -> list[Accepted]:
    """Read the ignore file (a missing file accepts nothing)."""
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"{path.name}: invalid YAML: {exc}") from None
    entries = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise LoadError(f"{path.name}: expected a list under `accepted:`")
    return [_entry(raw, i, path.name) for i, raw in enumerate(entries)]


def apply(
    findings: list[Finding], entries: list[Accepted], baseline: Version, upto: Version | None
) -> tuple[list[Finding], list[Accepted]]:
    """Mark accepted findings; entries for releases after `baseline` (up to `upto`) apply.

    Returns the findings (accepted ones carry their reason) and the live entries that matched
    nothing, so stale entries can be pointed out.
    """
    live = [e for e in entries if e.release > baseline and (upto is None or e.release <= upto)]
    used: set[int] = set()
    out = []
    for finding in findings:
        hit = next((i for i, e in enumerate(live) if e.matches(finding)), None)
        if hit is None:
            out.append(finding)
        else:
            used.add(hit)
            out.append(finding.accept(live[hit].reason))
    return out, [e for i, e in enumerate(live) if i not in used]
