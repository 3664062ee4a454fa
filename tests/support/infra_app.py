"""A tiny OpenAPI 3.0.3 "widgets" API over the real infrastructure, for the server/ tests.

It exercises everything the domain handlers rely on (security, validation, errors, sessions,
idempotency, pagination, rate limits) without depending on the generated spec or on handlers
that are still being written. Widgets live in their own `MetaData`, created next to the real
tables.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select
from starlette.testclient import TestClient
from starlette.types import Message

from server.context import current_actor, current_session
from server.db import all_models  # noqa: F401  (registers every table on Base.metadata)
from server.db.base import Base, new_id, utcnow
from server.db.models import ApiToken, Member, Organization, User
from server.errors import ApiError, NotFound
from server.http.app import create_app, runtime_of
from server.services.filters import Filters
from server.services.pagination import PageRequest, paginate
from server.settings import Settings
from server.tokens import generate_token

widget_metadata = MetaData()
widgets = Table(
    "widgets",
    widget_metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("name", String(255), nullable=False),
    Column("search_text", String(255), nullable=False),
    Column("rank", Integer, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("deleted_at", DateTime, nullable=True),
)

ERROR = {"$ref": "#/components/schemas/Error"}
ERRORS = {"default": {"description": "error", "content": {"application/json": {"schema": ERROR}}}}
WIDGET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "rank": {"type": "integer", "nullable": True},
        "createdAt": {"type": "string", "format": "date-time"},
    },
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7E]+$"},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "widgets", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": {
        "/widgets": {
            "get": {
                "operationId": "listWidgets",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "sort", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "search",
                        "in": "query",
                        "schema": {"type": "string", "maxLength": 200},
                    },
                    {"name": "createdAtFrom", "in": "query", "schema": {"type": "string"}},
                    {"name": "createdAtTo", "in": "query", "schema": {"type": "string"}},
                    {"name": "includeDeleted", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "page",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["data", "pagination"],
                                "properties": {
                                    "data": {"type": "array", "items": WIDGET},
                                    "pagination": {"type": "object"},
                                },
                            }
                        ),
                    },
                    **ERRORS,
                },
            },
            "post": {
                "operationId": "createWidget",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": {
                    "required": True,
                    "content": _json(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                                "rank": {"type": "integer", "minimum": 0, "nullable": True},
                                "fail": {"type": "string", "enum": ["conflict", "crash"]},
                                "sleep": {"type": "number", "minimum": 0, "maximum": 5},
                            },
                        }
                    ),
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": _json({"type": "object", "properties": {"data": WIDGET}}),
                    },
                    **ERRORS,
                },
            },
        },
        "/widgets/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getWidget",
                "responses": {
                    "200": {
                        "description": "one",
                        "content": _json({"type": "object", "properties": {"data": WIDGET}}),
                    },
                    **ERRORS,
                },
            },
            "delete": {
                "operationId": "deleteWidget",
                "responses": {"204": {"description": "gone"}, **ERRORS},
            },
        },
        "/broken": {
            "get": {
                "operationId": "getBroken",
                "security": [],
                "responses": {
                    "200": {
                        "description": "does not conform",
                        "content": _json(
                            {"type": "object", "required": ["data"], "properties": {"data": WIDGET}}
                        ),
                    },
                    **ERRORS,
                },
            }
        },
        "/headless": {
            "get": {
                "operationId": "getHeadless",
                "security": [],
                "parameters": [{"name": "withHeader", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "lacks a required header",
                        "headers": {
                            "X-Widget-Count": {"required": True, "schema": {"type": "integer"}}
                        },
                        "content": _json({"type": "object"}),
                    },
                    **ERRORS,
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "x-bearerInfoFunc": "server.http.auth.bearer_info",
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                            "requestId": {"type": "string"},
                        },
                    }
                },
            }
        },
    },
}
OPERATIONS = {
    op: (__name__, fn, "", "", "Widgets")
    for op, fn in {
        "listWidgets": "list_widgets",
        "createWidget": "create_widget",
        "getWidget": "get_widget",
        "deleteWidget": "delete_widget",
        "getBroken": "get_broken",
        "getHeadless": "get_headless",
    }.items()
}

SORTS = {
    "createdAt": widgets.c.created_at,
    "rank": widgets.c.rank,
    "name": widgets.c.name,
    "id": widgets.c.id,
}


def to_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "rank": row.rank,
        "createdAt": row.created_at.isoformat() + "Z",
    }


def list_widgets(**params: Any) -> dict[str, Any]:
    actor, session = current_actor(), current_session()
    page = PageRequest.from_params("widgets", params, SORTS, workspace=actor.org_id)
    f = Filters(params)
    stmt = select(widgets).where(widgets.c.org_id == actor.org_id)
    stmt = f.include_deleted(stmt, widgets.c.deleted_at)
    stmt = f.range(stmt, widgets.c.created_at, "createdAt")
    stmt = f.search(stmt, widgets.c.search_text)
    f.raise_if_invalid()
    result = paginate(session, stmt, page)
    return {"data": [to_json(r) for r in result.items], "pagination": result.pagination}


def create_widget(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    actor, session = current_actor(), current_session()
    if body.get("sleep"):
        time.sleep(float(body["sleep"]))
    widget_id = new_id()
    session.execute(
        widgets.insert().values(
            id=widget_id,
            org_id=actor.org_id,
            name=body["name"],
            search_text=body["name"].lower(),
            rank=body.get("rank"),
            created_at=utcnow(),
        )
    )
    if body.get("fail") == "conflict":
        raise ApiError(409, "conflict", "asked to fail")
    if body.get("fail") == "crash":
        raise RuntimeError("secret traceback detail")
    row = session.execute(select(widgets).where(widgets.c.id == widget_id)).one()
    return {"data": to_json(row)}, 201, {"Location": f"/api/v1/widgets/{widget_id}"}


def get_widget(id_: str) -> dict[str, Any]:
    actor, session = current_actor(), current_session()
    row = session.execute(
        select(widgets).where(widgets.c.id == id_, widgets.c.org_id == actor.org_id)
    ).first()
    if row is None:
        raise NotFound("Widget not found")
    return {"data": to_json(row)}


def delete_widget(id_: str) -> tuple[None, int]:
    get_widget(id_)
    current_session().execute(widgets.delete().where(widgets.c.id == id_))
    return None, 204


def get_broken() -> dict[str, Any]:
    return {"data": {"id": 7}}


def get_headless(**params: Any) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Sends the declared X-Widget-Count header only when asked to (`?withHeader=1`)."""
    return {}, 200, {"X-Widget-Count": "1"} if params.get("with_header") else {}


