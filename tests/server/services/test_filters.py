"""`<field>From/To` filters over HTTP: a date or an RFC 3339 instant, impossible dates 422 (D6)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.cli.demo import seed_demo
from server.db.migrate import upgrade
from server.db.session import make_engine, session_factory
from server.http.app import create_app
from server.services.filters import parse_date_bound, parse_instant_bound
from tests.support.infra_app import make_settings


@dataclass
class Api:
    """The real app on a migrated, seeded SQLite database, called as the demo Owner."""

    client: TestClient
    token: str

    def get(self, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.get(f"/api/v1{path}", params=params, headers=headers)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One seeded app for this module (rate limiting off)."""
    tmp: Path = tmp_path_factory.mktemp("filters")
    settings = make_settings(tmp, rate_limit=False)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        token = seed_demo(session, "studio").tokens["owner"]
        session.commit()
    engine.dispose()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client, token)


@pytest.mark.parametrize(
    "value", ["2026-11-31", "1909-11-31T14:28:50+01:43", "2026-02-30", "2026-03-01T25:00:00Z"]
)
def test_impossible_dates_are_rejected_by_request_validation(api: Api, value: str) -> None:
    """Day 31 of a 30-day month (and other impossible values) is 422 naming the parameter."""
    res = api.get("/clients", createdAtTo=value)
    assert res.status_code == 422, res.text
    assert set(res.json()["error"]["fields"]) == {"createdAtTo"}


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-31",
        "2026-03-31T10:00:00+01:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31",
        "9999-12-31T23:00:00-05:00",
    ],
)
def test_dates_and_instants_of_any_year_are_accepted(api: Api, value: str) -> None:
    """Every date and date-time the document admits is answered 200, extremes included."""
    for name in ("createdAtFrom", "createdAtTo"):
        res = api.get("/clients", **{name: value})
        assert res.status_code == 200, res.text
    assert api.get("/time-entries", entryDateTo=value).status_code == 200


def test_extreme_bounds_clamp_instead_of_overflowing() -> None:
    """Instants before year 1 or after 9999 in UTC clamp to the representable range."""
    assert parse_instant_bound("0001-01-01T00:00:00+01:00", upper=False)[0].year == 1
    assert parse_instant_bound("9999-12-31", upper=True)[0].year == 9999
    assert parse_instant_bound("9999-12-31T23:00:00-05:00", upper=True)[0].year == 9999
    assert parse_date_bound("0001-01-01T00:00:00+01:00").year == 1
