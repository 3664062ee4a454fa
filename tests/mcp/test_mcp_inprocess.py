"""The MCP server driven by the SDK's own client, in process, against a fake API."""

from __future__ import annotations

import uuid

import httpx
import pytest
from mcp import Client
from mcp.server import Server
from mcp.shared.exceptions import MCPError

from server.mcp.config import McpConfig
from server.mcp.factory import build_server
from tests.mcp.mcp_fakes import MEMBER_TOKEN, TABLE, TOKEN, FakeApi

pytestmark = pytest.mark.anyio
API_URL = "http://api.test/api/v1"


def make_server(api: FakeApi, token: str = TOKEN) -> Server[httpx.AsyncClient]:
    """A server wired to the fake API through an in-process ASGI transport."""
    config = McpConfig(api_url=API_URL, token=token)
    return build_server(config, TABLE, transport=httpx.ASGITransport(app=api.app()))


async def test_lists_exactly_the_table_with_annotations() -> None:
    """tools/list returns every table row once, with read-only and destructive hints."""
    async with Client(make_server(FakeApi())) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert list(tools) == [row["name"] for row in TABLE]
    assert tools["get_client"].annotations is not None
    assert tools["get_client"].annotations.read_only_hint is True
    assert tools["delete_client"].annotations is not None
    assert tools["delete_client"].annotations.destructive_hint is True
    assert tools["create_client"].input_schema["required"] == ["name"]


async def test_create_then_get_round_trips_structured_content() -> None:
    """create_client POSTs the body with a token and a fresh Idempotency-Key; get reads it."""
    api = FakeApi()
    async with Client(make_server(api)) as client:
        created = await client.call_tool("create_client", {"name": "Northwind", "currency": "EUR"})
        client_id = created.structured_content["data"]["id"]
        await client.call_tool("create_client", {"name": "Contoso"})
        read = await client.call_tool("get_client", {"id": client_id})
    assert created.is_error is False
    assert read.structured_content == {
        "data": {"id": client_id, "name": "Northwind", "currency": "EUR", "email": None}
    }
    posts = [r for r in api.seen if r.method == "POST"]
    assert [p.body for p in posts] == [
        {"name": "Northwind", "currency": "EUR"},
        {"name": "Contoso"},
    ]
    keys = [p.headers["idempotency-key"] for p in posts]
    assert keys[0] != keys[1]
    assert all(uuid.UUID(k).version == 4 for k in keys)
    assert {r.headers["authorization"] for r in api.seen} == {f"Bearer {TOKEN}"}
    assert api.seen[-1].path == f"/api/v1/clients/{client_id}"
    assert "idempotency-key" not in api.seen[-1].headers


async def test_list_returns_data_and_pagination_and_passes_query() -> None:
    """A list tool returns the whole {data, pagination} object and sends its query parameters."""
    api = FakeApi()
    async with Client(make_server(api)) as client:
        await client.call_tool("create_client", {"name": "A"})
        listed = await client.call_tool("list_clients", {"limit": 5, "includeDeleted": True})
    assert listed.structured_content["pagination"] == {"nextCursor": None, "limit": 5}
    assert [c["name"] for c in listed.structured_content["data"]] == ["A"]
    assert api.seen[-1].query == "limit=5&includeDeleted=true"


async def test_invalid_arguments_are_a_tool_error_and_no_request() -> None:
    """Arguments that break the input schema come back as a tool error before any HTTP call."""
    api = FakeApi()
    async with Client(make_server(api)) as client:
        result = await client.call_tool("get_client", {"id": "not-a-uuid", "extra": 1})
    assert result.is_error is True
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.startswith("invalid_arguments:")
    assert "'not-a-uuid' is not a 'uuid'" in text
    assert "'extra' was unexpected" in text
    assert api.seen == []


async def test_api_error_is_a_tool_error_with_code_and_message() -> None:
    """A Member token's 403 arrives as is_error with the envelope's code and message."""
    async with Client(make_server(FakeApi(), token=MEMBER_TOKEN)) as client:
        result = await client.call_tool("list_clients", {})
    assert result.is_error is True
    assert result.content[0].text == (  # type: ignore[union-attr]
        "forbidden_scope: Members may not use clients. (HTTP 403)"
    )
    assert result.structured_content == {
        "status": 403,
        "error": {"code": "forbidden_scope", "message": "Members may not use clients."},
    }


async def test_delete_acknowledges_204_structurally() -> None:
    """A 204 from DELETE becomes {"deleted": true, "id": ...}, and a second delete is not_found."""
    api = FakeApi()
    async with Client(make_server(api)) as client:
        created = await client.call_tool("create_client", {"name": "Gone soon"})
        client_id = created.structured_content["data"]["id"]
        deleted = await client.call_tool("delete_client", {"id": client_id})
        again = await client.call_tool("delete_client", {"id": client_id})
    assert deleted.is_error is False
    assert deleted.structured_content == {"deleted": True, "id": client_id}
    assert again.is_error is True
    assert again.content[0].text.startswith("not_found: ")  # type: ignore[union-attr]


async def test_patch_sends_only_given_fields() -> None:
    """update_client PATCHes only the body fields passed, without the path id."""
    api = FakeApi()
    async with Client(make_server(api)) as client:
        created = await client.call_tool("create_client", {"name": "Old"})
        client_id = created.structured_content["data"]["id"]
        updated = await client.call_tool("update_client", {"id": client_id, "email": None})
    assert updated.structured_content["data"]["email"] is None
    assert api.seen[-1].method == "PATCH"
    assert api.seen[-1].body == {"email": None}


async def test_unknown_tool_is_a_protocol_error() -> None:
    """Calling a tool that is not in the table is an MCP error, not a tool result."""
    async with Client(make_server(FakeApi())) as client:
        with pytest.raises(MCPError, match="Unknown tool: drop_tables"):
            await client.call_tool("drop_tables", {})


async def test_unreachable_api_is_a_tool_error_without_the_token() -> None:
    """A connection failure is reported as api_unreachable and never echoes the token."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    config = McpConfig(api_url=API_URL, token=TOKEN)
    server = build_server(config, TABLE, transport=httpx.MockTransport(refuse))
    async with Client(server) as client:
        result = await client.call_tool("get_me", {})
    assert result.is_error is True
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.startswith("api_unreachable: could not reach the Hoursmith API at http://api.test")
    assert TOKEN not in text
