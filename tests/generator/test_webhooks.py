"""The webhook event table: one row per documented event, with `data` keys and valid examples."""

from __future__ import annotations

from typing import Any

import pytest

from generator.load import load
from generator.webhooks import ExampleMissing, event_table, example_of
from tests.generator.helpers import REAL_SPEC
from tests.support.webhooks import assert_schema_valid

DOCUMENTED = {
    "client.created": ("client",),
    "invoice.paid": ("invoice", "payment"),
    "invoice.payment_failed": ("invoice", "payment"),
    "invoice.sent": ("invoice",),
    "project.created": ("project",),
    "task.completed": ("task",),
    "task.created": ("task",),
    "time_entry.created": ("timeEntry",),
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data: dict[str, Any] = load(REAL_SPEC).data
    return data


def test_table_lists_the_eight_events_with_their_data_keys(spec: dict[str, Any]) -> None:
    """Each documented webhook becomes a row naming its payload schema and `data` keys."""
    rows = event_table(spec)
    assert {r.type: r.data_keys for r in rows} == DOCUMENTED
    assert all(r.schema.endswith("Event") and r.operation_id.startswith("on") for r in rows)


def test_example_data_makes_a_valid_payload(spec: dict[str, Any]) -> None:
    """Every row's example `data`, wrapped in an envelope, is valid for the event's schema."""
    for row in event_table(spec):
        payload = {
            "id": "9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1dc5",
            "type": row.type,
            "created": 1774969200,
            "orgId": "5f1c2b3a-7d4e-4a8b-9c0d-1e2f3a4b5c6d",
            "livemode": False,
            "data": {**row.example_data, "test": True},
        }
        assert_schema_valid(payload)


def test_a_schema_without_examples_is_reported() -> None:
    """Building an example from a property with neither examples nor a shape fails clearly."""
    data = {"components": {"schemas": {"Bare": {"type": "string"}}}}
    with pytest.raises(ExampleMissing, match="here"):
        example_of(data, {"$ref": "#/components/schemas/Bare"}, "here")


def test_generated_table_names_a_model_per_event() -> None:
    """server/generated/webhook_events.py maps each event to its payload model, which parses
    the example payload."""
    from server.generated.webhook_events import EVENT_TYPES, EVENTS, payload_model  # noqa: PLC0415

    assert set(EVENT_TYPES) == set(DOCUMENTED) == set(EVENTS)
    for event_type in EVENT_TYPES:
        model = payload_model(event_type)
        parsed = model.model_validate(
            {
                "id": "9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1dc5",
                "type": event_type,
                "created": 1774969200,
                "orgId": "5f1c2b3a-7d4e-4a8b-9c0d-1e2f3a4b5c6d",
                "livemode": True,
                "data": EVENTS[event_type].example_data,
            }
        )
        assert parsed.type == event_type
