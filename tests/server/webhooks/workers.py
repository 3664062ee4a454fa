"""Run a `Worker` in a thread for the webhook tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from server.webhooks.config import WebhookSettings
from server.webhooks.worker import Worker


@contextmanager
def running_worker(
    sessions: sessionmaker[Session], settings: WebhookSettings, **kwargs: Any
) -> Iterator[Worker]:
    """A `Worker` on its own event loop in a thread; stopped gracefully on exit."""
    worker: Worker | None = None
    ready = threading.Event()
    loop = asyncio.new_event_loop()

    async def main() -> None:
        nonlocal worker
        worker = Worker(sessions, settings, **kwargs)
        ready.set()
        await worker.run()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(5)
    assert worker is not None
    try:
        yield worker
    finally:
        loop.call_soon_threadsafe(worker.stop)
        thread.join(15)
        loop.close()
