"""How many rows of a table contain a fragment of a search term: the statistic the search
planner (`server.db.search_index`) uses to look a term up by its rarest part.

A trigram index costs what the posting lists it reads cost. `ticket t-04217` through all its
trigrams reads the lists of `tic`, `ick`, `ket`… (a tenth of all entries each) to find 13 rows;
`421` alone is 200 entries. Neither database offers such counts cheaply (FTS5's vocabulary
table counts a list by reading all of it; PostgreSQL keeps no per-trigram statistics), so each
process counts a fragment once, capped at COUNT_CAP (a LIMIT keeps the probe cheap even for a
common fragment), and keeps the count for STATS_SECONDS. A count only chooses the plan: the
search's `LIKE` still decides every row, so a stale count can cost time, never change a result.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

# Counting stops here: a fragment in this many rows is "common", however common it is.
COUNT_CAP = 1_001
# Counts older than this are taken again (data grows; a rare word becomes common).
STATS_SECONDS = 600.0
# Fragments remembered per process (least recently used forgotten first); ~100 bytes each.
MAX_FRAGMENTS = 50_000

Key = tuple[str, str, str]  # (database URL, table, fragment)


class FragmentCounts:
    """A bounded, thread-safe, time-limited cache of capped fragment counts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: OrderedDict[Key, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def count(self, key: Key, probe: Callable[[], int]) -> int:
        """The cached count of `key`, or `probe()`'s (capped at COUNT_CAP) when absent or old."""
        now = self._clock()
        with self._lock:
            cached = self._counts.get(key)
            if cached is not None and now - cached[1] < STATS_SECONDS:
                self._counts.move_to_end(key)
                return cached[0]
        value = min(probe(), COUNT_CAP)  # outside the lock: a probe is a query
        with self._lock:
            self._counts[key] = (value, now)
            self._counts.move_to_end(key)
            while len(self._counts) > MAX_FRAGMENTS:
                self._counts.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def __len__(self) -> int:
        return len(self._counts)


# One per process: every request's searches share what earlier ones counted.
COUNTS = FragmentCounts()
