"""The tool table (``server.generated.mcp_tools.TOOLS``) turned into MCP tools and HTTP calls.

Each tool is exactly one REST call. Arguments are validated against the tool's input schema
here, before any request, so a model gets a precise, local error instead of a round trip; the
API still validates everything itself. API errors become tool errors (``is_error=True``) whose
text starts with the stable error ``code``, so a model can react to ``forbidden_scope`` or
``conflict`` without parsing prose.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import mcp_types as types
from mcp.shared.exceptions import MCPError

logger = logging.getLogger("hoursmith_mcp")

IDEMPOTENCY_HEADER = "Idempotency-Key"
_MAX_ERRORS_SHOWN = 8
_MAX_RAW_TEXT = 500


@dataclass(frozen=True)
class ToolDef:
    """One row of the generated table, normalised and with its schema validator ready."""

    name: str
    title: str
    description: str
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    header_params: tuple[str, ...]
    body_params: tuple[str, ...]
    body_required: bool
    input_schema: dict[str, Any]
    read_only: bool
    destructive: bool
    validator: jsonschema.protocols.Validator

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ToolDef:
        """Build from a table row; a broken schema fails here, at startup, not mid-call."""
        schema = dict(row["input_schema"])
        validator_cls = jsonschema.validators.validator_for(schema, jsonschema.Draft202012Validator)
        validator_cls.check_schema(schema)
        return cls(
            name=str(row["name"]),
            title=str(row.get("title") or row["name"]),
            description=str(row.get("description") or ""),
            method=str(row["method"]).upper(),
            path=str(row["path"]),
            path_params=_names(row.get("path_params")),
            query_params=_names(row.get("query_params")),
            header_params=_names(row.get("header_params")),
            body_params=_names(row.get("body_params")),
            body_required=bool(row.get("body_required", False)),
            input_schema=schema,
            read_only=bool(row.get("read_only", False)),
            destructive=bool(row.get("destructive", False)),
            validator=validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER),
        )

    def to_mcp(self) -> types.Tool:
        """The tool as announced in ``tools/list``."""
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_schema,
            annotations=types.ToolAnnotations(
                title=self.title,
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                # GET, PATCH and DELETE repeat safely; a POST creates or archives again.
                idempotent_hint=self.method != "POST",
                # The tools act on one Hoursmith workspace, not on the open web.
                open_world_hint=False,
            ),
        )


def _names(value: Any) -> tuple[str, ...]:
    """Parameter names from a list of names (or of ``{"name": ...}`` objects)."""
    if not value:
        return ()
    return tuple(str(v["name"] if isinstance(v, Mapping) else v) for v in value)


class ToolTable:
    """All tools by name, plus the code that turns one call into one HTTP request."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Normalise every row; duplicate names are a generator bug and stop the server."""
        self.tools: dict[str, ToolDef] = {}
        for row in rows:
            tool = ToolDef.from_row(row)
            if tool.name in self.tools:
                raise ValueError(f"duplicate MCP tool name in the table: {tool.name}")
            self.tools[tool.name] = tool

    def list_tools(self) -> list[types.Tool]:
        """Every tool, in table order."""
        return [tool.to_mcp() for tool in self.tools.values()]

    async def call(
        self, client: httpx.AsyncClient, name: str, arguments: Mapping[str, Any] | None
    ) -> types.CallToolResult:
        """Validate, make the one REST call, and shape the answer as an MCP result."""
        tool = self.tools.get(name)
        if tool is None:
            # An unknown tool is a protocol error, not a tool error (MCP spec, tools/call).
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {name}")
        args = dict(arguments or {})
        problems = validation_problems(tool, args)
        if problems:
            return error_result(
                f"invalid_arguments: the arguments do not match {name}'s input schema: "
                + "; ".join(problems),
                {"error": {"code": "invalid_arguments", "message": "; ".join(problems)}},
            )
        request = build_request(client, tool, args)
        try:
            response = await client.send(request)
        except httpx.HTTPError as exc:
            # The message names the URL and the failure, never the Authorization header.
            logger.warning("%s %s failed: %s", request.method, request.url, type(exc).__name__)
            message = f"could not reach the Hoursmith API at {request.url}: {exc}"
            return error_result(
                f"api_unreachable: {message}",
                {"error": {"code": "api_unreachable", "message": message}},
            )
        logger.info("%s %s -> %s", request.method, request.url.path, response.status_code)
        return response_result(tool, args, response)


