"""Helpers for the generator tests: fixture paths and JSON-Patch style edits of mini.yaml."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from generator.load import Document, parse, pointer_path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
MINI = FIXTURES / "mini.yaml"
GOLDEN = HERE / "golden"
ROOT = HERE.parent.parent
REAL_SPEC = ROOT / "openapi" / "api-v1.yaml"


def _parent(data: Any, pointer: str) -> tuple[Any, str | int]:
    parts = list(pointer_path("#" + pointer))
    node = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last: str | int = parts[-1]
    if isinstance(node, list):
        last = len(node) if last == "-" else int(last)
    return node, last


def apply_patch(data: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of `data` with add/replace/remove/move operations (RFC 6902 subset) applied."""
    out = copy.deepcopy(data)
    for op in ops:
        if op["op"] == "move":
            node, key = _parent(out, op["from"])
            value = node.pop(key)
            target, new_key = _parent(out, op["path"])
            target[new_key] = value
            continue
        node, key = _parent(out, op["path"])
        if op["op"] == "remove":
            del node[key]
        elif isinstance(node, list) and op["op"] == "add":
            node.insert(int(key), op["value"])
        else:
            node[key] = op["value"]
    return out


def as_document(data: dict[str, Any], name: str = "fixture.yaml") -> Document:
    """Dump `data` to YAML and parse it back, so line numbers exist for the findings."""
    return parse(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), name)
