"""The eight events over real HTTP: `hoursmith serve` (worker in process) → loopback receiver.

One live server on a temp SQLite file, an Agency demo workspace, and the admin CLI for what the
app does (endpoints, invoices). Every captured delivery is checked with the guide's verifier and
against the document's schema for its event.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.live_server import CLI, LiveServer, start_live_server
from tests.support.webhooks import Received, Receiver, assert_schema_valid, verify

WEBHOOK_ENV = {
    "HOURSMITH_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    "HOURSMITH_WEBHOOK_POLL_SECONDS": "0.05",
    "HOURSMITH_WEBHOOK_SCHEDULE_SCALE": "0.0001",
    "HOURSMITH_WEBHOOK_TIMEOUT_SECONDS": "2",
}
ALL_EVENTS = (
    "invoice.sent",
    "invoice.paid",
    "invoice.payment_failed",
    "time_entry.created",
    "task.completed",
    "task.created",
    "client.created",
    "project.created",
)


@dataclass
class World:
    server: LiveServer
    receiver: Receiver
    live_token: str

    def cli(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(CLI), *args],
            env=self.server.env,
            cwd=self.server.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    def cli_json(self, *args: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.cli(*args, "--json").stdout)
        return data

    def subscribe(self, path: str, *events: str) -> tuple[str, str]:
        flags = [arg for event in events for arg in ("--event", event)]
        org = self.server.demo["orgId"]
        made = self.cli_json("webhook", "create", org, "--url", self.receiver.url(path), *flags)
        return str(made["id"]), str(made["secret"])

    def api(self, method: str, path: str, body: Any = None, token: str = "", key: str = "") -> Any:
        headers = {"Authorization": f"Bearer {token or self.server.tokens['owner']}"}
        if method == "POST":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return httpx.request(
            method, f"{self.server.api_url}{path}", json=body, headers=headers, timeout=10
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A live server whose demo organization is on the Agency plan, and a receiver."""
    with Receiver() as receiver:
        server = start_live_server(tmp_path_factory.mktemp("webhooks-e2e"), WEBHOOK_ENV)
        try:
            made = World(server, receiver, "")
            made.cli("org", "set-plan", server.demo["orgId"], "agency")
            owner = server.demo["memberIds"]["owner"]
            token = made.cli_json("token", "create", owner, "--name", "live", "--env", "live")
            made.live_token = str(token["token"])
            yield made
        finally:
            server.stop()


def _check(received: Received, secret: str) -> dict[str, Any]:
    assert verify(secret, received), "signature does not verify"
    payload = received.payload
    assert_schema_valid(payload)
    return payload


