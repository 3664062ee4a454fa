"""Run the API under uvicorn, shared by `hoursmith serve` and `make serve` (server.cli.devserve).

The fast event loop and HTTP parser are used when installed (they are, through
`uvicorn[standard]`), and the access log is off by default: at benchmark rates it costs more
than the request itself.
"""

from __future__ import annotations

import importlib.util
import os

import uvicorn

# An import string: uvicorn needs one to start several workers, each building its own app.
APP_FACTORY = "server.http.asgi:create"


class ServeError(RuntimeError):
    """The server cannot start (bad arguments or the app module is missing)."""


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    access_log: bool = False,
    log_level: str = "info",
    webhook_worker: bool = True,
) -> None:
    """Serve `/api/v1`, `/api/openapi.json` and `/api-docs` until interrupted."""
    if not 0 < port < 65536:
        raise ServeError(f"port must be between 1 and 65535 (got {port})")
    if workers < 1:
        raise ServeError(f"workers must be at least 1 (got {workers})")
    if not _installed("server.http.app"):
        raise ServeError("the API app (server/http/app.py) is not available in this checkout")
    if not webhook_worker:
        # Read by every worker process's app (server.http.app) when it starts.
        os.environ["HOURSMITH_WEBHOOK_WORKER"] = "off"
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        lifespan="on",
        loop="uvloop" if _installed("uvloop") else "auto",
        http="httptools" if _installed("httptools") else "auto",
        access_log=access_log,
        log_level=log_level,
    )
