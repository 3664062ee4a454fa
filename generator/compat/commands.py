"""`python -m generator compat|release|changelog`: the command-line side of the check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from generator.compat.changelog import changelog, splice
from generator.compat.check import check
from generator.compat.ignore import load_ignores
from generator.compat.releases import write_release
from generator.compat.report import collapse
from generator.compat.rules import RULES
from generator.compat.versions import show_version
from generator.load import LoadError

Show = Callable[[Path], str]


def cmd_compat(args: argparse.Namespace, show: Show) -> int:
    """Print every finding and the summary; exit 1 on an error nobody accepted."""
    if args.rules:
        for rule in RULES.values():
            print(f"{rule.id} {rule.severity:<5} {rule.summary}")
        return 0
    outcome = check(args.spec, args.releases, args.ignore, show)
    shown = [f for f in outcome.findings if args.show_accepted or not f.ignored]
    for line in [str(f) for f in shown] if args.every else collapse(shown):
        print(line)
    for entry in outcome.stale:
        print(
            f"note: {show(args.ignore)}: entry {entry.rule} {entry.finding!r} matches nothing",
            file=sys.stderr,
        )
    print(outcome.summary(), flush=True)
    breaking = [f for f in outcome.failures if f.rule != "C040"]
    if breaking:
        print(
            f"{len(breaking)} breaking change(s): v1 only grows (see "
            f"{show(args.ignore)} to accept one with a reason)",
            file=sys.stderr,
        )
    elif outcome.failures:
        print("info.version does not follow the versioning policy (C040)", file=sys.stderr)
    return 1 if outcome.failures else 0


def cmd_release(args: argparse.Namespace, show: Show) -> int:
    """Write `openapi/releases/<info.version>.yaml` once the check passes."""
    outcome = check(args.spec, args.releases, args.ignore, show)
    if outcome.failures or outcome.version is None:
        for finding in outcome.failures:
            print(finding)
        raise LoadError("the document does not pass `make check-compat`; nothing released")
    if outcome.version <= outcome.baseline:
        version, base = show_version(outcome.version), show_version(outcome.baseline)
        raise LoadError(f"info.version {version} is not newer than the release {base}")
    target = write_release(args.spec, args.releases, outcome.version)
    print(f"wrote {show(target)} ({outcome.summary()})")
    return 0


def cmd_changelog(args: argparse.Namespace, show: Show) -> int:
    """Print the Markdown changelog of the released contract, or splice it into a file."""
    markdown = changelog(args.releases, load_ignores(args.ignore))
    if args.write is None:
        print(markdown, end="")
        return 0
    text = args.write.read_text(encoding="utf-8")
    updated = splice(text, markdown)
    if updated != text:
        args.write.write_text(updated, encoding="utf-8")
        print(f"wrote {show(args.write)}")
    return 0


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    spec: Path,
    releases: Path,
    ignore: Path,
) -> None:
    """Register the three commands on the generator's command line."""
    for name, func, help_text in (
        ("compat", cmd_compat, "fail when the document breaks the latest release"),
        ("release", cmd_release, "freeze the document as openapi/releases/<info.version>.yaml"),
        ("changelog", cmd_changelog, "print what each release added, as Markdown"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--spec", type=Path, default=spec)
        command.add_argument("--releases", type=Path, default=releases)
        command.add_argument("--ignore", type=Path, default=ignore)
        if name == "compat":
            command.add_argument("--rules", action="store_true", help="list the rules and exit")
            help_accepted = "also print the findings the ignore file accepts"
            command.add_argument("--show-accepted", action="store_true", help=help_accepted)
            help_every = "one line per operation and status, not one per change"
            command.add_argument("--every", action="store_true", help=help_every)
        if name == "changelog":
            help_write = "replace the marked contract section of this file (CHANGELOG.md)"
            command.add_argument("--write", type=Path, default=None, help=help_write)
        command.set_defaults(func=func, compat=True)
