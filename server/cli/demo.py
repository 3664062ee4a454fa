"""A realistic demo workspace, so the API, the docs page and the MCP server have data to show.

Each call creates a NEW organization (emails carry a random suffix, since users are global)
with one member per role, a token for each, clients, projects, tasks with assignees, a few weeks
of time entries (one running timer), expenses and, when the invoicing service is present, two
invoices (one sent, one paid). The shape is fixed (seeded RNG); only ids and dates vary.
"""

from __future__ import annotations

import importlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from server.cli import admin
from server.db.base import utcnow
from server.db.models import (
    Client,
    Expense,
    Invoice,
    Member,
    Organization,
    Project,
    ProjectMember,
    Task,
    TaskAssignee,
    TimeEntry,
)

ROLE_KEYS = ("owner", "admin", "manager", "member")
_PEOPLE = {
    "owner": ("Olivia Hart", "OWNER"),
    "admin": ("Adrian Cole", "ADMIN"),
    "manager": ("Maya Lindqvist", "MANAGER"),
    "member": ("Milo Okafor", "MEMBER"),
}
# name, contact, email domain, default rate, payment terms
_CLIENTS = (
    ("Northwind Traders", "Nancy Davolio", "northwind.example", "150", "NET_30"),
    ("Blue Harbor Studio", "Ken Sato", "blueharbor.example", "120", "NET_15"),
    ("Greenleaf Health", "Priya Raman", "greenleaf.example", "175", "NET_30"),
    ("Copperline Logistics", "Tom Becker", "copperline.example", "135", "DUE_ON_RECEIPT"),
    ("Atlas Nonprofit", "Sara Mendes", "atlas.example", "90", "NET_60"),
)
# client index, name, rate type, colour, fixed fee, member is on it
_PROJECTS = (
    (0, "Website redesign", "HOURLY", "#2563EB", None, True),
    (0, "Inventory dashboard", "HOURLY", "#7C3AED", None, False),
    (1, "Brand identity", "FIXED", "#DB2777", "8000", True),
    (1, "Marketing site", "HOURLY", "#059669", None, False),
    (2, "Patient portal", "HOURLY", "#DC2626", None, True),
    (3, "Fleet tracking API", "HOURLY", "#D97706", None, False),
    (4, "Volunteer app", "HOURLY", "#0891B2", None, False),
    (4, "Pro bono consulting", "NON_BILLABLE", "#4B5563", None, False),
)
_TASKS = (
    ("Discovery workshop", "DONE", "HIGH"),
    ("Wireframes", "IN_PROGRESS", "MEDIUM"),
    ("Implementation", "TODO", "MEDIUM"),
    ("QA and launch", "TODO", "LOW"),
)
_NOTES = (
    "Client call and follow-up notes",
    "Implemented feedback from review",
    "Design iteration",
    "Code review and fixes",
    "Planning and estimates",
    "Bug triage",
    "Documentation",
    "Deployment and smoke tests",
)
_EXPENSES = (
    (0, 0, "Stock photography licence", "SOFTWARE", "49.00"),
    (0, None, "Train to client workshop", "TRAVEL", "86.40"),
    (1, 2, "Print proofs", "OTHER", "112.50"),
    (2, 4, "Usability test participants", "CONTRACTORS", "600.00"),
    (2, 4, "Team lunch at kickoff", "MEALS", "74.25"),
    (3, 5, "Test device", "EQUIPMENT", "329.99"),
    (4, 6, "App store developer account", "SOFTWARE", "99.00"),
)
ENTRY_COUNT = 60
WEEKS = 4


