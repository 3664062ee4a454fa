"""`hoursmith`: the admin CLI, the stand-in for the app's settings screens (design §3, §4).

The API never creates organizations, members, tokens or invoices; this CLI does, against
`HOURSMITH_DATABASE_URL`. Conventions scripts rely on:

- `--json` prints exactly one JSON object on stdout and nothing else;
- a bad argument or an expected failure (unknown id, bad plan) prints one line on stderr and
  exits non-zero (2 for usage errors, 1 otherwise); never a traceback.

Commands::

    hoursmith db upgrade
    hoursmith serve [--host H] [--port P] [--workers N] [--access-log] [--no-worker]
    hoursmith demo [--plan studio|agency|free] [--json]
    hoursmith org create --name N --plan P [--json]
    hoursmith org set-plan ORG_ID PLAN [--json]
    hoursmith member add ORG_ID --email E --name N --role ROLE [--json]
    hoursmith member remove MEMBER_ID [--json]
    hoursmith project add-member PROJECT_ID MEMBER_ID [--json]
    hoursmith token create MEMBER_ID --name N [--env live|test] [--json]
    hoursmith token revoke TOKEN_ID [--json]
    hoursmith invoice create --org ORG_ID --client CLIENT_ID [--grouping G] [--json]
    hoursmith invoice send|cancel INVOICE_ID [--json]
    hoursmith invoice pay INVOICE_ID [--amount A] [--json]
    hoursmith invoice fail INVOICE_ID [--amount A] [--reason R] [--json]
    hoursmith webhook create ORG_ID --url URL --event TYPE [--event TYPE …] [--json]
    hoursmith webhook list ORG_ID [--json]
    hoursmith webhook rotate-secret|disable|enable|delete|deliveries ENDPOINT_ID [--json]
    hoursmith webhook test ENDPOINT_ID [--event TYPE] [--json]
    hoursmith webhook replay EVENT_ID [--json]
    hoursmith worker
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.cli import admin, webhooks
from server.cli.common import Handler, Output, add_command, add_group, database_url, write_session
from server.cli.demo import invoicing_service, seed_demo
from server.db.models import Invoice
from server.formats import format_decimal, format_instant, parse_decimal
from server.services import invoice_events

PROG = "hoursmith"
GROUPINGS = ("project", "task", "entry")
# --- db, serve, demo -------------------------------------------------------------------------


def cmd_db_upgrade(_args: argparse.Namespace) -> Output:
    # Lazy: Alembic costs ~0.3 s of start-up that every other command would pay for nothing.
    from server.db.migrate import upgrade  # noqa: PLC0415

    url = database_url()
    upgrade(url)
    shown = make_url(url).render_as_string(hide_password=True)
    return Output({"databaseUrl": shown, "revision": "head"}, f"Database {shown} is up to date.")


def cmd_serve(args: argparse.Namespace) -> Output:
    # Lazy: uvicorn and its event loop are only needed by this command.
    from server.cli import serve  # noqa: PLC0415

    try:
        serve.run(
            args.host,
            args.port,
            workers=args.workers,
            access_log=args.access_log,
            log_level=args.log_level,
            webhook_worker=not args.no_worker,
        )
    except serve.ServeError as exc:
        raise admin.AdminError(str(exc)) from exc
    return Output({}, "")


def cmd_demo(args: argparse.Namespace) -> Output:
    with write_session() as session:
        demo = seed_demo(session, args.plan)
    lines = [f"Demo organization {demo.org_name} ({demo.org_id}), plan {demo.plan}"]
    lines += [f"  {key}: {count}" for key, count in demo.counts.items()]
    if demo.invoice_numbers:
        lines.append(f"  invoice numbers: {', '.join(demo.invoice_numbers)}")
    lines.append("Tokens (shown once; use as `Authorization: Bearer <token>`):")
    for key, token in demo.tokens.items():
        lines.append(f"  {key:<8} member {demo.member_ids[key]}  {token}")
    return Output(demo.as_json(), "\n".join(lines))


# --- org, member, project, token ------------------------------------------------------------


def _org_json(org: Any) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "plan": org.plan}


def cmd_org_create(args: argparse.Namespace) -> Output:
    with write_session() as session:
        org = admin.create_org(session, args.name, args.plan)
        data = _org_json(org)
    return Output(data, f"Created organization {data['name']} ({data['id']}), plan {data['plan']}")


def cmd_org_set_plan(args: argparse.Namespace) -> Output:
    with write_session() as session:
        data = _org_json(admin.set_plan(session, args.org_id, args.plan))
    return Output(data, f"Organization {data['id']} is now on the {data['plan']} plan")


def cmd_member_add(args: argparse.Namespace) -> Output:
    with write_session() as session:
        member = admin.add_member(session, args.org_id, args.email, args.name, args.role)
        data = {"id": member.id, "userId": member.user_id, "orgId": member.org_id,
                "role": member.role}  # fmt: skip
    return Output(data, f"Added {args.email} as {data['role']}: member {data['id']}")


def cmd_member_remove(args: argparse.Namespace) -> Output:
    with write_session() as session:
        member = admin.remove_member(session, args.member_id)
        data = {"id": member.id, "deletedAt": format_instant(member.deleted_at)}
    return Output(data, f"Removed member {data['id']}; its tokens no longer work")


def cmd_project_add_member(args: argparse.Namespace) -> Output:
    with write_session() as session:
        link = admin.add_project_member(session, args.project_id, args.member_id)
        data = {"projectId": link.project_id, "memberId": link.member_id}
    return Output(data, f"Member {data['memberId']} is on project {data['projectId']}")


def cmd_token_create(args: argparse.Namespace) -> Output:
    with write_session() as session:
        token, plaintext = admin.create_token(session, args.member_id, args.name, args.env)
        data = {"id": token.id, "token": plaintext}
    text = f"Token {data['id']} (copy it now, it is not shown again):\n{plaintext}"
    return Output(data, text)


def cmd_token_revoke(args: argparse.Namespace) -> Output:
    with write_session() as session:
        token = admin.revoke_token(session, args.token_id)
        data = {"id": token.id, "revokedAt": format_instant(token.revoked_at)}
    return Output(data, f"Revoked token {data['id']}")


# --- invoices (the app creates them; design §3) ---------------------------------------------


def _invoicing() -> Any:
    service = invoicing_service()
    if service is None:
        raise admin.AdminError("the invoicing service is not available in this checkout")
    return service


def _invoice_json(session: Session, invoice_id: str) -> dict[str, Any]:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise admin.AdminError(f"no invoice with id {invoice_id}")
    return {
        "id": invoice.id,
        "number": invoice.number,
        "status": invoice.status,
        "paymentStatus": invoice.payment_status,
        "total": format_decimal(invoice.total),
        "amountPaid": format_decimal(invoice.amount_paid),
    }


def cmd_invoice_create(args: argparse.Namespace) -> Output:
    service = _invoicing()
    with write_session() as session:
        invoice = service.build_invoice(session, args.org, args.client, grouping=args.grouping)
        session.flush()
        data = {"id": invoice.id, "number": invoice.number, "total": format_decimal(invoice.total)}
    return Output(data, f"Created draft invoice {data['number']} ({data['id']}), {data['total']}")


def _invoice_action(action: str) -> Handler:
    def run(args: argparse.Namespace) -> Output:
        service = _invoicing()
        amount = None
        if getattr(args, "amount", None) is not None:
            try:
                amount = parse_decimal(args.amount, max_places=2)
            except ValueError as exc:
                raise admin.AdminError(f"--amount {exc}") from exc
        with write_session() as session:
            _invoice_json(session, args.invoice_id)  # a clear message for unknown ids
            # send, pay and fail emit their webhook events in this transaction
            if action == "pay":
                invoice_events.pay_invoice(session, args.invoice_id, amount=amount)
            elif action == "fail":
                invoice_events.fail_payment(session, args.invoice_id, amount, args.reason)
            elif action == "send":
                invoice_events.send_invoice(session, args.invoice_id)
            else:
                service.cancel_invoice(session, args.invoice_id)
            session.flush()
            data = _invoice_json(session, args.invoice_id)
        text = f"Invoice {data['number']} is {data['status']} ({data['paymentStatus']})"
        return Output(data, text)

    return run


# --- parser ----------------------------------------------------------------------------------


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535 (got {port})")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {number})")
    return number


def _role(value: str) -> str:
    if value.upper() not in admin.ROLES:
        choices = ", ".join(r.lower() for r in admin.ROLES)
        raise argparse.ArgumentTypeError(f"invalid role {value!r} (choose from {choices})")
    return value.upper()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Hoursmith admin CLI (plays the app's settings screens)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = add_group(commands, "db", "database maintenance")
    add_command(db, "upgrade", cmd_db_upgrade, "apply migrations to HOURSMITH_DATABASE_URL")

    serve = commands.add_parser("serve", help="run the API with uvicorn")
    serve.set_defaults(handler=cmd_serve, json=False)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=_positive, default=1)
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--no-worker", action="store_true", help="do not deliver webhooks in the server process"
    )
    serve.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )

    demo = add_command(commands, "demo", cmd_demo, "create a new demo organization with data")
    demo.add_argument("--plan", choices=admin.PLANS, default="studio")

    org = add_group(commands, "org", "organizations")
    create = add_command(org, "create", cmd_org_create, "create an organization")
    create.add_argument("--name", required=True)
    create.add_argument("--plan", required=True, choices=admin.PLANS)
    set_plan = add_command(org, "set-plan", cmd_org_set_plan, "change an organization's plan")
    set_plan.add_argument("org_id", metavar="ORG_ID")
    set_plan.add_argument("plan", metavar="PLAN", choices=admin.PLANS)

    member = add_group(commands, "member", "members of an organization")
    add = add_command(member, "add", cmd_member_add, "add a member (creates the user if new)")
    add.add_argument("org_id", metavar="ORG_ID")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, type=_role, help="owner|admin|manager|member")
    remove = add_command(
        member, "remove", cmd_member_remove, "remove a member; its tokens stop working"
    )
    remove.add_argument("member_id", metavar="MEMBER_ID")

    project = add_group(commands, "project", "project membership")
    add_member = add_command(
        project, "add-member", cmd_project_add_member, "put a member on a project (visibility)"
    )
    add_member.add_argument("project_id", metavar="PROJECT_ID")
    add_member.add_argument("member_id", metavar="MEMBER_ID")

    token = add_group(commands, "token", "API tokens")
    token_create = add_command(token, "create", cmd_token_create, "create a token (shown once)")
    token_create.add_argument("member_id", metavar="MEMBER_ID")
    token_create.add_argument("--name", required=True)
    token_create.add_argument("--env", choices=("live", "test"), default="live")
    revoke = add_command(token, "revoke", cmd_token_revoke, "revoke a token")
    revoke.add_argument("token_id", metavar="TOKEN_ID")

    invoice = add_group(commands, "invoice", "invoices (created by the app, never by the API)")
    inv_create = add_command(invoice, "create", cmd_invoice_create, "build a DRAFT invoice")
    inv_create.add_argument("--org", required=True, metavar="ORG_ID")
    inv_create.add_argument("--client", required=True, metavar="CLIENT_ID")
    inv_create.add_argument("--grouping", choices=GROUPINGS, default="project")
    for action, help_text in (
        ("send", "mark a DRAFT invoice as sent"),
        ("pay", "record a payment (the balance unless --amount)"),
        ("cancel", "cancel an invoice, releasing its time and expenses"),
        ("fail", "record a failed payment attempt (the invoice is unchanged)"),
    ):
        sub = add_command(invoice, action, _invoice_action(action), help_text)
        sub.add_argument("invoice_id", metavar="INVOICE_ID")
        if action in ("pay", "fail"):
            sub.add_argument("--amount", help="amount paid, e.g. 150.00")
        if action == "fail":
            sub.add_argument("--reason", default="card_declined", help="why it failed")
    webhooks.add_commands(commands)
    return parser


def _fail(message: str) -> int:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hoursmith` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        output: Output = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:  # AdminError and the services' input errors
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        reason = (str(orig) if orig is not None else str(exc)).splitlines()[0]
        return _fail(f"database error: {reason} (did you run `{PROG} db upgrade`?)")
    except Exception as exc:  # the promised one-line message instead of a traceback
        detail = str(exc).splitlines()[0] if str(exc) else ""
        return _fail(f"unexpected {type(exc).__name__}: {detail}")
    if args.json:
        print(json.dumps(output.data, sort_keys=True))
    elif output.text:
        print(output.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
