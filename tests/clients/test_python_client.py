"""openapi-python-client (pinned in the dev dependencies), at its default settings, on the served
document: it generates without a warning, the package imports, and it drives a real workflow
against a live server."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.live_server import LiveServer

PACKAGE = "hoursmith_api_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generation(served_document: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Generate the client package into a temp dir (ruff on PATH, as the generator expects)."""
    out = tmp_path_factory.mktemp("python-client") / "client"
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(served_document), "--output-path", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "warning" not in output.lower(), output
    assert "error" not in output.lower(), output
    sys.path.insert(0, str(out))
    try:
        yield out
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def client(generation: Path, clients_server: LiveServer) -> Iterator[Any]:
    """The generated `AuthenticatedClient` for the Owner's demo token (closed afterwards)."""
    package = importlib.import_module(PACKAGE)
    with package.AuthenticatedClient(
        base_url=clients_server.api_url, token=clients_server.tokens["owner"]
    ) as authenticated:
        yield authenticated


def test_generation_is_clean_and_the_package_imports(
    generation: Path, served_document: Path
) -> None:
    """The generator wrote one importable package with an endpoint module per operation."""
    models = _module("models")
    assert {"CreateClientBody", "UpdateClientBody", "Error", "ClientList"} <= set(dir(models))
    api = generation / PACKAGE / "api"
    generated = {p.stem for p in api.glob("*/*.py") if p.stem != "__init__"}
    document = json.loads(served_document.read_text(encoding="utf-8"))
    operation_ids = [
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert generated == {_snake(operation_id) for operation_id in operation_ids}
    for name in ("create_client", "list_time_entries", "update_time_entry"):
        importlib.import_module(f"{PACKAGE}.api.{_tag_of(generation, name)}.{name}")


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def _tag_of(generation: Path, module: str) -> str:
    [path] = (generation / PACKAGE / "api").glob(f"*/{module}.py")
    return path.parent.name


def _create(client: Any, name: str) -> Any:
    body = _module("models").CreateClientBody(name=name)  # requirePoNumber keeps its default
    api = _module("api.clients.create_client")
    return api.sync_detailed(client=client, body=body, idempotency_key=str(uuid.uuid4()))


def _all_client_ids(client: Any, **filters: Any) -> list[str]:
    """Every page of `listClients`, two at a time, following `nextCursor` to the end."""
    list_clients = _module("api.clients.list_clients")
    ids: list[str] = []
    cursor: Any = _module("types").UNSET
    for _ in range(100):
        page = list_clients.sync(client=client, limit=2, cursor=cursor, **filters)
        ids += [str(item.id) for item in page.data]
        if page.pagination.next_cursor is None:
            return ids
        cursor = page.pagination.next_cursor
    raise AssertionError("more than 100 pages")


def test_client_workflow(client: Any) -> None:
    """Create, get, page to the end, update, delete, then 404 and 422 as parsed error models."""
    models = _module("models")
    tag = uuid.uuid4().hex[:8]
    created = [_create(client, f"Generated {tag} {i}") for i in range(3)]
    assert [r.status_code for r in created] == [201, 201, 201]
    ids = [str(r.parsed.data.id) for r in created]
    assert created[0].parsed.data.require_po_number is False

    get_client = _module("api.clients.get_client")
    fetched = get_client.sync(ids[0], client=client)
    assert isinstance(fetched, models.ClientResponse)
    assert fetched.data.name == f"Generated {tag} 0"

    paged = _all_client_ids(client)
    assert len(paged) == len(set(paged)), "a client came twice while paging"
    one_page = _module("api.clients.list_clients").sync(client=client, limit=200)
    assert sorted(paged) == sorted(str(c.id) for c in one_page.data)
    assert set(ids) <= set(paged)

    update = _module("api.clients.update_client")
    updated = update.sync(
        ids[1], client=client, body=models.UpdateClientBody(name=f"Renamed {tag}")
    )
    assert updated.data.name == f"Renamed {tag}"

    delete = _module("api.clients.delete_client")
    assert delete.sync_detailed(ids[2], client=client).status_code == 204
    missing = get_client.sync_detailed(ids[2], client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Error)
    assert missing.parsed.error.code == models.ErrorBodyCode.NOT_FOUND

    assert ids[2] not in _all_client_ids(client)
    assert ids[2] in _all_client_ids(client, include_deleted=True)

    invalid = _create(client, "")
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.Error)
    assert invalid.parsed.error.code == models.ErrorBodyCode.VALIDATION_ERROR
    assert "name" in invalid.parsed.error.fields.additional_properties


def test_typed_filters_reach_the_server(client: Any) -> None:
    """Boolean and enum filters go out as the generated types and filter the list."""
    models = _module("models")
    entries = _module("api.time_entries.list_time_entries").sync(
        client=client, running=False, billable=True, limit=200
    )
    assert isinstance(entries, models.TimeEntryList), entries
    assert entries.data, "the demo workspace has billable, stopped time entries"
    assert all(e.billable and not e.running for e in entries.data)
    projects = _module("api.projects.list_projects").sync(
        client=client, status=models.ListProjectsStatus.ACTIVE, limit=200
    )
    assert isinstance(projects, models.ProjectList), projects
    assert projects.data
    assert {p.status for p in projects.data} == {models.ProjectStatus.ACTIVE}
