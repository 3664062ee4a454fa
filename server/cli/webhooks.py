"""`hoursmith webhook …` and `hoursmith worker`: the app's Settings → Webhooks screen (design §10).

Agency only. The secret is printed once, by `create` and `rotate-secret`; `list` shows its
prefix. `test` queues a test event (`livemode: false`, `data.test: true`) for one endpoint,
`replay` queues an event again under the same id, `deliveries` prints the delivery log. The
worker of `hoursmith serve` (or `hoursmith worker`) sends what is queued.
"""

from __future__ import annotations

import argparse
from typing import Any

from server.cli.common import Handler, Output, add_command, add_group, database_url, write_session
from server.db.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from server.formats import format_instant
from server.generated.webhook_events import EVENT_TYPES
from server.webhooks import endpoints as E
from server.webhooks.config import WebhookSettings
from server.webhooks.signing import shown_prefix


def _endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "orgId": endpoint.org_id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "failing": endpoint.failing_since is not None,
        "failingSince": format_instant(endpoint.failing_since),
        "secretPrefix": shown_prefix(endpoint.secret),
        "createdAt": format_instant(endpoint.created_at),
    }


def _endpoint_line(data: dict[str, Any]) -> str:
    state = "enabled" if data["enabled"] else "disabled"
    if data["failing"]:
        state += ", FAILING"
    events = ", ".join(data["events"])
    return f"{data['id']}  {data['url']}  [{state}]  {events}  secret {data['secretPrefix']}…"


def _delivery_json(delivery: WebhookDelivery, event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "eventId": event.id,
        "type": event.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "nextAttemptAt": format_instant(delivery.next_attempt_at)
        if delivery.status == "pending"
        else None,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
    }


def cmd_create(args: argparse.Namespace) -> Output:
    with write_session() as session:
        endpoint, secret = E.create_endpoint(
            session, args.org_id, args.url, args.event, settings=WebhookSettings()
        )
        data = {**_endpoint_json(endpoint), "secret": secret}
    text = (
        f"Created webhook endpoint {data['id']} for {', '.join(data['events'])}\n"
        f"Signing secret (copy it now, it is not shown again):\n{secret}"
    )
    return Output(data, text)


def cmd_list(args: argparse.Namespace) -> Output:
    with write_session() as session:
        rows = [_endpoint_json(e) for e in E.list_endpoints(session, args.org_id)]
    text = "\n".join(_endpoint_line(r) for r in rows) or "No webhook endpoints."
    return Output({"endpoints": rows}, text)


def cmd_rotate(args: argparse.Namespace) -> Output:
    with write_session() as session:
        endpoint, secret = E.rotate_secret(session, args.endpoint_id)
        data = {**_endpoint_json(endpoint), "secret": secret}
    text = f"New signing secret of {data['id']} (the old one no longer works):\n{secret}"
    return Output(data, text)


def _toggle(enabled: bool) -> Handler:
    def run(args: argparse.Namespace) -> Output:
        with write_session() as session:
            data = _endpoint_json(E.set_enabled(session, args.endpoint_id, enabled))
        return Output(
            data, f"Webhook endpoint {data['id']} is {'enabled' if enabled else 'disabled'}"
        )

    return run


def cmd_delete(args: argparse.Namespace) -> Output:
    with write_session() as session:
        endpoint = E.delete_endpoint(session, args.endpoint_id)
        data = {"id": endpoint.id, "deletedAt": format_instant(endpoint.deleted_at)}
    return Output(
        data, f"Deleted webhook endpoint {data['id']}; its pending deliveries are cancelled"
    )


def cmd_test(args: argparse.Namespace) -> Output:
    with write_session() as session:
        event, delivery = E.send_test(session, args.endpoint_id, args.event)
        data = _delivery_json(delivery, event)
    return Output(
        data, f"Queued test event {data['eventId']} ({data['type']}): delivery {data['id']}"
    )


def cmd_replay(args: argparse.Namespace) -> Output:
    with write_session() as session:
        event, deliveries = E.replay(session, args.event_id)
        data = {
            "eventId": event.id,
            "type": event.type,
            "deliveries": [_delivery_json(d, event) for d in deliveries],
        }
    count = len(data["deliveries"])
    return Output(data, f"Queued event {event.id} ({event.type}) again for {count} endpoint(s)")


def cmd_deliveries(args: argparse.Namespace) -> Output:
    with write_session() as session:
        views = E.delivery_log(session, args.endpoint_id)
        rows = []
        for view in views:
            row = _delivery_json(view.delivery, view.event)
            row["attemptLog"] = [
                {
                    "number": a.number,
                    "at": format_instant(a.started_at),
                    "durationMs": a.duration_ms,
                    "statusCode": a.status_code,
                    "error": a.error,
                    "response": a.response_excerpt,
                }
                for a in view.attempts
            ]
            rows.append(row)
    lines = []
    for row in rows:
        lines.append(
            f"{row['eventId']}  {row['type']}  {row['status']}  attempts {row['attempts']}"
        )
        for a in row["attemptLog"]:
            outcome = a["statusCode"] if a["statusCode"] is not None else a["error"]
            lines.append(f"    #{a['number']} {a['at']}  {outcome}  {a['durationMs']} ms")
    return Output({"deliveries": rows}, "\n".join(lines) or "No deliveries yet.")


def cmd_worker(_args: argparse.Namespace) -> Output:
    from server.webhooks import standalone  # noqa: PLC0415 - the worker's loop and httpx

    standalone.run(database_url())
    return Output({}, "")


def add_commands(commands: Any) -> None:
    """Register `webhook …` and `worker` on the top-level subparsers."""
    webhook = add_group(commands, "webhook", "outbound webhooks (Agency plan)")
    create = add_command(webhook, "create", cmd_create, "add an endpoint (prints its secret once)")
    create.add_argument("org_id", metavar="ORG_ID")
    create.add_argument("--url", required=True, help="https://… (public address)")
    create.add_argument(
        "--event",
        action="append",
        required=True,
        choices=EVENT_TYPES,
        metavar="TYPE",
        help="an event type; repeat for several",
    )
    add_command(webhook, "list", cmd_list, "list an organization's endpoints").add_argument(
        "org_id", metavar="ORG_ID"
    )
    for name, handler, help_text in (
        ("rotate-secret", cmd_rotate, "replace the signing secret (prints it once)"),
        ("disable", _toggle(False), "stop sending to an endpoint"),
        ("enable", _toggle(True), "send to an endpoint again"),
        ("delete", cmd_delete, "delete an endpoint, cancelling its pending deliveries"),
        ("deliveries", cmd_deliveries, "the endpoint's latest deliveries and attempts"),
    ):
        add_command(webhook, name, handler, help_text).add_argument(
            "endpoint_id", metavar="ENDPOINT_ID"
        )
    test = add_command(webhook, "test", cmd_test, "queue a test event for one endpoint")
    test.add_argument("endpoint_id", metavar="ENDPOINT_ID")
    test.add_argument("--event", choices=EVENT_TYPES, metavar="TYPE")
    add_command(webhook, "replay", cmd_replay, "send an event again (same event id)").add_argument(
        "event_id", metavar="EVENT_ID"
    )
    worker = commands.add_parser("worker", help="deliver webhooks (a standalone worker process)")
    worker.set_defaults(handler=cmd_worker, json=False)
