"""`routes.py`: operationId → handler location, and the allowed methods per path (for 405)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.render import render
from generator.walk import operations

HANDLERS_PACKAGE = "server.handlers"


def snake_case(name: str) -> str:
    """`listTimeEntries` → `list_time_entries` (handler function names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def module_for_tag(tag: str) -> str:
    """`Time entries` → `server.handlers.time_entries`."""
    return f"{HANDLERS_PACKAGE}.{tag.lower().replace(' ', '_')}"


@dataclass(frozen=True)
class Route:
    """One row of the route table."""

    operation_id: str
    module: str
    function: str
    method: str
    path: str
    tag: str


def route_table(data: dict[str, Any]) -> list[Route]:
    """Every operation of the document as a `Route`, sorted by operationId."""
    routes = [
        Route(
            operation_id=op.operation_id,
            module=module_for_tag(str((op.node.get("tags") or [""])[0])),
            function=snake_case(op.operation_id),
            method=op.method.upper(),
            path=op.path,
            tag=str((op.node.get("tags") or [""])[0]),
        )
        for op in operations(data)
    ]
    return sorted(routes, key=lambda r: r.operation_id)


def allowed_methods(data: dict[str, Any]) -> dict[str, list[str]]:
    """Path → sorted upper-case methods, for the `Allow` header of a 405."""
    allowed: dict[str, list[str]] = {}
    for op in operations(data):
        allowed.setdefault(op.path, []).append(op.method.upper())
    return {path: sorted(methods) for path, methods in sorted(allowed.items())}


def generate_routes(data: dict[str, Any], header: str) -> str:
    """Return the source of `routes.py`."""
    return render(
        "routes.py.j2",
        header=header,
        routes=route_table(data),
        allowed=allowed_methods(data),
    )