@dataclass
class DemoOrg:
    """What a demo run created: the org and, per role key, the member, user and token."""

    org_id: str
    org_name: str
    plan: str
    tokens: dict[str, str] = field(default_factory=dict)
    member_ids: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    invoice_numbers: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The `hoursmith demo --json` object (scripts and tests depend on these keys)."""
        return {
            "orgId": self.org_id,
            "tokens": dict(self.tokens),
            "memberIds": dict(self.member_ids),
            "userIds": dict(self.user_ids),
        }


def invoicing_service() -> ModuleType | None:
    """The invoicing service module when it is installed (it is built alongside this one)."""
    try:
        return importlib.import_module("server.services.invoicing")
    except ImportError:
        return None


def _workdays(today: date, weeks: int) -> list[date]:
    start = today - timedelta(weeks=weeks)
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    return [d for d in days if d.weekday() < 5] or [today]


def seed_demo(session: Session, plan: str = "studio", *, today: date | None = None) -> DemoOrg:
    """Create one complete demo organization in the caller's transaction (flushed, uncommitted)."""
    suffix = secrets.token_hex(3)
    org = admin.create_org(session, f"Demo Studio {suffix}", plan)
    org.legal_name = f"Demo Studio {suffix} LLC"
    org.business_email = f"billing+{suffix}@demo.hoursmith.test"
    result = DemoOrg(org_id=org.id, org_name=org.name, plan=org.plan)
    members: dict[str, Member] = {}
    for key in ROLE_KEYS:
        name, role = _PEOPLE[key]
        email = f"{key}+{suffix}@demo.hoursmith.test"
        member = admin.add_member(session, org.id, email, name, role)
        _token, plaintext = admin.create_token(session, member.id, f"Demo {key} token", "test")
        members[key] = member
        result.tokens[key] = plaintext
        result.member_ids[key] = member.id
        result.user_ids[key] = member.user_id
    seeder = _Seeder(session, org, members, today or utcnow().date())
    result.counts = seeder.run()
    result.invoice_numbers = seeder.invoice_numbers
    return result


