"""`python -m generator lint|generate|check|refresh-golden|compat|release|changelog`.

The Makefile targets call these.

Every failure (missing file, bad YAML, invalid spec, lint findings, stale output) ends with a
readable message on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from generator.build import LintFailed, build, write
from generator.compat.commands import add_commands
from generator.lint import lint
from generator.load import Document, LoadError, load
from generator.mcp import GeneratorError
from generator.render import ROOT
from generator.routes import route_table
from generator.ruleset import RULES
from generator.stubs import ensure_stubs

SPEC = ROOT / "openapi" / "api-v1.yaml"
OUT = ROOT / "server" / "generated"
HANDLERS = ROOT / "server" / "handlers"
RELEASES = ROOT / "openapi" / "releases"
COMPAT_IGNORE = ROOT / "openapi" / "compat-ignore.yaml"
GOLDEN_SPEC = ROOT / "tests" / "generator" / "fixtures" / "mini.yaml"
GOLDEN_OUT = ROOT / "tests" / "generator" / "golden"


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _load(path: Path) -> Document:
    return load(_display(path))


def cmd_lint(args: argparse.Namespace) -> int:
    """Print every finding; exit 1 if there is any."""
    if args.rules:
        for rule in sorted(RULES.values(), key=lambda r: r.id):
            print(f"{rule.id} {rule.reason}")
        return 0
    findings = lint(_load(args.spec))
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} finding(s)", file=sys.stderr)
        return 1
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Lint, write the generated package, then create missing handler stubs."""
    started = time.perf_counter()
    doc = _load(args.spec)
    files = build(doc)
    changed = write(files, args.out)
    for path in changed:
        print(f"wrote {_display(path)}")
    if not args.no_stubs:
        for message in ensure_stubs(route_table(doc.data), args.handlers):
            print(message)
    elapsed = time.perf_counter() - started
    print(f"{_display(args.out)}: {len(files)} files, {len(changed)} changed ({elapsed:.2f} s)")
    return 0


def compare(expected: Path, actual: Path) -> list[str]:
    """Differences between two generated directories, as printable lines (empty if equal)."""
    want = {p.name for p in expected.iterdir() if p.is_file()}
    have = {p.name for p in actual.iterdir() if p.is_file()} if actual.is_dir() else set()
    lines = [f"missing: {_display(actual / name)}" for name in sorted(want - have)]
    lines += [f"extra: {_display(actual / name)}" for name in sorted(have - want)]
    for name in sorted(want & have):
        new = (expected / name).read_text(encoding="utf-8").splitlines(keepends=True)
        old = (actual / name).read_text(encoding="utf-8").splitlines(keepends=True)
        committed, fresh = _display(actual / name), f"{_display(actual / name)} (regenerated)"
        lines += [line.rstrip("\n") for line in difflib.unified_diff(old, new, committed, fresh)]
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    """Regenerate into a temp dir and fail with a diff when `args.out` differs."""
    files = build(_load(args.spec))
    with tempfile.TemporaryDirectory() as tmp:
        write(files, Path(tmp))
        problems = compare(Path(tmp), args.out)
    if problems:
        print("\n".join(problems))
        print(f"{_display(args.out)} is stale: run `make generate`", file=sys.stderr)
        return 1
    print(f"{_display(args.out)} is up to date")
    return 0


def cmd_refresh_golden(_: argparse.Namespace) -> int:
    """Rewrite the golden files of the generator tests from the mini fixture."""
    files = build(_load(GOLDEN_SPEC))
    for stale in GOLDEN_OUT.glob("*") if GOLDEN_OUT.is_dir() else []:
        if stale.is_file() and stale.name not in files:
            stale.unlink()
    for path in write(files, GOLDEN_OUT):
        print(f"wrote {_display(path)}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line; defaults are repo-root paths so any working directory works."""
    main = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    sub = main.add_subparsers(dest="command", required=True)
    lint_p = sub.add_parser("lint", help="validate the spec and apply the house rules")
    lint_p.add_argument("spec", nargs="?", type=Path, default=SPEC)
    lint_p.add_argument("--rules", action="store_true", help="list the rules and exit")
    lint_p.set_defaults(func=cmd_lint)
    for name, func, help_text in (
        ("generate", cmd_generate, "lint, then write server/generated/ and handler stubs"),
        ("check", cmd_check, "fail with a diff when server/generated/ is stale"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--spec", type=Path, default=SPEC)
        command.add_argument("--out", type=Path, default=OUT)
        command.set_defaults(func=func)
        if name == "generate":
            command.add_argument("--handlers", type=Path, default=HANDLERS)
            command.add_argument("--no-stubs", action="store_true", help="skip handler stubs")
    golden = sub.add_parser("refresh-golden", help="rewrite tests/generator/golden/")
    golden.set_defaults(func=cmd_refresh_golden)
    add_commands(sub, SPEC, RELEASES, COMPAT_IGNORE)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; map every expected failure to a message and exit status 1."""
    args = parser().parse_args(argv)
    try:
        if getattr(args, "compat", False):
            return int(args.func(args, _display))
        return int(args.func(args))
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except LintFailed as exc:
        for finding in exc.findings:
            print(finding)
        print(f"error: {exc}; nothing generated", file=sys.stderr)
    except (GeneratorError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
