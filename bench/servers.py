"""Start an ASGI app under uvicorn, pinned to a core, and stop it again.

Every server runs the way production runs it: one worker, uvloop, httptools, no access log,
`--lifespan on` (a broken app fails at startup instead of answering 500s). `taskset -c N` pins it,
so the load generator on the other core does not steal its CPU.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.config import REPO_ROOT

# The real server's factory (see server/http/asgi.py) and the twins'.
REAL_APP = "server.http.asgi:create"
FASTAPI_APP = "bench.twins.fastapi_app:create"
STARLETTE_APP = "bench.twins.starlette_app:create"


class ServerError(RuntimeError):
    """A server did not come up (its log tail is in the message)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(cores: str | None, argv: list[str]) -> list[str]:
    """`taskset -c cores argv…` when taskset exists and a core list is given."""
    if cores is None or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", cores, *argv]


@dataclass
class Server:
    """One uvicorn process serving `app` (a factory import string) on 127.0.0.1."""

    name: str
    app: str
    env: Mapping[str, str]
    logdir: Path
    cores: str | None = "0"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's pid (`taskset` execs into it, so it is the Python process itself)."""
        if self.process is None:
            raise ServerError(f"{self.name} is not running")
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.logdir / f"{self.name}.log"

    def start(self) -> None:
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--lifespan",
            "on",
            "--log-level",
            "warning",
        ]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **self.env}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                pinned(self.cores, argv),
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, probe_path: str, headers: Mapping[str, str], timeout: float = 60) -> None:
        """Poll until `probe_path` answers 200; fail fast (with the log) if the process died."""
        deadline = time.monotonic() + timeout
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerError(f"{self.name} exited during startup:\n{self._log_tail()}")
            request = urllib.request.Request(self.base_url + probe_path, headers=dict(headers))
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
                    last_error = f"status {response.status}"
            except urllib.error.HTTPError as exc:
                body = exc.read()[:300].decode(errors="replace")
                message = (
                    f"{self.name} answered {exc.code} to {probe_path}: {body}\n{self._log_tail()}"
                )
                raise ServerError(message) from exc
            except OSError as exc:
                last_error = str(exc)
            time.sleep(0.2)
        raise ServerError(f"{self.name} not ready after {timeout}s ({last_error})")

    def peak_rss_mb(self) -> float | None:
        """Peak resident set (VmHWM) of the server process, in MiB; None if unavailable."""
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
