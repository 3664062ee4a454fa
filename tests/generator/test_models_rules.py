"""Cross-field rules reach the 3.0.3 copy unchanged but are kept away from the models (D5)."""

from __future__ import annotations

from typing import Any

from generator.downgrade import convert_schema
from generator.models import strip_rules

RULE: dict[str, Any] = {
    "not": {
        "required": ["a", "b"],
        "properties": {"a": {"$ref": "#/components/schemas/Given"}, "b": {"const": 1}},
    }
}
SHAPE: dict[str, Any] = {
    "type": "object",
    "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "running": {}},
    "allOf": [RULE, {"anyOf": [{"required": ["a"]}, {"required": ["running"]}]}],
}


def doc(schema: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"S": schema}}}


def test_downgrade_keeps_not_anyof_required() -> None:
    """`not` / `anyOf` of `required` sets are 3.0.3 keywords: only `const` is respelt."""
    out = convert_schema(SHAPE)
    assert out["allOf"][0]["not"]["required"] == ["a", "b"]
    assert out["allOf"][0]["not"]["properties"]["b"] == {"enum": [1]}
    assert out["allOf"][1] == {"anyOf": [{"required": ["a"]}, {"required": ["running"]}]}


def test_models_do_not_see_the_rules() -> None:
    """dcg gets the object without its property-less assertions; shapes are kept."""
    out = strip_rules(doc(SHAPE))["components"]["schemas"]["S"]
    assert "allOf" not in out
    assert out["properties"] == SHAPE["properties"]
    union = {"anyOf": [{"type": "string"}, {"type": "number"}]}
    assert strip_rules(doc(union))["components"]["schemas"]["S"] == union
    composed = {"allOf": [{"$ref": "#/components/schemas/T"}], "properties": {"x": {}}}
    assert strip_rules(doc(composed))["components"]["schemas"]["S"] == composed
