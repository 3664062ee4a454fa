"""Rows of a realistic agency workspace, generated deterministically (no I/O here).

Why deterministic: two runs on one checkout must seed the same data, so their numbers (and the
twins' answers) are comparable, and a cached database can be rebuilt bit for bit.

Rows are plain dicts keyed by column name, ready for a Core `insert(table)` executemany. Core
bypasses the ORM's `before_insert` hook, so `search_text` is computed here with the models' own
`search_fold` and separator.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from server.db.models import SEARCH_SEPARATOR, search_fold

Row = dict[str, Any]

# Data ends here rather than at "now": the same seed gives the same rows on any day.
ANCHOR = datetime(2026, 11, 1, 9, 0, 0)
HISTORY_DAYS = 730
NOTES = (
    "Design review",
    "Client call",
    "Sprint planning",
    "Bug fixing",
    "Wireframes for onboarding",
    "Copy edits",
    "Deploy to staging",
    "Research competitors",
    "Accessibility audit",
    "Invoice prep",
    "Logo iterations",
    "API integration",
)
CATEGORIES = ("TRAVEL", "MEALS", "SOFTWARE", "EQUIPMENT", "CONTRACTORS", "OTHER")
ROLES = ("OWNER", "ADMIN", "ADMIN", "MANAGER", "MANAGER", "MANAGER", "MANAGER")


def _search_text(*parts: str | None) -> str:
    return SEARCH_SEPARATOR.join(search_fold(p) for p in parts if p)


@dataclass
class Workspace:
    """Every row to insert, table by table, in foreign-key order."""

    org: Row
    users: list[Row] = field(default_factory=list)
    members: list[Row] = field(default_factory=list)
    clients: list[Row] = field(default_factory=list)
    projects: list[Row] = field(default_factory=list)
    project_members: list[Row] = field(default_factory=list)
    tasks: list[Row] = field(default_factory=list)
    invoices: list[Row] = field(default_factory=list)
    invoice_lines: list[Row] = field(default_factory=list)
    time_entries: list[Row] = field(default_factory=list)
    expenses: list[Row] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[str, list[Row]]]:
        """(table name, rows) in an order that satisfies every foreign key."""
        yield "organizations", [self.org]
        yield "users", self.users
        yield "members", self.members
        yield "clients", self.clients
        yield "projects", self.projects
        yield "project_members", self.project_members
        yield "tasks", self.tasks
        yield "invoices", self.invoices
        yield "invoice_lines", self.invoice_lines
        yield "time_entries", self.time_entries
        yield "expenses", self.expenses


class _Ids:
    """UUIDs from the seeded RNG (uuid4() would differ between runs)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def build_workspace(
    *,
    time_entries: int,
    projects: int,
    clients: int,
    expenses: int,
    members: int,
    ticket_share: float = 0.0,
    seed: int = 20261101,
) -> Workspace:
    """One agency-plan organization with the requested volumes.

    `ticket_share` of the time entries mention a ticket (`ticket T-01234`, 10,000 tickets) in
    their note, so a search for one ticket is selective (`make bench-scale`); 0 leaves the notes
    of `make bench` as they were.
    """
    rng = random.Random(seed)
    new_id = _Ids(rng)
    start = ANCHOR - timedelta(days=HISTORY_DAYS)
    org_id = new_id()
    ws = Workspace(
        org={
            "id": org_id,
            "name": "Brightline Studio",
            "plan": "agency",
            "subscription_status": "active",
            "default_currency": "USD",
            "invoice_prefix": "BRL-",
            "next_invoice_number": 1,
            "legal_name": "Brightline Studio LLC",
            "tax_id": None,
            "business_email": "hello@brightline.example",
            "business_website": "https://brightline.example",
            "created_at": start,
            "updated_at": start,
        }
    )
    _people(ws, rng, new_id, members, start)
    _clients_and_projects(ws, rng, new_id, clients=clients, projects=projects, start=start)
    _time_entries(ws, rng, new_id, time_entries, start)
    if ticket_share:
        _mention_tickets(ws.time_entries, ticket_share, seed)
    _invoices(ws, rng, new_id)
    _expenses(ws, rng, new_id, expenses, start)
    ws.org["next_invoice_number"] = len(ws.invoices) + 1
    return ws


