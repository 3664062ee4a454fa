"""The bench's SQLite seed rebuilds the schema the migrations make, search index included."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from bench.config import BenchConfig
from bench.seed import seed_database
from server.db.migrate import upgrade

SCHEMA = (
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY 1, 2"
)


def test_bulk_seed_keeps_the_migrated_schema_and_a_consistent_search_index(tmp_path: Path) -> None:
    """Indexes and triggers dropped for the bulk insert come back unchanged; FTS has every row."""
    cfg = dataclasses.replace(
        BenchConfig.make(quick=True), time_entries=500, expenses=20, clients=10, projects=5,
        pool_tokens=0, ticket_share=0.2,
    )  # fmt: skip
    seeded, migrated = tmp_path / "seeded.sqlite", tmp_path / "migrated.sqlite"
    seed_database(f"sqlite:///{seeded}", cfg)
    upgrade(f"sqlite:///{migrated}")
    db = sqlite3.connect(seeded)
    try:
        assert db.execute(SCHEMA).fetchall() == sqlite3.connect(migrated).execute(SCHEMA).fetchall()
        db.execute("INSERT INTO time_entries_search(time_entries_search, rank) "
                   "VALUES ('integrity-check', 1)")  # fmt: skip
        by_index = db.execute(
            "SELECT count(*) FROM time_entries_search WHERE time_entries_search MATCH '\"ticket\"'"
        ).fetchone()
        by_scan = db.execute(
            "SELECT count(*) FROM time_entries WHERE search_text LIKE '%ticket%'"
        ).fetchone()
        assert by_index == by_scan
        assert by_scan[0] > 0
    finally:
        db.close()
