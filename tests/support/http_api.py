"""Calling the real app in-process as a member of a `World`, plus contract-shape helpers."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft4Validator
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from server.db import models as M
from server.http.request_validation import oas30_to_jsonschema
from tests.support.world import World, empty_invoice


class Api:
    """A test client that speaks as one of the World's members (by label)."""

    def __init__(self, client: TestClient, world: World, tokens: dict[str, str]) -> None:
        self.client = client
        self.world = world
        self.tokens = tokens

    def call(
        self,
        method: str,
        path: str,
        who: str = "owner",
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if method.upper() == "POST":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return self.client.request(
            method, f"/api/v1{path}", headers=headers, json=json, params=params
        )

    def get(self, path: str, who: str = "owner", **params: Any) -> httpx.Response:
        return self.call("GET", path, who, params=params or None)

    def post(self, path: str, json: Any = None, who: str = "owner") -> httpx.Response:
        return self.call("POST", path, who, json=json)

    def patch(self, path: str, json: Any, who: str = "owner") -> httpx.Response:
        return self.call("PATCH", path, who, json=json)

    def delete(self, path: str, who: str = "owner") -> httpx.Response:
        return self.call("DELETE", path, who)


@dataclass
class AppEnv:
    """One app, database and client shared by a test module (tests use separate orgs)."""

    client: TestClient
    sessions: sessionmaker[Session]


SPEC_30 = Path(__file__).resolve().parents[2] / "server" / "generated" / "openapi_30.yaml"


@functools.cache
def _components() -> dict[str, Any]:
    doc = yaml.safe_load(SPEC_30.read_text())
    converted: dict[str, Any] = oas30_to_jsonschema(doc["components"])
    return converted


def conforms(body: Any, schema_name: str) -> None:
    """Assert `body` matches the contract's response schema (writeOnly fields must be absent)."""
    root = {"allOf": [{"$ref": f"#/components/schemas/{schema_name}"}], "components": _components()}
    errors = [e.message for e in Draft4Validator(root).iter_errors(body)]
    assert errors == []


def make_invoice(api: Api, project: M.Project) -> M.Invoice:
    """An empty invoice of the project's client, to lock records onto."""
    row = empty_invoice(api.world.org.id, project.client_id, f"T-{project.id[:8]}")
    api.world.s.add(row)
    api.world.s.commit()
    return row