# --- building and seeding --------------------------------------------------------------------


@dataclass
class Seeded:
    token: str
    token_id: str
    org_id: str
    member_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url or f"sqlite:///{tmp_path / 'test.db'}",
        "secret_key": "test-secret",
        "validate_responses": True,
        "var_dir": tmp_path,
    }
    values.update(overrides)
    return Settings(**values)


def build(settings: Settings) -> Any:
    app = create_app(settings, spec=SPEC, operations=OPERATIONS, spec_31=None)
    engine = runtime_of(app).engine
    Base.metadata.create_all(engine)
    widget_metadata.create_all(engine)
    return app


def seed(
    app: Any,
    *,
    plan: str = "studio",
    role: str = "OWNER",
    subscription_status: str = "active",
) -> Seeded:
    runtime = runtime_of(app)
    new = generate_token("live")
    with runtime.sessions() as session:
        org = Organization(name="Acme", plan=plan, subscription_status=subscription_status)
        user = User(name="Ada", email=f"{new_id()}@example.test")
        session.add_all([org, user])
        session.flush()
        member = Member(org_id=org.id, user_id=user.id, role=role, name="Ada", email=user.email)
        session.add(member)
        session.flush()
        token = ApiToken(
            org_id=org.id,
            member_id=member.id,
            name="ci",
            env=new.env,
            prefix=new.prefix,
            secret_hash=new.secret_hash,
        )
        session.add(token)
        session.commit()
        return Seeded(new.plaintext, token.id, org.id, member.id)


def count_widgets(app: Any, name: str | None = None) -> int:
    with runtime_of(app).sessions() as session:
        stmt = select(widgets.c.id)
        if name is not None:
            stmt = stmt.where(widgets.c.name == name)
        return len(session.execute(stmt).all())


def insert_widget(app: Any, org_id: str, name: str, rank: int | None, created_at: datetime) -> str:
    widget_id = new_id()
    with runtime_of(app).sessions() as session:
        session.execute(
            widgets.insert().values(
                id=widget_id,
                org_id=org_id,
                name=name,
                search_text=name.lower(),
                rank=rank,
                created_at=created_at,
            )
        )
        session.commit()
    return widget_id


@contextmanager
def client_for(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def hang_up_mid_request(
    app: Any, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
) -> list[Message]:
    """Call `app` as uvicorn would for a client that disconnects after sending the first 5
    bytes of `body` (all of an empty one); returns the messages the app sent."""
    incoming: list[Message] = (
        [{"type": "http.request", "body": body[:5], "more_body": True}] if body else []
    )
    sent: list[Message] = []

    async def receive() -> Message:  # once the first bytes are out, the client is gone
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    all_headers = {**headers, "content-type": "application/json"}
    if body:
        all_headers["content-length"] = str(len(body))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent


def response_status(sent: list[Message]) -> int | None:
    """The status of the response among ASGI `sent` messages (None: no response started)."""
    starts = [m["status"] for m in sent if m["type"] == "http.response.start"]
    return starts[0] if starts else None
