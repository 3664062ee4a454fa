"""The knobs of one bench run. `--quick` keeps every scenario but shrinks data and rounds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"

# Bump when the seeded data changes shape: cached databases are keyed by it.
SEED_VERSION = 2
# Fixed so cursors, tokens and results of two runs on one checkout are comparable.
BENCH_SECRET_KEY = "bench-cursor-signing-key-not-a-secret-0123456789"
LIST_PATH = "/api/v1/time-entries"


@dataclass(frozen=True)
class BenchConfig:
    """Sizes and timings; `make(quick=False)` is `make bench`, `quick=True` is `bench-quick`."""

    quick: bool
    time_entries: int
    projects: int
    clients: int
    expenses: int
    members: int
    # Tokens for the rate-limit scenario: enough that each token stays inside its plan budget.
    pool_tokens: int
    round_seconds: int
    warmup_seconds: int
    rounds: int
    connections: int
    # Share of time entries whose note names a ticket (a selective search term); scale only.
    ticket_share: float = 0.0
    page_limit: int = 50
    server_core: int = 0
    load_core: int = 1

    @classmethod
    def make(cls, *, quick: bool) -> BenchConfig:
        return cls._quick() if quick else cls._full()

    @classmethod
    def _full(cls) -> BenchConfig:
        return cls(
            quick=False,
            time_entries=100_000,
            projects=200,
            clients=1_000,
            expenses=5_000,
            members=25,
            pool_tokens=2_000,
            round_seconds=10,
            warmup_seconds=2,
            rounds=3,
            connections=16,
        )

    @classmethod
    def _quick(cls) -> BenchConfig:
        return cls(
            quick=True,
            time_entries=10_000,
            projects=200,
            clients=1_000,
            expenses=1_000,
            members=25,
            pool_tokens=2_000,
            round_seconds=3,
            warmup_seconds=1,
            rounds=2,
            connections=16,
        )
