"""The search indexes of migration 0003 find every row a substring scan finds, looked up by the
term's rarest part; the lists answer exactly like the scan on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db import models as M
from server.db.fragment_counts import COUNT_CAP, COUNTS
from server.db.migrate import upgrade
from server.db.models import search_fold
from server.db.search_index import (
    MAX_CANDIDATES,
    candidate_rowids,
    fts_phrase,
    rarest_word,
    trigrams,
)
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


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    """Each test counts fragments in its own database: no counts carried over."""
    COUNTS.clear()
    yield
    COUNTS.clear()


def _session(url: str) -> Iterator[Session]:
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A session on an SQLite file built by the real migrations."""
    yield from _session(f"sqlite:///{tmp_path / 'search.db'}")


@pytest.fixture
def pg_session(pg_url: str) -> Iterator[Session]:
    """A session on a fresh PostgreSQL database built by the real migrations."""
    yield from _session(pg_url)


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


def test_hits_include_every_row_containing_the_term(session: Session) -> None:
    """Every term of three or more characters finds at least the rows a substring scan finds."""
    _entries(session, NOTES)
    for term in TERMS:
        folded = search_fold(term)
        hits = candidate_rowids(session.connection(), "time_entries", folded)
        assert hits is not None, term
        assert set(hits) >= _scan(session, folded), term


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


def _tickets(session: Session, world: World | None = None) -> list[M.TimeEntry]:
    """COUNT_CAP notes that share `ticket t-0…` and one `ticket t-04217`, plus a decoy that holds
    the rare trigrams of `t-04217` apart (`421`, `217`, `042`) but not the term."""
    notes = tuple(f"ticket T-0{n % 10}00" for n in range(COUNT_CAP))
    return _entries(session, (*notes, "ticket T-04217", "421 / 217 / 042 ticket"), world)


def test_a_term_is_looked_up_by_its_rarest_trigrams(session: Session) -> None:
    """`ticket t-04217` is found by its rare trigrams; common ones are counted once, at the cap."""
    _tickets(session)
    conn = session.connection()
    hits = candidate_rowids(conn, "time_entries", "ticket t-04217")
    assert hits is not None
    assert set(hits) >= _scan(session, "ticket t-04217")
    assert len(hits) == 2  # the entry and the decoy; the list's LIKE drops the decoy
    url = str(conn.engine.url)
    counts = {
        g: COUNTS.count((url, "time_entries", g), lambda: -1) for g in trigrams("ticket t-04217")
    }
    assert counts["tic"] == counts["t-0"] == COUNT_CAP
    assert counts["421"] == counts["217"] == 2
    assert -1 not in counts.values()  # every trigram was counted by the lookup itself


def test_the_list_drops_what_the_rare_trigrams_let_through(session: Session) -> None:
    """The decoy holding the rare trigrams apart is not listed; the entry with the term is."""
    world = World(session)
    rows = _tickets(session, world)
    session.execute(text("ANALYZE"))
    page = list_time_entries(session, world.actor(), {"search": "Ticket T-04217"}, key=CURSOR_KEY)
    assert [item.id for item in page.items] == [rows[-2].id]


def test_postgres_looks_a_term_up_by_its_rarest_word(pg_session: Session) -> None:
    """On PostgreSQL the rarest word of three or more characters is the indexed part."""
    _tickets(pg_session)
    column = M.TimeEntry.search_text
    assert rarest_word(pg_session, column, "ticket t-04217") == "04217"
    assert rarest_word(pg_session, column, "ticket") is None  # the whole term: nothing to choose
    assert rarest_word(pg_session, column, "ticket t-0") is None  # every word is common
    assert rarest_word(pg_session, column, "t-0") is None  # no word of three characters


def test_postgres_lists_answer_like_the_scan(pg_session: Session) -> None:
    """GET /time-entries?search= on PostgreSQL lists exactly the entries whose note matches."""
    world = World(pg_session)
    rows = _entries(pg_session, NOTES, world) + _tickets(pg_session, world)
    pg_session.execute(text("ANALYZE"))
    for term in (*TERMS, "ticket T-04217", "421 / 217", "T-0 ticket"):
        expected = {r.id for r in rows if r.note and search_fold(term) in search_fold(r.note)}
        found: set[str] = set()
        cursor = None
        while True:
            params = {"search": term, "limit": 200, **({"cursor": cursor} if cursor else {})}
            page = list_time_entries(pg_session, world.actor(), params, key=CURSOR_KEY)
            found |= {item.id for item in page.items}
            cursor = page.next_cursor
            if not cursor:
                break
        assert found == expected, term
