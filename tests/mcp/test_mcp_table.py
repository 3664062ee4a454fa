"""The generated tool table against the document's x-mcp extensions and design §9."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from mcp import Client

from server.generated.mcp_tools import TOOLS
from server.mcp.config import McpConfig
from server.mcp.factory import build_server
from tests.mcp.mcp_fakes import TOKEN

REPO = Path(__file__).resolve().parents[2]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# api-v1.md §9: the 31 tools (+ the timer tools of contract 1.1.0), and the five destructive ones.
DESIGN_TOOLS = [
    "get_me", "get_organization", "list_clients", "get_client", "create_client", "update_client",
    "delete_client", "list_projects", "get_project", "create_project", "update_project",
    "archive_project", "list_tasks", "get_task", "create_task", "update_task", "archive_task",
    "list_time_entries", "get_time_entry", "get_running_timer", "create_time_entry",
    "update_time_entry", "delete_time_entry", "list_expenses", "get_expense", "create_expense",
    "update_expense", "delete_expense", "list_invoices", "get_invoice", "list_members",
    "stop_timer", "restart_timer",
]  # fmt: skip
DESIGN_DESTRUCTIVE = {
    "delete_client", "archive_project", "archive_task", "delete_time_entry", "delete_expense",
}  # fmt: skip


def document_tools() -> dict[str, dict[str, Any]]:
    """Every operation of openapi/api-v1.yaml that carries x-mcp, keyed by tool name."""
    doc = yaml.safe_load((REPO / "openapi" / "api-v1.yaml").read_text())
    found: dict[str, dict[str, Any]] = {}
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and isinstance(op.get("x-mcp"), dict):
                ext = op["x-mcp"]
                assert ext["tool"] not in found, f"x-mcp tool {ext['tool']} used twice"
                found[ext["tool"]] = {
                    "operation_id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "destructive": bool(ext.get("destructive", False)),
                    "read_only": method == "get",
                    "title": op.get("summary"),
                }
    return found


def test_document_declares_the_design_tools() -> None:
    """The document's x-mcp names are exactly the 33 of design §9 and 1.1.0, five destructive."""
    tools = document_tools()
    assert sorted(tools) == sorted(DESIGN_TOOLS)
    assert {name for name, t in tools.items() if t["destructive"]} == DESIGN_DESTRUCTIVE


def test_table_matches_document_x_mcp() -> None:
    """Each TOOLS row carries its operation's id, method, path, title and hints."""
    keys = ("operation_id", "method", "path", "destructive", "read_only", "title")
    table = {row["name"]: {k: row[k] for k in keys} for row in TOOLS}
    assert len(TOOLS) == len(table) == len(DESIGN_TOOLS) == 33
    assert table == document_tools()


@pytest.mark.parametrize("row", TOOLS, ids=[row["name"] for row in TOOLS])
def test_path_params_are_required_inputs(row: dict[str, Any]) -> None:
    """Every path placeholder is a declared, required input; no Idempotency-Key input exists."""
    placeholders = [part[1:-1] for part in row["path"].split("/") if part.startswith("{")]
    assert row["path_params"] == placeholders
    schema = row["input_schema"]
    assert set(placeholders) <= set(schema.get("required", []))
    assert set(row["path_params"] + row["query_params"] + row["body_params"]) <= set(
        schema["properties"]
    )
    assert "Idempotency-Key" not in schema["properties"]


@pytest.mark.anyio
async def test_server_announces_the_table() -> None:
    """The MCP server built from TOOLS lists the 33 tools with the design's annotations."""
    server = build_server(McpConfig(api_url="http://127.0.0.1:9/api/v1", token=TOKEN), TOOLS)
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    assert sorted(t.name for t in tools) == sorted(DESIGN_TOOLS)
    for tool in tools:
        assert tool.annotations is not None
        assert tool.annotations.destructive_hint is (tool.name in DESIGN_DESTRUCTIVE), tool.name
        assert tool.annotations.read_only_hint is tool.name.startswith(("get_", "list_")), tool.name
