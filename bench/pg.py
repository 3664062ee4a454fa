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
    # A stopped cluster's data directory to start from (copied) instead of running initdb.
    template: Path | None = None

    @property
    def url(self) -> str:
        return self.url_for("hoursmith")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def data_dir(self) -> Path:
        if self.root is None:
            raise RuntimeError("the cluster is not running")
        return self.root / "data"

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
        data = self.root / "data"
        if self.template is not None:
            shutil.copytree(self.template, data)
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            for path in (self.root, *([data, *data.rglob("*")] if self.template else [])):
                os.chown(path, user.pw_uid, user.pw_gid)
        self.port = free_port()
        if self.template is None:
            self._run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        self.start()
        if self.template is None:
            self.create_database("hoursmith")
        return self

    def start(self) -> None:
        pg_ctl = _tool("pg_ctl")
        if pg_ctl is None or self.root is None:
            raise RuntimeError("pg_ctl not found or the cluster has no directory")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        log = str(self.root / "pg.log")
        self._run([pg_ctl, "-D", str(self.data_dir), "-o", options, "-l", log, "-w", "start"])

    def stop(self) -> None:
        pg_ctl = _tool("pg_ctl")
        if pg_ctl is None:
            raise RuntimeError("pg_ctl not found")
        self._run([pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])

    @property
    def postmaster_pid(self) -> int | None:
        """From `postmaster.pid` (first line), for metering this cluster's CPU only."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url_for("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url_for(name)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.root is None or _tool("pg_ctl") is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
