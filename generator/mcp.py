"""`mcp_tools.py`: one MCP tool per operation carrying an `x-mcp` extension (api-v1 §9).

The MCP server (server/mcp/) turns each entry into a tool whose arguments are validated by
`input_schema`, then makes exactly one REST call; it never reads the OpenAPI document itself.
"""

from __future__ import annotations

from typing import Any

from generator.render import render
from generator.walk import deref, operations

IDEMPOTENCY_HEADER = "idempotency-key"  # the MCP server generates one per POST call
# OpenAPI-only annotations that mean nothing to a JSON Schema consumer.
DROPPED_KEYWORDS = frozenset(("example", "xml", "externalDocs", "discriminator"))


class GeneratorError(Exception):
    """The document cannot be turned into the requested artefact; the message says why."""


def inline(data: dict[str, Any], schema: Any, stack: tuple[str, ...] = ()) -> Any:
    """`schema` with every `$ref` replaced by its (inlined) target; siblings of a `$ref` win
    over the target's keys. Recursive schemas cannot be inlined and are refused."""
    if isinstance(schema, list):
        return [inline(data, item, stack) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in stack:
            raise GeneratorError(f"recursive schema {ref} cannot be inlined into an MCP tool")
        out.update(inline(data, deref(data, {"$ref": ref}), (*stack, ref)))
    for key, value in schema.items():
        if key == "$ref" or key in DROPPED_KEYWORDS or key.startswith("x-"):
            continue
        if key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            out[key] = {name: inline(data, sub, stack) for name, sub in value.items()}
        else:
            out[key] = inline(data, value, stack)
    return out


def drop_read_only(schema: Any) -> Any:
    """Remove readOnly properties (server-assigned: not inputs) at every level."""
    if isinstance(schema, list):
        return [drop_read_only(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: drop_read_only(value) for key, value in schema.items() if key != "properties"}
    if isinstance(schema.get("properties"), dict):
        props = {
            name: drop_read_only(prop)
            for name, prop in schema["properties"].items()
            if not (isinstance(prop, dict) and prop.get("readOnly") is True)
        }
        out["properties"] = props
        if "required" in out:
            out["required"] = [name for name in out["required"] if name in props]
    return out


def _parameter_schema(data: dict[str, Any], param: dict[str, Any]) -> dict[str, Any]:
    schema = dict(inline(data, param.get("schema") or {}))
    if param.get("description"):
        schema["description"] = param["description"]
    if "example" in param and "examples" not in schema:
        schema["examples"] = [param["example"]]
    return schema


def _body_schema(data: dict[str, Any], op_node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    body = deref(data, op_node.get("requestBody"))
    if not isinstance(body, dict):
        return {}, False
    media = (body.get("content") or {}).get("application/json") or {}
    schema = drop_read_only(inline(data, media.get("schema") or {}))
    for part in schema.pop("allOf", []):  # flatten object composition into one object
        schema.setdefault("properties", {}).update(part.get("properties") or {})
        schema["required"] = [*schema.get("required", []), *part.get("required", [])]
    return schema, bool(body.get("required"))


def tool_for(data: dict[str, Any], op: Any) -> dict[str, Any]:
    """The TOOLS entry of one operation (see ARCHITECTURE.md for the keys)."""
    ext = op.node["x-mcp"]
    params: dict[str, list[str]] = {"path": [], "query": [], "header": []}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for ref_or_param in op.parameters:
        param = deref(data, ref_or_param)
        where, name = param.get("in"), str(param.get("name"))
        if where not in params or (where == "header" and name.lower() == IDEMPOTENCY_HEADER):
            continue
        params[where].append(name)
        properties[name] = _parameter_schema(data, param)
        if param.get("required") or where == "path":
            required.append(name)
    body, body_required = _body_schema(data, op.node)
    body_props = body.get("properties") or {}
    for name, prop in body_props.items():
        if name in properties:
            raise GeneratorError(f"{op.operation_id}: input {name!r} is both parameter and body")
        properties[name] = prop
    if body_required:
        required += [name for name in body.get("required", []) if name not in required]
    summary = str(op.node.get("summary") or op.operation_id)
    description = str(op.node.get("description") or "").strip()
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        input_schema["required"] = required
    return {
        "name": ext["tool"],
        "title": summary,
        "description": f"{summary}\n\n{description}" if description else summary,
        "operation_id": op.operation_id,
        "method": op.method.upper(),
        "path": op.path,
        "path_params": params["path"],
        "query_params": params["query"],
        "header_params": params["header"],
        "body_params": list(body_props),
        "body_required": body_required,
        "input_schema": input_schema,
        "read_only": op.method == "get",
        "destructive": bool(ext.get("destructive", False)),
    }


def tools(data: dict[str, Any]) -> list[dict[str, Any]]:
    """All MCP tools, in document order."""
    return [tool_for(data, op) for op in operations(data) if isinstance(op.node.get("x-mcp"), dict)]


def generate_mcp_tools(data: dict[str, Any], header: str) -> str:
    """Return the source of `mcp_tools.py`."""
    return render("mcp_tools.py.j2", header=header, tools=tools(data))
