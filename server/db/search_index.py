"""The substring-search indexes of migration 0003, and how a search uses them.

`search=` is a substring match on `search_text` (folded in Python, `%`/`_` literal). The match
itself is always the final word, so an index only ever narrows the rows it looks at; which part
of the term the index looks up is chosen by how rare each part is (`server.db.fragment_counts`):
- SQLite: an FTS5 `trigram` table `<table>_search` over the table's rowid. A term of at least
  three characters is looked up there first (`candidate_rowids`): by its three rarest trigrams
  when any is rare (reading a rare trigram's short list, not the long lists of common ones),
  else as a whole phrase. A handful of hits become a `rowid IN (…)` condition next to the
  `LIKE`; many hits (a common word) keep the plain ordered scan, which then finds a page of
  matches after a few rows anyway. Shorter terms have no trigram, so they always scan.
- PostgreSQL: a GIN trigram index per searchable table, which the planner uses for a `LIKE`.
  A term of several words is looked up by its rarest word of three or more characters
  (`LIKE '%word%'`, which the index serves) and matched whole by `strpos`, which it does not;
  otherwise the whole term's `LIKE` goes to the planner as it is.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlalchemy import Connection, Select, TextClause, false, func, literal_column, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server.db.fragment_counts import COUNT_CAP, COUNTS

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


def like_contains(folded_term: str) -> str:
    """`%term%` with `\\`, `%` and `_` escaped (use with ESCAPE '\\'): every character literal."""
    escaped = folded_term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(folded_term: str) -> str:
    """The term as one FTS5 phrase: every character literal, `"` doubled."""
    return '"' + folded_term.replace('"', '""') + '"'


def trigrams(folded_term: str) -> list[str]:
    """The term's distinct trigrams, in the order they occur."""
    grams = (folded_term[i : i + 3] for i in range(len(folded_term) - 2))
    return list(dict.fromkeys(grams))


# An FTS5 lookup by this many of the term's rarest trigrams (AND): few enough that every list
# read is short, enough that the hits are close to the phrase's.
RAREST_TRIGRAMS = 3


def _fts_rowids(conn: Connection, table: str, match: str, limit: int) -> list[int]:
    fts = fts_table(table)
    rows = conn.execute(
        text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :match LIMIT :limit"),
        {"match": match, "limit": limit},
    ).all()
    return [row[0] for row in rows]


def _rarest_trigrams_match(conn: Connection, table: str, folded_term: str) -> str | None:
    """An FTS5 query for the term's rarest trigrams, or None when the phrase is as cheap
    (a term of few trigrams) or when every trigram is common."""
    grams = trigrams(folded_term)
    if len(grams) <= RAREST_TRIGRAMS:
        return None
    url = str(conn.engine.url)

    def count(gram: str) -> int:
        return COUNTS.count(
            (url, table, gram), lambda: len(_fts_rowids(conn, table, fts_phrase(gram), COUNT_CAP))
        )

    counts = {gram: count(gram) for gram in grams}
    rarest = sorted(grams, key=counts.__getitem__)[:RAREST_TRIGRAMS]
    if counts[rarest[0]] >= COUNT_CAP:
        return None
    return " AND ".join(fts_phrase(gram) for gram in rarest)


def candidate_rowids(conn: Connection, table: str, folded_term: str) -> list[int] | None:
    """Rowids that include every row whose search text contains `folded_term` (SQLite), or
    None to scan instead.

    None when there is no index, the term is shorter than a trigram, or there are more than
    MAX_CANDIDATES hits. Looked up by the rarest trigrams, the candidates may include rows that
    hold those trigrams apart; the caller's `LIKE` drops them (and the whole phrase is asked
    when the rare trigrams alone match too many rows).
    """
    if len(folded_term) < MIN_TERM_CHARS or not sqlite_has_index(conn, table):
        return None
    try:
        rarest = _rarest_trigrams_match(conn, table, folded_term)
        if rarest is not None:
            rowids = _fts_rowids(conn, table, rarest, MAX_CANDIDATES + 1)
            if len(rowids) <= MAX_CANDIDATES:
                return rowids
        rowids = _fts_rowids(conn, table, fts_phrase(folded_term), MAX_CANDIDATES + 1)
    except OperationalError:
        return None  # a term FTS5 cannot parse (e.g. a NUL character): the scan answers it
    return rowids if len(rowids) <= MAX_CANDIDATES else None


_WORD = re.compile(r"[^\W_]+")  # pg_trgm's words: runs of letters and digits


@functools.cache
def _like_count_probe(table: str, column: str) -> TextClause:
    """How many rows (up to :cap) of `table` have `column` LIKE :pattern; built once per column."""
    return text(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} "
        f"WHERE {column} LIKE :pattern ESCAPE '\\' LIMIT :cap) AS hits"
    )


def rarest_word(session: Session, search_column: Any, folded_term: str) -> str | None:
    """The term's rarest word of three or more characters when it is rare and not the whole
    term (PostgreSQL), else None: the whole term's `LIKE` is then the best lookup there is."""
    words = list(dict.fromkeys(w for w in _WORD.findall(folded_term) if len(w) >= MIN_TERM_CHARS))
    if not words or words == [folded_term]:
        return None
    column = search_column.expression
    url = str(session.get_bind().engine.url)
    probe = _like_count_probe(column.table.name, column.name)

    def count(word: str) -> int:
        params = {"pattern": like_contains(word), "cap": COUNT_CAP}
        return COUNTS.count(
            (url, column.table.name, word),
            lambda: int(session.execute(probe, params).scalar_one()),
        )

    counts = {word: count(word) for word in words}
    word = min(words, key=counts.__getitem__)
    return word if counts[word] < COUNT_CAP else None


def where_contains(
    session: Session | None, stmt: Select[Any], search_column: Any, folded_term: str
) -> Select[Any]:
    """`stmt` limited to rows whose `search_column` contains `folded_term`, through the search
    index of the session's database when there is one (see the module's docstring)."""
    contains = search_column.like(like_contains(folded_term), escape="\\")
    if session is None:
        return stmt.where(contains)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        word = rarest_word(session, search_column, folded_term)
        if word is None:
            return stmt.where(contains)
        # The index serves the word's LIKE; strpos (same meaning, every character literal)
        # checks the whole term on those rows without sending the planner to the long lists.
        indexed = search_column.like(like_contains(word), escape="\\")
        return stmt.where(indexed, func.strpos(search_column, folded_term) > 0)
    stmt = stmt.where(contains)
    if dialect != "sqlite":
        return stmt
    table = search_column.expression.table.name
    rowids = candidate_rowids(session.connection(), table, folded_term)
    if rowids is None:
        return stmt
    if not rowids:
        return stmt.where(false())
    return stmt.where(literal_column(f"{table}.rowid").in_(rowids))
