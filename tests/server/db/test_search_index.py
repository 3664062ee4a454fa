"""The SQLite trigram index of migration 0003 finds exactly the rows a substring scan finds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db import models as M
from server.db.migrate import upgrade
from server.db.models import search_fold
from server.db.search_index import MAX_CANDIDATES, candidate_rowids, fts_phrase
from server.db.session import make_engine, session_factory
from server.services.time_entries import list_time_entries
from tests.support.world import CURSOR_KEY, World

NOTES = (
    "Design review",
    "ÉCOLE Müller visit",
    "50%_off sale",
    'say "hi" twice',
    "ab",
    None,
    "back\\slash and under_score",
)
TERMS = ("design", "DESIGN", "école", "MÜLLER", "50%_", "%_o", '"hi"', "ign rev", "\\sla", "zzz")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A session on an SQLite file built by the real migrations."""
    url = f"sqlite:///{tmp_path / 'search.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


def _entries(
    session: Session, notes: tuple[str | None, ...], world: World | None = None
) -> list[M.TimeEntry]:
    world = world or World(session)
    project = world.project()
    user_id = world.members["owner"].user_id
    rows = [
        M.TimeEntry(org_id=world.org.id, project_id=project.id, user_id=user_id,
                    entry_date=date(2026, 3, 2), duration_seconds=60, note=note)
        for note in notes
    ]  # fmt: skip
    session.add_all(rows)
    session.commit()
    return rows


def _scan(session: Session, folded: str) -> set[int]:
    rows = session.execute(text("SELECT rowid, search_text FROM time_entries")).all()
    return {rowid for rowid, search_text in rows if folded in search_text}


def test_hits_are_exactly_the_rows_containing_the_term(session: Session) -> None:
    """Every term of three or more characters finds the same rows as a substring scan."""
    _entries(session, NOTES)
    for term in TERMS:
        folded = search_fold(term)
        hits = candidate_rowids(session.connection(), "time_entries", folded)
        assert hits is not None, term
        assert set(hits) == _scan(session, folded), term


def test_short_terms_and_common_terms_fall_back_to_the_scan(session: Session) -> None:
    """Under three characters there is no trigram; past MAX_CANDIDATES hits the scan is cheaper."""
    _entries(session, ("abc",) * (MAX_CANDIDATES + 1))
    conn = session.connection()
    assert candidate_rowids(conn, "time_entries", "ab") is None
    assert candidate_rowids(conn, "time_entries", "abc") is None
    assert candidate_rowids(conn, "time_entries", "abcd") == []


def test_updates_and_deletes_keep_the_index_in_step(session: Session) -> None:
    """A changed note is found by its new text only; a deleted row is not found at all."""
    first, second = _entries(session, ("Old wording", "Kept wording"))
    first.note = "New phrasing"
    session.commit()
    conn = session.connection()
    assert candidate_rowids(conn, "time_entries", "old wo") == []
    assert len(candidate_rowids(conn, "time_entries", "new phr") or []) == 1
    session.delete(second)
    session.commit()
    assert candidate_rowids(session.connection(), "time_entries", "kept") == []


def test_a_term_fts5_cannot_parse_is_left_to_the_scan(session: Session) -> None:
    """A NUL character is not an FTS5 query: no error, the LIKE scan answers instead."""
    _entries(session, ("Design review",))
    assert candidate_rowids(session.connection(), "time_entries", "des\x00ign") is None


def test_phrase_quotes_every_character() -> None:
    """FTS5 operators inside a term stay literal: the term is one quoted phrase."""
    assert fts_phrase('a "b" OR c*') == '"a ""b"" OR c*"'


def test_the_list_answers_like_the_scan(session: Session) -> None:
    """GET /time-entries?search= through the index lists exactly the entries whose note matches."""
    world = World(session)
    rows = _entries(session, NOTES, world)
    session.execute(text("ANALYZE"))  # as on a database in use: the planner takes the rowids
    for term in TERMS:
        page = list_time_entries(session, world.actor(), {"search": term}, key=CURSOR_KEY)
        expected = {r.id for r in rows if r.note and search_fold(term) in search_fold(r.note)}
        assert {item.id for item in page.items} == expected, term
