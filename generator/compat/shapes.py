"""The canonical form of a JSON Schema that the differ compares.

Equivalent spellings become one `Shape`: `$ref` or inline, any key order, `const: X` or
`enum: [X]`, `type: [T, "null"]` or `anyOf: [T, {type: "null"}]`, properties spread over
`allOf` branches or written once. Annotations (descriptions, examples, titles) are not part of
a shape. `where` (the node's path in its document) and `ref` (the component it came from) only
locate findings and pair `anyOf` branches; they are not compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

# Bounds where a larger value is stricter (min*) and where a smaller one is (max*).
LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")

MISSING: Any = object()


def value_key(value: Any) -> str:
    """A JSON spelling that tells `true` from `1` (Python's `True == 1`)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def json_type(value: Any) -> str:
    """The JSON Schema type of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def covers(types: frozenset[str] | None, name: str) -> bool:
    """Whether a `type` set admits values of type `name` (`number` admits integers)."""
    if types is None:
        return True
    return name in types or (name == "integer" and "number" in types)


def type_text(types: frozenset[str] | None) -> str:
    """Readable type set: `any`, `string`, `string|null`."""
    if types is None:
        return "any"
    return "|".join(sorted(types, key=lambda t: (t == "null", t))) or "nothing"


@dataclass
class Shape:
    """A normalised schema (see the module docstring)."""

    where: tuple[str | int, ...] = ()
    ref: str = ""
    types: frozenset[str] | None = None
    enum: tuple[Any, ...] | None = None
    bounds: dict[str, Any] = field(default_factory=dict)
    patterns: frozenset[str] = frozenset()
    format: str | None = None
    properties: dict[str, Shape] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    additional: Shape | bool = True
    items: Shape | None = None
    groups: tuple[tuple[Shape, ...], ...] = ()
    nots: tuple[Shape, ...] = ()
    other: dict[str, Any] = field(default_factory=dict)
    default: Any = MISSING
    extensible: bool = False

    @cached_property
    def canonical(self) -> Any:
        """Plain data with every compared part, for fingerprints."""
        add = self.additional
        return {
            "t": sorted(self.types) if self.types is not None else None,
            "e": sorted(value_key(v) for v in self.enum) if self.enum is not None else None,
            "b": self.bounds,
            "p": sorted(self.patterns),
            "f": self.format,
            "P": {name: s.canonical for name, s in sorted(self.properties.items())},
            "r": sorted(self.required),
            "a": add.canonical if isinstance(add, Shape) else add,
            "i": self.items.canonical if self.items is not None else None,
            "g": sorted(sorted(b.fingerprint for b in group) for group in self.groups),
            "n": sorted(n.fingerprint for n in self.nots),
            "o": self.other,
            "d": value_key(self.default) if self.default is not MISSING else None,
            "x": self.extensible,
        }

    @cached_property
    def fingerprint(self) -> str:
        """Equal for shapes that accept the same values (as far as normalisation sees)."""
        return json.dumps(self.canonical, sort_keys=True, default=str)


def _merge_bounds(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key in LOWER_BOUNDS:
            out[key] = max(out[key], value)
        elif key in UPPER_BOUNDS:
            out[key] = min(out[key], value)
        elif key == "uniqueItems":
            out[key] = bool(out[key] or value)
        elif out[key] != value:
            out[key] = sorted([out[key], value], key=value_key)
    return out


def _merge_enum(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if a is None or b is None:
        return a if b is None else b
    keys = {value_key(v) for v in b}
    return tuple(v for v in a if value_key(v) in keys)


def _merge_additional(a: Shape | bool, b: Shape | bool) -> Shape | bool:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return merge(a, b)


def merge(a: Shape, b: Shape) -> Shape:
    """The shape of `allOf: [a, b]`: both must hold."""
    types = b.types if a.types is None else a.types if b.types is None else a.types & b.types
    properties = dict(a.properties)
    for name, prop in b.properties.items():
        properties[name] = merge(properties[name], prop) if name in properties else prop
    items = b.items if a.items is None else a.items if b.items is None else merge(a.items, b.items)
    other = dict(a.other)
    for key, value in b.other.items():
        other[key] = value if key not in other else [other[key], value]
    fmt = a.format or b.format
    if a.format and b.format and a.format != b.format:
        other["format"] = sorted([a.format, b.format])
    return Shape(
        where=a.where or b.where,
        ref=a.ref or b.ref,
        types=types,
        enum=_merge_enum(a.enum, b.enum),
        bounds=_merge_bounds(a.bounds, b.bounds),
        patterns=a.patterns | b.patterns,
        format=fmt,
        properties=properties,
        required=a.required | b.required,
        additional=_merge_additional(a.additional, b.additional),
        items=items,
        groups=a.groups + b.groups,
        nots=a.nots + b.nots,
        other=other,
        default=a.default if a.default is not MISSING else b.default,
        extensible=a.extensible or b.extensible,
    )


def settle(shape: Shape) -> Shape:
    """Make `type` and `enum` agree: an enum limits the types, the types filter the enum."""
    if shape.enum is None:
        return shape
    enum = tuple(v for v in shape.enum if covers(shape.types, json_type(v)))
    enum_types = {json_type(v) for v in enum}
    types = frozenset(t for t in enum_types if covers(shape.types, t))
    unique = tuple(sorted({value_key(v): v for v in enum}.values(), key=value_key))
    return replace(shape, enum=unique, types=types)
