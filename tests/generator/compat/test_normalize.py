"""Equivalent spellings of the same contract report nothing (the no-finding pairs)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.compat.normalize import Normalizer
from tests.generator.compat.helpers import CREATE, THING, base, findings, op, printed
from tests.generator.helpers import as_document

THING_SCHEMA = "/components/schemas/Thing"


def _reversed(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _reversed(node[k]) for k in reversed(list(node))}
    if isinstance(node, list):
        return [_reversed(v) for v in node]
    return node


def _reworded(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _reworded(v) for k, v in node.items()}
        for key in ("description", "summary", "title"):
            if key in out:
                out[key] = f"Reworded: {out[key]}"
        if "examples" in out and isinstance(out["examples"], list):
            out["examples"] = ["something else"]
        out.pop("example", None)
        return out
    if isinstance(node, list):
        return [_reworded(v) for v in node]
    return node


def _thing() -> dict[str, Any]:
    return copy.deepcopy(base().data["components"]["schemas"]["Thing"])


def _split_with_allof() -> list[dict[str, Any]]:
    thing = _thing()
    head = {k: thing["properties"][k] for k in ("id", "name", "kind")}
    rest = {k: v for k, v in thing["properties"].items() if k not in head}
    return [
        op("add", "/components/schemas/ThingHead", {"type": "object", "properties": head}),
        op(
            "replace",
            THING_SCHEMA,
            {
                "allOf": [
                    {"$ref": "#/components/schemas/ThingHead"},
                    {"type": "object", "required": thing["required"], "properties": rest},
                ]
            },
        ),
    ]


EQUIVALENT: dict[str, list[dict[str, Any]]] = {
    "inline schema for its $ref": [
        op("replace", "/components/schemas/ThingResponse/properties/data", _thing())
    ],
    "$ref with a sibling description": [
        op(
            "replace",
            "/components/schemas/ThingResponse/properties/data",
            {"$ref": "#/components/schemas/Thing", "description": "The thing."},
        )
    ],
    "allOf refactor with the same effective schema": _split_with_allof(),
    "const X as enum [X]": [op("replace", f"{CREATE}/running", {"enum": [False]})],
    "const X as typed enum [X]": [
        op("replace", f"{CREATE}/running", {"type": "boolean", "enum": [False]})
    ],
    "type [T, null] as anyOf with null": [
        op("replace", f"{THING}/note", {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        op(
            "replace",
            f"{CREATE}/note",
            {"oneOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]},
        ),
    ],
    "single-branch anyOf is its branch": [
        op("replace", f"{THING}/size", {"anyOf": [{"type": "integer"}]}),
    ],
    "enum order": [op("replace", "/components/parameters/Status/schema/enum", ["CLOSED", "OPEN"])],
}


@pytest.mark.parametrize("ops", EQUIVALENT.values(), ids=list(EQUIVALENT))
def test_equivalent_revision_reports_nothing(ops: list[dict[str, Any]]) -> None:
    """The revision spells the same contract differently: no finding at all."""
    assert findings(ops) == []


def test_reordered_keys_report_nothing() -> None:
    """Every mapping of the document in reverse key order is the same contract."""
    assert printed(base(), as_document(_reversed(base().data))) == []


def test_description_and_example_changes_report_nothing() -> None:
    """Descriptions, summaries, titles and examples are not part of the contract."""
    assert printed(base(), as_document(_reworded(base().data))) == []


def test_recursive_schema_is_compared_without_looping() -> None:
    """A schema that contains itself normalises once and compares equal to itself."""
    tree = {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
    }
    doc = as_document({"openapi": "3.1.0", "components": {"schemas": {"Tree": tree}}})
    shape = Normalizer(doc, "output").shape(tree, ("components", "schemas", "Tree"))
    assert shape.properties["kids"].items is not None
    assert shape.properties["kids"].items.other == {"$cycle": ["components", "schemas", "Tree"]}


def test_read_only_and_write_only_depend_on_the_side() -> None:
    """readOnly properties leave request bodies, writeOnly ones leave responses."""
    doc = base()
    where = ("components", "schemas", "Thing")
    node = doc.data["components"]["schemas"]["Thing"]
    assert "id" not in Normalizer(doc, "input").shape(node, where).properties
    assert "secret" not in Normalizer(doc, "output").shape(node, where).properties
    assert "id" in Normalizer(doc, "output").shape(node, where).properties
