"""Cursors, keyset pages (nulls ordering, concurrent inserts) and the shared filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Numeric, String, Table, insert, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from server.db.models import search_fold
from server.db.search_index import like_contains
from server.db.session import make_engine
from server.errors import BadRequest, ValidationFailed
from server.services.filters import Filters, parse_bool, parse_instant_bound
from server.services.pagination import (
    PageRequest,
    decode_cursor,
    encode_cursor,
    paginate,
    snake,
)
from tests.support.infra_app import Seeded, build, client_for, insert_widget, make_settings, seed

KEY = b"k"
T0 = datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Any, TestClient, Seeded]]:
    """A widgets app with an Owner token and a client."""
    app = build(make_settings(tmp_path))
    owner = seed(app)
    with client_for(app) as client:
        yield app, client, owner


def walk(client: TestClient, who: Seeded, query: str) -> list[str]:
    """Follow nextCursor to the end; return the names in order."""
    names: list[str] = []
    cursor = None
    while True:
        url = f"/api/v1/widgets?{query}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=who.auth)
        assert page.status_code == 200, page.text
        body = page.json()
        names += [w["name"] for w in body["data"]]
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            return names


def test_cursor_round_trip_and_binding() -> None:
    """A cursor decodes only for the same resource, sort and filters."""
    binding = {"status": "ACTIVE", "search": "a"}
    last = (T0, "id-1")
    cursor = encode_cursor(KEY, "clients", "-createdAt", binding, last)
    assert decode_cursor(KEY, cursor, "clients", "-createdAt", dict(binding)) == last
    for resource, sort, other in [
        ("projects", "-createdAt", binding),
        ("clients", "name", binding),
        ("clients", "-createdAt", {"status": "ARCHIVED", "search": "a"}),
    ]:
        with pytest.raises(BadRequest):
            decode_cursor(KEY, cursor, resource, sort, other)


@pytest.mark.parametrize(
    "mangle", [lambda c: c[:-2] + "AA", lambda c: "x" + c, lambda c: "garbage"]
)
def test_tampered_or_foreign_cursors_are_bad_requests(mangle: Any) -> None:
    """Edited, truncated or foreign-key cursors are 400."""
    cursor = encode_cursor(KEY, "clients", "id", {}, (Decimal("1.5"), "a"))
    with pytest.raises(BadRequest):
        decode_cursor(KEY, mangle(cursor), "clients", "id", {})
    with pytest.raises(BadRequest):
        decode_cursor(b"other-key", cursor, "clients", "id", {})


def test_walk_sorted_pages_with_nulls(env: tuple[Any, TestClient, Seeded]) -> None:
    """rank ascending puts nulls first, descending last; every row appears exactly once."""
    app, client, owner = env
    ranks = [3, None, 1, 2, None, 3, 1]
    for i, rank in enumerate(ranks):
        insert_widget(app, owner.org_id, f"w{i}", rank, T0 + timedelta(seconds=i))
    asc = walk(client, owner, "sort=rank&limit=2")
    desc = walk(client, owner, "sort=-rank&limit=3")
    assert len(asc) == len(set(asc)) == len(ranks)
    rank_of = {f"w{i}": r for i, r in enumerate(ranks)}
    assert [rank_of[n] for n in asc][:2] == [None, None]
    assert [rank_of[n] for n in desc][-2:] == [None, None]
    assert [rank_of[n] for n in asc][2:] == [1, 1, 2, 3, 3]


def test_no_skips_or_duplicates_while_inserting(env: tuple[Any, TestClient, Seeded]) -> None:
    """Rows inserted between pages never cause a skipped or repeated old row."""
    app, client, owner = env
    for i in range(10):
        insert_widget(app, owner.org_id, f"old{i}", None, T0 + timedelta(seconds=i))
    first = client.get("/api/v1/widgets?limit=4", headers=owner.auth).json()
    insert_widget(app, owner.org_id, "newest", None, T0 + timedelta(days=1))
    cursor = first["pagination"]["nextCursor"]
    seen = [w["name"] for w in first["data"]]
    while cursor:
        page = client.get(f"/api/v1/widgets?limit=4&cursor={cursor}", headers=owner.auth).json()
        seen += [w["name"] for w in page["data"]]
        cursor = page["pagination"]["nextCursor"]
    assert seen == [f"old{i}" for i in reversed(range(10))]


def test_cursor_bound_to_filters_over_http(env: tuple[Any, TestClient, Seeded]) -> None:
    """Reusing a cursor with another search is 400; a changed limit is fine."""
    app, client, owner = env
    for i in range(3):
        insert_widget(app, owner.org_id, f"a{i}", None, T0 + timedelta(seconds=i))
    cursor = client.get("/api/v1/widgets?limit=1&search=a", headers=owner.auth).json()[
        "pagination"
    ]["nextCursor"]
    ok = client.get(f"/api/v1/widgets?limit=2&search=a&cursor={cursor}", headers=owner.auth)
    assert ok.status_code == 200
    bad = client.get(f"/api/v1/widgets?limit=1&search=b&cursor={cursor}", headers=owner.auth)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request"


def test_cursor_bound_to_the_workspace_over_http(env: tuple[Any, TestClient, Seeded]) -> None:
    """A nextCursor minted in one workspace is 400 bad_request with another workspace's token."""
    app, client, owner = env
    other = seed(app)
    for who in (owner, other):
        for i in range(3):
            insert_widget(app, who.org_id, f"w{i}", None, T0 + timedelta(seconds=i))
    cursor = client.get("/api/v1/widgets?limit=1", headers=owner.auth).json()["pagination"][
        "nextCursor"
    ]
    assert client.get(f"/api/v1/widgets?cursor={cursor}", headers=owner.auth).status_code == 200
    foreign = client.get(f"/api/v1/widgets?cursor={cursor}", headers=other.auth)
    assert foreign.status_code == 400, foreign.text
    assert foreign.json()["error"]["code"] == "bad_request"


