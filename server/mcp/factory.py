"""Build the SDK's low-level ``Server`` around a ``ToolTable`` and one shared HTTP client.

The HTTP client lives for the server's lifespan (one connection pool, the bearer token set
once); tests pass an httpx transport to talk to an in-process API instead of the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
import mcp_types as types
from mcp.server import Server, ServerRequestContext

from server.mcp.config import McpConfig
from server.mcp.tools import ToolTable

SERVER_NAME = "hoursmith"
INSTRUCTIONS = (
    "Tools for one Hoursmith workspace (clients, projects, tasks, time entries, expenses, "
    "invoices, members). Each tool is one call to the Hoursmith REST API with the configured "
    "token, so the token's role decides what is allowed: a refused call returns an error whose "
    "text starts with a stable code such as forbidden_scope, not_found, conflict or "
    "validation_error. Lists return {data, pagination}; pass pagination.nextCursor as cursor "
    "to get the next page."
)


def package_version() -> str:
    """The installed hoursmith version, for serverInfo and the User-Agent."""
    try:
        return version("hoursmith")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"


def build_server(
    config: McpConfig,
    rows: Iterable[Mapping[str, Any]],
    transport: httpx.AsyncBaseTransport | None = None,
) -> Server[httpx.AsyncClient]:
    """An MCP server whose tools are ``rows``, calling the API at ``config.api_url``."""
    table = ToolTable(rows)
    tools = table.list_tools()
    ver = package_version()

    @asynccontextmanager
    async def lifespan(_: Server[httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
        """One pooled client per server run, closed when the client disconnects."""
        async with httpx.AsyncClient(
            base_url=config.api_url + "/",
            headers={
                "Authorization": f"Bearer {config.token}",
                "Accept": "application/json",
                "User-Agent": f"hoursmith-mcp/{ver}",
            },
            timeout=config.timeout,
            transport=transport,
            follow_redirects=False,
        ) as client:
            yield client

    async def on_list_tools(
        ctx: ServerRequestContext[httpx.AsyncClient], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        """All tools at once: 31 fit comfortably in one page."""
        return types.ListToolsResult(tools=tools)

    async def on_call_tool(
        ctx: ServerRequestContext[httpx.AsyncClient], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        """Dispatch to the table with the lifespan's HTTP client."""
        return await table.call(ctx.lifespan_context, params.name, params.arguments)

    return Server(
        SERVER_NAME,
        version=ver,
        title="Hoursmith",
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        get_tool_input_schema=lambda name: (
            table.tools[name].input_schema if name in table.tools else None
        ),
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )
