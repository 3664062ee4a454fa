"""Runtime configuration, read from `HOURSMITH_*` environment variables.

Nothing is read at import time: `Settings()` is built by `create_app`, the CLI or a test, so two
apps in one process (tests) can run with different databases and switches.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"


def _default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'hoursmith.db'}"


class Settings(BaseSettings):
    """Every switch the server reads; `HOURSMITH_<NAME>` overrides each field."""

    model_config = SettingsConfigDict(env_prefix="HOURSMITH_", extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    # Signs pagination cursors. Unset: generated once and kept in var/secret_key so cursors
    # survive restarts and are shared by processes of one checkout.
    secret_key: str | None = None
    rate_limit: bool = True
    rate_limit_backend: Literal["auto", "memory", "database"] = "auto"
    validate_responses: bool = False
    idempotency_ttl_seconds: int = Field(default=86_400, ge=1)
    idempotency_lease_seconds: int = Field(default=30, ge=1)
    docs_token: str | None = None
    var_dir: Path = VAR_DIR

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_rate_limit_backend(self) -> Literal["memory", "database"]:
        """`auto` means memory for SQLite (one process) and the database for PostgreSQL."""
        if self.rate_limit_backend != "auto":
            return self.rate_limit_backend
        return "memory" if self.is_sqlite else "database"

    def resolved_secret_key(self) -> bytes:
        """The cursor-signing key: the configured one, else the persisted generated one."""
        if self.secret_key:
            return self.secret_key.encode()
        return load_or_create_secret(self.var_dir / "secret_key").encode()


def load_or_create_secret(path: Path) -> str:
    """Read the key file, creating it atomically (first writer wins) when missing."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(48)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_text(candidate + "\n")
    tmp.chmod(0o600)
    try:
        # link() fails if another process created the file first; then theirs wins.
        path.hardlink_to(tmp)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()
