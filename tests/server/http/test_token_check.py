"""PostgreSQL reads started from a remembered token row: one statement, and no guarantee lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update
from starlette.testclient import TestClient

from server.db import all_models  # noqa: F401  (every table, infra ones included)
from server.db import models as M
from server.db.base import Base, utcnow
from server.db.session import make_engine, session_factory
from server.http.app import create_app, runtime_of
from server.settings import Settings
from server.tokens import generate_token
from tests.support.http_api import Api
from tests.support.world import World

pytestmark = pytest.mark.postgres


@pytest.fixture
def api(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The real app on PostgreSQL, rate limits off, and a workspace with a token per role."""
    monkeypatch.setenv("HOURSMITH_WEBHOOK_WORKER", "off")  # only the requests' statements
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    settings = Settings(
        database_url=pg_url,
        secret_key="token-check-tests",
        rate_limit=False,
        validate_responses=True,
        var_dir=tmp_path,
    )
    session = session_factory(engine)()
    world = World(session, name=f"Acme{uuid.uuid4().hex[:8]}")
    world.org.plan = "agency"
    tokens: dict[str, str] = {}
    for label, member in world.members.items():
        new = generate_token("test")
        session.add(
            M.ApiToken(
                org_id=world.org.id,
                member_id=member.id,
                name=f"{label} token",
                env=new.env,
                prefix=new.prefix,
                secret_hash=new.secret_hash,
            )
        )
        tokens[label] = new.plaintext
    session.commit()
    project = world.project(on=("member",))
    world.time_entry(project)  # the owner's: hidden from a plain Member
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, world, tokens)
    finally:
        session.close()
        engine.dispose()


def _statements(api: Api, call: Any) -> tuple[Any, list[str]]:
    """`call()`'s result and the SQL statements the app sent while it ran."""
    statements: list[str] = []
    engine = runtime_of(api.client.app).engine

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        return call(), statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _change(api: Api, model: Any, label: str, **values: Any) -> None:
    """Change a row behind the app's back, as another process (or the CLI) would."""
    member = api.world.members[label]
    key = {M.ApiToken: M.ApiToken.member_id, M.Member: M.Member.id}.get(model)
    where = key == member.id if key is not None else model.id == member.org_id
    stmt = update(model).values(**values).where(where)
    api.world.s.execute(stmt)
    api.world.s.commit()


def test_a_remembered_token_lists_in_one_statement(api: Api) -> None:
    """After a token's first request, a list with rows is one statement holding the token test."""
    first, cold = _statements(api, lambda: api.get("/time-entries"))
    second, warm = _statements(api, lambda: api.get("/time-entries"))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert len(cold) == 2  # the token lookup, then the page
    assert len(warm) == 1
    assert "api_tokens" in warm[0]
    assert "time_entries" in warm[0]


def test_an_empty_page_is_confirmed_by_a_token_lookup(api: Api) -> None:
    """No rows cannot prove the token: the empty page is answered after the token is read."""
    api.get("/time-entries")
    response, statements = _statements(
        api, lambda: api.get("/time-entries", projectId=str(uuid.uuid4()))
    )
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert len(statements) == 2
    assert "time_entries" not in statements[1]
    assert "api_tokens" in statements[1]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/time-entries", {}),  # refused by the page's own token test
        ("/time-entries", {"projectId": str(uuid.uuid4())}),  # an empty page
        ("/me", {}),  # no page query at all
        ("/time-entries", {"limit": "0"}),  # refused by request validation first
        ("/projects/" + str(uuid.uuid4()), {}),  # a 404 raised by the handler
    ],
)
def test_a_token_revoked_after_it_was_remembered_is_refused_at_once(
    api: Api, path: str, params: dict[str, str]
) -> None:
    """Whatever the request would have answered, the request after the revocation gets 401."""
    assert api.get("/time-entries").status_code == 200
    _change(api, M.ApiToken, "owner", revoked_at=utcnow())
    response = api.get(path, **params)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token has been revoked"
    again = api.get("/time-entries")  # the forgotten row is not used again
    assert again.status_code == 401


def test_a_removed_member_and_a_lapsed_plan_are_refused_at_once(api: Api) -> None:
    """Member removal → 401, a plan without API access → 402, on the very next request."""
    assert api.get("/time-entries", "admin").status_code == 200
    assert api.get("/time-entries").status_code == 200
    _change(api, M.Member, "admin", deleted_at=utcnow())
    assert api.get("/time-entries", "admin").status_code == 401
    _change(api, M.Organization, "owner", plan="free")
    response = api.get("/time-entries")
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "forbidden_plan"


def test_a_changed_role_is_served_as_the_new_role(api: Api) -> None:
    """A Member promoted after its token was remembered sees what an Admin sees, at once."""
    assert api.get("/time-entries", "member").json()["data"] == []
    _change(api, M.Member, "member", role="ADMIN")
    promoted = api.get("/time-entries", "member")
    assert promoted.status_code == 200
    assert len(promoted.json()["data"]) == 1
    _change(api, M.Member, "member", role="MEMBER")
    assert api.get("/time-entries", "member").json()["data"] == []


def test_writes_always_read_their_token_first(api: Api) -> None:
    """A POST never starts from a remembered row: after revocation it is 401, and writes nothing."""
    assert api.get("/clients").status_code == 200
    _change(api, M.ApiToken, "owner", revoked_at=utcnow())
    response = api.post("/clients", {"name": "Never", "currency": "EUR"})
    assert response.status_code == 401
