"""A real Hoursmith server process for end-to-end tests (MCP over stdio, the browser, …).

It goes through the same commands an operator uses, so a broken CLI fails these tests loudly
instead of being skipped: ``hoursmith db upgrade`` on a temp SQLite file, ``hoursmith demo
--json`` for one token per role, then ``hoursmith serve --port P`` under uvicorn. The port is
picked by binding port 0; stdout and stderr go to ``server.log`` in the temp directory and are
quoted in the error if the server does not come up.

Use it through the ``live_server`` fixture (tests/conftest.py) or ``start_live_server``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Override to test another install of the CLI (a built wheel, say); the default is the venv's.
CLI = Path(os.environ.get("HOURSMITH_TEST_CLI", str(BIN / "hoursmith")))
START_TIMEOUT_SECONDS = 60.0
CLI_TIMEOUT_SECONDS = 180.0


class LiveServerError(RuntimeError):
    """The server could not be prepared or started; the message carries the command output."""


@dataclass
class LiveServer:
    """A running server: where it listens, its demo tokens and how to stop it."""

    base_url: str
    tokens: dict[str, str]
    demo: dict[str, Any]
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def api_url(self) -> str:
        """The API base, as HOURSMITH_API_URL expects it."""
        return f"{self.base_url}/api/v1"

    @property
    def log_path(self) -> Path:
        """The server's combined stdout and stderr."""
        return self.workdir / "server.log"

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server log, for assertion messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no server log)"

    def stop(self) -> None:
        """Terminate the server process (it was started by us, by pid) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def free_port() -> int:
    """A port the OS just handed out for 127.0.0.1 (bound to 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_cli(args: list[str], env: Mapping[str, str], workdir: Path) -> str:
    """Run one ``hoursmith`` command; a non-zero exit raises with its output."""
    command = [str(CLI), *args]
    try:
        proc = subprocess.run(
            command,
            env=dict(env),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LiveServerError(f"`{' '.join(command)}` could not run: {exc}") from exc
    if proc.returncode != 0:
        raise LiveServerError(
            f"`{' '.join(command)}` exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc.stdout


def server_env(workdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for every command: a private SQLite database and var dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOURSMITH_")}
    env.update(
        {
            "HOURSMITH_DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite'}",
            "HOURSMITH_VAR_DIR": str(workdir / "var"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def _wait_until_up(server: LiveServer, deadline: float) -> None:
    """Poll the public document route until the server answers or the process dies."""
    assert server.process is not None
    last_error = "no attempt"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise LiveServerError(
                f"`hoursmith serve` exited {server.process.returncode} before answering\n"
                f"--- server log ---\n{server.log_tail()}"
            )
        try:
            response = httpx.get(f"{server.base_url}/api/openapi.json", timeout=2.0)
        except httpx.HTTPError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}: {response.text[:200]}"
        time.sleep(0.2)
    raise LiveServerError(
        f"`hoursmith serve` did not answer within {START_TIMEOUT_SECONDS:.0f} s ({last_error})\n"
        f"--- server log ---\n{server.log_tail()}"
    )


def start_live_server(
    workdir: Path, extra_env: Mapping[str, str] | None = None, *, docs_token_role: str = "owner"
) -> LiveServer:
    """Migrate, seed the demo and start ``hoursmith serve``; the caller must ``stop()`` it.

    The docs page is served with the ``docs_token_role`` demo token prefilled (as
    ``make serve`` does), so "Test Request" in the browser works without typing a token.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = server_env(workdir, extra_env)
    _run_cli(["db", "upgrade"], env, workdir)
    demo = json.loads(_run_cli(["demo", "--json"], env, workdir))
    tokens = {str(k): str(v) for k, v in demo["tokens"].items()}
    if docs_token_role:
        env["HOURSMITH_DOCS_TOKEN"] = tokens[docs_token_role]
    port = free_port()
    server = LiveServer(
        base_url=f"http://127.0.0.1:{port}", tokens=tokens, demo=demo, env=env, workdir=workdir
    )
    with server.log_path.open("wb") as log:
        server.process = subprocess.Popen(  # stopped by LiveServer.stop(), by pid
            [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(server, time.monotonic() + START_TIMEOUT_SECONDS)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def live_server_running(
    workdir: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """``start_live_server`` as a context manager that always stops the process."""
    server = start_live_server(workdir, extra_env)
    try:
        yield server
    finally:
        server.stop()
