"""create_app over the generated spec: it builds, resolves every operation and serves docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.db import all_models  # noqa: F401
from server.db.base import Base
from server.generated.routes import OPERATIONS
from server.http.app import (
    GENERATED_SPEC,
    base_path_of,
    create_app,
    load_yaml,
    make_resolver,
    runtime_of,
)
from tests.support.infra_app import client_for, make_settings

pytestmark = pytest.mark.skipif(not GENERATED_SPEC.is_file(), reason="run `make generate` first")


def test_real_app_builds_and_answers(tmp_path: Path) -> None:
    """The app starts with its lifespan and answers the envelope on a public and a secured path."""
    app = create_app(make_settings(tmp_path))
    Base.metadata.create_all(runtime_of(app).engine)
    with client_for(app) as client:
        assert client.get("/api/openapi.json").status_code == 200
        me = client.get("/api/v1/me")
        assert me.status_code == 401
        assert me.json()["error"]["code"] == "unauthenticated"
        assert "x-ratelimit-limit" in me.headers
        unknown = client.get("/api/v1/no-such-thing")
        assert unknown.status_code == 404


def test_every_operation_resolves() -> None:
    """Each operationId in the generated table maps to an importable handler."""
    resolver = make_resolver(OPERATIONS)
    for operation_id in OPERATIONS:
        assert callable(resolver.function_resolver(operation_id))
    with pytest.raises(ValueError, match="unknown operationId"):
        resolver.function_resolver("noSuchOperation")


def test_base_path_comes_from_the_servers() -> None:
    """connexion mounts the API under the first server's path."""
    assert base_path_of(load_yaml(GENERATED_SPEC)) == "/api/v1"
    assert base_path_of({"servers": [{"url": "https://x.example/api/v1/"}]}) == "/api/v1"
