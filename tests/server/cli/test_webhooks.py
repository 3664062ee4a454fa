"""`hoursmith webhook …`, `hoursmith worker` and `hoursmith invoice fail`, as console scripts.

A standalone `hoursmith worker` delivers to a loopback receiver while the commands run, so each
queued event is checked as it arrives: signed (the guide's verifier), schema-valid, and carrying
the promised event id.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import CLI, server_env
from tests.support.webhooks import Receiver, assert_schema_valid, verify

TIMEOUT = 120
ENV = {
    "HOURSMITH_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    "HOURSMITH_WEBHOOK_POLL_SECONDS": "0.05",
    "HOURSMITH_WEBHOOK_TIMEOUT_SECONDS": "2",
}


@dataclass
class Setup:
    env: dict[str, str]
    org_id: str
    receiver: Receiver

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CLI), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def ok(self, *args: str) -> dict[str, Any]:
        proc = self.run(*args, "--json")
        assert proc.returncode == 0, proc.stderr
        data: dict[str, Any] = json.loads(proc.stdout)
        return data

    def refused(self, *args: str) -> str:
        proc = self.run(*args)
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        return proc.stderr


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """An Agency demo database, a receiver, and a `hoursmith worker` process running."""
    workdir: Path = tmp_path_factory.mktemp("cli-webhooks")
    env = server_env(workdir, ENV)
    with Receiver() as receiver:
        made = Setup(env, "", receiver)
        assert made.run("db", "upgrade").returncode == 0
        made.org_id = made.ok("demo", "--plan", "agency")["orgId"]
        worker = subprocess.Popen(  # stopped below, by pid
            [str(CLI), "worker"],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield made
        finally:
            worker.terminate()
            worker.wait(20)
            assert worker.returncode == 0  # SIGTERM is a graceful stop


def test_test_event_is_delivered_signed_and_replayed(setup: Setup) -> None:
    """create → test → deliveries → replay: the same event id twice, each verified."""
    made = setup.ok(
        "webhook",
        "create",
        setup.org_id,
        "--url",
        setup.receiver.url("/cli"),
        "--event",
        "client.created",
    )
    assert made["secret"].startswith("wsk_")
    assert made["secretPrefix"] == made["secret"][:10]
    listed = setup.run("webhook", "list", setup.org_id)
    assert made["secretPrefix"] in listed.stdout
    assert made["secret"] not in listed.stdout
    queued = setup.ok("webhook", "test", made["id"])
    (first,) = setup.receiver.wait_for(1, "/cli")
    assert verify(made["secret"], first)
    payload = first.payload
    assert_schema_valid(payload)
    assert (payload["id"], payload["livemode"], payload["data"]["test"]) == (
        queued["eventId"],
        False,
        True,
    )
    replayed = setup.ok("webhook", "replay", queued["eventId"])
    assert replayed["eventId"] == queued["eventId"]
    second = setup.receiver.wait_for(2, "/cli")[1]
    assert second.payload["id"] == queued["eventId"]
    assert second.body == first.body
    log = setup.ok("webhook", "deliveries", made["id"])["deliveries"]
    assert {d["eventId"] for d in log} == {queued["eventId"]}
    assert all(d["status"] == "succeeded" for d in log)
    assert len(log) == 2
    assert log[-1]["attemptLog"][0]["statusCode"] == 200


def test_rotation_disable_enable_delete(setup: Setup) -> None:
    """A rotated secret signs the next delivery; a disabled endpoint waits; delete removes it."""
    made = setup.ok(
        "webhook",
        "create",
        setup.org_id,
        "--url",
        setup.receiver.url("/rot"),
        "--event",
        "invoice.paid",
    )
    rotated = setup.ok("webhook", "rotate-secret", made["id"])
    assert rotated["secret"] != made["secret"]
    setup.ok("webhook", "disable", made["id"])
    setup.ok("webhook", "test", made["id"])
    assert setup.ok("webhook", "deliveries", made["id"])["deliveries"][0]["status"] == "pending"
    assert setup.receiver.on("/rot") == []
    assert setup.ok("webhook", "enable", made["id"])["enabled"] is True
    (got,) = setup.receiver.wait_for(1, "/rot")
    assert verify(rotated["secret"], got)
    assert not verify(made["secret"], got)
    assert_schema_valid(got.payload)
    setup.ok("webhook", "delete", made["id"])
    assert made["id"] not in setup.run("webhook", "list", setup.org_id).stdout
    assert "no webhook endpoint" in setup.refused("webhook", "test", made["id"])


def test_refusals_are_one_clear_line(setup: Setup) -> None:
    """Non-public URLs, unknown events, unknown ids and non-Agency organizations are refused."""
    for url in ("https://10.0.0.1/x", "https://169.254.169.254/x", "https://[::1]/x"):
        message = setup.refused(
            "webhook", "create", setup.org_id, "--url", url, "--event", "client.created"
        )
        assert "not a public address" in message
    assert (
        "invalid choice"
        in setup.run(
            "webhook", "create", setup.org_id, "--url", "https://a.example/x", "--event", "*"
        ).stderr
    )
    assert "no webhook event" in setup.refused("webhook", "replay", "nope")
    studio = setup.ok("demo", "--plan", "studio")["orgId"]
    assert "Agency plan" in setup.refused("webhook", "list", studio)
