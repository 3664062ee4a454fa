"""The generation pipeline: lint, then render every artefact of `server/generated/` in memory.

Writing is separate from rendering so `check` can compare without touching the tree, and the
output is a pure function of the source bytes (no timestamps, sorted literals).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.downgrade import downgrade
from generator.lint import lint
from generator.load import Document
from generator.mcp import generate_mcp_tools
from generator.models import generate_models
from generator.render import header, render, source_name
from generator.routes import generate_routes
from generator.ruleset import Finding
from generator.webhooks import generate_webhook_events


class LintFailed(Exception):
    """The document has lint findings; nothing was generated."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} lint finding(s)")
        self.findings = findings


def dump_yaml(data: dict[str, Any]) -> str:
    """Deterministic YAML (document key order, unicode kept, no line folding)."""
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # same bytes, 3x faster
    return yaml.dump(
        data,
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def validate_30(data: dict[str, Any]) -> list[str]:
    """openapi-spec-validator messages for the 3.0.3 copy (empty when it is valid)."""
    from openapi_spec_validator import OpenAPIV30SpecValidator  # noqa: PLC0415 - slow import

    return sorted(
        {str(e.message).splitlines()[0] for e in OpenAPIV30SpecValidator(data).iter_errors()}
    )


def build(doc: Document) -> dict[str, str]:
    """Lint `doc` and return file name → content for `server/generated/`.

    Raises `LintFailed` when the document breaks a rule, and `ValueError` when the 3.0.3 copy
    does not validate (a downgrade bug or a 3.1 construct the linter let through).
    """
    findings = lint(doc)
    if findings:
        raise LintFailed(findings)
    top = header(source_name(doc.path), doc.sha256)
    data30 = downgrade(doc.data)
    problems = validate_30(data30)
    if problems:
        raise ValueError("the 3.0.3 copy is invalid: " + "; ".join(problems[:5]))
    return {
        "__init__.py": render("init.py.j2", header=top),
        "openapi_30.yaml": f"{top}\n{dump_yaml(data30)}",
        "models.py": generate_models(doc.data, top),
        "routes.py": generate_routes(doc.data, top),
        "mcp_tools.py": generate_mcp_tools(doc.data, top),
        "webhook_events.py": generate_webhook_events(doc.data, top),
    }


def write(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write `files` into `out_dir`, rewriting only files whose bytes changed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, content in sorted(files.items()):
        target = out_dir / name
        data = content.encode("utf-8")
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
            changed.append(target)
    return changed
