"""Naming rules (H001–H006): names become Python identifiers, URLs and class names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.load import Document, JsonPath
from generator.ruleset import Hit, rule
from generator.walk import operations, schema_roots, subschemas

OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)+$")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
TEMPLATE = re.compile(r"^\{([^{}]+)\}$")


@rule("H001", "operationIds are lowerCamel verbNoun: they name handlers and MCP tools")
def operation_id_form(doc: Document) -> Iterator[Hit]:
    for op in operations(doc.data):
        if not OPERATION_ID.match(op.operation_id):
            yield (
                (*op.where, "operationId"),
                f"{op.method.upper()} {op.path} operationId {op.operation_id!r} "
                "is not lowerCamel verbNoun (listClients)",
            )


@rule("H002", "operationIds are unique: the route table and the MCP tools key on them")
def operation_id_unique(doc: Document) -> Iterator[Hit]:
    seen: dict[str, str] = {}
    for op in operations(doc.data):
        name = op.operation_id
        if name in seen:
            yield (
                (*op.where, "operationId"),
                f"{op.method.upper()} {op.path} reuses operationId {name!r} of {seen[name]}",
            )
        else:
            seen[name] = f"{op.method.upper()} {op.path}"


@rule("H003", "exactly one declared tag per operation: the tag names the handler module")
def one_declared_tag(doc: Document) -> Iterator[Hit]:
    declared = {t.get("name") for t in doc.data.get("tags") or [] if isinstance(t, dict)}
    for op in operations(doc.data):
        tags = op.node.get("tags") or []
        label = f"{op.method.upper()} {op.path}"
        if len(tags) != 1:
            yield (*op.where, "tags"), f"{label} has {len(tags)} tags; exactly one is required"
        elif tags[0] not in declared:
            yield (*op.where, "tags"), f"{label} tag {tags[0]!r} is not declared under tags"


@rule("H004", "paths are kebab-case plural collections without a trailing slash")
def path_form(doc: Document) -> Iterator[Hit]:
    for path in doc.data.get("paths") or {}:
        where = ("paths", path)
        if path != "/" and path.endswith("/"):
            yield where, f"path {path} ends with a slash"
            continue
        segments = path.strip("/").split("/")
        for i, segment in enumerate(segments):
            param = TEMPLATE.match(segment)
            if param:
                if not CAMEL.match(param.group(1)):
                    yield where, f"path {path} parameter {segment} is not camelCase"
                continue
            if not KEBAB.match(segment):
                yield where, f"path {path} segment {segment!r} is not kebab-case"
            elif (
                i + 1 < len(segments)
                and TEMPLATE.match(segments[i + 1])
                and not segment.endswith("s")
            ):
                yield where, f"path {path} collection {segment!r} is not plural"
    for op in operations(doc.data):
        last = op.path.rstrip("/").rsplit("/", 1)[-1]
        if op.operation_id.startswith("list") and not last.endswith("s"):
            yield op.where, f"list operation path {op.path} does not end in a plural collection"


@rule("H005", "JSON properties and query parameters are camelCase, like the rest of the API")
def camel_case_properties(doc: Document) -> Iterator[Hit]:
    for root_where, root, _ in schema_roots(doc.data):
        for where, schema in subschemas(root, root_where):
            for name in schema.get("properties") or {}:
                if not CAMEL.match(name):
                    yield (*where, "properties", name), f"property {name!r} is not camelCase"
    params: list[tuple[JsonPath, Any]] = [
        (("components", "parameters", key), p)
        for key, p in ((doc.data.get("components") or {}).get("parameters") or {}).items()
    ]
    for op in operations(doc.data):
        params += [((*op.where, "parameters", i), p) for i, p in enumerate(op.parameters)]
    for where, param in params:
        if isinstance(param, dict) and param.get("in") in ("query", "path"):
            name = str(param.get("name"))
            if not CAMEL.match(name):
                yield where, f"{param['in']} parameter {name!r} is not camelCase"


@rule("H006", "component names are PascalCase: they become generated class names")
def pascal_case_components(doc: Document) -> Iterator[Hit]:
    for section, entries in (doc.data.get("components") or {}).items():
        if section == "securitySchemes" or not isinstance(entries, dict):
            continue
        for name in entries:
            if not PASCAL.match(name):
                where = ("components", section, name)
                yield where, f"component {section}.{name} is not PascalCase"
