"""Token rows this process read lately, by prefix: what a GET on PostgreSQL starts from.

Nothing here is trusted on its own. A remembered row only lets a safe request start without a
token lookup of its own: the row is tested again in the request's page query
(`server.services.token_check`) or read again before the response leaves
(`server.http.token_check`). A row that fails either is forgotten. Bounded: the least recently
used prefix goes first, so a flood of distinct tokens cannot grow the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from server.context import Runtime

CAPACITY = 10_000


class RememberedTokens:
    """A bounded, thread-safe map of token prefix → the row `TOKEN_QUERY` returned for it."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._rows: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, prefix: str) -> Any | None:
        with self._lock:
            row = self._rows.get(prefix)
            if row is not None:
                self._rows.move_to_end(prefix)
            return row

    def put(self, prefix: str, row: Any) -> None:
        with self._lock:
            self._rows[prefix] = row
            self._rows.move_to_end(prefix)
            while len(self._rows) > self.capacity:
                self._rows.popitem(last=False)

    def forget(self, prefix: str) -> None:
        with self._lock:
            self._rows.pop(prefix, None)

    def __len__(self) -> int:
        return len(self._rows)


def remembered_tokens_of(runtime: Runtime) -> RememberedTokens:
    """The app's one `RememberedTokens`."""
    return runtime.shared("remembered_tokens", RememberedTokens, lambda _: RememberedTokens())
