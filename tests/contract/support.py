"""The contract suite's app and schemas: one seeded app, one Schemathesis schema per identity.

The app is the real `create_app` with response validation on and rate limiting off, on a temp
SQLite database migrated with Alembic and seeded with two demo organizations: a studio one (a
token per role) and a free-plan one (its tokens are 402). Each schema loads the hand-written
3.1 document with the repository's `schemathesis.toml` plus that identity's bearer token, so
pytest never depends on `API_TOKEN` (pitfall P25).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import sqlite3
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

import tests.contract.hooks  # noqa: F401  (registers the hooks, the auth provider and the checks)
from server.cli import admin
from server.cli.demo import seed_demo
from server.db.migrate import upgrade
from server.db.session import make_engine, session_factory
from server.http.app import create_app
from server.settings import REPO_ROOT, Settings
from tests.contract import repairs

DOCUMENT = REPO_ROOT / "openapi" / "api-v1.yaml"
CONFIG_FILE = REPO_ROOT / "schemathesis.toml"
SEED = 20260301
# Schemathesis' default statuses for rejected negative data (config/_checks.py).
NEGATIVE_EXPECTED = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "415",
    "422",
    "428",
    "429",
    "5xx",
]
# Examples per operation for the owner; other identities get a fraction (see test_api.py).
EXAMPLES = int(os.environ.get("HOURSMITH_CONTRACT_EXAMPLES", "20"))


@dataclass
class ContractEnv:
    """The app under test and a bearer token per identity.

    The records that generated references point at are found over the API by the hooks
    (`tests/contract/repairs.py`), exactly as against a live server.
    """

    app: Any
    tokens: dict[str, str]
    org_id: str
    free_org_id: str
    # The database file and a copy of it taken right after seeding (see restore_seeded_state).
    database: Path
    snapshot: Path


def build_env(workdir: Path) -> ContractEnv:
    """Migrate a temp SQLite database, seed two demo orgs, and build the app on it."""
    url = f"sqlite:///{workdir / 'contract.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        studio = seed_demo(session, "studio")
        free = seed_demo(session, "studio")
        admin.set_plan(session, free.org_id, "free")
        session.commit()
    engine.dispose()
    database, snapshot = workdir / "contract.db", workdir / "seeded.db"
    _copy_database(database, snapshot)
    settings = Settings(
        database_url=url,
        validate_responses=True,
        rate_limit=False,
        secret_key="contract-tests-secret",
        var_dir=workdir,
    )
    tokens = dict(studio.tokens)
    tokens["free"] = free.tokens["owner"]
    return ContractEnv(
        app=create_app(settings),
        tokens=tokens,
        org_id=studio.org_id,
        free_org_id=free.org_id,
        database=database,
        snapshot=snapshot,
    )


def _copy_database(source: Path, target: Path) -> None:
    """Copy one SQLite database over another with the online backup API.

    Safe while the app's pooled connections to `target` stay open (they see the copy as a
    committed write), unlike copying the file under a WAL database. About 3 ms for the seed.
    """
    src, dst = sqlite3.connect(source), sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def restore_seeded_state(env: ContractEnv) -> None:
    """Put the database back to the state right after seeding (D13).

    Stateful scenarios call this first: each one starts from the same records (no running
    timer left by an earlier example, no records created or deleted before), so Hypothesis
    can replay and shrink a failing sequence.
    """
    _copy_database(env.snapshot, env.database)
    repairs.forget_workspaces()


def schema_config(token: str, *, extra_accepted: tuple[str, ...] = ()) -> SchemathesisConfig:
    """The repository's schemathesis.toml with this identity's bearer token (no env vars)."""
    data: dict[str, Any] = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    data["seed"] = SEED
    data.setdefault("auth", {})["openapi"] = {"bearerAuth": {"bearer": token}}
    if extra_accepted:
        # A free-plan token is 402 before any validation (design §4 order of checks), so 402 is
        # also the right answer to negative data and to a missing Idempotency-Key.
        checks = data.setdefault("checks", {})
        checks["positive_data_acceptance"] = {
            "expected-statuses": ["2xx", "401", "403", "404", "409", *extra_accepted]
        }
        checks["negative_data_rejection"] = {
            "expected-statuses": [*NEGATIVE_EXPECTED, *extra_accepted]
        }
        checks["missing_required_header"] = {
            "expected-statuses": ["400", "401", "403", "406", "415", "422", *extra_accepted]
        }
    return SchemathesisConfig.from_dict(data, base_dir=str(REPO_ROOT))


def load_schema(env: ContractEnv, who: str) -> Any:
    """The 3.1 document bound to the in-process app, authenticated as `who`."""
    extra = ("402",) if who == "free" else ()
    config = schema_config(env.tokens[who], extra_accepted=extra)
    schema = schemathesis.openapi.from_path(DOCUMENT, config=config)
    schema.app = env.app
    return schema


@functools.cache
def contract_env() -> ContractEnv:
    """One seeded app per process, in a temp directory removed at exit."""
    workdir = Path(tempfile.mkdtemp(prefix="hoursmith-contract-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return build_env(workdir)


@functools.cache
def schema_for(who: str) -> Any:
    """The document bound to the shared app as `who` (owner, manager, member or free)."""
    return load_schema(contract_env(), who)
