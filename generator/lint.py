"""The house linter: openapi-spec-validator first, then the house rules (H001…).

Every rule has a stable id, a one-line reason and yields findings as data; `__main__` prints
them as `openapi/api-v1.yaml:LINE: H007 POST /clients lacks the IdempotencyKey parameter`.
Rules live in `generator/rules/`, one module per theme; this module only runs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import generator.rules  # noqa: F401 - registers the rules
from generator.load import Document, JsonPath, LoadError
from generator.ruleset import RULES, Finding, Hit, Rule


def _no_hits(_: Document) -> list[Hit]:
    return []  # H000 findings come from validate_spec, not from a registered check


SPEC_RULE = Rule(
    "H000", "the document must be valid OpenAPI 3.1 before house rules apply", _no_hits
)


def _error_path(error: Any) -> JsonPath:
    path = getattr(error, "absolute_path", None) or getattr(error, "path", None) or ()
    return tuple(path)


def _one_line(message: str) -> str:
    """Validator messages can embed the whole document; keep the first clause of line one."""
    first = (message.splitlines() or ["unknown error"])[0]
    return first.split(" within {", 1)[0].split(" is not valid under any of", 1)[0][:200]


def validate_spec(doc: Document) -> list[Finding]:
    """openapi-spec-validator on the 3.1 document, as H000 findings (empty when valid)."""
    from openapi_spec_validator import OpenAPIV31SpecValidator  # noqa: PLC0415 - 0.4 s import

    version = str(doc.data.get("openapi", ""))
    if not version.startswith("3.1."):
        return [_finding(doc, SPEC_RULE, ("openapi",), f"openapi must be 3.1.x, got {version!r}")]
    found = []
    try:
        for error in OpenAPIV31SpecValidator(doc.data).iter_errors():
            message = _one_line(str(getattr(error, "message", error)))
            found.append(
                _finding(doc, SPEC_RULE, _error_path(error), f"invalid OpenAPI: {message}")
            )
    except Exception as exc:  # the validator raises its own types on broken refs
        found.append(_finding(doc, SPEC_RULE, (), f"invalid OpenAPI: {_one_line(str(exc))}"))
    return sorted(set(found))


def _finding(doc: Document, rule: Rule, where: JsonPath, message: str) -> Finding:
    return Finding(doc.path, doc.line(where), rule.id, message, where)


def run_rules(doc: Document, only: Iterable[str] | None = None) -> list[Finding]:
    """Run the house rules (all, or those in `only`) on a spec-valid document."""

    selected = set(only) if only is not None else None
    found: set[Finding] = set()
    for rule_id, house_rule in sorted(RULES.items()):
        if selected is not None and rule_id not in selected:
            continue
        try:
            hits: Iterator[Hit] = iter(house_rule.check(doc))
            found.update(_finding(doc, house_rule, where, message) for where, message in hits)
        except (LoadError, ValueError) as exc:
            found.add(_finding(doc, house_rule, (), f"cannot check: {exc}"))
    return sorted(found, key=lambda f: (f.line, f.rule, f.message))


def lint(doc: Document) -> list[Finding]:
    """Spec validation, then (only if that passed) the house rules."""
    return validate_spec(doc) or run_rules(doc)
