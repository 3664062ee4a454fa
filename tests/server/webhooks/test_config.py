"""Webhook settings come from HOURSMITH_WEBHOOK_* variables and refuse unsafe combinations."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from server.webhooks.config import WebhookSettings


def test_environment_sets_schedule_timeout_and_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comma-separated delays and CIDRs are read from the environment."""
    monkeypatch.setenv("HOURSMITH_WEBHOOK_SCHEDULE", "1, 2,3")
    monkeypatch.setenv("HOURSMITH_WEBHOOK_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("HOURSMITH_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8,::1/128")
    settings = WebhookSettings()
    assert settings.schedule == (1.0, 2.0, 3.0)
    assert settings.attempts == 4
    assert settings.timeout_seconds == 0.5
    assert settings.allow_networks == (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )


def test_no_network_is_open_by_default() -> None:
    """Without the setting only public addresses may be reached."""
    assert WebhookSettings().allow_networks == ()


@pytest.mark.parametrize(
    "values",
    [
        {"schedule": "5,-1"},
        {"allow_networks": "not-a-network"},
        {"timeout_seconds": 10, "lease_seconds": 5},
        {"schedule_scale": 0},
        {"step_interval_seconds": -0.1},
    ],
)
def test_bad_values_are_refused(values: dict[str, object]) -> None:
    """Negative delays or step intervals, bad CIDRs, a lease shorter than a send and a zero
    scale are errors."""
    with pytest.raises(ValidationError):
        WebhookSettings(**values)  # type: ignore[arg-type]
