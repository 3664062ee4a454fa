"""Client-generator rules (H018–H022): shapes that the field's generators break on.

The document is read by openapi-python-client and openapi-typescript at their default settings
(tests/clients/). Each rule names a shape that made one of them fail or type a request wrongly,
so the designer hears about it at `make generate` rather than from a user's build.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.load import Document, JsonPath, LoadError, resolve_pointer
from generator.ruleset import Hit, rule
from generator.walk import schema_roots, subschemas

TRUE_WORDS = frozenset(("true", "1", "yes", "on", "y"))
FALSE_WORDS = frozenset(("false", "0", "no", "off", "n"))
SCHEMA_REF = "#/components/schemas/"


def _schemas(doc: Document) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for root_where, root, _context in schema_roots(doc.data):
        yield from subschemas(root, root_where)


_STRUCTURAL = frozenset(
    ("schema", "properties", "items", "content", "allOf", "anyOf", "oneOf", "not")
)


def _enums(doc: Document) -> Iterator[tuple[JsonPath, list[Any]]]:
    """Every schema with an `enum` list: where it is and its values."""
    for where, schema in _schemas(doc):
        values = schema.get("enum")
        if isinstance(values, list) and values:
            yield where, values


def _name(where: JsonPath) -> str:
    """A readable label: the last parameter, property or component name on the path."""
    names = [p for p in where if isinstance(p, str) and p not in _STRUCTURAL and "/" not in p]
    return names[-1] if names else "schema"


@rule(
    "H018",
    "a yes/no value is `type: boolean`: a string enum of true/false/1/0/yes/no gives generated "
    "clients a string where users pass a boolean (the server accepts the aliases anyway)",
)
def boolean_as_string_enum(doc: Document) -> Iterator[Hit]:
    for where, values in _enums(doc):
        if not all(isinstance(v, str) for v in values):
            continue
        words = {v.lower() for v in values}
        if words <= TRUE_WORDS | FALSE_WORDS and words & TRUE_WORDS and words & FALSE_WORDS:
            yield (
                (*where, "enum"),
                f"{_name(where)} spells a boolean as a string enum; declare `type: boolean`",
            )


@rule(
    "H019",
    "enum values differ in more than case: generators name members by the upper-cased value, "
    "so `ACTIVE` beside `active` stops openapi-python-client (duplicate member); list the "
    "documented spelling only (the server matches any case)",
)
def case_duplicate_enum_values(doc: Document) -> Iterator[Hit]:
    for where, values in _enums(doc):
        first: dict[str, str] = {}
        for value in values:
            if not isinstance(value, str):
                continue
            key = value.casefold()
            if key in first:
                yield (
                    (*where, "enum"),
                    f"{_name(where)} enum values {first[key]!r} and {value!r} differ only in "
                    "case; keep the documented spelling",
                )
                break
            first[key] = value


@rule(
    "H020",
    "a `const` or `enum` schema declares its `type`: without it openapi-python-client guesses "
    "(it writes invalid Python for `const: false`)",
)
def fixed_value_has_type(doc: Document) -> Iterator[Hit]:
    for where, schema in _schemas(doc):
        if ("const" in schema or "enum" in schema) and "type" not in schema:
            keyword = "const" if "const" in schema else "enum"
            yield (where, f"{_name(where)} has `{keyword}` but no `type`")


@rule(
    "H021",
    "no `enum` of booleans: openapi-python-client drops the whole operation; one allowed "
    "boolean is `type: boolean` + `const`",
)
def no_boolean_enum(doc: Document) -> Iterator[Hit]:
    for where, values in _enums(doc):
        if any(isinstance(v, bool) for v in values):
            yield (
                (*where, "enum"),
                f"{_name(where)} is an enum of booleans; use `type: boolean` with `const`",
            )


def _request_components(doc: Document) -> set[str]:
    """Names of `components/schemas` reachable from request bodies (not from parameters)."""
    todo: list[Any] = [s for _, s, context in schema_roots(doc.data) if context == "request"]
    seen: set[str] = set()
    while todo:
        for _, node in subschemas(todo.pop(), ()):
            ref = node.get("$ref")
            if not isinstance(ref, str) or not ref.startswith(SCHEMA_REF) or ref in seen:
                continue
            seen.add(ref)
            try:
                todo.append(resolve_pointer(doc.data, ref))
            except LoadError:  # dangling refs are reported by the validator (H000)
                continue
    return {ref.removeprefix(SCHEMA_REF) for ref in seen}


@rule(
    "H022",
    "a property `default` in a request body is declared under components/requestBodies: "
    "openapi-typescript (defaultNonNullable) types a defaulted property of components/schemas "
    "as always present, so a generated client would have to send it",
)
def request_defaults_outside_schemas(doc: Document) -> Iterator[Hit]:
    schemas = (doc.data.get("components") or {}).get("schemas") or {}
    for name in sorted(_request_components(doc)):
        root_where = ("components", "schemas", name)
        for where, schema in subschemas(schemas.get(name), root_where):
            for prop, sub in (schema.get("properties") or {}).items():
                if isinstance(sub, dict) and "default" in sub:
                    yield (
                        (*where, "properties", prop, "default"),
                        f"property {prop} of schema {name} (a request body) has a `default`; "
                        "move the body to components/requestBodies",
                    )
