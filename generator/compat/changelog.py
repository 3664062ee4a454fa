"""Markdown of what each release added, computed from the baselines in `openapi/releases/`.

Each release is compared with the one before it; the additive findings are grouped (a new
property of a component is one line however many operations return it) and the accepted
findings of the ignore file are listed under "Changed" with their reasons.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

from generator.compat.context import collect
from generator.compat.ignore import Accepted, apply
from generator.compat.operations import Compare
from generator.compat.releases import releases
from generator.compat.report import Finding
from generator.compat.versions import show_version
from generator.load import JsonPath, load

# Which additive rule goes under which heading, in the order they print.
SECTIONS = (
    ("C100", "Operations"),
    ("C101", "Webhook events"),
    ("C102", "Parameters"),
    ("C103", "Request properties"),
    ("C104", "Response properties"),
    ("C104 webhook", "Webhook payload properties"),
    ("C105", "Enum values"),
    ("C106", "Response statuses"),
    ("C107", "Response headers"),
    ("C108", "Media types"),
    ("C109", "Relaxed inputs"),
    ("C111", "Security alternatives"),
    ("C110", "Deprecated"),
    ("C018", "Response enum values"),
)


def _schema_name(where: JsonPath) -> str:
    """`components/schemas/TimeEntry/properties/note` → `TimeEntry.note` ("" elsewhere)."""
    if len(where) < 3 or where[:2] != ("components", "schemas"):
        return ""
    parts = [str(where[2])]
    for step in where[3:]:
        if step == "items":
            parts[-1] += "[]"
        elif step not in ("properties", "allOf", "anyOf", "oneOf") and not isinstance(step, int):
            parts.append(str(step))
    return ".".join(parts)


def _line(finding: Finding) -> str:
    name = _schema_name(finding.where)
    if finding.rule in ("C100", "C101"):
        return f"`{finding.operation}` {finding.what.partition('added')[2].strip()}".strip()
    if name and finding.rule in ("C103", "C104"):
        return f"`{name}`"
    if name:
        return f"`{name}`: {finding.what}"
    return finding.detail  # the operations it concerns are listed after it


def _group(findings: list[Finding]) -> dict[str, dict[str, list[str]]]:
    """Heading → entry line → operations it concerns."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    titles = dict(SECTIONS)
    for finding in findings:
        webhook = finding.operation.startswith("webhook ")
        key = (
            f"{finding.rule} webhook"
            if webhook and f"{finding.rule} webhook" in titles
            else finding.rule
        )
        if key in titles and not finding.ignored:
            out[titles[key]][_line(finding)].append(finding.operation)
    return out


def _accepted(findings: list[Finding]) -> list[str]:
    """One line per reason of the ignore file, with how many findings of which rule it covers."""
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        if finding.ignored:
            by_reason[finding.ignored][finding.rule] += 1
    if not by_reason:
        return []
    lines = ["- **Changed** (accepted in `openapi/compat-ignore.yaml`):"]
    for reason, rules in sorted(by_reason.items()):
        counts = ", ".join(f"{rule} ×{n}" for rule, n in sorted(rules.items()))
        lines.append(f"  - {reason} ({counts})")
    return lines


def _render_section(version: str, findings: list[Finding]) -> list[str]:
    lines = [f"### API {version}", ""]
    grouped = _group(findings)
    for _, title in SECTIONS:
        entries = grouped.get(title)
        if not entries:
            continue
        lines.append(f"- **{title}**:")
        for text, ops in sorted(entries.items()):
            where = sorted(set(ops))
            suffix = ""
            if title not in ("Operations", "Webhook events") and len(where) <= 3:
                suffix = " (" + ", ".join(f"`{op}`" for op in where) + ")"
            elif title not in ("Operations", "Webhook events"):
                suffix = f" ({len(where)} operations)"
            lines.append(f"  - {text}{suffix}")
    lines += _accepted(findings)
    if len(lines) == 2:
        lines.append("- No contract changes.")
    return [*lines, ""]


def changelog(folder: Path, ignores: list[Accepted]) -> str:
    """The Markdown for every release in `folder`, newest first."""
    found = releases(folder)
    sections: list[list[str]] = []
    for (before, old_path), (version, new_path) in pairwise(found):
        old, new = load(old_path), load(new_path)
        findings, _ = apply(Compare(old, new).run().sorted(), ignores, before, version)
        sections.append(_render_section(show_version(version), findings))
    if found:
        first_version, first_path = found[0]
        ops = collect(load(first_path))
        hooks = sum(1 for key in ops if key[0] == "webhooks")
        sections.append(
            [
                f"### API {show_version(first_version)}",
                "",
                f"- First release: {len(ops) - hooks} operations, {hooks} webhook events.",
                "",
            ]
        )
    body = [line for section in reversed(sections[:-1]) for line in section]
    body += sections[-1] if sections else []
    return "\n".join(body).rstrip() + "\n"


START = "<!-- contract-changelog:start (python -m generator changelog --write CHANGELOG.md) -->"
END = "<!-- contract-changelog:end -->"


def splice(text: str, markdown: str) -> str:
    """`text` with the part between the contract-changelog markers replaced by `markdown`."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the changelog lacks the markers {START} … {END}")
    return f"{head}{START}\n{markdown}{END}{tail}"
