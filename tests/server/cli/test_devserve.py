"""`make serve` (`python -m server.cli.devserve`): migrate, seed the demo once, serve."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from server.cli.devserve import banner, demo_path, ensure_demo
from server.db.migrate import upgrade
from server.db.models import ApiToken, Organization
from server.db.session import make_engine, session_factory
from server.settings import Settings
from tests.support.live_server import free_port, server_env


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a migrated temp database with a private var dir."""
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    upgrade(url)
    return Settings(database_url=url, var_dir=tmp_path / "var")


def org_count(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Organization)) or 0)
    finally:
        engine.dispose()


def test_first_run_seeds_and_remembers_the_token_privately(settings: Settings) -> None:
    """The first run seeds one org and writes var/demo.json with mode 0600."""
    info = ensure_demo(settings)
    assert info.created
    assert info.owner_token.startswith("hsk_test_")
    path = demo_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert info.owner_token in path.read_text()
    assert org_count(settings) == 1


def test_later_runs_reuse_the_demo(settings: Settings) -> None:
    """A second run returns the same org and token and seeds nothing."""
    first = ensure_demo(settings)
    second = ensure_demo(settings)
    assert (second.org_id, second.owner_token, second.created) == (
        first.org_id,
        first.owner_token,
        False,
    )
    assert org_count(settings) == 1


def test_a_revoked_demo_token_is_replaced(settings: Settings) -> None:
    """When the remembered token no longer works, a new demo org is seeded."""
    first = ensure_demo(settings)
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        for token in session.scalars(select(ApiToken)):
            token.revoked_at = token.created_at
        session.commit()
    engine.dispose()
    second = ensure_demo(settings)
    assert second.created
    assert second.owner_token != first.owner_token
    assert org_count(settings) == 2


def test_another_database_gets_its_own_demo(settings: Settings, tmp_path: Path) -> None:
    """demo.json written for one database is not trusted for another."""
    ensure_demo(settings)
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = settings.model_copy(update={"database_url": other_url})
    assert ensure_demo(other).created


def test_banner_names_token_and_urls(settings: Settings) -> None:
    """The banner shows the owner token and the API, docs and OpenAPI URLs."""
    info = ensure_demo(settings)
    text = banner(info, "127.0.0.1", 8000)
    assert info.owner_token in text
    for url in ("/api/v1", "/api-docs", "/api/openapi.json"):
        assert f"http://127.0.0.1:8000{url}" in text


def test_devserve_serves_with_prefilled_docs(tmp_path: Path) -> None:
    """`python -m server.cli.devserve` honours PORT, prints the token, serves /me and /api-docs."""
    port = free_port()
    env = {**server_env(tmp_path), "PORT": str(port), "HOST": "127.0.0.1"}
    log_path = tmp_path / "devserve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # stopped below, by this handle
            [sys.executable, "-m", "server.cli.devserve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[3],
        )
    try:
        token = _wait_for_token(log_path, proc)
        base = f"http://127.0.0.1:{port}"
        me = _get_when_up(f"{base}/api/v1/me", token, log_path, proc)
        assert me.status_code == 200, me.text
        assert me.json()["data"]["role"] == "OWNER"
        docs = httpx.get(f"{base}/api-docs", timeout=10)
        assert docs.status_code == 200
        assert token in docs.text
        assert stat.S_IMODE((tmp_path / "var" / "demo.json").stat().st_mode) == 0o600
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _wait_for_token(log_path: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if "Owner token:" in line:
                return line.split("Owner token:", 1)[1].strip()
        if proc.poll() is not None:
            pytest.fail(f"devserve exited {proc.returncode}:\n{log_path.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"devserve printed no token:\n{log_path.read_text()}")


def _get_when_up(
    url: str, token: str, log_path: Path, proc: subprocess.Popen[bytes]
) -> httpx.Response:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        except httpx.TransportError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    pytest.fail(f"devserve did not answer (exit {proc.poll()}):\n{log_path.read_text()}")