def _people(ws: Workspace, rng: random.Random, new_id: _Ids, count: int, start: datetime) -> None:
    for i in range(count):
        at = start + timedelta(minutes=i)
        name = f"Person {i:03d}"
        email = f"person{i:03d}@brightline.example"
        user_id = new_id()
        ws.users.append(
            {"id": user_id, "name": name, "email": email, "created_at": at, "updated_at": at}
        )
        ws.members.append(
            {
                "id": new_id(),
                "org_id": ws.org["id"],
                "user_id": user_id,
                "role": ROLES[i] if i < len(ROLES) else "MEMBER",
                "name": name,
                "email": email,
                "deleted_at": None,
                "search_text": _search_text(name, email),
                "created_at": at,
                "updated_at": at,
            }
        )


def _clients_and_projects(
    ws: Workspace,
    rng: random.Random,
    new_id: _Ids,
    *,
    clients: int,
    projects: int,
    start: datetime,
) -> None:
    org_id = ws.org["id"]
    for i in range(clients):
        at = start + timedelta(hours=i)
        name = f"Client {i:04d} Holdings"
        contact = f"Contact {i:04d}"
        email = f"ap{i:04d}@client.example"
        ws.clients.append(
            {
                "id": new_id(),
                "org_id": org_id,
                "name": name,
                "contact_name": contact,
                "email": email,
                "currency": "USD",
                "default_rate": Decimal(rng.choice((90, 120, 150, 175))),
                "default_payment_terms": rng.choice(("NET_15", "NET_30")),
                "require_po_number": False,
                "deleted_at": None,
                "search_text": _search_text(name, contact, email),
                "name_fold": search_fold(name),
                "created_at": at,
                "updated_at": at,
            }
        )
    # Projects cluster on a fifth of the clients, as agencies have a few big accounts.
    busy_clients = ws.clients[: max(1, clients // 5)]
    for i in range(projects):
        client = busy_clients[i % len(busy_clients)]
        at = client["created_at"] + timedelta(days=1, minutes=i)
        rate_type = "NON_BILLABLE" if i % 10 == 9 else "HOURLY"
        name = f"Project {i:03d}"
        description = f"Retainer work stream {i:03d} for {client['name']}"
        project_id = new_id()
        ws.projects.append(
            {
                "id": project_id,
                "org_id": org_id,
                "client_id": client["id"],
                "name": name,
                "description": description,
                "color": f"#{rng.randrange(0x1000000):06x}",
                "status": "ACTIVE",
                "rate_type": rate_type,
                "hourly_rate": None if rate_type == "NON_BILLABLE" else client["default_rate"],
                "deleted_at": None,
                "search_text": _search_text(name, description),
                "created_at": at,
                "updated_at": at,
            }
        )
        for member in rng.sample(ws.members, k=min(6, len(ws.members))):
            ws.project_members.append(
                {"project_id": project_id, "member_id": member["id"], "created_at": at}
            )
        for t in range(5):
            task_name = f"Task {t} of {name}"
            ws.tasks.append(
                {
                    "id": new_id(),
                    "org_id": org_id,
                    "project_id": project_id,
                    "name": task_name,
                    "description": None,
                    "status": "IN_PROGRESS",
                    "priority": "MEDIUM",
                    "billable": rate_type != "NON_BILLABLE",
                    "tags": [],
                    "deleted_at": None,
                    "search_text": _search_text(task_name),
                    "created_at": at,
                    "updated_at": at,
                }
            )


def _time_entries(
    ws: Workspace, rng: random.Random, new_id: _Ids, count: int, start: datetime
) -> None:
    tasks_by_project: dict[str, list[str]] = {}
    for task in ws.tasks:
        tasks_by_project.setdefault(task["project_id"], []).append(task["id"])
    span = (ANCHOR - start).total_seconds()
    step = span / max(count, 1)
    for i in range(count):
        # Strictly increasing, irregular creation instants: keyset pages by (createdAt, id).
        created = start + timedelta(seconds=i * step + rng.uniform(0, step * 0.9))
        project = rng.choice(ws.projects)
        task_ids = tasks_by_project[project["id"]]
        note = rng.choice(NOTES) if rng.random() < 0.8 else None
        ws.time_entries.append(
            {
                "id": new_id(),
                "org_id": ws.org["id"],
                "project_id": project["id"],
                "task_id": rng.choice(task_ids) if rng.random() < 0.7 else None,
                "user_id": rng.choice(ws.users)["id"],
                "entry_date": created.date(),
                "duration_seconds": rng.randrange(15, 481, 15) * 60,
                "note": note,
                "billable": project["rate_type"] != "NON_BILLABLE",
                "invoice_id": None,
                "is_running": False,
                "started_at": None,
                "stopped_at": None,
                "deleted_at": None,
                "search_text": _search_text(note),
                "created_at": created,
                "updated_at": created,
            }
        )


TICKETS = 10_000


def ticket_ref(number: int) -> str:
    return f"ticket T-{number:05d}"


def _mention_tickets(entries: list[Row], share: float, seed: int) -> None:
    """Append a ticket reference to `share` of the notes (own RNG: the rest stays identical)."""
    rng = random.Random(seed + 1)
    for entry in entries:
        if rng.random() < share:
            note = f"{entry['note'] or 'Support'} ({ticket_ref(rng.randrange(TICKETS))})"
            entry["note"], entry["search_text"] = note, _search_text(note)


def _invoices(ws: Workspace, rng: random.Random, new_id: _Ids) -> None:
    """Invoice billable time older than 90 days, per client and month, and lock those entries."""
    client_of = {p["id"]: p["client_id"] for p in ws.projects}
    rate_of = {p["id"]: p["hourly_rate"] for p in ws.projects}
    cutoff = (ANCHOR - timedelta(days=90)).date()
    groups: dict[tuple[str, date], list[Row]] = {}
    for entry in ws.time_entries:
        if entry["billable"] and entry["entry_date"] < cutoff:
            month = entry["entry_date"].replace(day=1)
            groups.setdefault((client_of[entry["project_id"]], month), []).append(entry)
    clients = {c["id"]: c for c in ws.clients}
    for number, ((client_id, month), entries) in enumerate(sorted(groups.items()), start=1):
        invoice_id = new_id()
        hours = Decimal(sum(e["duration_seconds"] for e in entries)) / 3600
        amount = sum(
            (Decimal(e["duration_seconds"]) / 3600 * rate_of[e["project_id"]] for e in entries),
            Decimal(0),
        ).quantize(Decimal("0.01"))
        issued = (month + timedelta(days=32)).replace(day=1)
        paid = rng.random() < 0.85
        sent_at = datetime.combine(issued, datetime.min.time()) + timedelta(hours=10)
        ws.invoices.append(
            {
                "id": invoice_id,
                "org_id": ws.org["id"],
                "client_id": client_id,
                "number": f"BRL-{number:05d}",
                "status": "PAID" if paid else "SENT",
                "payment_status": "paid" if paid else "unpaid",
                "subtotal": amount,
                "discount_amount": Decimal(0),
                "tax_rate": Decimal(0),
                "total": amount,
                "amount_paid": amount if paid else Decimal(0),
                "currency": "USD",
                "notes": None,
                "bill_to_name": clients[client_id]["name"],
                "issue_date": issued,
                "due_date": issued + timedelta(days=30),
                "sent_at": sent_at,
                "paid_at": sent_at + timedelta(days=20) if paid else None,
                "deleted_at": None,
                "search_text": _search_text(f"BRL-{number:05d}"),
                "created_at": sent_at - timedelta(hours=1),
                "updated_at": sent_at,
            }
        )
        ws.invoice_lines.append(
            {
                "id": new_id(),
                "invoice_id": invoice_id,
                "position": 0,
                "kind": "TIME",
                "description": f"Services {month:%B %Y}",
                "quantity": hours.quantize(Decimal("0.0001")),
                "unit": "hours",
                "unit_price": Decimal(0)
                if hours == 0
                else (amount / hours).quantize(Decimal("0.0001")),
                "amount": amount,
                "time_entry_ids": [e["id"] for e in entries],
            }
        )
        for entry in entries:
            entry["invoice_id"] = invoice_id


def _expenses(ws: Workspace, rng: random.Random, new_id: _Ids, count: int, start: datetime) -> None:
    projects_by_client: dict[str, list[str]] = {}
    for project in ws.projects:
        projects_by_client.setdefault(project["client_id"], []).append(project["id"])
    client_ids = list(projects_by_client)
    span = (ANCHOR - start).total_seconds()
    for i in range(count):
        client_id = rng.choice(client_ids)
        at = start + timedelta(seconds=span * (i + rng.random()) / max(count, 1))
        category = rng.choice(CATEGORIES)
        description = f"{category.title()} expense {i}"
        ws.expenses.append(
            {
                "id": new_id(),
                "org_id": ws.org["id"],
                "client_id": client_id,
                "project_id": rng.choice(projects_by_client[client_id])
                if rng.random() < 0.6
                else None,
                "user_id": rng.choice(ws.users)["id"],
                "description": description,
                "amount": Decimal(rng.randrange(500, 250_000)) / 100,
                "currency": "USD",
                "expense_date": at.date(),
                "category": category,
                "custom_category": None,
                "billable": rng.random() < 0.7,
                "invoice_id": None,
                "deleted_at": None,
                "search_text": _search_text(description),
                "created_at": at,
                "updated_at": at,
            }
        )
