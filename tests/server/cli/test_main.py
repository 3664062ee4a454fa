"""The `hoursmith` admin CLI, run as the real console script against temp SQLite databases."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.tokens import TOKEN_RE, hash_secret, parse_token
from tests.support.live_server import CLI, LiveServer, free_port, server_env

TIMEOUT = 120


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `hoursmith ARGS` and return the finished process (never raises on failure)."""
    return subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def ok_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run a `--json` command that must succeed; stdout must be exactly one JSON object."""
    proc = run(env, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, dict)
    return data


def assert_clean_failure(proc: subprocess.CompletedProcess[str], *, status: int = 1) -> None:
    """A refused command: the expected status, a message on stderr, no traceback, no stdout."""
    assert proc.returncode == status, (proc.stdout, proc.stderr)
    assert proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def query(env: dict[str, str], sql: str, *params: object) -> list[tuple[Any, ...]]:
    path = env["HOURSMITH_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One database migrated with `hoursmith db upgrade` and seeded with `hoursmith demo`.

    Tests get a copy of the file (see `env`): two CLI runs per test saved on a 2-core runner.
    """
    workdir = tmp_path_factory.mktemp("cli-template")
    environ = server_env(workdir)
    proc = run(environ, "db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    return workdir / "db.sqlite", ok_json(environ, "demo")


@pytest.fixture
def env(tmp_path: Path, template: tuple[Path, dict[str, Any]]) -> dict[str, str]:
    """A private copy of the template database (the CLI exited, so its WAL is checkpointed)."""
    source, _demo = template
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", tmp_path / f"db.sqlite{suffix}")
    return server_env(tmp_path)


@pytest.fixture
def org(env: dict[str, str]) -> dict[str, Any]:
    return ok_json(env, "org", "create", "--name", "Acme", "--plan", "studio")


@pytest.fixture
def demo(env: dict[str, str], template: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    """The demo organization inside this test's copy of the template database."""
    return template[1]


# --- db upgrade ------------------------------------------------------------------------------


def test_db_upgrade_creates_every_table(env: dict[str, str]) -> None:
    """`db upgrade` creates the domain tables and records the Alembic revision."""
    tables = {row[0] for row in query(env, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"organizations", "members", "api_tokens", "time_entries", "invoices"} <= tables
    assert len(query(env, "SELECT version_num FROM alembic_version")) == 1


def test_db_upgrade_is_idempotent(env: dict[str, str]) -> None:
    """Running `db upgrade` on an up-to-date database succeeds and changes nothing."""
    proc = run(env, "db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout


def test_commands_on_unmigrated_database_fail_in_one_line(tmp_path: Path) -> None:
    """Without `db upgrade`, a command reports a database error and hints at the fix."""
    proc = run(server_env(tmp_path), "org", "create", "--name", "Acme", "--plan", "studio")
    assert_clean_failure(proc)
    assert "db upgrade" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# --- org -------------------------------------------------------------------------------------


def test_org_create_prints_id_name_plan(env: dict[str, str], org: dict[str, Any]) -> None:
    """`org create --json` prints `{id, name, plan}` and stores the organization."""
    assert set(org) == {"id", "name", "plan"}
    assert (org["name"], org["plan"]) == ("Acme", "studio")
    rows = query(env, "SELECT name, plan FROM organizations WHERE id = ?", org["id"])
    assert rows == [("Acme", "studio")]


def test_org_set_plan_changes_the_plan(env: dict[str, str], org: dict[str, Any]) -> None:
    """`org set-plan ORG agency` updates the stored plan."""
    data = ok_json(env, "org", "set-plan", org["id"], "agency")
    assert data == {"id": org["id"], "name": "Acme", "plan": "agency"}
    assert query(env, "SELECT plan FROM organizations WHERE id = ?", org["id"]) == [("agency",)]


def test_org_set_plan_unknown_org_is_refused(env: dict[str, str]) -> None:
    """An unknown organization id is a one-line error, exit 1."""
    proc = run(env, "org", "set-plan", "00000000-0000-0000-0000-000000000000", "free")
    assert_clean_failure(proc)
    assert "no organization" in proc.stderr


# --- member / project ------------------------------------------------------------------------


def test_member_add_creates_user_and_member(env: dict[str, str], org: dict[str, Any]) -> None:
    """`member add` creates the user for a new email and prints `{id, userId, orgId, role}`."""
    data = ok_json(
        env, "member", "add", org["id"], "--email", "Ann@Example.com", "--name", "Ann",
        "--role", "manager",
    )  # fmt: skip
    assert set(data) == {"id", "userId", "orgId", "role"}
    assert (data["orgId"], data["role"]) == (org["id"], "MANAGER")
    assert query(env, "SELECT email FROM users WHERE id = ?", data["userId"]) == [
        ("ann@example.com",)
    ]
    rows = query(env, "SELECT org_id, role, deleted_at FROM members WHERE id = ?", data["id"])
    assert rows == [(org["id"], "MANAGER", None)]


def test_member_add_reuses_an_existing_user(env: dict[str, str], org: dict[str, Any]) -> None:
    """The same email in a second organization is the same user."""
    other = ok_json(env, "org", "create", "--name", "Other", "--plan", "agency")
    args = ("--email", "bo@example.com", "--name", "Bo", "--role", "member")
    first = ok_json(env, "member", "add", org["id"], *args)
    second = ok_json(env, "member", "add", other["id"], *args)
    assert first["userId"] == second["userId"]
    assert first["id"] != second["id"]


def test_member_add_twice_is_refused(env: dict[str, str], org: dict[str, Any]) -> None:
    """Adding an active member again is a clear error, not a constraint traceback."""
    args = ("member", "add", org["id"], "--email", "cy@example.com", "--name", "Cy")
    ok_json(env, *args, "--role", "admin")
    proc = run(env, *args, "--role", "admin")
    assert_clean_failure(proc)
    assert "already a member" in proc.stderr


def test_member_add_invalid_email_is_refused(env: dict[str, str], org: dict[str, Any]) -> None:
    """A malformed email is refused with exit 1."""
    proc = run(env, "member", "add", org["id"], "--email", "nope", "--name", "N", "--role", "admin")
    assert_clean_failure(proc)
    assert "email" in proc.stderr


def test_member_remove_soft_deletes_and_revokes(env: dict[str, str], demo: dict[str, Any]) -> None:
    """`member remove` sets deletedAt on the member and revokes all of its tokens."""
    member_id = demo["memberIds"]["manager"]
    data = ok_json(env, "member", "remove", member_id)
    assert data["id"] == member_id
    assert data["deletedAt"].endswith("Z")
    assert query(env, "SELECT deleted_at IS NOT NULL FROM members WHERE id = ?", member_id) == [
        (1,)
    ]
    revoked = query(
        env, "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE member_id = ?", member_id
    )
    assert revoked == [(1,)]
    assert_clean_failure(run(env, "member", "remove", member_id))


def test_project_add_member_links_member(env: dict[str, str], demo: dict[str, Any]) -> None:
    """`project add-member` puts a member on a project once (repeating is harmless)."""
    member_id = demo["memberIds"]["member"]
    (project_id,) = query(
        env,
        "SELECT id FROM projects WHERE org_id = ? AND id NOT IN "
        "(SELECT project_id FROM project_members WHERE member_id = ?) LIMIT 1",
        demo["orgId"],
        member_id,
    )[0]
    data = ok_json(env, "project", "add-member", project_id, member_id)
    assert data == {"projectId": project_id, "memberId": member_id}
    ok_json(env, "project", "add-member", project_id, member_id)
    links = "SELECT COUNT(*) FROM project_members WHERE project_id = ? AND member_id = ?"
    assert query(env, links, project_id, member_id) == [(1,)]


def test_project_add_member_across_orgs_is_refused(
    env: dict[str, str], demo: dict[str, Any], org: dict[str, Any]
) -> None:
    """A member of another organization cannot be put on the project."""
    stranger = ok_json(
        env, "member", "add", org["id"], "--email", "x@example.com", "--name", "X",
        "--role", "member",
    )  # fmt: skip
    (project_id,) = query(env, "SELECT id FROM projects WHERE org_id = ?", demo["orgId"])[0]
    proc = run(env, "project", "add-member", project_id, stranger["id"])
    assert_clean_failure(proc)
    assert "different organizations" in proc.stderr


# --- token -----------------------------------------------------------------------------------


def test_token_create_shows_secret_once_and_stores_hash(
    env: dict[str, str], demo: dict[str, Any]
) -> None:
    """`token create --json` prints `{id, token}`; only the secret's hash is stored."""
    data = ok_json(
        env, "token", "create", demo["memberIds"]["admin"], "--name", "CI", "--env", "test"
    )
    assert set(data) == {"id", "token"}
    assert TOKEN_RE.fullmatch(data["token"])
    parsed = parse_token(data["token"])
    assert parsed is not None
    assert parsed.env == "test"
    rows = query(env, "SELECT prefix, secret_hash, name FROM api_tokens WHERE id = ?", data["id"])
    assert rows == [(parsed.prefix, hash_secret(parsed.secret), "CI")]
    assert parsed.secret not in json.dumps(query(env, "SELECT * FROM api_tokens"))


def test_token_create_for_removed_member_is_refused(
    env: dict[str, str], demo: dict[str, Any]
) -> None:
    """A removed member cannot get new tokens."""
    member_id = demo["memberIds"]["member"]
    ok_json(env, "member", "remove", member_id)
    assert_clean_failure(run(env, "token", "create", member_id, "--name", "late"))


def test_token_revoke_sets_revoked_at(env: dict[str, str], demo: dict[str, Any]) -> None:
    """`token revoke` marks the token revoked; an unknown id is refused."""
    created = ok_json(env, "token", "create", demo["memberIds"]["owner"], "--name", "tmp")
    data = ok_json(env, "token", "revoke", created["id"])
    assert data["id"] == created["id"]
    assert data["revokedAt"].endswith("Z")
    rows = query(env, "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = ?", created["id"])
    assert rows == [(1,)]
    assert_clean_failure(run(env, "token", "revoke", "no-such-token"))


# --- invoice ---------------------------------------------------------------------------------


def _client_id(env: dict[str, str], demo: dict[str, Any], name: str) -> str:
    rows = query(env, "SELECT id FROM clients WHERE org_id = ? AND name = ?", demo["orgId"], name)
    return str(rows[0][0])


def test_invoice_create_send_and_pay(env: dict[str, str], demo: dict[str, Any]) -> None:
    """An invoice goes DRAFT → SENT → partially paid → PAID through the CLI."""
    client_id = _client_id(env, demo, "Copperline Logistics")
    created = ok_json(
        env, "invoice", "create", "--org", demo["orgId"], "--client", client_id,
        "--grouping", "entry",
    )  # fmt: skip
    assert set(created) == {"id", "number", "total"}
    assert isinstance(created["total"], str)
    locked = query(env, "SELECT COUNT(*) FROM time_entries WHERE invoice_id = ?", created["id"])
    assert locked[0][0] > 0
    sent = ok_json(env, "invoice", "send", created["id"])
    assert sent["status"] == "SENT"
    partial = ok_json(env, "invoice", "pay", created["id"], "--amount", "10.00")
    assert (partial["paymentStatus"], partial["amountPaid"]) == ("partially_paid", "10.00")
    paid = ok_json(env, "invoice", "pay", created["id"])
    assert (paid["status"], paid["paymentStatus"]) == ("PAID", "paid")
    assert paid["amountPaid"] == created["total"]


def test_invoice_cancel_releases_work(env: dict[str, str], demo: dict[str, Any]) -> None:
    """Cancelling a draft invoice unlocks its time entries and expenses."""
    client_id = _client_id(env, demo, "Atlas Nonprofit")
    created = ok_json(env, "invoice", "create", "--org", demo["orgId"], "--client", client_id)
    cancelled = ok_json(env, "invoice", "cancel", created["id"])
    assert cancelled["status"] == "CANCELLED"
    for table in ("time_entries", "expenses"):
        count = f"SELECT COUNT(*) FROM {table} WHERE invoice_id = ?"
        assert query(env, count, created["id"]) == [(0,)]


def test_invoice_errors_are_one_line(env: dict[str, str], demo: dict[str, Any]) -> None:
    """Unknown client, unknown invoice and a bad amount are refused without a traceback."""
    unknown_client = run(env, "invoice", "create", "--org", demo["orgId"], "--client", "nope")
    assert_clean_failure(unknown_client)
    assert_clean_failure(run(env, "invoice", "send", "nope"))
    (invoice_id,) = query(env, "SELECT id FROM invoices WHERE org_id = ?", demo["orgId"])[0]
    assert_clean_failure(run(env, "invoice", "pay", invoice_id, "--amount", "ten"))
    # The demo's invoices are already SENT or PAID: sending again is a domain error.
    assert_clean_failure(run(env, "invoice", "send", invoice_id))


# --- argument errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["org"],
        ["frobnicate"],
        ["org", "create", "--name", "A", "--plan", "gold"],
        ["org", "create", "--plan", "studio"],
        ["serve", "--port", "0"],
        ["serve", "--port", "http"],
        ["serve", "--workers", "0"],
        ["member", "add", "org-id", "--email", "a@b.co", "--name", "A", "--role", "boss"],
        ["token", "create", "member-id", "--name", "n", "--env", "prod"],
        ["invoice", "create", "--org", "o", "--client", "c", "--grouping", "week"],
        ["demo", "--plan", "enterprise"],
    ],
)
def test_bad_arguments_exit_2_without_traceback(env: dict[str, str], args: list[str]) -> None:
    """Usage errors exit 2 with argparse's message on stderr and nothing on stdout."""
    assert_clean_failure(run(env, *args), status=2)


# --- against the running API -----------------------------------------------------------------


def _me(server: LiveServer, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{server.api_url}/me", headers=headers, timeout=10)


def test_member_remove_makes_its_token_401(live_server: LiveServer) -> None:
    """A removed member's token is refused (401) by the running API at once."""
    fresh = ok_json(live_server.env, "demo")
    token = fresh["tokens"]["manager"]
    assert _me(live_server, token).status_code == 200
    ok_json(live_server.env, "member", "remove", fresh["memberIds"]["manager"])
    response = _me(live_server, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_token_revoke_makes_it_401(live_server: LiveServer) -> None:
    """A revoked token is refused (401) while the member's other tokens keep working."""
    fresh = ok_json(live_server.env, "demo")
    extra = ok_json(live_server.env, "token", "create", fresh["memberIds"]["admin"], "--name", "x")
    ok_json(live_server.env, "token", "revoke", extra["id"])
    assert _me(live_server, extra["token"]).status_code == 401
    assert _me(live_server, fresh["tokens"]["admin"]).status_code == 200


def test_org_set_plan_free_makes_tokens_402(live_server: LiveServer) -> None:
    """On the free plan every token answers 402 forbidden_plan; back on studio, 200."""
    fresh = ok_json(live_server.env, "demo")
    ok_json(live_server.env, "org", "set-plan", fresh["orgId"], "free")
    response = _me(live_server, fresh["tokens"]["owner"])
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "forbidden_plan"
    ok_json(live_server.env, "org", "set-plan", fresh["orgId"], "studio")
    assert _me(live_server, fresh["tokens"]["owner"]).status_code == 200


# --- serve -----------------------------------------------------------------------------------


@pytest.fixture
def served(
    env: dict[str, str], demo: dict[str, Any], tmp_path: Path
) -> Iterator[tuple[str, dict[str, Any]]]:
    """`hoursmith serve --port P` on a demo database; yields the base URL and the demo."""
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(  # stopped below, by this handle
        [str(CLI), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield f"http://127.0.0.1:{port}", demo
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def test_serve_answers_me_with_a_demo_token(served: tuple[str, dict[str, Any]]) -> None:
    """`hoursmith serve` starts uvicorn and answers GET /api/v1/me for the demo owner."""
    base, demo = served
    deadline = time.monotonic() + 60
    response: httpx.Response | None = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(
                f"{base}/api/v1/me",
                headers={"Authorization": f"Bearer {demo['tokens']['owner']}"},
                timeout=5,
            )
            break
        except httpx.TransportError:
            time.sleep(0.2)
    assert response is not None, "server did not start"
    assert response.status_code == 200, response.text
    me = response.json()["data"]
    assert (me["orgId"], me["role"]) == (demo["orgId"], "OWNER")
    assert httpx.get(f"{base}/api/openapi.json", timeout=5).status_code == 200
    assert httpx.get(f"{base}/api-docs", timeout=5).status_code == 200