def test_page_request_binds_the_workspace() -> None:
    """The same list, sort and filters in another workspace reject the cursor."""
    sorts = {"id": object(), "createdAt": object()}
    mine = PageRequest.from_params("x", {"search": "a"}, sorts, workspace="org-a", key=KEY)
    cursor = encode_cursor(KEY, "x", mine.sort, mine.binding, (T0, "id-1"))
    again = {"search": "a", "cursor": cursor}
    assert PageRequest.from_params("x", again, sorts, workspace="org-a", key=KEY).after
    with pytest.raises(BadRequest, match="different workspace"):
        PageRequest.from_params("x", again, sorts, workspace="org-b", key=KEY)


def test_search_matches_percent_and_underscore_literally(
    env: tuple[Any, TestClient, Seeded],
) -> None:
    """`%` and `_` in a search term match only themselves, case-insensitively."""
    app, client, owner = env
    for name in ("100% Cotton", "1000 Cotton", "snake_case", "snakeXcase"):
        insert_widget(app, owner.org_id, name, None, T0)
    assert walk(client, owner, "search=0%25%20c") == ["100% Cotton"]
    assert walk(client, owner, "search=E_C") == ["snake_case"]


def test_date_ranges_cover_whole_days(env: tuple[Any, TestClient, Seeded]) -> None:
    """A date upper bound includes the whole UTC day; invalid dates are 422 with fields."""
    app, client, owner = env
    insert_widget(app, owner.org_id, "in", None, datetime(2026, 3, 1, 23, 59, 59))
    insert_widget(app, owner.org_id, "out", None, datetime(2026, 3, 2, 0, 0, 0))
    assert walk(client, owner, "createdAtFrom=2026-03-01&createdAtTo=2026-03-01") == ["in"]
    assert walk(client, owner, "createdAtFrom=2026-03-02T00:00:00Z") == ["out"]
    bad = client.get(
        "/api/v1/widgets?createdAtFrom=2026-02-30&includeDeleted=maybe", headers=owner.auth
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"createdAtFrom", "includeDeleted"}


def test_page_request_validation() -> None:
    """limit bounds and the sort allow-list are 422 with fields."""
    sorts = {"id": object(), "createdAt": object()}
    with pytest.raises(ValidationFailed):
        PageRequest.from_params("x", {"limit": 201}, sorts, workspace="w", key=KEY)
    with pytest.raises(ValidationFailed) as caught:
        PageRequest.from_params("x", {"sort": "-colour"}, sorts, workspace="w", key=KEY)
    assert caught.value.fields is not None
    assert "sort" in caught.value.fields
    page = PageRequest.from_params("x", {"limit": None}, sorts, workspace="w", key=KEY)
    assert (page.limit, page.sort, page.descending) == (50, "-createdAt", True)


def test_parsers() -> None:
    """Booleans, instants, LIKE escaping and snake-casing behave as documented."""
    assert [parse_bool(v) for v in ("YES", "0", "true", None, True)] == [
        True,
        False,
        True,
        None,
        True,
    ]
    with pytest.raises(ValueError, match="maybe"):
        parse_bool("maybe")
    assert parse_instant_bound("2026-03-01", upper=True) == (datetime(2026, 3, 2), False)
    assert parse_instant_bound("2026-03-01T10:00:00+02:00", upper=False) == (
        datetime(2026, 3, 1, 8),
        True,
    )
    assert like_contains(search_fold("A%_\\")) == "%a\\%\\_\\\\%"
    assert snake("createdAtFrom") == "created_at_from"


