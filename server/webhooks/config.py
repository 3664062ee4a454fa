"""Webhook settings, read from `HOURSMITH_WEBHOOK_*` environment variables.

The defaults are the product's rules (design §10). Tests and local development shrink the
schedule (`SCHEDULE_SCALE`) and the timeout, and open loopback networks (`ALLOW_NETWORKS`),
which production never does.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Seconds after a failed attempt before the next one: 5 s, 1 min, 5 min, 30 min, 2 h, 6 h, 24 h.
DEFAULT_SCHEDULE = (5.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 86400.0)


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class WebhookSettings(BaseSettings):
    """Every switch of the webhook worker and the URL checks; `HOURSMITH_WEBHOOK_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="HOURSMITH_WEBHOOK_", extra="ignore")

    # The retry delays (seconds, comma-separated) and a factor applied to them (tests: 0.0001).
    schedule: Annotated[tuple[float, ...], NoDecode] = DEFAULT_SCHEDULE
    schedule_scale: float = Field(default=1.0, gt=0)
    # Each delay is stretched or shrunk by up to this fraction, so retries do not arrive in step.
    jitter: float = Field(default=0.1, ge=0, le=1)
    timeout_seconds: float = Field(default=10.0, gt=0)
    # Networks (CIDR, comma-separated) that endpoints may reach despite the public-address rule;
    # plain http is allowed for them too. Off by default: for tests and local development only.
    allow_networks: Annotated[tuple[Network, ...], NoDecode] = ()
    # How long a claimed delivery belongs to its worker; after that another worker may retry it.
    lease_seconds: float = Field(default=60.0, gt=0)
    # How often an idle worker looks for due deliveries.
    poll_seconds: float = Field(default=0.5, gt=0)
    # Deliveries in flight to one endpoint from one worker, and claimed per poll.
    endpoint_concurrency: int = Field(default=4, ge=1)
    batch_size: int = Field(default=32, ge=1)
    # A busy worker writes at most once per this interval: the attempts that finished meanwhile
    # are recorded, and what is due claimed, in one transaction. Fewer, larger write
    # transactions leave the database's write lock (SQLite has one writer) to the requests.
    step_interval_seconds: float = Field(default=0.05, ge=0)
    # `hoursmith serve` runs a worker in the server process unless this is off (`--no-worker`).
    worker: bool = True

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule(cls, value: object) -> object:
        return _split(value)

    @field_validator("schedule")
    @classmethod
    def _positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays must not be negative")
        return value

    @field_validator("allow_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        parts = _split(value)
        if isinstance(parts, list):
            return tuple(ipaddress.ip_network(p, strict=False) for p in parts)
        return parts

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> WebhookSettings:
        # A lease shorter than a send would let a second worker send the same attempt.
        if self.lease_seconds <= self.timeout_seconds:
            raise ValueError("lease_seconds must be longer than timeout_seconds")
        return self

    @property
    def attempts(self) -> int:
        """Tries per delivery: the first one plus one per retry delay."""
        return 1 + len(self.schedule)
