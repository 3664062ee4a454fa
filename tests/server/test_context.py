from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from server.context import RequestScope, bind_runtime, bind_scope, run_write, unbind_scope
from server.http.app import runtime_of
from tests.support.infra_app import build, make_settings


def _thread_of_run_write(scope: RequestScope, *, open_first: bool) -> int:
    async def scenario() -> int:
        token = bind_scope(scope)
        try:
            if open_first:
                scope.session  # noqa: B018  (begins the write transaction)
            return await run_write(threading.get_ident)
        finally:
            unbind_scope(token)

    return asyncio.run(scenario())


def test_run_write_is_inline_once_the_write_lock_is_held(tmp_path: Path) -> None:
    """On SQLite, run_write runs on the event loop's thread only when the transaction has begun."""
    runtime = runtime_of(build(make_settings(tmp_path)))
    bind_runtime(runtime)
    try:
        with RequestScope(runtime.sessions, write=True) as held:
            assert _thread_of_run_write(held, open_first=True) == threading.get_ident()
        with RequestScope(runtime.sessions, write=True) as lazy:
            assert _thread_of_run_write(lazy, open_first=False) != threading.get_ident()
            assert not lazy.holds_write_lock
        with RequestScope(runtime.sessions, read_only=True) as read:
            assert _thread_of_run_write(read, open_first=True) != threading.get_ident()
    finally:
        bind_runtime(None)
        runtime.engine.dispose()
