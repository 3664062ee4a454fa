"""A worker process of its own (`hoursmith worker`): for deployments with several processes.

It reads `HOURSMITH_DATABASE_URL` and the `HOURSMITH_WEBHOOK_*` settings, delivers until SIGINT
or SIGTERM, then stops gracefully. On PostgreSQL any number of these run side by side.
"""

from __future__ import annotations

import asyncio
import logging

from server.db.session import make_engine, session_factory
from server.webhooks.config import WebhookSettings
from server.webhooks.worker import Worker, run_until_signal


def run(database_url: str, settings: WebhookSettings | None = None) -> None:
    """Deliver webhooks from the database at `database_url` until a signal arrives."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = make_engine(database_url)
    try:
        worker = Worker(session_factory(engine), settings or WebhookSettings())
        asyncio.run(run_until_signal(worker))
    finally:
        engine.dispose()


if __name__ == "__main__":  # `python -m server.webhooks.standalone` (tests, before the CLI)
    from server.settings import Settings

    run(Settings().database_url)