def test_filters_enum_boolean_decimal_sql() -> None:
    """Enum filters fold case, decimal bounds round inward, errors are collected."""
    meta = MetaData()
    table = Table(
        "t",
        meta,
        Column("id", String),
        Column("status", String),
        Column("secs", Integer),
        Column("amount", Numeric),
    )
    f = Filters(
        {"status": "active", "secs_min": "1.5", "amount_max": "2.123456", "billable": "nah"}
    )
    stmt = select(table)
    stmt = f.enum(stmt, table.c.status, "status", ["ACTIVE", "DONE"])
    stmt = f.decimal_range(stmt, table.c.secs, "secs")
    stmt = f.decimal_range(stmt, table.c.amount, "amount")
    stmt = f.boolean(stmt, table.c.id, "billable")
    params = stmt.compile().params
    assert params["status_1"] == "ACTIVE"
    assert params["secs_1"] == 2
    assert params["amount_1"] == Decimal("2.1234")
    assert set(f.errors) == {"billable"}
    with pytest.raises(ValidationFailed):
        f.raise_if_invalid()


# --- row-value seek: the same pages as the OR form, on SQLite and PostgreSQL -----------------

_KEYSET = MetaData()
_ROWS = Table(
    "keyset_rows",
    _KEYSET,
    Column("id", String(36), primary_key=True),
    Column("created", DateTime, nullable=False),
    Column("rank", Integer),
)


def _keyset_rows() -> list[dict[str, Any]]:
    """Ties on `created` (same microsecond) and on `rank`, nulls, ids out of insertion order."""
    rows = []
    for i in range(40):
        created = T0 + timedelta(seconds=i // 3, microseconds=(i % 2) * 7)
        rows.append({"id": f"{(i * 37) % 101:03d}", "created": created, "rank": i % 4 or None})
    return rows


def _walk_keyset(engine: Any, sort: str, limit: int) -> list[str]:
    sorts = {"created": _ROWS.c.created, "rank": _ROWS.c.rank, "id": _ROWS.c.id}
    seen: list[str] = []
    after = None
    with Session(engine) as session:
        while True:
            page = PageRequest(
                "rows", limit, sort, sorts[sort.removeprefix("-")], _ROWS.c.id, {}, after, KEY
            )
            result = paginate(session, select(_ROWS.c.id, *sorts.values()), page)
            seen += [row.id for row in result.items]
            if result.next_cursor is None:
                return seen
            after = decode_cursor(KEY, result.next_cursor, "rows", sort, {})


def _expected(rows: list[dict[str, Any]], sort: str) -> list[str]:
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    present = sorted(
        (r for r in rows if r[field] is not None),
        key=lambda r: (r[field], r["id"]),
        reverse=descending,
    )
    nulls = sorted((r for r in rows if r[field] is None), key=lambda r: r["id"], reverse=descending)
    return [r["id"] for r in (present + nulls if descending else nulls + present)]


def _check_keyset_pages(url: str) -> None:
    engine = make_engine(url)
    try:
        _KEYSET.create_all(engine)
        rows = _keyset_rows()
        with engine.begin() as conn:
            conn.execute(insert(_ROWS), rows)
        for sort in ("created", "-created", "rank", "-rank", "id", "-id"):
            for limit in (1, 4, 7):
                assert _walk_keyset(engine, sort, limit) == _expected(rows, sort), (sort, limit)
    finally:
        engine.dispose()


def test_row_value_seek_for_not_null_keys() -> None:
    """A NOT NULL sort key seeks with `(col, id) < (:v, :id)`; nullable keys keep the OR form."""
    after = (T0, "abc")
    desc = PageRequest("rows", 5, "-created", _ROWS.c.created, _ROWS.c.id, {}, after, KEY)
    asc = PageRequest("rows", 5, "created", _ROWS.c.created, _ROWS.c.id, {}, after, KEY)
    nullable = PageRequest("rows", 5, "-rank", _ROWS.c.rank, _ROWS.c.id, {}, (1, "abc"), KEY)
    assert "(keyset_rows.created, keyset_rows.id) < (" in str(desc.seek())
    assert "(keyset_rows.created, keyset_rows.id) > (" in str(asc.seek())
    assert "IS NULL" in str(nullable.seek())


def test_keyset_pages_sqlite(tmp_path: Path) -> None:
    """Every sort walks every row once, in (key, id) order with nulls placed as documented."""
    _check_keyset_pages(f"sqlite:///{tmp_path / 'keyset.db'}")


@pytest.mark.postgres
def test_keyset_pages_postgresql(pg_url: str) -> None:
    """The same pages on PostgreSQL (row values compare element by element there too)."""
    _check_keyset_pages(pg_url)
