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
import re
import shutil
import sqlite3
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import schemathesis
from schemathesis.config import SchemathesisConfig
from sqlalchemy import select

import tests.contract.hooks  # noqa: F401  (registers the hook, the auth provider and the checks)
from server.cli import admin
from server.cli.demo import seed_demo
from server.db.migrate import upgrade
from server.db.models import Expense, Project, ProjectMember, Task, TimeEntry
from server.db.session import make_engine, session_factory
from server.http.app import create_app, runtime_of
from server.settings import REPO_ROOT, Settings
from tests.contract.hooks import is_date

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
    """The app under test, a bearer token per identity and ids of seeded records."""

    app: Any
    tokens: dict[str, str]
    org_id: str
    free_org_id: str
    # Body references that exist: clientId, projectId (of that client), taskId (of that project).
    references: dict[str, str]
    # token → its user's id, and the Member's user id (a valid assignee).
    user_of_token: dict[str, str]
    member_user_id: str
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
        project = session.scalars(
            select(Project).where(
                Project.org_id == studio.org_id,
                Project.status == "ACTIVE",
                Project.rate_type == "HOURLY",
                Project.id.in_(
                    select(ProjectMember.project_id).where(
                        ProjectMember.member_id == studio.member_ids["member"]
                    )
                ),
            )
        ).first()
        assert project is not None, "the demo org has an active hourly project for the Member"
        task = session.scalars(select(Task).where(Task.project_id == project.id)).first()
        assert task is not None
        references = {"clientId": project.client_id, "projectId": project.id, "taskId": task.id}
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
    user_of_token = {studio.tokens[k]: studio.user_ids[k] for k in studio.tokens}
    return ContractEnv(
        app=create_app(settings),
        tokens=tokens,
        org_id=studio.org_id,
        free_org_id=free.org_id,
        references=references,
        user_of_token=user_of_token,
        member_user_id=studio.user_ids["member"],
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


T = TypeVar("T")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@schemathesis.hook("before_call")
def use_seeded_references(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Point well-formed body references at seeded records (in-process runs only).

    Schemathesis cannot know which ids exist, and the document makes an unknown `clientId`,
    `projectId`, `taskId` or `userId` a 422: without this, every positive create would be such a
    422. Only schema-valid UUIDs are replaced, so negative cases stay negative.
    """
    env = contract_env.cache_info().currsize and contract_env()
    if not env or case.operation.app is not env.app or not isinstance(case.body, dict):
        return
    body = case.body
    for name, value in env.references.items():
        if isinstance(body.get(name), str) and UUID.match(body[name]):
            body[name] = value
    if isinstance(body.get("userId"), str) and UUID.match(body["userId"]):
        auth = (case.headers or {}).get("Authorization", "")
        body["userId"] = env.user_of_token.get(auth.removeprefix("Bearer "), body["userId"])
    ids = body.get("assigneeIds")
    if isinstance(ids, list) and ids and all(isinstance(i, str) and UUID.match(i) for i in ids):
        body["assigneeIds"] = [env.member_user_id]


def stored_patch(case: Any, targets: Mapping[str, T]) -> tuple[Any, dict[str, Any], T, str] | None:
    """`(env, body, target, record id)` for an in-process PATCH of one of `targets`' paths with a
    JSON object body and a well-formed id; None for every other case (left alone)."""
    env = contract_env.cache_info().currsize and contract_env()
    target = targets.get(case.operation.path)
    if not env or target is None or case.method.upper() != "PATCH":
        return None
    body, record_id = case.body, (case.path_parameters or {}).get("id")
    if not isinstance(body, dict) or not isinstance(record_id, str) or not UUID.match(record_id):
        return None
    return env, body, target, record_id


# PATCH targets whose date order also involves the stored record: model, later date fields.
DATED_RECORDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "/projects/{id}": (Project, ("dueDate",)),
    "/tasks/{id}": (Task, ("dueDate", "endDate")),
}
ATTRIBUTES = {"startDate": "start_date", "dueDate": "due_date", "endDate": "end_date"}


@schemathesis.hook("before_call")
def order_dates_with_the_stored_record(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A PATCH of a project or task keeps `startDate` on or before the resulting due/end dates.

    The document applies the create rules to the *resulting* record ("dueDate on or after
    startDate"), which no schema can state. When the stored record exists, the body's
    `startDate` is set to the earliest resulting later date if the merge would break the
    order. Only bodies whose sent dates are all well-formed (or null) are touched.
    """
    patch = stored_patch(case, DATED_RECORDS)
    if patch is None:
        return
    env, body, target, record_id = patch
    names = ("startDate", *target[1])
    if any(body.get(n) is not None and not is_date(body[n]) for n in names):
        return
    with runtime_of(env.app).sessions() as session:
        row = session.get(target[0], record_id)
        if row is None:
            return
        stored = {n: getattr(row, ATTRIBUTES[n]) for n in names}
    merged = {
        n: body[n] if n in body else (v.isoformat() if v else None) for n, v in stored.items()
    }
    later = [merged[n] for n in target[1] if merged[n]]
    if merged["startDate"] and later and min(later) < merged["startDate"]:
        body["startDate"] = min(later)


def _given(value: Any) -> bool:
    return value is not None


@schemathesis.hook("before_call")
def keep_project_rules_with_the_stored_record(
    context: Any, case: Any, kwargs: dict[str, Any]
) -> None:
    """A project PATCH keeps the resulting project's budget and fixed-fee rules (D12).

    The body alone satisfies the schema's rules; the stored project may not combine with it
    ("not both budgets", "a fixed fee exactly when FIXED"). The value that comes from the
    stored record is adjusted: the stored budget is cleared, or `rateType` follows the fee.
    """
    patch = stored_patch(case, {"/projects/{id}": Project})
    if patch is None:
        return
    env, body, model, record_id = patch
    with runtime_of(env.app).sessions() as session:
        row = session.get(model, record_id)
        if row is None:
            return
        stored = {
            "budgetHours": row.budget_hours,
            "budgetAmount": row.budget_amount,
            "rateType": row.rate_type,
            "fixedFeeAmount": row.fixed_fee_amount,
        }
    for sent, other in (("budgetHours", "budgetAmount"), ("budgetAmount", "budgetHours")):
        if _given(body.get(sent)) and other not in body and _given(stored[other]):
            body[other] = None
    rate = body.get("rateType", stored["rateType"])
    fee = body["fixedFeeAmount"] if "fixedFeeAmount" in body else stored["fixedFeeAmount"]
    if not isinstance(rate, str):
        return  # a negative case: leave it
    if rate != "FIXED" and _given(fee):
        if "rateType" not in body and "fixedFeeAmount" in body:
            body["rateType"] = "FIXED"
        elif "fixedFeeAmount" not in body:
            body["fixedFeeAmount"] = None
    elif rate == "FIXED" and not _given(fee) and "rateType" not in body:
        body["rateType"] = "HOURLY"
    elif rate == "FIXED" and not _given(fee) and "fixedFeeAmount" not in body:
        body["fixedFeeAmount"] = "1000.00"


@schemathesis.hook("before_call")
def stop_the_stored_timer_with_a_duration(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A time-entry PATCH that sets a duration on a running entry also stops it (D14).

    The document: "while an entry runs, a duration can only be set together with
    `running: false`" — a rule on the stored entry, which no schema can state. When the
    stored entry runs and the body sets `durationSeconds` or `duration` without `running`,
    `running: false` is added. Bodies that already send `running` are left alone.
    """
    patch = stored_patch(case, {"/time-entries/{id}": TimeEntry})
    if patch is None:
        return
    env, body, model, record_id = patch
    if "running" in body or not ({"durationSeconds", "duration"} & body.keys()):
        return
    with runtime_of(env.app).sessions() as session:
        row = session.get(model, record_id)
        if row is None or not row.is_running:
            return
    body["running"] = False


@schemathesis.hook("before_call")
def keep_references_within_the_stored_record(
    context: Any, case: Any, kwargs: dict[str, Any]
) -> None:
    """A PATCH keeps `taskId` inside the entry's project and `projectId` inside the client.

    `use_seeded_references` points every well-formed reference at the seeded project and its
    task; on a stored time entry of another project (or an expense of another client) that
    pair no longer fits, a rule about the *resulting* record that no schema can state. The
    reference that the body does not move is re-pointed at a record of the stored parent (or
    cleared when the parent has none).
    """
    patch = stored_patch(case, {"/time-entries/{id}": TimeEntry, "/expenses/{id}": Expense})
    if patch is None:
        return
    env, body, target, record_id = patch
    with runtime_of(env.app).sessions() as session:
        row = session.get(target, record_id)
        if row is None:
            return
        if isinstance(row, TimeEntry):
            parent_key, child_key, parent_id = "projectId", "taskId", row.project_id
            child_of = select(Task.id).where(Task.project_id == body.get(parent_key, parent_id))
            stored_child = row.task_id
        else:
            parent_key, child_key, parent_id = "clientId", "projectId", row.client_id
            child_of = select(Project.id).where(
                Project.client_id == body.get(parent_key, parent_id)
            )
            stored_child = row.project_id
        children = set(session.scalars(child_of))
    child = body.get(child_key, stored_child)
    if not isinstance(child, str) or not UUID.match(child) or child in children:
        return
    if isinstance(body.get(parent_key), str) and not UUID.match(body[parent_key]):
        return  # a negative case: leave it
    body[child_key] = min(children) if children else None


def schema_config(token: str, *, extra_accepted: tuple[str, ...] = ()) -> SchemathesisConfig:
    """The repository's schemathesis.toml with this identity's bearer token (no env vars)."""
    data: dict[str, Any] = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    data["seed"] = SEED
    data.setdefault("auth", {})["openapi"] = {"bearerAuth": {"bearer": token}}
    if extra_accepted:
        # A free-plan token is 402 before any validation (design §4 order of checks), so 402 is
        # also the right answer to negative data and to a missing Idempotency-Key.
        for section in data.get("operations", []):
            pda = section.get("checks", {}).get("positive_data_acceptance")
            if pda is not None:
                pda["expected-statuses"] = [*pda["expected-statuses"], *extra_accepted]
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
