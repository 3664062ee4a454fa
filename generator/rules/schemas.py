"""Schema rules (H013–H016): examples, and the 3.1 subset the 3.0.3 downgrade supports.

The 3.1 document and the 3.0.3 copy connexion loads must accept exactly the same requests, so
any 3.1 construct without a faithful 3.0.3 spelling is refused here rather than converted.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from generator.load import Document, JsonPath, to_pointer
from generator.ruleset import Hit, rule
from generator.walk import deref, operations, request_refs, schema_roots, subschemas

DOC_URI = "urn:hoursmith:openapi"
SCHEMA_KEYWORDS_30 = frozenset(
    (
        *("title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"),
        *("maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems"),
        *("maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf"),
        *("anyOf", "not", "items", "properties", "additionalProperties", "description"),
        *("format", "default", "readOnly", "writeOnly", "example", "deprecated"),
        *("discriminator", "xml", "externalDocs"),
    )
)
# 3.1-only keywords the downgrade converts (examples → example, const → enum, $schema dropped).
SCHEMA_KEYWORDS_CONVERTED = frozenset(("examples", "const", "$ref", "$schema"))
JSON_TYPES = frozenset(("string", "number", "integer", "boolean", "array", "object"))
NULL = {"type": "null"}


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _all_schemas(doc: Document) -> Iterator[tuple[JsonPath, dict[str, Any], str]]:
    for root_where, root, context in schema_roots(doc.data):
        for where, schema in subschemas(root, root_where):
            yield where, schema, context


def _needs_example(schema: dict[str, Any]) -> bool:
    """Leaf values need an example; refs, objects with properties, arrays of refs don't."""
    if "$ref" in schema or schema.get("properties"):
        return False
    branches = [b for key in ("allOf", "anyOf", "oneOf") for b in schema.get(key) or []]
    if branches and all(
        isinstance(b, dict) and ("$ref" in b or _is_null_branch(b) or b.get("properties"))
        for b in branches
    ):
        return False
    items = schema.get("items")
    return not (isinstance(items, dict) and "$ref" in items)


def _has_example(node: dict[str, Any]) -> bool:
    return bool(node.get("examples")) or "example" in node


def _parameters(doc: Document) -> Iterator[tuple[JsonPath, dict[str, Any], str]]:
    """Every parameter and header object (not references), with a label."""
    components = doc.data.get("components") or {}
    for name, param in (components.get("parameters") or {}).items():
        yield ("components", "parameters", name), param, f"parameter {name}"
    for name, header in (components.get("headers") or {}).items():
        yield ("components", "headers", name), header, f"header {name}"
    responses: list[tuple[JsonPath, Any]] = [
        (("components", "responses", name), resp)
        for name, resp in (components.get("responses") or {}).items()
    ]
    for op in operations(doc.data):
        for i, param in enumerate(op.node.get("parameters") or []):
            where = (*op.where, "parameters", i)
            yield where, param, f"parameter {param.get('name')} of {op.method.upper()} {op.path}"
        for status, resp in (op.node.get("responses") or {}).items():
            responses.append(((*op.where, "responses", str(status)), resp))
    for path, item in (doc.data.get("paths") or {}).items():
        for i, param in enumerate(item.get("parameters") or [] if isinstance(item, dict) else []):
            yield (
                ("paths", path, "parameters", i),
                param,
                f"parameter {param.get('name')} of {path}",
            )
    for where, resp in responses:
        if isinstance(resp, dict):
            for name, header in (resp.get("headers") or {}).items():
                yield (*where, "headers", name), header, f"header {name}"


@rule("H013", "every schema property, parameter and header has an example (docs, Schemathesis)")
def examples_present(doc: Document) -> Iterator[Hit]:
    for root_where, root, context in schema_roots(doc.data):
        if context == "component" and _needs_example(root) and not _has_example(root):
            yield root_where, f"schema {root_where[-1]} has no examples"
        for where, schema in subschemas(root, root_where):
            for name, prop in (schema.get("properties") or {}).items():
                if isinstance(prop, dict) and _needs_example(prop) and not _has_example(prop):
                    yield (*where, "properties", name), f"property {name} has no examples"
    for where, node, label in _parameters(doc):
        if not isinstance(node, dict) or "$ref" in node:
            continue
        schema = deref(doc.data, node.get("schema"))
        if not _has_example(node) and not (isinstance(schema, dict) and _has_example(schema)):
            yield where, f"{label} has no example"


