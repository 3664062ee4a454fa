"""The demo seeder (`server.cli.demo`): one complete, realistic workspace per call."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.cli.demo import ROLE_KEYS, DemoOrg, invoicing_service, seed_demo
from server.db.migrate import upgrade
from server.db.models import (
    ApiToken,
    Client,
    Expense,
    Invoice,
    Member,
    Organization,
    Project,
    ProjectMember,
    Task,
    TaskAssignee,
    TimeEntry,
)
from server.db.session import begin_write, make_engine, session_factory
from server.tokens import parse_token, secret_matches
from tests.support.live_server import CLI, server_env


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A session on a freshly migrated temp SQLite database."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as db:
        yield db
    engine.dispose()


@pytest.fixture
def demo(session: Session) -> DemoOrg:
    begin_write(session)
    result = seed_demo(session, "studio")
    session.commit()
    return result


def count(session: Session, model: Any, org_id: str, *where: Any) -> int:
    query = select(func.count()).select_from(model).where(model.org_id == org_id, *where)
    return int(session.scalar(query) or 0)


def test_demo_creates_one_member_per_role_with_a_working_token(
    session: Session, demo: DemoOrg
) -> None:
    """Owner, admin, manager and member each get a member row and a token that verifies."""
    assert set(demo.tokens) == set(ROLE_KEYS)
    for key in ROLE_KEYS:
        member = session.get(Member, demo.member_ids[key])
        assert member is not None
        assert (member.role, member.user_id, member.org_id) == (
            key.upper(),
            demo.user_ids[key],
            demo.org_id,
        )
        parsed = parse_token(demo.tokens[key])
        assert parsed is not None
        row = session.scalars(select(ApiToken).where(ApiToken.prefix == parsed.prefix)).one()
        assert row.member_id == member.id
        assert secret_matches(parsed.secret, row.secret_hash)


def test_demo_has_a_realistic_data_set(session: Session, demo: DemoOrg) -> None:
    """About 5 clients, 8 projects, tasks, 60+ time entries and expenses, as counted."""
    org = demo.org_id
    assert count(session, Client, org) == demo.counts["clients"] == 5
    assert count(session, Project, org) == demo.counts["projects"] == 8
    assert count(session, Task, org) == demo.counts["tasks"] > 8
    assert count(session, TimeEntry, org) == demo.counts["timeEntries"] >= 60
    assert count(session, Expense, org) == demo.counts["expenses"] >= 5


def test_demo_time_is_logged_by_several_users_with_one_running(
    session: Session, demo: DemoOrg
) -> None:
    """Every role logs time, and exactly one timer (the member's) is running."""
    users = session.scalars(
        select(TimeEntry.user_id).where(TimeEntry.org_id == demo.org_id).distinct()
    ).all()
    assert set(users) == set(demo.user_ids.values())
    running = session.scalars(
        select(TimeEntry).where(TimeEntry.org_id == demo.org_id, TimeEntry.is_running)
    ).all()
    assert [entry.user_id for entry in running] == [demo.user_ids["member"]]
    assert running[0].started_at is not None


def test_demo_member_sees_some_projects_and_logs_only_there(
    session: Session, demo: DemoOrg
) -> None:
    """The member is on some (not all) projects, and all of its time is on those."""
    on = set(
        session.scalars(
            select(ProjectMember.project_id).where(
                ProjectMember.member_id == demo.member_ids["member"]
            )
        )
    )
    assert 0 < len(on) < demo.counts["projects"]
    logged = set(
        session.scalars(
            select(TimeEntry.project_id).where(TimeEntry.user_id == demo.user_ids["member"])
        )
    )
    assert logged <= on


def test_demo_tasks_have_assignees(session: Session, demo: DemoOrg) -> None:
    """Every task has at least one assignee, and the member is assigned somewhere."""
    tasks = session.scalars(select(Task.id).where(Task.org_id == demo.org_id)).all()
    assigned = session.scalars(
        select(TaskAssignee.task_id).where(TaskAssignee.task_id.in_(tasks)).distinct()
    ).all()
    assert set(assigned) == set(tasks)
    member_tasks = session.scalars(
        select(TaskAssignee.task_id).where(TaskAssignee.user_id == demo.user_ids["member"])
    ).all()
    assert member_tasks


def test_demo_invoices_one_sent_one_paid(session: Session, demo: DemoOrg) -> None:
    """With the invoicing service present, one invoice is SENT and one PAID, locking work."""
    if invoicing_service() is None:
        pytest.fail("server.services.invoicing is missing")
    invoices = session.scalars(select(Invoice).where(Invoice.org_id == demo.org_id)).all()
    assert sorted(i.status for i in invoices) == ["PAID", "SENT"]
    assert sorted(i.number for i in invoices) == sorted(demo.invoice_numbers)
    locked = count(session, TimeEntry, demo.org_id, TimeEntry.invoice_id.is_not(None))
    assert locked > 0


def test_each_call_creates_a_new_organization(session: Session, demo: DemoOrg) -> None:
    """A second run makes another org with other users and tokens, leaving the first intact."""
    begin_write(session)
    second = seed_demo(session, "agency")
    session.commit()
    assert second.org_id != demo.org_id
    assert set(second.user_ids.values()).isdisjoint(demo.user_ids.values())
    org = session.get(Organization, second.org_id)
    assert org is not None
    assert org.plan == "agency"
    assert int(session.scalar(select(func.count()).select_from(Organization)) or 0) == 2


def test_demo_json_output_shape(tmp_path: Path) -> None:
    """`hoursmith demo --json --plan free` prints orgId, tokens, memberIds and userIds only."""
    env = server_env(tmp_path)
    upgraded = subprocess.run(
        [str(CLI), "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    assert upgraded.returncode == 0, upgraded.stderr
    proc = subprocess.run(
        [str(CLI), "demo", "--plan", "free", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"orgId", "tokens", "memberIds", "userIds"}
    for key in ("tokens", "memberIds", "userIds"):
        assert set(data[key]) == {"owner", "admin", "manager", "member"}


def test_demo_human_output_lists_tokens(tmp_path: Path) -> None:
    """Without --json, `hoursmith demo` prints a summary naming every role's token."""
    env = server_env(tmp_path)
    for args in (["db", "upgrade"], ["demo"]):
        proc = subprocess.run(
            [str(CLI), *args], env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
    assert "Demo organization" in proc.stdout
    assert proc.stdout.count("hsk_test_") == 4
