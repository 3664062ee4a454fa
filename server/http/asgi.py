"""The zero-argument app factory uvicorn imports by name (`server.http.asgi:create`, factory mode).

uvicorn can only start several workers from an import string, and each worker process must
build its own app, engine and pools; so the factory reads `Settings()` from the environment in
the worker rather than receiving an object from the parent process.
"""

from __future__ import annotations

from typing import Any

from server.http.app import create_app
from server.settings import Settings


def create() -> Any:
    """Build the connexion AsyncApp from `HOURSMITH_*` environment settings."""
    return create_app(Settings())
