"""Substring-search indexes and indexes for the filtered time-entry lists

Search (`search=`) is a substring match on `search_text` (folded in Python). A `LIKE '%…%'`
scans every row of the workspace, so each searchable table gets an index made for substrings:
- PostgreSQL: a GIN trigram index (`pg_trgm`, `gin_trgm_ops`); the planner uses it for the same
  `LIKE … ESCAPE` the server already sends, when the term has at least one trigram.
- SQLite: an FTS5 table with the `trigram` tokenizer (SQLite >= 3.34), external content over the
  table's rowid, kept in step by triggers. The server uses it to find candidate rows and still
  applies the `LIKE`, so results are identical to the scan.
The filtered time-entry lists get composite indexes that also serve the default sort
(`-createdAt`): `projectId` (replacing the single-column project index), `billable`, `running`.

Neither index is in the models (they are not portable); `server.db.search_index` names them so
schema comparisons skip them. On SQLite the FTS tables point at rowids: a later migration that
copies a searchable table (a batch "move and copy") must re-create the triggers and rebuild the
index (`INSERT INTO <table>_search(<table>_search) VALUES ('rebuild')`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Inlined (not imported from server.db) so this revision never changes when the code does.
SEARCHABLE = ("clients", "members", "projects", "tasks", "time_entries", "expenses", "invoices")
TRIGRAM_MIN_SQLITE = (3, 34, 0)
LIST_INDEXES = {
    "ix_time_entries_project_created": ("project_id", "created_at", "id"),
    "ix_time_entries_org_billable_created": ("org_id", "billable", "created_at", "id"),
    "ix_time_entries_org_running_created": ("org_id", "is_running", "created_at", "id"),
}
NO_EXTENSION = (
    "migration 0003 needs the PostgreSQL extension pg_trgm for its substring-search indexes, "
    "and this role may not create it. Ask a database owner or superuser to run "
    "`CREATE EXTENSION IF NOT EXISTS pg_trgm;` in this database (pg_trgm ships with PostgreSQL "
    "and is a trusted extension from version 13), then run `hoursmith db upgrade` again."
)


def _sqlite_search_ddl(table: str) -> list[str]:
    """FTS5 trigram table over `table.search_text` + triggers that keep it in step."""
    fts = f"{table}_search"
    columns = f"{fts}({fts}, rowid, search_text)"
    delete_old = f"INSERT INTO {columns} VALUES ('delete', old.rowid, old.search_text);"
    insert_new = f"INSERT INTO {fts}(rowid, search_text) VALUES (new.rowid, new.search_text);"
    return [
        # case_sensitive 1: both sides are already folded in Python, so SQLite must not fold
        # again (its folding differs from Python's outside ASCII).
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', "
        "content_rowid='rowid', tokenize='trigram case_sensitive 1')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} "
        f"BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_drop_ddl(table: str) -> list[str]:
    fts = f"{table}_search"
    return [
        *(f"DROP TRIGGER IF EXISTS {fts}_{kind}" for kind in ("ai", "ad", "au")),
        f"DROP TABLE IF EXISTS {fts}",
    ]


def _create_pg_trgm() -> None:
    bind = op.get_bind()
    present = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if present.first() is not None:
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in ("42501", "0A000"):  # insufficient_privilege, feature_not_supported
            raise RuntimeError(NO_EXTENSION) from exc
        raise


def upgrade() -> None:
    # Plain index operations (no batch): on SQLite a batch would copy the table, renumbering the
    # rowids the search index points at.
    op.drop_index("ix_time_entries_project", table_name="time_entries")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "time_entries", list(columns), unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _create_pg_trgm()
        for table in SEARCHABLE:
            op.execute(
                f"CREATE INDEX ix_{table}_search_trgm ON {table} "
                "USING gin (search_text gin_trgm_ops)"
            )
    elif dialect == "sqlite" and sqlite3.sqlite_version_info >= TRIGRAM_MIN_SQLITE:
        for table in SEARCHABLE:
            for statement in _sqlite_search_ddl(table):
                op.execute(statement)
        # Planner statistics (sampled, cheap): without them SQLite assumes an `org_id =` match is
        # ~10 rows and walks the workspace instead of looking the search hits up by rowid.
        op.execute("PRAGMA analysis_limit = 1000")
        op.execute("ANALYZE")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in SEARCHABLE:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_trgm")
    elif dialect == "sqlite":
        for table in SEARCHABLE:
            for statement in _sqlite_drop_ddl(table):
                op.execute(statement)
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="time_entries")
    op.create_index("ix_time_entries_project", "time_entries", ["project_id"], unique=False)
