"""Find the operations and the Schema Objects of an OpenAPI document.

The linter, the downgrade and the MCP generator all need to know which nodes are Schema
Objects (only there do `examples: [...]` or `const` mean JSON Schema) and whether a schema is
reached from a request or a response, so the walk lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.load import JsonPath, LoadError, pointer_path, resolve_pointer

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keywords whose value is one schema, a list of schemas, or a name → schema mapping.
SCHEMA_ONE = (
    "items",
    "not",
    "additionalProperties",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs")


@dataclass(frozen=True)
class Operation:
    """One operation with where it sits in the document."""

    path: str
    method: str
    node: dict[str, Any]
    where: JsonPath
    path_parameters: list[Any]

    @property
    def operation_id(self) -> str:
        """The operationId, or "" when missing (the spec validator reports that)."""
        value = self.node.get("operationId", "")
        return value if isinstance(value, str) else ""

    @property
    def parameters(self) -> list[Any]:
        """Path-item parameters overridden by operation parameters (by name and location)."""
        merged: dict[tuple[str, str], Any] = {}
        order: list[tuple[str, str]] = []
        for param in [*self.path_parameters, *self.node.get("parameters", [])]:
            key = (
                (str(param.get("name")), str(param.get("in")))
                if "$ref" not in param
                else (
                    str(param["$ref"]),
                    "$ref",
                )
            )
            if key not in merged:
                order.append(key)
            merged[key] = param
        return [merged[k] for k in order]


def operations(data: dict[str, Any]) -> Iterator[Operation]:
    """Every operation under `paths`, in document order."""
    for path, item in (data.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in item:
            if method in HTTP_METHODS and isinstance(item[method], dict):
                yield Operation(
                    path=path,
                    method=method,
                    node=item[method],
                    where=("paths", path, method),
                    path_parameters=list(item.get("parameters", [])),
                )


def deref_at(data: dict[str, Any], node: Any, where: JsonPath) -> tuple[Any, JsonPath]:
    """Follow `$ref`s from `node` (found at `where`) to a node without one, and its path.

    Cycles of pure refs are refused.
    """
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"$ref cycle at {ref}")
        seen.add(ref)
        node, where = resolve_pointer(data, ref), pointer_path(ref)
    return node, where


def deref(data: dict[str, Any], node: Any) -> Any:
    """Follow `$ref`s until a node without one is reached (cycles of pure refs are refused)."""
    return deref_at(data, node, ())[0]


def subschemas(schema: Any, where: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """The schema itself and every schema nested inside it (not following `$ref`s)."""
    if not isinstance(schema, dict):
        return
    yield where, schema
    for key in SCHEMA_ONE:
        value = schema.get(key)
        if isinstance(value, dict):
            yield from subschemas(value, (*where, key))
        elif key == "items" and isinstance(value, list):
            for i, item in enumerate(value):
                yield from subschemas(item, (*where, key, i))
    for key in SCHEMA_LIST:
        for i, item in enumerate(schema.get(key) or []):
            yield from subschemas(item, (*where, key, i))
    for key in SCHEMA_MAP:
        value = schema.get(key)
        if isinstance(value, dict):
            for name, item in value.items():
                yield from subschemas(item, (*where, key, name))


def _content_schemas(content: Any, where: JsonPath) -> Iterator[tuple[JsonPath, Any]]:
    if isinstance(content, dict):
        for media, obj in content.items():
            if isinstance(obj, dict) and "schema" in obj:
                yield (*where, "content", media, "schema"), obj["schema"]


def _response_schemas(response: Any, where: JsonPath) -> Iterator[tuple[JsonPath, Any, str]]:
    if not isinstance(response, dict) or "$ref" in response:
        return
    for hwhere, header in (response.get("headers") or {}).items():
        if isinstance(header, dict) and "schema" in header:
            yield (*where, "headers", hwhere, "schema"), header["schema"], "header"
    for swhere, schema in _content_schemas(response.get("content"), where):
        yield swhere, schema, "response"


def _parameter_schemas(params: Any, where: JsonPath) -> Iterator[tuple[JsonPath, Any, str]]:
    items = params.items() if isinstance(params, dict) else enumerate(params or [])
    for key, param in items:
        if isinstance(param, dict) and "schema" in param:
            yield (*where, key, "schema"), param["schema"], "parameter"


def schema_roots(data: dict[str, Any]) -> Iterator[tuple[JsonPath, Any, str]]:
    """Every place a Schema Object starts, with its context.

    Contexts: `component` (components.schemas), `parameter`, `header`, `request` (request
    bodies), `response` (response bodies).
    """
    components = data.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        yield ("components", "schemas", name), schema, "component"
    yield from _parameter_schemas(components.get("parameters"), ("components", "parameters"))
    for name, header in (components.get("headers") or {}).items():
        if isinstance(header, dict) and "schema" in header:
            yield ("components", "headers", name, "schema"), header["schema"], "header"
    for name, body in (components.get("requestBodies") or {}).items():
        for where, schema in _content_schemas(
            body.get("content") if isinstance(body, dict) else None,
            ("components", "requestBodies", name),
        ):
            yield where, schema, "request"
    for name, response in (components.get("responses") or {}).items():
        yield from _response_schemas(response, ("components", "responses", name))
    for path, item in (data.get("paths") or {}).items():
        if isinstance(item, dict):
            yield from _parameter_schemas(item.get("parameters"), ("paths", path, "parameters"))
    for op in operations(data):
        yield from _parameter_schemas(op.node.get("parameters"), (*op.where, "parameters"))
        body = op.node.get("requestBody")
        if isinstance(body, dict):
            for where, schema in _content_schemas(body.get("content"), (*op.where, "requestBody")):
                yield where, schema, "request"
        for status, response in (op.node.get("responses") or {}).items():
            yield from _response_schemas(response, (*op.where, "responses", str(status)))


def request_refs(data: dict[str, Any]) -> set[str]:
    """Component schema refs reachable from request bodies and parameters (transitively)."""
    todo: list[Any] = [
        schema for _, schema, context in schema_roots(data) if context in ("request", "parameter")
    ]
    seen: set[str] = set()
    while todo:
        for _, node in subschemas(todo.pop(), ()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                seen.add(ref)
                try:
                    todo.append(resolve_pointer(data, ref))
                except LoadError:  # dangling refs are reported by the validator
                    continue
    return seen
