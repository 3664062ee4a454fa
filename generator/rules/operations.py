"""Operation rules (H007–H012, H017): the conventions every endpoint shares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.load import Document, JsonPath
from generator.ruleset import Hit, rule
from generator.walk import Operation, deref, operations

PARAM_REF = "#/components/parameters/"
RESPONSE_REF = "#/components/responses/"
SCHEMA_REF = "#/components/schemas/"
STANDARD_STATUSES = ("401", "402", "422", "429", "500")
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _label(op: Operation) -> str:
    return f"{op.method.upper()} {op.path}"


def _param_refs(op: Operation) -> set[str]:
    return {
        p["$ref"].removeprefix(PARAM_REF)
        for p in op.parameters
        if isinstance(p, dict) and isinstance(p.get("$ref"), str)
    }


@rule("H007", "every POST takes the shared IdempotencyKey parameter so clients can retry safely")
def post_idempotency_key(doc: Document) -> Iterator[Hit]:
    for op in operations(doc.data):
        if op.method == "post" and "IdempotencyKey" not in _param_refs(op):
            yield op.where, f"POST {op.path} lacks the IdempotencyKey parameter"


def _media_types(node: Any, where: JsonPath) -> Iterator[tuple[JsonPath, Any]]:
    if isinstance(node, dict) and "$ref" not in node:
        for media, obj in (node.get("content") or {}).items():
            if isinstance(obj, dict):
                yield (*where, "content", media), obj


@rule(
    "H008",
    "request and response bodies are named components so generated class names are stable: a "
    "response $refs a schema, a request body is (or $refs) a component of requestBodies",
)
def no_inline_bodies(doc: Document) -> Iterator[Hit]:
    # A component of `requestBodies` holds its schema inline: its name is the stable name, and
    # there generators treat a property's `default` as optional input (see H018).
    bodies: list[tuple[JsonPath, Any, str]] = []
    components = doc.data.get("components") or {}
    for name, resp in (components.get("responses") or {}).items():
        bodies.append((("components", "responses", name), resp, f"response {name}"))
    for op in operations(doc.data):
        where = (*op.where, "requestBody")
        bodies.append((where, op.node.get("requestBody"), f"{_label(op)} request body"))
        for status, resp in (op.node.get("responses") or {}).items():
            where = (*op.where, "responses", str(status))
            bodies.append((where, resp, f"{_label(op)} response {status}"))
    for where, node, label in bodies:
        for media_where, media in _media_types(node, where):
            schema = media.get("schema")
            if schema is not None and (not isinstance(schema, dict) or set(schema) != {"$ref"}):
                yield (*media_where, "schema"), f"{label} has an inline schema; $ref a component"


def _is_list(op: Operation) -> bool:
    return op.method == "get" and op.operation_id.startswith("list")


@rule("H009", "list GETs take the shared Limit and Cursor parameters (cursor pagination)")
def list_parameters(doc: Document) -> Iterator[Hit]:
    for op in operations(doc.data):
        if _is_list(op):
            missing = [name for name in ("Limit", "Cursor") if name not in _param_refs(op)]
            if missing:
                yield op.where, f"{_label(op)} lacks the {' and '.join(missing)} parameter"


@rule("H010", "list GETs return a …List schema with pagination ($ref Pagination)")
def list_response(doc: Document) -> Iterator[Hit]:
    for op in operations(doc.data):
        if not _is_list(op):
            continue
        where = (*op.where, "responses", "200")
        response = deref(doc.data, (op.node.get("responses") or {}).get("200"))
        schema = (
            ((response or {}).get("content") or {}).get("application/json", {}).get("schema")
            if isinstance(response, dict)
            else None
        )
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str) or not ref.startswith(SCHEMA_REF) or not ref.endswith("List"):
            yield where, f"{_label(op)} 200 does not return a …List schema"
            continue
        target = deref(doc.data, schema)
        pagination = ((target or {}).get("properties") or {}).get("pagination")
        if not isinstance(pagination, dict) or pagination.get("$ref") != SCHEMA_REF + "Pagination":
            yield where, f"{ref.removeprefix(SCHEMA_REF)} lacks pagination ($ref Pagination)"


@rule("H011", "every operation declares the standard errors through shared responses")
def standard_responses(doc: Document) -> Iterator[Hit]:
    for op in operations(doc.data):
        responses = op.node.get("responses") or {}
        statuses = list(STANDARD_STATUSES)
        if "{" in op.path:
            statuses.insert(2, "404")
        for status in statuses:
            resp = responses.get(status, responses.get(int(status)))
            if resp is None:
                yield (*op.where, "responses"), f"{_label(op)} does not declare {status}"
            elif not (
                isinstance(resp, dict) and str(resp.get("$ref", "")).startswith(RESPONSE_REF)
            ):
                where = (*op.where, "responses", status)
                yield where, f"{_label(op)} declares {status} inline; $ref a shared response"


@rule("H012", "every response carries X-RateLimit-Limit/Remaining/Reset (api-v1 §8)")
def rate_limit_headers(doc: Document) -> Iterator[Hit]:
    # Only responses our API sends: a shared response used by webhooks alone (what a
    # subscriber answers us) is not rate limited by us.
    responses: list[tuple[JsonPath, Any, str]] = []
    used = {
        str(resp["$ref"])
        for op in operations(doc.data)
        for resp in (op.node.get("responses") or {}).values()
        if isinstance(resp, dict) and "$ref" in resp
    }
    for name, resp in ((doc.data.get("components") or {}).get("responses") or {}).items():
        if RESPONSE_REF + name in used:
            responses.append((("components", "responses", name), resp, f"response {name}"))
    for op in operations(doc.data):
        for status, resp in (op.node.get("responses") or {}).items():
            if isinstance(resp, dict) and "$ref" not in resp:
                where = (*op.where, "responses", str(status))
                responses.append((where, resp, f"{_label(op)} response {status}"))
    for where, resp, label in responses:
        if not isinstance(resp, dict):
            continue
        headers = resp.get("headers") or {}
        missing = [h for h in RATE_LIMIT_HEADERS if h not in headers]
        if missing:
            yield where, f"{label} lacks the {', '.join(missing)} header(s)"


@rule("H017", "x-mcp tools have unique snake_case names and inputs whose names do not collide")
def mcp_extension(doc: Document) -> Iterator[Hit]:
    seen: dict[str, str] = {}
    for op in operations(doc.data):
        ext = op.node.get("x-mcp")
        if ext is None:
            continue
        where = (*op.where, "x-mcp")
        tool = ext.get("tool") if isinstance(ext, dict) else None
        if not isinstance(tool, str) or not SNAKE.match(tool):
            yield where, f"{_label(op)} x-mcp.tool must be a snake_case name"
            continue
        if tool in seen:
            yield where, f"{_label(op)} reuses x-mcp tool {tool!r} of {seen[tool]}"
        seen[tool] = _label(op)
        if not isinstance(ext.get("destructive", False), bool):
            yield where, f"{_label(op)} x-mcp.destructive must be a boolean"
        names = [str(deref(doc.data, p).get("name")) for p in op.parameters]
        body = deref(doc.data, op.node.get("requestBody"))
        if isinstance(body, dict):
            schema = deref(
                doc.data, (body.get("content") or {}).get("application/json", {}).get("schema")
            )
            names += (
                list((schema or {}).get("properties") or {}) if isinstance(schema, dict) else []
            )
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            yield where, f"{_label(op)} tool inputs collide: {', '.join(dupes)}"
