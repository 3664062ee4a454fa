"""Derive the OpenAPI 3.0.3 copy connexion 3.3 loads from the 3.1 source (toolchain-notes §2).

Only conversions with a faithful 3.0.3 spelling are done; the linter (H015, H016) refuses
everything else, so both documents always accept the same requests.
"""

from __future__ import annotations

import copy
from typing import Any

from generator.walk import SCHEMA_LIST, SCHEMA_MAP, SCHEMA_ONE, schema_roots

BEARER_INFO_FUNC = "server.http.auth.bearer_info"


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _null_branches(schema: dict[str, Any]) -> dict[str, Any]:
    """anyOf/oneOf with a {type: null} branch → the other branches made nullable."""
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if not isinstance(branches, list) or not any(_is_null_branch(b) for b in branches):
            continue
        rest = [b for b in branches if not _is_null_branch(b)]
        if len(rest) == 1 and isinstance(rest[0], dict) and "$ref" in rest[0]:
            # Response schemas only (H016): connexion cannot accept null here.
            del schema[key]
            schema = {"allOf": [rest[0]], **schema, "nullable": True}
        else:
            schema[key] = [{**b, "nullable": True} for b in rest]
    return schema


def convert_schema(schema: Any) -> Any:
    """Return the 3.0.3 spelling of one 3.1 Schema Object (recursively)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SCHEMA_ONE:
            out[key] = convert_schema(value)
        elif key in SCHEMA_LIST:
            out[key] = [convert_schema(v) for v in value]
        elif key in SCHEMA_MAP:
            out[key] = {name: convert_schema(v) for name, v in value.items()}
        elif key == "$schema":
            continue
        elif key == "examples" and isinstance(value, list):
            if value and "example" not in schema:
                out["example"] = value[0]
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key == "type" and isinstance(value, list):
            out["type"] = next(t for t in value if t != "null")
            if "null" in value:
                out["nullable"] = True
        else:
            out[key] = value
    out = _null_branches(out)
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out


def _set(data: dict[str, Any], where: tuple[str | int, ...], value: Any) -> None:
    node: Any = data
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value


def downgrade(source: dict[str, Any]) -> dict[str, Any]:
    """The 3.0.3 document: schemas converted, 3.1-only top-level keys dropped, and the
    connexion security hook (`x-bearerInfoFunc`) added to `bearerAuth`."""
    data = copy.deepcopy(source)
    for where, schema, _ in list(schema_roots(data)):
        _set(data, where, convert_schema(schema))
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "openapi":
            out[key] = "3.0.3"
        elif key not in ("webhooks", "jsonSchemaDialect"):
            out[key] = value
    info = out.get("info") or {}
    info.pop("summary", None)
    if isinstance(info.get("license"), dict):
        info["license"].pop("identifier", None)
    schemes = (out.get("components") or {}).get("securitySchemes") or {}
    if isinstance(schemes.get("bearerAuth"), dict):
        schemes["bearerAuth"]["x-bearerInfoFunc"] = BEARER_INFO_FUNC
    return out
