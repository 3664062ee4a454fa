"""A throwaway PostgreSQL cluster in a temporary directory, for the PostgreSQL scenarios.

Why throwaway: the bench must not depend on (or disturb) any database on the machine. PostgreSQL
refuses to run as root, so as root the cluster is created and run as `nobody` (`runuser`) in a
directory chowned to it. Settings are the defaults (fsync and synchronous_commit on): the numbers
are meant to be what a real deployment sees, not a tuned best case.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy import create_engine, text

from bench.servers import free_port

RUN_AS = "nobody"


def available() -> bool:
    """initdb and pg_ctl on PATH (or in the usual Debian location)."""
    return _tool("initdb") is not None and _tool("pg_ctl") is not None


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


@dataclass
class Cluster:
    """`with Cluster() as pg: pg.url` — initdb, start on a free port, stop and delete on exit."""

    root: Path | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/hoursmith"

    def _run(self, argv: list[str]) -> None:
        if os.geteuid() == 0:
            argv = ["runuser", "-u", RUN_AS, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")

    def __enter__(self) -> Cluster:
        initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise RuntimeError("initdb/pg_ctl not found")
        self.root = Path(tempfile.mkdtemp(prefix="hoursmith-bench-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        data = self.root / "data"
        self.port = free_port()
        self._run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._run(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(self.root / "pg.log"), "-w", "start"]
        )
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE hoursmith"))
        admin.dispose()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pg_ctl = _tool("pg_ctl")
        if self.root is None or pg_ctl is None:
            return
        try:
            self._run([pg_ctl, "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
