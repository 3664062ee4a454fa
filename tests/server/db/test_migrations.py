"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text

import server.db.all_models  # noqa: F401  (registers every table)
from server.db.base import Base
from server.db.migrate import alembic_config, upgrade
from server.db.search_index import SEARCHABLE_TABLES, include_in_schema_compare


def _schema_drift(url: str) -> list[object]:
    # The substring-search indexes (migration 0003) are not portable, so not in the models.
    options = {"include_object": include_in_schema_compare}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts=options)
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    """Upgrading an empty SQLite file to head leaves no difference from the models."""
    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url)
    assert _schema_drift(url) == []


def test_sqlite_upgrade_is_repeatable(tmp_path: Path) -> None:
    """Running the upgrade twice is a no-op the second time and keeps every table."""
    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url)
    upgrade(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


@pytest.mark.postgres
def test_postgres_migrations_match_models(pg_url: str) -> None:
    """Upgrading an empty PostgreSQL database to head leaves no difference from the models."""
    upgrade(pg_url)
    assert _schema_drift(pg_url) == []


def test_client_name_fold_is_backfilled(tmp_path: Path) -> None:
    """Upgrading a 0001 database fills clients.name_fold from the existing names."""
    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url, "0001")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO organizations (id, name, plan, subscription_status, "
                     "default_currency, invoice_prefix, next_invoice_number, created_at, "
                     "updated_at) VALUES ('o1', 'Org', 'studio', 'active', 'EUR', 'INV-', 1, "
                     "'2026-01-01', '2026-01-01')")
            )  # fmt: skip
            conn.execute(
                text("INSERT INTO clients (id, org_id, name, currency, search_text, "
                     "default_payment_terms, require_po_number, created_at, updated_at) "
                     "VALUES ('c1', 'o1', 'École MÜLLER', 'EUR', '', 'NET_30', 0, "
                     "'2026-01-01', '2026-01-01')")
            )  # fmt: skip
        upgrade(url)
        with engine.connect() as conn:
            folded = conn.execute(text("SELECT name_fold FROM clients WHERE id = 'c1'")).scalar()
        assert folded == "école müller"
    finally:
        engine.dispose()


def test_sqlite_search_index_downgrades_and_rebuilds(tmp_path: Path) -> None:
    """Down to 0002 drops the FTS tables and triggers; up again rebuilds them from the rows."""
    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url)
    command.downgrade(alembic_config(url), "0002")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert not {n for n in names if n.endswith(("_search", "_search_ai"))}
        upgrade(url)
        with engine.connect() as conn:
            names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert {"time_entries_search", "time_entries_search_ai", "clients_search_au"} <= names
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_search_indexes_are_trigram_gin(pg_url: str) -> None:
    """Every searchable table gets a GIN trigram index on search_text."""
    upgrade(pg_url)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            sql = "SELECT tablename, indexdef FROM pg_indexes WHERE indexname LIKE '%_search_trgm'"
            rows = conn.execute(text(sql)).all()
    finally:
        engine.dispose()
    assert {table for table, _ in rows} == set(SEARCHABLE_TABLES)
    assert all("USING gin (search_text gin_trgm_ops)" in indexdef for _, indexdef in rows)


@pytest.mark.postgres
def test_postgres_role_without_create_gets_a_clear_message(pg_url: str) -> None:
    """A role that may not create pg_trgm stops the upgrade with what to ask an owner to run."""
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    database = make_url(pg_url).database
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP ROLE IF EXISTS hoursmith_weak"))
            conn.execute(text("CREATE ROLE hoursmith_weak LOGIN"))
            conn.execute(text("GRANT ALL ON SCHEMA public TO hoursmith_weak"))
            conn.execute(text(f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC'))
    finally:
        admin.dispose()
    weak = make_url(pg_url).set(username="hoursmith_weak")
    with pytest.raises(RuntimeError, match=r"CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        upgrade(weak.render_as_string(hide_password=False))
