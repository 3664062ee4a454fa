"""Shapes: merging allOf parts, type/enum agreement and value identity."""

from __future__ import annotations

from generator.compat.shapes import Shape, covers, merge, settle, type_text, value_key


def test_merge_keeps_the_stricter_bounds_and_both_property_sets() -> None:
    """allOf of two parts: tighter bounds, union of properties and required, common types."""
    a = Shape(
        types=frozenset({"object", "null"}), bounds={"maxProperties": 5}, required=frozenset({"a"})
    )
    b = Shape(types=frozenset({"object"}), bounds={"maxProperties": 3}, properties={"b": Shape()})
    merged = merge(a, b)
    assert merged.types == frozenset({"object"})
    assert merged.bounds == {"maxProperties": 3}
    assert merged.required == {"a"}
    assert set(merged.properties) == {"b"}


def test_merge_closes_additional_properties_when_one_part_does() -> None:
    """`additionalProperties: false` in one allOf part wins."""
    assert merge(Shape(additional=False), Shape()).additional is False


def test_settle_limits_types_to_the_enum() -> None:
    """`enum: [false]` without a type is a boolean; `type: number` with `enum: [1]` an integer."""
    assert settle(Shape(enum=(False,))).types == frozenset({"boolean"})
    assert settle(Shape(types=frozenset({"number"}), enum=(1,))).types == frozenset({"integer"})


def test_settle_drops_enum_values_the_type_refuses() -> None:
    """`type: string` with `enum: [a, null]` does not accept null."""
    assert settle(Shape(types=frozenset({"string"}), enum=("a", None))).enum == ("a",)


def test_true_and_one_are_different_values() -> None:
    """Python's True == 1 must not make enum [true] equal enum [1]."""
    assert value_key(True) != value_key(1)
    assert settle(Shape(enum=(True,))).fingerprint != settle(Shape(enum=(1,))).fingerprint


def test_number_covers_integer() -> None:
    """`type: number` accepts integers; `type: integer` does not accept every number."""
    assert covers(frozenset({"number"}), "integer")
    assert not covers(frozenset({"integer"}), "number")
    assert type_text(frozenset({"null", "string"})) == "string|null"
