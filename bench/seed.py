"""Seed a database for the bench through the real migrations, and cache the SQLite result.

Why a cache: 100,000 time entries take a while to generate and insert, and the data only changes
when the seed (SEED_VERSION), the volumes or the schema (migrations, models) change. The cached
file is keyed by all three and copied before each run, because the POST scenarios write to it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, inspect, text

from bench.config import DATA_DIR, REPO_ROOT, SEED_VERSION, BenchConfig
from bench.progress import Progress
from bench.seed_rows import ANCHOR, Row, Workspace, build_workspace
from server.db import all_models  # noqa: F401  (registers every table on Base.metadata)
from server.db.base import Base
from server.db.migrate import MIGRATIONS_DIR, upgrade
from server.db.search_index import SEARCHABLE_TABLES, fts_table
from server.db.session import make_engine
from server.tokens import generate_token

CHUNK = 2_000


@dataclass(frozen=True)
class SeedInfo:
    """What the scenarios need to know about a seeded database."""

    org_id: str
    owner_user_id: str
    token: str
    pool_tokens: list[str]
    project_ids: list[str]
    time_entries: int

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> SeedInfo:
        return cls(**json.loads(path.read_text()))


def schema_fingerprint() -> str:
    """Hash of the migrations and models: a schema change invalidates cached databases."""
    digest = hashlib.sha256()
    sources = [*sorted(MIGRATIONS_DIR.rglob("*.py")), REPO_ROOT / "server/db/models.py"]
    for path in sources:
        if "__pycache__" not in path.parts:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def seed_key(cfg: BenchConfig) -> str:
    """Names a cached seed: what was seeded and with which schema."""
    tickets = f"-t{cfg.ticket_share:g}" if cfg.ticket_share else ""
    return (
        f"seed-v{SEED_VERSION}-{cfg.time_entries}-{cfg.pool_tokens}{tickets}-{schema_fingerprint()}"
    )


def cached_sqlite(cfg: BenchConfig, workdir: Path) -> tuple[str, SeedInfo]:
    """A fresh working copy of the seeded SQLite database (seeding it first if not cached)."""
    key = seed_key(cfg)
    db_path, info_path = DATA_DIR / f"{key}.sqlite", DATA_DIR / f"{key}.json"
    if not (db_path.exists() and info_path.exists()):
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = db_path.with_suffix(".tmp")
        for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            stale.unlink(missing_ok=True)
        for stale in DATA_DIR.glob(f"seed-*-{cfg.time_entries}-{cfg.pool_tokens}-*.*"):
            stale.unlink()  # an older seed version or schema: never read again
        print(f"seeding {db_path.name} (cached for later runs)", file=sys.stderr)
        info = seed_database(f"sqlite:///{tmp}", cfg)
        info.save(info_path)
        tmp.replace(db_path)
    else:
        print(f"using cached {db_path.name}", file=sys.stderr)
    target = workdir / "bench.sqlite"
    shutil.copyfile(db_path, target)
    return f"sqlite:///{target}", SeedInfo.load(info_path)


def seed_database(url: str, cfg: BenchConfig) -> SeedInfo:
    """Migrate `url` to head and bulk-insert the workspace plus the bench's API tokens."""
    upgrade(url)
    engine = make_engine(url)
    try:
        _ensure_tables(engine)
        ws = build_workspace(
            time_entries=cfg.time_entries,
            projects=cfg.projects,
            clients=cfg.clients,
            expenses=cfg.expenses,
            members=cfg.members,
            ticket_share=cfg.ticket_share,
        )
        owner = ws.members[0]
        plaintexts, token_rows = _tokens(ws, owner, 1 + cfg.pool_tokens)
        with engine.begin() as conn:
            deferred = _defer_sqlite_indexes(conn) if engine.dialect.name == "sqlite" else []
            for name, rows in [*ws.tables(), ("api_tokens", token_rows)]:
                _insert(conn, name, rows)
            _rebuild_sqlite_indexes(conn, deferred)
        # Planner statistics, as a database that has been in use has them (PostgreSQL's
        # autovacuum gathers them by itself; on SQLite `hoursmith db upgrade` runs ANALYZE).
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            if engine.dialect.name == "sqlite":
                # One self-contained file to cache and copy: fold the WAL back in.
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return SeedInfo(
            org_id=ws.org["id"],
            owner_user_id=owner["user_id"],
            token=plaintexts[0],
            pool_tokens=plaintexts[1:],
            project_ids=[p["id"] for p in ws.projects if p["rate_type"] == "HOURLY"][:20],
            time_entries=len(ws.time_entries),
        )
    finally:
        engine.dispose()


def _defer_sqlite_indexes(conn: Any) -> list[str]:
    """Drop the migrations' secondary indexes and triggers before a bulk insert; returns their
    DDL for `_rebuild_sqlite_indexes`. Inserting 1M rows into ten random-key B-trees plus the
    search index's trigger, row by row, takes over an hour on a busy 2-core machine; building
    each index once from the loaded table is a sort. The result is the same schema and data."""
    conn.exec_driver_sql("PRAGMA cache_size = -1000000")  # sorts and builds in memory
    ddl = [
        (kind, name, sql)
        for kind, name, sql in conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
        )
    ]
    for kind, name, _ in ddl:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in ddl]


def _rebuild_sqlite_indexes(conn: Any, ddl: Sequence[str]) -> None:
    if not ddl:
        return
    with Progress("indexes", len(ddl) + len(SEARCHABLE_TABLES)) as bar:
        for sql in ddl:
            conn.exec_driver_sql(sql)
            bar.advance()
        present = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        for table in SEARCHABLE_TABLES:  # the FTS tables missed every row while unhooked
            fts = fts_table(table)
            if fts in present:
                conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            bar.advance()


def _ensure_tables(engine: Engine) -> None:
    """Fallback while the migrations are still being written: create what they did not."""
    missing = set(Base.metadata.tables) - set(inspect(engine).get_table_names())
    if missing:
        print(
            f"warning: migrations did not create {sorted(missing)}; using create_all for them",
            file=sys.stderr,
        )
        Base.metadata.create_all(engine)


def _tokens(ws: Workspace, owner: Row, count: int) -> tuple[list[str], list[Row]]:
    """Owner tokens (Manager+ sees every entry); only their hashes go into the database."""
    plaintexts, rows = [], []
    created = ANCHOR - timedelta(days=1)
    for i in range(count):
        new = generate_token("live")
        plaintexts.append(new.plaintext)
        rows.append(
            {
                "id": f"00000000-0000-4000-8000-{i:012d}",
                "org_id": ws.org["id"],
                "member_id": owner["id"],
                "name": "bench" if i == 0 else f"bench pool {i}",
                "env": new.env,
                "prefix": new.prefix,
                "secret_hash": new.secret_hash,
                "created_at": created,
                "revoked_at": None,
                "last_used_at": None,
            }
        )
    return plaintexts, rows


def _insert(conn: Any, name: str, rows: Sequence[Row]) -> None:
    if not rows:
        return
    table = Base.metadata.tables[name]
    with Progress(name, len(rows)) as bar:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            conn.execute(insert(table), list(chunk))
            bar.advance(len(chunk))