def test_each_event_reaches_the_endpoint_once_signed_and_valid(world: World) -> None:
    """API creates, a task done and the CLI's invoice send/pay/fail each deliver one event."""
    _, secret = world.subscribe("/all", *ALL_EVENTS)
    live = world.live_token
    client = world.api("POST", "/clients", {"name": "Hook Co", "currency": "EUR"}, live).json()
    project = world.api(
        "POST",
        "/projects",
        {"name": "Hooks", "clientId": client["data"]["id"], "hourlyRate": "100.00"},
        live,
    ).json()["data"]
    task = world.api("POST", "/tasks", {"projectId": project["id"], "name": "Wire it"}, live)
    task_id = task.json()["data"]["id"]
    assert world.api("PATCH", f"/tasks/{task_id}", {"status": "DONE"}, live).status_code == 200
    invoices = []
    for minutes in (90, 30):
        entry = {
            "projectId": project["id"],
            "entryDate": "2026-03-02",
            "durationSeconds": minutes * 60,
            "billable": True,
        }
        assert world.api("POST", "/time-entries", entry, live).status_code == 201
        org = world.server.demo["orgId"]
        made = world.cli_json("invoice", "create", "--org", org, "--client", client["data"]["id"])
        world.cli("invoice", "send", made["id"])
        invoices.append(made["id"])
    world.cli("invoice", "pay", invoices[0])
    world.cli("invoice", "fail", invoices[1], "--reason", "insufficient_funds")
    expected = [
        "client.created",
        "project.created",
        "task.created",
        "task.completed",
        "time_entry.created",
        "invoice.sent",
        "time_entry.created",
        "invoice.sent",
        "invoice.paid",
        "invoice.payment_failed",
    ]
    world.receiver.wait_for(len(expected), "/all", timeout=15)
    time.sleep(0.3)  # room for a duplicate
    got = world.receiver.on("/all")
    payloads = [_check(r, secret) for r in got]
    # Within a few seconds of the change (`created` is stamped in the committing transaction).
    assert all(r.at - p["created"] < 5 for r, p in zip(got, payloads, strict=True))
    assert sorted(p["type"] for p in payloads) == sorted(expected)
    assert len({p["id"] for p in payloads}) == len(expected)  # each event once
    assert {p["orgId"] for p in payloads} == {world.server.demo["orgId"]}
    assert all(p["livemode"] is True for p in payloads)
    by_type = {p["type"]: p for p in payloads}
    assert by_type["client.created"]["data"]["client"]["id"] == client["data"]["id"]
    assert by_type["task.completed"]["data"]["task"]["status"] == "DONE"
    paid = by_type["invoice.paid"]["data"]
    assert paid["invoice"]["status"] == "PAID"
    assert paid["payment"]["outcome"] == "succeeded"
    failed = by_type["invoice.payment_failed"]["data"]
    assert failed["payment"] == {
        "amount": failed["invoice"]["balance"],
        "currency": "EUR",
        "outcome": "failed",
        "failureReason": "insufficient_funds",
    }


def test_data_is_shaped_like_the_get_response(world: World) -> None:
    """`data.client` equals what GET /clients/{id} returns (and the test token's is not live)."""
    _, secret = world.subscribe("/shape", "client.created")
    made = world.api("POST", "/clients", {"name": "Shape Ltd", "notes": "n"}).json()["data"]
    (got,) = world.receiver.wait_for(1, "/shape", timeout=10)
    payload = _check(got, secret)
    assert payload["data"]["client"] == world.api("GET", f"/clients/{made['id']}").json()["data"]
    assert payload["livemode"] is False  # the demo tokens are hsk_test_ tokens


def test_failed_requests_and_replays_emit_nothing(world: World) -> None:
    """A 422, a 404 and an idempotent replay send nothing more than the one success."""
    _, secret = world.subscribe("/quiet", "client.created", "project.created")
    assert world.api("POST", "/clients", {"name": ""}).status_code == 422
    bad = {"name": "Nope", "clientId": str(uuid.uuid4())}
    assert world.api("POST", "/projects", bad).status_code in (404, 422)
    key = str(uuid.uuid4())
    first = world.api("POST", "/clients", {"name": "Once"}, key=key)
    again = world.api("POST", "/clients", {"name": "Once"}, key=key)
    assert (first.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    world.receiver.wait_for(1, "/quiet", timeout=10)
    time.sleep(0.5)
    (only,) = world.receiver.on("/quiet")
    assert _check(only, secret)["data"]["client"]["id"] == first.json()["data"]["id"]


def test_unsubscribed_events_and_non_agency_send_nothing(world: World) -> None:
    """Only subscribed types are sent, and nothing once the workspace leaves the Agency plan."""
    world.subscribe("/picky", "project.created")
    org = world.server.demo["orgId"]
    world.api("POST", "/clients", {"name": "Unheard"})
    world.cli("org", "set-plan", org, "studio")
    try:
        client = world.api("POST", "/clients", {"name": "Studio"}).json()["data"]
        assert (
            world.api("POST", "/projects", {"name": "P", "clientId": client["id"]}).status_code
            == 201
        )
        refused = world.cli(
            "webhook",
            "create",
            org,
            "--url",
            world.receiver.url("/x"),
            "--event",
            "client.created",
            ok=False,
        )
        assert refused.returncode == 1
        assert "Agency plan" in refused.stderr
    finally:
        world.cli("org", "set-plan", org, "agency")
    time.sleep(1.0)
    assert world.receiver.on("/picky") == []