def validation_problems(tool: ToolDef, args: Mapping[str, Any]) -> list[str]:
    """Human-readable schema violations, most specific first, at most a handful."""
    errors = sorted(tool.validator.iter_errors(args), key=lambda e: (len(e.path), e.message))
    problems = []
    for error in errors[:_MAX_ERRORS_SHOWN]:
        where = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{where}: {error.message}" if where else error.message)
    if len(errors) > _MAX_ERRORS_SHOWN:
        problems.append(f"… and {len(errors) - _MAX_ERRORS_SHOWN} more")
    return problems


def build_request(
    client: httpx.AsyncClient, tool: ToolDef, args: Mapping[str, Any]
) -> httpx.Request:
    """The single HTTP request for a tool call; POSTs get a fresh Idempotency-Key."""
    path = tool.path
    for param in tool.path_params:
        path = path.replace("{" + param + "}", quote(str(args[param]), safe=""))
    params = {
        k: _query_value(args[k]) for k in tool.query_params if k in args and args[k] is not None
    }
    headers = {
        k: str(args[k])
        for k in tool.header_params
        if k in args and k.lower() != IDEMPOTENCY_HEADER.lower()
    }
    if tool.method == "POST":
        # One key per tool call: the API's replay protection then covers transport retries
        # of this call, while two deliberate calls still create two records.
        headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
    body: dict[str, Any] | None = None
    if tool.body_params:
        body = {k: args[k] for k in tool.body_params if k in args}
        if not body and not tool.body_required:
            body = None
    return client.build_request(
        tool.method, path.lstrip("/"), params=params, headers=headers, json=body
    )


def _query_value(value: Any) -> Any:
    """Query values as the API spells them (booleans lower-case, lists repeated)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_query_value(v) for v in value]
    return value


def response_result(
    tool: ToolDef, args: Mapping[str, Any], response: httpx.Response
) -> types.CallToolResult:
    """Map the API response: JSON bodies as structured content, errors as tool errors."""
    if response.status_code >= 400:
        return api_error_result(response)
    if response.status_code == 204 or not response.content:
        ack: dict[str, Any] = {"ok": True, "status": response.status_code}
        if tool.method == "DELETE":
            ack = {"deleted": True, **({"id": args["id"]} if "id" in args else {})}
        return success_result(ack)
    try:
        data = response.json()
    except ValueError:
        return error_result(
            f"bad_response: the API answered {response.status_code} with a body that is not JSON",
            {"error": {"code": "bad_response", "message": "response body is not JSON"}},
        )
    return success_result(data if isinstance(data, dict) else {"result": data})


def api_error_result(response: httpx.Response) -> types.CallToolResult:
    """A tool error carrying the envelope's ``code`` and ``message`` (plus fields if any)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        phrase = _phrase(status)
        text = response.text[:_MAX_RAW_TEXT].strip()
        error = {"code": f"http_{status}", "message": f"{phrase}: {text}" if text else phrase}
    code = str(error.get("code", f"http_{status}"))
    message = str(error.get("message", _phrase(status)))
    lines = [f"{code}: {message} (HTTP {status})"]
    fields = error.get("fields")
    if isinstance(fields, dict) and fields:
        lines.append("fields: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
    for key in ("requiredPlan", "feature", "requestId"):
        if key in error:
            lines.append(f"{key}: {error[key]}")
    if retry_after := response.headers.get("Retry-After"):
        lines.append(f"retry after {retry_after} s")
    return error_result("\n".join(lines), {"status": status, "error": error})


def _phrase(status: int) -> str:
    """The standard reason phrase for a status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def success_result(data: dict[str, Any]) -> types.CallToolResult:
    """Structured content plus the same JSON as text, for clients that only read text."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=_dumps(data))],
        structured_content=data,
    )


def error_result(text: str, data: dict[str, Any]) -> types.CallToolResult:
    """A tool error: the model sees ``text``; programs can read ``structured_content``."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=data,
        is_error=True,
    )


def _dumps(data: Any) -> str:
    """Compact JSON, non-ASCII kept readable."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
