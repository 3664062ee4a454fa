"""`webhook_events.py`: the event table of the document's `webhooks` section.

For every webhook (one event type) the table names the payload schema and its Pydantic model
(from `models.py`), the keys of its `data` object (the resource key first, then e.g. `payment`)
and an example `data` built from the schemas' `examples`, which the app sends as a test event.
The server reads this table instead of its own list of event types, so an event added to the
document is known to the webhook code after `make generate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.load import resolve_pointer
from generator.render import render

SCHEMA_PREFIX = "#/components/schemas/"
# Keys of `data` that describe the delivery rather than a record (left out of the example).
FLAG_KEYS = ("test",)


@dataclass(frozen=True)
class WebhookEvent:
    """One row of the generated table."""

    type: str
    operation_id: str
    schema: str
    data_keys: tuple[str, ...]
    example_data: dict[str, Any]


class ExampleMissing(ValueError):
    """A schema reached from an event's `data` has no example to build a test event from."""


def _deref(data: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = resolve_pointer(data, str(node["$ref"]))
    return node


def example_of(data: dict[str, Any], schema: Any, where: str) -> Any:
    """An instance of `schema` from its `examples` (or its properties' / items' examples)."""
    if isinstance(schema, dict) and schema.get("examples"):
        return schema["examples"][0]
    if isinstance(schema, dict) and "const" in schema:
        return schema["const"]
    schema = _deref(data, schema)
    if not isinstance(schema, dict):
        raise ExampleMissing(f"{where}: not a schema")
    if schema.get("examples"):
        return schema["examples"][0]
    if "properties" in schema:
        return {
            name: example_of(data, sub, f"{where}.{name}")
            for name, sub in schema["properties"].items()
        }
    if "items" in schema:
        return [example_of(data, schema["items"], f"{where}[]")]
    for key in ("oneOf", "anyOf", "allOf"):
        branches = [b for b in schema.get(key) or [] if _deref(data, b).get("type") != "null"]
        if branches:
            return example_of(data, branches[0], where)
    raise ExampleMissing(f"{where}: no examples")


def _schema_name(node: Any) -> str:
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    return ref[len(SCHEMA_PREFIX) :] if ref.startswith(SCHEMA_PREFIX) else ""


def event_table(data: dict[str, Any]) -> list[WebhookEvent]:
    """Every webhook of the document, sorted by event type."""
    rows = []
    for event_type, item in (data.get("webhooks") or {}).items():
        post = item.get("post") or {}
        body = _deref(data, post.get("requestBody") or {})
        schema_ref = ((body.get("content") or {}).get("application/json") or {}).get("schema")
        payload = _deref(data, schema_ref) or {}
        data_schema = _deref(data, (payload.get("properties") or {}).get("data")) or {}
        keys = tuple(str(k) for k in data_schema.get("properties") or {} if k not in FLAG_KEYS)
        example = {
            key: example_of(data, data_schema["properties"][key], f"{event_type}.data.{key}")
            for key in keys
        }
        rows.append(
            WebhookEvent(
                type=str(event_type),
                operation_id=str(post.get("operationId", "")),
                schema=_schema_name(schema_ref),
                data_keys=keys,
                example_data=example,
            )
        )
    return sorted(rows, key=lambda r: r.type)


def generate_webhook_events(data: dict[str, Any], header: str) -> str:
    """Return the source of `webhook_events.py`."""
    events = event_table(data)
    types = tuple(e.type for e in events)
    return render("webhook_events.py.j2", header=header, events=events, event_types=types)
