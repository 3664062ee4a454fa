"""A database that cannot be reached is 503 `unavailable`, never a 500 (design §5, issue 16).

A restart or failover of PostgreSQL drops every pooled connection. SQLAlchemy notices on the
next statement (a disconnect: it drops the pool's older connections too) or cannot connect at
all while the server is down. Safe requests get one more try on a fresh connection
(`server.http.transaction`, `server.http.auth`); what still fails, and every write, lands here:
503 with `Retry-After`. A write answered 503 changed nothing (its transaction never committed)
and its idempotency claim is released on the way out, so the client's retry with the same key
runs. Any other database error stays a 500 `internal` (`server.errors.on_exception`).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DBAPIError

from server.db.session import is_unreachable
from server.errors import Unavailable, envelope, on_exception, request_id_of

log = logging.getLogger("hoursmith.unavailable")


async def on_database_error(request: Any, exc: Exception) -> Any:
    """connexion error handler for DBAPIError: 503 when unreachable, else the usual 500."""
    if not is_unreachable(exc):
        return await on_exception(request, exc)
    log.warning("request %s: database unreachable: %s", request_id_of(request.scope), exc)
    error = Unavailable()
    return envelope(request, error.status, error.code, error.message, headers=error.headers)


def install(app: Any) -> None:
    app.add_error_handler(DBAPIError, on_database_error)
