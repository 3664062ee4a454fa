"""Turn the Schema Objects of one document into `Shape`s, following `$ref`s.

One `Normalizer` per document and side: on the input side (what the other party sends)
`readOnly` properties are not part of a body, on the output side `writeOnly` ones are not.
Shapes are memoised by the node's path, so a component used by 30 operations is read once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from generator.compat.shapes import LOWER_BOUNDS, UPPER_BOUNDS, Shape, merge, settle
from generator.load import Document, JsonPath, pointer_path, resolve_pointer
from generator.walk import deref_at

Side = Literal["input", "output"]

# Keywords that only describe: they never change which values a schema accepts.
ANNOTATIONS = frozenset(
    (
        "description",
        "title",
        "summary",
        "example",
        "examples",
        "$comment",
        "deprecated",
        "externalDocs",
        "xml",
        "discriminator",
        "$schema",
        "$id",
        "$anchor",
        "readOnly",
        "writeOnly",
        "contentEncoding",
    )
)
# Keywords read into the shape's own fields (everything else lands in `Shape.other`).
HANDLED = frozenset(
    (
        "$ref",
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "default",
        "multipleOf",
        "uniqueItems",
        *LOWER_BOUNDS,
        *UPPER_BOUNDS,
    )
)
_NULL = Shape(types=frozenset({"null"})).fingerprint


def ref_name(ref: str) -> str:
    """`#/components/schemas/Client` → `Client` (the last pointer segment)."""
    return str(pointer_path(ref)[-1]) if ref.startswith("#") else ref


class Normalizer:
    """Builds the shapes of one document for one side."""

    def __init__(self, doc: Document, side: Side) -> None:
        self.doc = doc
        self.side = side
        self._memo: dict[JsonPath, Shape] = {}
        self._building: set[JsonPath] = set()

    def deref(self, node: Any, where: JsonPath) -> tuple[Any, JsonPath]:
        """Follow `$ref`s from `node` to the node they name, with its path."""
        return deref_at(self.doc.data, node, where)

    def shape(self, node: Any, where: JsonPath) -> Shape:
        """The shape of the schema `node` found at `where`."""
        if isinstance(node, bool) or not isinstance(node, dict):
            return Shape(where=where, types=None if node is not False else frozenset())
        if where in self._memo:
            return self._memo[where]
        if where in self._building:  # a recursive schema: compare the recursion by name
            return Shape(where=where, other={"$cycle": list(where)})
        self._building.add(where)
        try:
            built = self._build(node, where)
        finally:
            self._building.discard(where)
        self._memo[where] = built
        return built

    def _flag(self, node: Any, where: JsonPath, key: str) -> bool:
        """`readOnly`/`writeOnly` on the node or on what its `$ref` names."""
        if isinstance(node, dict) and node.get(key) is True:
            return True
        target, _ = self.deref(node, where)
        return isinstance(target, dict) and target.get(key) is True

    def _build(self, node: dict[str, Any], where: JsonPath) -> Shape:
        shape = self._own(node, where)
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = self.shape(resolve_pointer(self.doc.data, ref), pointer_path(ref))
            shape = replace(merge(shape, target), ref=ref_name(ref))
        for i, branch in enumerate(node.get("allOf") or []):
            part = self.shape(branch, (*where, "allOf", i))
            shape = merge(shape, part)
            if not shape.ref and part.ref:
                shape = replace(shape, ref=part.ref)
        for key in ("anyOf", "oneOf"):  # compared alike: the document's oneOfs are exclusive
            branches = node.get(key)
            if isinstance(branches, list) and branches:
                found = [self.shape(b, (*where, key, i)) for i, b in enumerate(branches)]
                shape = _add_group(shape, found)
        return settle(shape)

    def _own(self, node: dict[str, Any], where: JsonPath) -> Shape:
        raw_type = node.get("type")
        types = (
            frozenset([raw_type])
            if isinstance(raw_type, str)
            else frozenset(raw_type)
            if isinstance(raw_type, list)
            else None
        )
        enum = tuple(node["enum"]) if isinstance(node.get("enum"), list) else None
        if "const" in node:
            enum = (
                (node["const"],) if enum is None else tuple(v for v in enum if v == node["const"])
            )
        bounds = {
            k: node.get(k) for k in (*LOWER_BOUNDS, *UPPER_BOUNDS, "multipleOf", "uniqueItems")
        }
        bounds = {k: v for k, v in bounds.items() if isinstance(v, int | float)}
        if bounds.get("uniqueItems") is False:
            del bounds["uniqueItems"]
        skip = "writeOnly" if self.side == "output" else "readOnly"
        properties = {
            name: self.shape(prop, (*where, "properties", name))
            for name, prop in (node.get("properties") or {}).items()
            if not self._flag(prop, (*where, "properties", name), skip)
        }
        dropped = set(node.get("properties") or {}) - set(properties)
        additional_raw = node.get("additionalProperties", True)
        additional: Shape | bool = (
            self.shape(additional_raw, (*where, "additionalProperties"))
            if isinstance(additional_raw, dict)
            else bool(additional_raw)
        )
        other = {
            k: v
            for k, v in node.items()
            if k not in HANDLED and k not in ANNOTATIONS and not k.startswith("x-")
        }
        pattern = node.get("pattern")
        return Shape(
            where=where,
            types=types,
            enum=enum,
            bounds=bounds,
            patterns=frozenset([pattern]) if isinstance(pattern, str) else frozenset(),
            format=node.get("format") if isinstance(node.get("format"), str) else None,
            properties=properties,
            required=frozenset(r for r in node.get("required") or [] if r not in dropped),
            additional=additional,
            items=self.shape(node["items"], (*where, "items")) if "items" in node else None,
            nots=(self.shape(node["not"], (*where, "not")),) if "not" in node else (),
            other=other,
            default=node.get("default", Shape().default),
            extensible=node.get("x-extensible-enum") is True,
        )


def _add_group(shape: Shape, branches: list[Shape]) -> Shape:
    """Add an anyOf/oneOf; one branch is an allOf, `[X, null]` is X made nullable."""
    rest = [b for b in branches if b.fingerprint != _NULL]
    if len(rest) == 1 and (len(branches) == 1 or rest[0].types is not None):
        only = rest[0]
        if len(branches) > 1 and only.types is not None:
            enum = (*only.enum, None) if only.enum is not None else None
            only = replace(only, types=only.types | {"null"}, enum=enum)
        merged = merge(shape, only)
        return replace(merged, ref=shape.ref or only.ref)
    return replace(shape, groups=(*shape.groups, tuple(branches)))
