"""A hand-made tool table and a tiny in-process API, for MCP tests that need no real server.

The rows follow the shape of ``server.generated.mcp_tools.TOOLS`` (ARCHITECTURE.md); the fake
API answers with the real envelopes so the dispatcher's mapping can be checked exactly.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "hsk_test_0123456789ab_abcdefghijklmnopqrstuvwxyz012345"
MEMBER_TOKEN = "hsk_test_ba9876543210_abcdefghijklmnopqrstuvwxyz012345"

_CLIENT_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "email": {"type": ["string", "null"], "format": "email"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
}
_ID = {"type": "string", "format": "uuid", "description": "The record's id."}

TABLE: list[dict[str, Any]] = [
    {
        "name": "get_me",
        "title": "Get the current token's identity",
        "description": "Who this token acts as.",
        "operation_id": "getMe",
        "method": "GET",
        "path": "/me",
        "path_params": [],
        "query_params": [],
        "header_params": [],
        "body_params": [],
        "body_required": False,
        "input_schema": {"type": "object", "properties": {}, "additionalProperties": False},
        "read_only": True,
        "destructive": False,
    },
    {
        "name": "list_clients",
        "title": "List clients",
        "description": "Lists clients.",
        "operation_id": "listClients",
        "method": "GET",
        "path": "/clients",
        "path_params": [],
        "query_params": ["limit", "cursor", "search", "includeDeleted"],
        "header_params": [],
        "body_params": [],
        "body_required": False,
        "input_schema": {
            "type": "object",
            "properties": {
                "limit": {"type": "integer", "minimum": 1, "maximum": 200},
                "cursor": {"type": "string"},
                "search": {"type": "string", "maxLength": 200},
                "includeDeleted": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "read_only": True,
        "destructive": False,
    },
    {
        "name": "create_client",
        "title": "Create a client",
        "description": "Creates a client.",
        "operation_id": "createClient",
        "method": "POST",
        "path": "/clients",
        "path_params": [],
        "query_params": [],
        "header_params": [],
        "body_params": list(_CLIENT_FIELDS),
        "body_required": True,
        "input_schema": {
            "type": "object",
            "properties": dict(_CLIENT_FIELDS),
            "required": ["name"],
            "additionalProperties": False,
        },
        "read_only": False,
        "destructive": False,
    },
    {
        "name": "get_client",
        "title": "Get a client",
        "description": "Returns one client.",
        "operation_id": "getClient",
        "method": "GET",
        "path": "/clients/{id}",
        "path_params": ["id"],
        "query_params": [],
        "header_params": [],
        "body_params": [],
        "body_required": False,
        "input_schema": {
            "type": "object",
            "properties": {"id": _ID},
            "required": ["id"],
            "additionalProperties": False,
        },
        "read_only": True,
        "destructive": False,
    },
    {
        "name": "update_client",
        "title": "Update a client",
        "description": "Partially updates a client.",
        "operation_id": "updateClient",
        "method": "PATCH",
        "path": "/clients/{id}",
        "path_params": ["id"],
        "query_params": [],
        "header_params": [],
        "body_params": list(_CLIENT_FIELDS),
        "body_required": True,
        "input_schema": {
            "type": "object",
            "properties": {"id": _ID, **_CLIENT_FIELDS},
            "required": ["id"],
            "additionalProperties": False,
        },
        "read_only": False,
        "destructive": False,
    },
    {
        "name": "delete_client",
        "title": "Delete a client",
        "description": "Soft-deletes a client.",
        "operation_id": "deleteClient",
        "method": "DELETE",
        "path": "/clients/{id}",
        "path_params": ["id"],
        "query_params": [],
        "header_params": [],
        "body_params": [],
        "body_required": False,
        "input_schema": {
            "type": "object",
            "properties": {"id": _ID},
            "required": ["id"],
            "additionalProperties": False,
        },
        "read_only": False,
        "destructive": True,
    },
]


@dataclass
class SeenRequest:
    """What the fake API received, for assertions about the one REST call."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeApi:
    """An in-memory clients API answering like Hoursmith (envelopes, 201/204, 403 for Members)."""

    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[SeenRequest] = field(default_factory=list)

    def app(self) -> Starlette:
        """The ASGI app, mounted under /api/v1 like the real one."""
        return Starlette(
            routes=[
                Route("/api/v1/me", self.me, methods=["GET"]),
                Route("/api/v1/clients", self.list_clients, methods=["GET"]),
                Route("/api/v1/clients", self.create_client, methods=["POST"]),
                Route("/api/v1/clients/{id}", self.get_client, methods=["GET"]),
                Route("/api/v1/clients/{id}", self.update_client, methods=["PATCH"]),
                Route("/api/v1/clients/{id}", self.delete_client, methods=["DELETE"]),
            ]
        )

    async def _record(self, request: Request) -> Response | None:
        """Record the request and apply the token rules; return an error response if any."""
        raw = await request.body()
        self.seen.append(
            SeenRequest(
                request.method,
                request.url.path,
                request.url.query,
                dict(request.headers),
                json.loads(raw) if raw else None,
            )
        )
        auth = request.headers.get("authorization", "")
        if auth not in (f"Bearer {TOKEN}", f"Bearer {MEMBER_TOKEN}"):
            return _error(401, "unauthenticated", "The API token is missing or invalid.")
        if auth == f"Bearer {MEMBER_TOKEN}" and request.url.path.startswith("/api/v1/clients"):
            return _error(403, "forbidden_scope", "Members may not use clients.")
        return None

    async def me(self, request: Request) -> Response:
        """GET /me."""
        return await self._record(request) or JSONResponse({"data": {"role": "OWNER"}})

    async def list_clients(self, request: Request) -> Response:
        """GET /clients."""
        if refused := await self._record(request):
            return refused
        limit = int(request.query_params.get("limit", "50"))
        rows = list(self.clients.values())[:limit]
        return JSONResponse({"data": rows, "pagination": {"nextCursor": None, "limit": limit}})

    async def create_client(self, request: Request) -> Response:
        """POST /clients (requires Idempotency-Key like the real API)."""
        if refused := await self._record(request):
            return refused
        if not request.headers.get("idempotency-key"):
            return _error(422, "validation_error", "Idempotency-Key is required.")
        body = self.seen[-1].body
        client = {"id": str(uuid.uuid4()), "currency": "GBP", "email": None, **body}
        self.clients[client["id"]] = client
        return JSONResponse(
            {"data": client},
            status_code=201,
            headers={"Location": f"/api/v1/clients/{client['id']}"},
        )

    async def get_client(self, request: Request) -> Response:
        """GET /clients/{id}."""
        if refused := await self._record(request):
            return refused
        client = self.clients.get(request.path_params["id"])
        if client is None:
            return _error(404, "not_found", "No such client.")
        return JSONResponse({"data": client})

    async def update_client(self, request: Request) -> Response:
        """PATCH /clients/{id}."""
        if refused := await self._record(request):
            return refused
        client = self.clients.get(request.path_params["id"])
        if client is None:
            return _error(404, "not_found", "No such client.")
        client.update(self.seen[-1].body or {})
        return JSONResponse({"data": client})

    async def delete_client(self, request: Request) -> Response:
        """DELETE /clients/{id}."""
        if refused := await self._record(request):
            return refused
        if self.clients.pop(request.path_params["id"], None) is None:
            return _error(404, "not_found", "No such client.")
        return Response(status_code=204)


def _error(status: int, code: str, message: str) -> JSONResponse:
    """The Hoursmith error envelope."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
