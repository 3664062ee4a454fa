"""Findings of the compatibility check and the lines that report them.

A finding prints like the house linter's, plus the severity and the operation:
`openapi/api-v1.yaml:812: C014 error GET /clients 200: response property data[].email removed`.
The line is in the new document, or in the old one for what was removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from generator.compat.rules import RULES, Severity
from generator.load import Document, JsonPath


@dataclass(frozen=True, order=True)
class Finding:
    """One difference: rule, where it is (file, line), the operation and what changed."""

    file: str
    line: int
    rule: str
    operation: str
    place: str
    what: str
    where: JsonPath = field(default=(), compare=False)
    ignored: str = field(default="", compare=False)

    @property
    def severity(self) -> Severity:
        """The rule's severity (error, warn or info)."""
        return RULES[self.rule].severity

    @property
    def detail(self) -> str:
        """The text after the operation; an ignore entry quotes it as its `finding`."""
        return f"{self.place}: {self.what}" if self.place else self.what

    def __str__(self) -> str:
        head = f"{self.file}:{self.line}: {self.rule} {self.severity} {self.operation}"
        sep = " " if self.place else ": "
        line = f"{head}{sep}{self.detail}"
        return f"{line} [ignored: {self.ignored}]" if self.ignored else line

    def accept(self, reason: str) -> Finding:
        """This finding, marked as accepted by an ignore entry."""
        return replace(self, ignored=reason)


class Sink:
    """Collects findings while the differ walks two documents."""

    def __init__(self, old: Document, new: Document) -> None:
        self.old = old
        self.new = new
        self.findings: set[Finding] = set()

    def add(
        self,
        rule: str,
        operation: str,
        place: str,
        what: str,
        *,
        where: JsonPath,
        in_old: bool = False,
    ) -> None:
        """Record a finding located at `where` in the new document (old one if `in_old`)."""
        if rule not in RULES:
            raise ValueError(f"unknown compat rule {rule}")
        doc = self.old if in_old else self.new
        line = doc.line(where)
        self.findings.add(Finding(doc.path, line, rule, operation, place, what, where))

    def sorted(self) -> list[Finding]:
        """Findings in report order: file, line, rule, then text."""
        return sorted(self.findings)


def collapse(findings: list[Finding]) -> list[str]:
    """Report lines, one per change: a change to a shared component is found once per
    operation and status that uses it, so repeats of (file, line, rule, text) are counted on
    the first line instead of printed."""
    first: dict[tuple[str, int, str, str, str], Finding] = {}
    count: dict[tuple[str, int, str, str, str], int] = {}
    for finding in findings:
        key = (finding.file, finding.line, finding.rule, finding.what, finding.ignored)
        first.setdefault(key, finding)
        count[key] = count.get(key, 0) + 1
    return [
        str(f) if count[k] == 1 else f"{f} (+{count[k] - 1} more operations/statuses)"
        for k, f in first.items()
    ]