class _Validators:
    """jsonschema Draft 2020-12 validators for schemas inside the document, $refs resolved."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    @cached_property
    def registry(self) -> Registry[Any]:
        resource = Resource.from_contents(self.doc.data, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
        return registry

    def errors(self, schema_where: JsonPath, instance: Any) -> list[str]:
        cls = jsonschema.Draft202012Validator
        validator = cls(
            {"$ref": DOC_URI + to_pointer(schema_where)},
            registry=self.registry,
            format_checker=cls.FORMAT_CHECKER,
        )
        return [e.message for e in validator.iter_errors(instance)]


def _example_values(node: dict[str, Any], doc: Document) -> Iterator[tuple[str, Any]]:
    """(key, value) of `example` and of each entry of `examples` (a list, or a map of Example
    Objects for parameters, headers and media types)."""
    if "example" in node:
        yield "example", node["example"]
    examples = node.get("examples")
    if isinstance(examples, list):
        for i, value in enumerate(examples):
            yield f"examples[{i}]", value
    elif isinstance(examples, dict):
        for name, ref_or_example in examples.items():
            example = deref(doc.data, ref_or_example)
            if isinstance(example, dict) and "value" in example:
                yield f"examples.{name}", example["value"]


def _media_with_examples(doc: Document) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for where, _, context in schema_roots(doc.data):
        if context in ("request", "response"):
            media_where = where[:-1]
            node: Any = doc.data
            for part in media_where:
                node = node[part]
            yield media_where, node


@rule("H014", "examples validate against their schemas (JSON Schema 2020-12, formats checked)")
def examples_valid(doc: Document) -> Iterator[Hit]:
    validators = _Validators(doc)
    for where, schema, _ in _all_schemas(doc):
        if "examples" in schema and not isinstance(schema["examples"], list):
            continue  # the spec validator reports the shape
        for key, value in _example_values(schema, doc):
            for message in validators.errors(where, value)[:1]:
                yield (*where, key.split("[")[0]), f"{key} {value!r} is invalid: {message}"
    holders = [(w, n, label) for w, n, label in _parameters(doc) if isinstance(n, dict)]
    holders += [(w, n, "media type") for w, n in _media_with_examples(doc)]
    for where, node, label in holders:
        if "$ref" in node or "schema" not in node:
            continue
        for key, value in _example_values(node, doc):
            for message in validators.errors((*where, "schema"), value)[:1]:
                yield (*where, key.split(".")[0]), f"{label} {key} is invalid: {message}"


def _type_problem(schema: dict[str, Any], where: JsonPath) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        others = [t for t in kind if t != "null"]
        if len(kind) != 2 or len(others) != 1 or others[0] not in JSON_TYPES:
            return f"type {kind!r}: only [X, 'null'] converts to 3.0.3"
    elif kind == "null" and not (len(where) >= 2 and where[-2] in ("anyOf", "oneOf")):
        return "type 'null' outside an anyOf/oneOf null branch has no 3.0.3 form"
    return None


def _branch_problem(schema: dict[str, Any]) -> str | None:
    for key in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(key) or []
        nulls = [b for b in branches if _is_null_branch(b)]
        if not nulls:
            continue
        if key == "allOf":
            return "a null branch in allOf has no 3.0.3 form"
        if any(b != NULL for b in nulls):
            return f"the {key} null branch must be exactly {{type: 'null'}}"
        rest = [b for b in branches if not _is_null_branch(b)]
        refs = [b for b in rest if isinstance(b, dict) and "$ref" in b]
        if not rest or (refs and len(rest) > 1):
            return f"{key} with a null branch needs one $ref or only inline branches"
    return None


def _schema_problems(schema: dict[str, Any], where: JsonPath) -> Iterator[str]:
    for key in schema:
        if key.startswith("x-") or key in SCHEMA_KEYWORDS_30 or key in SCHEMA_KEYWORDS_CONVERTED:
            continue
        if key == "nullable":
            yield "nullable is not 3.1: write type: [X, 'null']"
        else:
            yield f"keyword {key!r} has no 3.0.3 equivalent"
    for problem in (_type_problem(schema, where), _branch_problem(schema)):
        if problem:
            yield problem
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(bound)
        if isinstance(value, bool):
            yield f"{bound} must be a number in 3.1 (the boolean form is 3.0)"
        elif value is not None and plain in schema:
            yield f"numeric {bound} together with {plain} has no 3.0.3 form"
    if "const" in schema and "enum" in schema:
        yield "const together with enum has no 3.0.3 form"
    if isinstance(schema.get("items"), list):
        yield "items as a list (tuple validation) has no 3.0.3 form"


def _non_schema_ref_siblings(doc: Document) -> Iterator[Hit]:
    schema_paths = {where for where, _, _ in _all_schemas(doc)}

    def visit(node: Any, where: JsonPath) -> Iterator[Hit]:
        if where in schema_paths or (where and str(where[-1]).startswith("x-")):
            return
        if isinstance(node, dict):
            if "$ref" in node and len(node) > 1:
                yield where, "a $ref with siblings outside a schema has no 3.0.3 form"
            for key, value in node.items():
                yield from visit(value, (*where, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from visit(value, (*where, i))

    for key, value in doc.data.items():
        if key != "webhooks":
            yield from visit(value, (key,))


@rule("H015", "only 3.1 features the 3.0.3 downgrade converts faithfully (toolchain-notes §2)")
def downgradable(doc: Document) -> Iterator[Hit]:
    for where, schema, _ in _all_schemas(doc):
        for problem in _schema_problems(schema, where):
            yield where, problem
    if "paths" not in doc.data:
        yield (), "a document without paths has no 3.0.3 form"
    if "pathItems" in (doc.data.get("components") or {}):
        yield ("components", "pathItems"), "components.pathItems has no 3.0.3 form"
    yield from _non_schema_ref_siblings(doc)


def _request_schemas(doc: Document) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    refs = request_refs(doc.data)
    for root_where, root, context in schema_roots(doc.data):
        is_request = context in ("request", "parameter")
        if context == "component" and to_pointer(root_where) in refs:
            is_request = True
        if is_request:
            yield from subschemas(root, root_where)


@rule("H016", "no nullable object via allOf: connexion rejects null there (toolchain-notes P4)")
def no_nullable_allof(doc: Document) -> Iterator[Hit]:
    for where, schema, _ in _all_schemas(doc):
        kind = schema.get("type")
        nullable = schema.get("nullable") is True or (isinstance(kind, list) and "null" in kind)
        if "allOf" in schema and nullable:
            yield where, "nullable allOf: make the field optional or use a nullable component"
    for where, schema in _request_schemas(doc):
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key) or []
            rest = [b for b in branches if not _is_null_branch(b)]
            if len(rest) == 1 and len(branches) == 2 and "$ref" in rest[0]:
                yield (
                    where,
                    (
                        f"nullable $ref via {key} in a request schema becomes allOf + nullable, "
                        "which connexion rejects; make the field optional instead"
                    ),
                )
