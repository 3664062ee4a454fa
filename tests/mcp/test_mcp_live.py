"""hoursmith-mcp against a real `hoursmith serve`: over stdio and in process."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from server.generated.mcp_tools import TOOLS
from server.mcp.config import McpConfig
from server.mcp.factory import build_server
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.anyio
MCP_BIN = Path(sys.executable).with_name("hoursmith-mcp")
# Well-formed but unknown to the server: the API must refuse it with 401.
UNKNOWN_TOKEN = "hsk_test_000000000000_" + "Z" * 32


@asynccontextmanager
async def stdio_session(
    live_server: LiveServer, token: str, errlog_path: Path
) -> AsyncIterator[Client]:
    """The console script as a subprocess speaking MCP on stdin/stdout; stderr to a file."""
    params = StdioServerParameters(
        command=str(MCP_BIN),
        env={
            "HOURSMITH_API_TOKEN": token,
            "HOURSMITH_API_URL": live_server.api_url,
            "HOURSMITH_MCP_LOG_LEVEL": "INFO",
        },
    )
    with errlog_path.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            yield client


def text_of(result: Any) -> str:
    """The first text block of a tool result."""
    return str(result.content[0].text)


async def test_stdio_lists_every_tool_and_round_trips_a_client(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """Over stdio: all 33 tools, create_client then get_client; the token never hits stderr."""
    errlog = tmp_path / "mcp-stderr.log"
    token = live_server.tokens["owner"]
    async with stdio_session(live_server, token, errlog) as client:
        tools = (await client.list_tools()).tools
        created = await client.call_tool(
            "create_client", {"name": "Stdio Studio Ltd", "email": "ops@stdio.example"}
        )
        client_id = (created.structured_content or {}).get("data", {}).get("id", "missing")
        read = await client.call_tool("get_client", {"id": client_id})
    assert sorted(t.name for t in tools) == sorted(row["name"] for row in TOOLS)
    assert len(tools) == 33
    assert created.is_error is False, text_of(created)
    assert read.is_error is False, text_of(read)
    assert read.structured_content["data"]["name"] == "Stdio Studio Ltd"
    assert read.structured_content["data"]["email"] == "ops@stdio.example"
    log = errlog.read_text()
    assert "POST /api/v1/clients -> 201" in log
    assert token not in log


async def test_member_token_gets_forbidden_scope_as_tool_error(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """A Member token calling list_clients gets is_error with the forbidden_scope code."""
    async with stdio_session(live_server, live_server.tokens["member"], tmp_path / "e.log") as c:
        result = await c.call_tool("list_clients", {})
        me = await c.call_tool("get_me", {})
    assert result.is_error is True
    assert text_of(result).startswith("forbidden_scope: ")
    assert "(HTTP 403)" in text_of(result)
    assert result.structured_content["error"]["code"] == "forbidden_scope"
    assert me.is_error is False, text_of(me)
    assert me.structured_content["data"]["role"] == "MEMBER"


async def test_unknown_token_is_refused_by_the_api(live_server: LiveServer) -> None:
    """In process, a well-formed but unknown token comes back as an unauthenticated tool error."""
    server = build_server(McpConfig(api_url=live_server.api_url, token=UNKNOWN_TOKEN), TOOLS)
    async with Client(server) as client:
        result = await client.call_tool("get_me", {})
    assert result.is_error is True
    assert text_of(result).startswith("unauthenticated: ")
    assert "(HTTP 401)" in text_of(result)


async def test_in_process_list_pagination_and_validation(live_server: LiveServer) -> None:
    """In process against the real API: lists return {data, pagination}; bad input never leaves."""
    server = build_server(
        McpConfig(api_url=live_server.api_url, token=live_server.tokens["manager"]), TOOLS
    )
    async with Client(server) as client:
        page = await client.call_tool("list_clients", {"limit": 2})
        bad = await client.call_tool("get_client", {"id": "nope"})
        missing = await client.call_tool(
            "get_client", {"id": "00000000-0000-4000-8000-000000000000"}
        )
    assert page.is_error is False, text_of(page)
    assert set(page.structured_content) == {"data", "pagination"}
    assert len(page.structured_content["data"]) == 2
    assert page.structured_content["pagination"]["limit"] == 2
    assert bad.is_error is True
    assert text_of(bad).startswith("invalid_arguments: ")
    assert missing.is_error is True
    assert text_of(missing).startswith("not_found: ")


async def test_timer_tools_restart_and_stop(live_server: LiveServer) -> None:
    """restart_timer starts a timer like a logged entry, stop_timer stops it, twice is conflict."""
    server = build_server(
        McpConfig(api_url=live_server.api_url, token=live_server.tokens["member"]), TOOLS
    )
    async with Client(server) as client:
        me = await client.call_tool("get_me", {})
        project_id = me.structured_content["data"]["projectIds"][0]
        logged = await client.call_tool(
            "create_time_entry",
            {"projectId": project_id, "entryDate": "2026-11-05", "durationSeconds": 60},
        )
        source_id = logged.structured_content["data"]["id"]
        restarted = await client.call_tool("restart_timer", {"id": source_id})
        timer = restarted.structured_content["data"]
        stopped = await client.call_tool("stop_timer", {"id": timer["id"]})
        again = await client.call_tool("stop_timer", {"id": timer["id"]})
    assert restarted.is_error is False, text_of(restarted)
    assert (timer["running"], timer["projectId"]) == (True, project_id)
    assert timer["id"] != source_id
    assert stopped.is_error is False, text_of(stopped)
    assert stopped.structured_content["data"]["running"] is False
    assert again.is_error is True
    assert text_of(again).startswith("conflict: ")
