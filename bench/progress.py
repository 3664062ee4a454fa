"""A tiny stderr progress bar: seeding 100,000 rows takes long enough to deserve one.

No dependency (tqdm is not installed) and nothing on stdout, which carries the results table.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class Progress:
    """`with Progress("time entries", total) as bar: bar.advance(n)` draws `[####....] 40%`."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self._started = time.perf_counter()
        self._last_draw = 0.0
        # Logs (CI, `make bench > file`) get one final line per table, not a stream of `\r`s.
        self._live = self.stream.isatty()

    def __enter__(self) -> Progress:
        if self._live:
            self._draw(force=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        if self._live:
            self._draw()

    def _draw(self, *, force: bool = False) -> None:
        now = time.perf_counter()
        # Redrawing on every row would cost more than the insert on a fast disk.
        if not force and now - self._last_draw < 0.1 and self.done < self.total:
            return
        self._last_draw = now
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        elapsed = now - self._started
        self.stream.write(
            f"\r  {self.label:<16} [{bar}] {100 * self.done // self.total:3d}% "
            f"{self.done:>7}/{self.total} {elapsed:5.1f}s"
        )
        self.stream.flush()
