"""Settings: environment overrides, the persisted secret key and backend resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, load_or_create_secret


def test_defaults_point_at_the_repo_var_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without environment overrides the database is var/hoursmith.db and limits are on."""
    for name in ("DATABASE_URL", "RATE_LIMIT", "VALIDATE_RESPONSES", "SECRET_KEY"):
        monkeypatch.delenv(f"HOURSMITH_{name}", raising=False)
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/hoursmith.db")
    assert settings.rate_limit is True
    assert settings.validate_responses is False
    assert settings.idempotency_ttl_seconds == 86_400


def test_environment_overrides_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """HOURSMITH_* variables override each field, with boolean parsing."""
    monkeypatch.setenv("HOURSMITH_RATE_LIMIT", "off")
    monkeypatch.setenv("HOURSMITH_DATABASE_URL", "postgresql+psycopg://x@/db")
    monkeypatch.setenv("HOURSMITH_IDEMPOTENCY_LEASE_SECONDS", "5")
    settings = Settings()
    assert settings.rate_limit is False
    assert settings.idempotency_lease_seconds == 5
    assert settings.resolved_rate_limit_backend() == "database"


def test_auto_backend_is_memory_for_sqlite() -> None:
    """`auto` picks memory for SQLite and an explicit choice wins."""
    assert Settings(database_url="sqlite:///x.db").resolved_rate_limit_backend() == "memory"
    explicit = Settings(database_url="sqlite:///x.db", rate_limit_backend="database")
    assert explicit.resolved_rate_limit_backend() == "database"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    """An unset secret is generated into var/secret_key and reused by later Settings."""
    first = Settings(var_dir=tmp_path).resolved_secret_key()
    second = Settings(var_dir=tmp_path).resolved_secret_key()
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert Settings(var_dir=tmp_path, secret_key="explicit").resolved_secret_key() == b"explicit"


def test_concurrent_creation_keeps_the_first_secret(tmp_path: Path) -> None:
    """A second creator reads the existing file instead of replacing it."""
    path = tmp_path / "k"
    path.write_text("already-there\n")
    assert load_or_create_secret(path) == "already-there"
