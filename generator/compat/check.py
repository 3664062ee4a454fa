"""The check behind `make check-compat`: the document against the latest release."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.compat.ignore import Accepted, apply, load_ignores
from generator.compat.operations import Compare
from generator.compat.releases import latest
from generator.compat.report import Finding
from generator.compat.versions import (
    Bump,
    Version,
    next_minor,
    parse_version,
    show_version,
    version_problem,
)
from generator.load import Document, load


@dataclass
class Outcome:
    """What the check found, what it accepted and the bump the diff needs."""

    baseline: Version
    version: Version | None
    findings: list[Finding]
    bump: Bump
    stale: list[Accepted] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        """Errors no ignore entry accepts: each one fails the check."""
        return [f for f in self.findings if f.severity == "error" and not f.ignored]

    def summary(self) -> str:
        """One line: counts by severity, ignored findings and the bump."""
        live = [f for f in self.findings if not f.ignored]
        counts = {s: sum(1 for f in live if f.severity == s) for s in ("error", "warn", "info")}
        base = show_version(self.baseline)
        bump = {
            "none": "no contract change",
            "minor": f"needs a minor bump ({base} -> {show_version(next_minor(self.baseline))})",
            "major": "breaking: not allowed in v1",
        }[self.bump]
        have = show_version(self.version) if self.version else "?"
        return (
            f"compat: {have} against release {base}: {counts['error']} error(s), "
            f"{counts['warn']} warning(s), {counts['info']} info, "
            f"{len(self.findings) - len(live)} accepted (--show-accepted); {bump}"
        )


def needed_bump(findings: list[Finding]) -> Bump:
    """major for an unaccepted error, minor for any other finding, none without findings."""
    if any(f.severity == "error" and not f.ignored for f in findings):
        return "major"
    return "minor" if findings else "none"


def compare(old: Document, new: Document, ignores: list[Accepted], baseline: Version) -> Outcome:
    """Diff two documents, apply the ignore entries and check `info.version`."""
    found = Compare(old, new).run().sorted()
    raw_version = str((new.data.get("info") or {}).get("version", ""))
    version = parse_version(raw_version)
    findings, stale = apply(found, ignores, baseline, None)
    bump = needed_bump(findings)
    problem = version_problem(baseline, version, bump, raw_version)
    if problem:
        line = new.line(("info", "version"))
        findings.append(
            Finding(new.path, line, "C040", "info.version", "", problem, ("info", "version"))
        )
    return Outcome(baseline, version, findings, bump, stale)


def check(
    spec: Path, releases: Path, ignore_file: Path, show: Callable[[Path], str] = str
) -> Outcome:
    """Compare `spec` with the newest release in `releases` (`show` names files in reports)."""
    baseline, path = latest(releases)
    return compare(load(show(path)), load(show(spec)), load_ignores(ignore_file), baseline)