class _Seeder:
    """The data of one demo org; each step reads what the previous ones created."""

    def __init__(
        self, session: Session, org: Organization, members: dict[str, Member], today: date
    ) -> None:
        self.session = session
        self.org = org
        self.members = members
        self.today = today
        self.rng = random.Random(20261125)
        self.clients: list[Client] = []
        self.projects: list[Project] = []
        self.member_project_ids: set[str] = set()
        self.tasks: list[Task] = []
        self.entry_count = 0
        self.invoice_numbers: list[str] = []

    def run(self) -> dict[str, int]:
        self.seed_clients()
        self.seed_projects()
        self.seed_tasks()
        self.seed_time()
        self.seed_expenses()
        self.session.flush()
        self.seed_invoices()
        return {
            "clients": len(self.clients),
            "projects": len(self.projects),
            "tasks": len(self.tasks),
            "timeEntries": self.entry_count,
            "expenses": len(_EXPENSES),
            "invoices": len(self.invoice_numbers),
        }

    def seed_clients(self) -> None:
        for name, contact, domain, rate, terms in _CLIENTS:
            client = Client(
                org_id=self.org.id,
                name=name,
                contact_name=contact,
                email=f"{contact.split()[0].lower()}@{domain}",
                website=f"https://{domain}",
                currency=self.org.default_currency,
                billing_email=f"accounts@{domain}",
                billing_line1="1 Market Street",
                billing_city="Springfield",
                billing_country="US",
                default_rate=Decimal(rate),
                default_payment_terms=terms,
                default_tax_rate=Decimal("0"),
            )
            self.session.add(client)
            self.clients.append(client)
        self.session.flush()

    def seed_projects(self) -> None:
        member = self.members["member"]
        for index, name, rate_type, color, fee, member_on in _PROJECTS:
            client = self.clients[index]
            project = Project(
                org_id=self.org.id,
                client_id=client.id,
                name=name,
                description=f"{name} for {client.name}",
                color=color,
                rate_type=rate_type,
                hourly_rate=client.default_rate if rate_type == "HOURLY" else None,
                fixed_fee_amount=Decimal(fee) if fee else None,
                budget_hours=Decimal("120") if rate_type == "HOURLY" else None,
                start_date=self.today - timedelta(weeks=WEEKS + 2),
                due_date=self.today + timedelta(weeks=6),
            )
            self.session.add(project)
            self.session.flush()
            if member_on:
                self.session.add(ProjectMember(project_id=project.id, member_id=member.id))
                self.member_project_ids.add(project.id)
            self.projects.append(project)
        self.session.flush()

    def seed_tasks(self) -> None:
        for project in self.projects:
            for position, (name, status, priority) in enumerate(_TASKS):
                task = Task(
                    org_id=self.org.id,
                    project_id=project.id,
                    name=name,
                    description=f"{name} — {project.name}",
                    status=status,
                    priority=priority,
                    billable=project.rate_type != "NON_BILLABLE",
                    estimated_hours=Decimal(self.rng.choice((4, 8, 16, 24))),
                    tags=["demo", name.split()[0].lower()],
                    start_date=self.today - timedelta(weeks=WEEKS - position),
                    due_date=self.today + timedelta(weeks=position + 1),
                )
                self.session.add(task)
                self.session.flush()
                assignees = ["manager", "admin"] if position % 2 else ["owner"]
                if project.id in self.member_project_ids:
                    assignees.append("member")
                for slot, key in enumerate(assignees):
                    user_id = self.members[key].user_id
                    self.session.add(TaskAssignee(task_id=task.id, user_id=user_id, position=slot))
                self.tasks.append(task)
        self.session.flush()

    def seed_time(self) -> None:
        days = _workdays(self.today - timedelta(days=1), WEEKS)
        member_projects = [p for p in self.projects if p.id in self.member_project_ids]
        for i in range(ENTRY_COUNT):
            key = ROLE_KEYS[i % len(ROLE_KEYS)]
            project = self.rng.choice(member_projects if key == "member" else self.projects)
            project_tasks = [t for t in self.tasks if t.project_id == project.id]
            task = self.rng.choice(project_tasks) if self.rng.random() < 0.8 else None
            # Mostly quarter hours, with some odd minutes so invoice rounding has work to do.
            minutes = self.rng.choice((15, 30, 45, 60, 90, 120, 180, 240, 50, 95))
            self.session.add(
                TimeEntry(
                    org_id=self.org.id,
                    project_id=project.id,
                    task_id=task.id if task else None,
                    user_id=self.members[key].user_id,
                    entry_date=self.rng.choice(days),
                    duration_seconds=minutes * 60,
                    note=self.rng.choice(_NOTES),
                    billable=project.rate_type != "NON_BILLABLE",
                )
            )
        # The member's timer is running right now.
        started = utcnow() - timedelta(minutes=25)
        self.session.add(
            TimeEntry(
                org_id=self.org.id,
                project_id=member_projects[0].id,
                user_id=self.members["member"].user_id,
                entry_date=started.date(),
                duration_seconds=0,
                note="Working on it",
                billable=True,
                is_running=True,
                started_at=started,
            )
        )
        self.entry_count = ENTRY_COUNT + 1
        self.session.flush()

    def seed_expenses(self) -> None:
        for offset, (client_index, project_index, description, category, amount) in enumerate(
            _EXPENSES
        ):
            client = self.clients[client_index]
            project = self.projects[project_index] if project_index is not None else None
            self.session.add(
                Expense(
                    org_id=self.org.id,
                    client_id=client.id,
                    project_id=project.id if project else None,
                    user_id=self.members["manager" if offset % 2 else "admin"].user_id,
                    description=description,
                    amount=Decimal(amount),
                    currency=client.currency,
                    expense_date=self.today - timedelta(days=3 * offset + 2),
                    category=category,
                    billable=True,
                )
            )
        self.session.flush()

    def seed_invoices(self) -> None:
        """Two invoices through the real service: Northwind's sent, Greenleaf's paid in full."""
        service = invoicing_service()
        if service is None:
            return
        org_id = self.org.id
        sent: Invoice = service.build_invoice(self.session, org_id, self.clients[0].id)
        service.send_invoice(self.session, sent.id)
        paid: Invoice = service.build_invoice(
            self.session, org_id, self.clients[2].id, grouping="task"
        )
        service.send_invoice(self.session, paid.id)
        service.pay_invoice(self.session, paid.id)
        self.session.flush()
        self.invoice_numbers = [sent.number, paid.number]
