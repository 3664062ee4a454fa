"""The substring-search indexes of migration 0003, as the server and schema checks see them.

`search=` is a substring match on `search_text` (folded in Python, `%`/`_` literal). The `LIKE`
the server sends is always the final word, so an index only ever narrows the rows it looks at:
- PostgreSQL: a GIN trigram index per searchable table; the planner picks it for the `LIKE`
  itself (nothing to do here).
- SQLite: an FTS5 `trigram` table `<table>_search` over the table's rowid. A term of at least
  three characters is looked up there first (`candidate_rowids`): a handful of hits become a
  `rowid IN (…)` condition next to the `LIKE`; many hits (a common word) keep the plain ordered
  scan, which then finds a page of matches after a few rows anyway. Shorter terms have no
  trigram, so they always scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, false, literal_column, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

SEARCHABLE_TABLES = (
    "clients",
    "members",
    "projects",
    "tasks",
    "time_entries",
    "expenses",
    "invoices",
)
# A trigram index cannot look up fewer characters than this.
MIN_TERM_CHARS = 3
# Up to this many hits are looked up by rowid; more, and the ordered scan is the cheaper plan.
MAX_CANDIDATES = 1_000
_SQLITE_SHADOW_SUFFIXES = ("", "_data", "_idx", "_content", "_docsize", "_config")


def fts_table(table: str) -> str:
    return f"{table}_search"


def is_search_index_object(name: str | None, type_: str) -> bool:
    """True for the tables and indexes of migration 0003 that the models do not declare."""
    if name is None:
        return False
    if type_ == "index":
        return any(name == f"ix_{t}_search_trgm" for t in SEARCHABLE_TABLES)
    if type_ == "table":
        return any(
            name == f"{fts_table(t)}{suffix}"
            for t in SEARCHABLE_TABLES
            for suffix in _SQLITE_SHADOW_SUFFIXES
        )
    return False


def include_in_schema_compare(
    _obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic `include_object` hook: leave the search indexes out of model comparisons."""
    return not is_search_index_object(name, type_)


_PRESENT: dict[tuple[str, str], bool] = {}


def sqlite_has_index(conn: Connection, table: str) -> bool:
    """Whether the FTS table exists (SQLite older than 3.34 has no trigram tokenizer); cached per
    database file, since only a migration creates it."""
    key = (str(conn.engine.url), table)
    found = _PRESENT.get(key)
    if found is None:
        row = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": fts_table(table)},
        ).first()
        found = _PRESENT[key] = row is not None
    return found


def fts_phrase(folded_term: str) -> str:
    """The term as one FTS5 phrase: every character literal, `"` doubled."""
    return '"' + folded_term.replace('"', '""') + '"'


def candidate_rowids(conn: Connection, table: str, folded_term: str) -> list[int] | None:
    """Rowids whose search text contains `folded_term` (SQLite), or None to scan instead.

    None when there is no index, the term is shorter than a trigram, or there are more than
    MAX_CANDIDATES hits. The hits are exact (trigram phrase = substring, both sides folded);
    the caller keeps its `LIKE` anyway, so the answer never depends on the index.
    """
    if len(folded_term) < MIN_TERM_CHARS or not sqlite_has_index(conn, table):
        return None
    fts = fts_table(table)
    try:
        rows = conn.execute(
            text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :phrase LIMIT :limit"),
            {"phrase": fts_phrase(folded_term), "limit": MAX_CANDIDATES + 1},
        ).all()
    except OperationalError:
        return None  # a term FTS5 cannot parse (e.g. a NUL character): the scan answers it
    if len(rows) > MAX_CANDIDATES:
        return None
    return [row[0] for row in rows]


def narrow_to_hits(
    session: Session, stmt: Select[Any], search_column: Any, folded_term: str
) -> Select[Any]:
    """`stmt` (which already carries the search's `LIKE`) limited to the index's hits, when the
    index can answer and the hits are few (SQLite); else `stmt` unchanged (PostgreSQL's planner
    uses its trigram index for the `LIKE` by itself)."""
    if session.get_bind().dialect.name != "sqlite":
        return stmt
    table = search_column.expression.table.name
    rowids = candidate_rowids(session.connection(), table, folded_term)
    if rowids is None:
        return stmt
    if not rowids:
        return stmt.where(false())
    return stmt.where(literal_column(f"{table}.rowid").in_(rowids))
