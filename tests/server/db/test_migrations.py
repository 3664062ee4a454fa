"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import server.db.all_models  # noqa: F401  (registers every table)
from server.db.base import Base
from server.db.migrate import upgrade


def _schema_drift(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
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
