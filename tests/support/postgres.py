"""A throwaway PostgreSQL cluster for tests: initdb in a temp dir, unix socket only, no network.

PostgreSQL refuses to run as root, so when the tests run as uid 0 (CI containers) the cluster
is initialised and started as an unprivileged user through `runuser`: `nobody` when present,
else a `hoursmith-pg` system user created on the spot. Without `initdb`/`pg_ctl` on PATH the
fixtures skip with the reason.

Fixtures: `pg_cluster` (session: one cluster) and `pg_url` (function: a fresh database on it,
as a `postgresql+psycopg://` URL).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "hoursmith-pg"


@dataclass(frozen=True)
class Cluster:
    socket_dir: Path
    port: int
    superuser: str = "postgres"

    def url(self, database: str) -> str:
        return (
            f"postgresql+psycopg://{self.superuser}@/{database}"
            f"?host={self.socket_dir}&port={self.port}"
        )


def missing_binaries() -> str | None:
    absent = [b for b in ("initdb", "pg_ctl", "postgres") if shutil.which(b) is None]
    return f"PostgreSQL binaries not on PATH: {', '.join(absent)}" if absent else None


def _run_as() -> list[str]:
    """Prefix for commands that must not run as root."""
    if os.geteuid() != 0:
        return []
    user = "nobody"
    try:
        pwd.getpwnam(user)
    except KeyError:
        user = PG_USER
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                check=True,
                capture_output=True,
            )
    return ["runuser", "-u", user, "--"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _Running:
    cluster: Cluster
    root: Path
    prefix: list[str]


def start_cluster() -> _Running:
    """initdb + pg_ctl start (blocking until ready); the caller must `stop_cluster`."""
    reason = missing_binaries()
    if reason:
        raise RuntimeError(reason)
    prefix = _run_as()
    # Not under pytest's 0700 tmp tree: the unprivileged server user must reach its files.
    root = Path(tempfile.mkdtemp(prefix="hoursmith-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if prefix:
        user = prefix[2]
        entry = pwd.getpwnam(user)
        for path in (root, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    subprocess.run(
        [*prefix, "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--no-locale", "--no-sync"],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    port = _free_port()
    options = (
        f"-p {port} -k {sockets} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    result = subprocess.run(
        [*prefix, "pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
         "-t", "60", "start"],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {result.stderr.decode()} {log}")
    return _Running(Cluster(sockets, port), root, prefix)


def stop_cluster(running: _Running) -> None:
    subprocess.run(
        [*running.prefix, "pg_ctl", "-D", str(running.root / "data"), "-m", "immediate", "stop"],
        capture_output=True,
        check=False,
    )
    shutil.rmtree(running.root, ignore_errors=True)


def create_database(cluster: Cluster) -> str:
    """A fresh empty database; returns its SQLAlchemy URL."""
    import psycopg  # noqa: PLC0415 (only needed when PostgreSQL tests run)

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=str(cluster.socket_dir), port=cluster.port, user=cluster.superuser, dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(f'CREATE DATABASE "{name}"')
    return cluster.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway cluster for the session (skips when PostgreSQL is not installed)."""
    reason = missing_binaries()
    if reason:
        pytest.skip(reason)
    running = start_cluster()
    try:
        yield running.cluster
    finally:
        stop_cluster(running)


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh database on the session's cluster, as a `postgresql+psycopg://` URL."""
    return create_database(pg_cluster)
