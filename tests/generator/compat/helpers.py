"""Helpers for the compat tests: the base fixture, patched revisions and printed findings."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from generator.compat.operations import Compare
from generator.load import Document, load
from tests.generator.helpers import apply_patch, as_document

BASE = Path(__file__).resolve().parent / "fixtures" / "base.yaml"

# A pair: (rule it demonstrates, JSON-Patch ops turning the base into the revision,
# every finding the revision must produce, printed without the `file:line: ` prefix).
Pair = tuple[str, list[dict[str, Any]], list[str]]


@cache
def base() -> Document:
    """The base fixture document."""
    return load(BASE)


def revise(ops: list[dict[str, Any]]) -> Document:
    """The base with `ops` applied, re-parsed so findings have lines."""
    return as_document(apply_patch(base().data, ops), "revision.yaml")


def printed(old: Document, new: Document) -> list[str]:
    """Findings of `old` → `new` as printed, without the location prefix."""
    return [str(f).split(": ", 1)[1] for f in Compare(old, new).run().sorted()]


def findings(ops: list[dict[str, Any]]) -> list[str]:
    """Findings of base → base patched with `ops`, sorted by text."""
    return sorted(printed(base(), revise(ops)))


def op(kind: str, path: str, value: Any = None) -> dict[str, Any]:
    """One JSON-Patch operation (`add`, `replace`, `remove`)."""
    return (
        {"op": kind, "path": path}
        if kind == "remove"
        else {"op": kind, "path": path, "value": value}
    )


# JSON-Pointer prefixes of the fixture, so pairs read shortly.
CREATE = "/components/schemas/ThingCreate/properties"
THING = "/components/schemas/Thing/properties"
LIST = "/paths/~1things/get"
POST = "/paths/~1things/post"
HOOK = "/webhooks/thing.created/post"


def assert_pair(rule: str, ops: list[dict[str, Any]], expected: list[str]) -> None:
    """The revision reports exactly `expected`, and `expected` shows `rule`."""
    assert findings(ops) == sorted(expected)
    assert any(line.startswith(rule + " ") for line in expected)
