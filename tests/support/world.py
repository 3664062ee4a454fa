"""`World`: one workspace with a member per role and builders for records (service tests)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from server.context import ADMIN, MANAGER, MEMBER, OWNER, Actor
from server.db import models as M

CURSOR_KEY = b"services-test-cursor-key"


def empty_invoice(org_id: str, client_id: str, number: str, **kw: Any) -> M.Invoice:
    """An unsaved EUR invoice with zero totals (to lock records onto or guard a delete)."""
    values: dict[str, Any] = {
        "subtotal": 0,
        "discount_amount": 0,
        "tax_rate": 0,
        "total": 0,
        "amount_paid": 0,
        "currency": "EUR",
        "bill_to_name": "N",
        "issue_date": date(2026, 3, 5),
        "due_date": date(2026, 4, 5),
        **kw,
    }
    return M.Invoice(org_id=org_id, client_id=client_id, number=number, **values)


class World:
    """One workspace with a member per role (plus a second Member) and builders for records."""

    def __init__(self, s: Session, name: str = "Acme", currency: str = "EUR") -> None:
        self.s = s
        self.org = M.Organization(name=name, plan="studio", default_currency=currency)
        s.add(self.org)
        s.flush()
        self.members: dict[str, M.Member] = {}
        for label, role in (
            ("owner", OWNER),
            ("admin", ADMIN),
            ("manager", MANAGER),
            ("member", MEMBER),
            ("member2", MEMBER),
        ):
            user = M.User(name=f"{label} {name}", email=f"{label}@{name.lower()}.example")
            s.add(user)
            s.flush()
            member = M.Member(
                org_id=self.org.id, user_id=user.id, role=role, name=user.name, email=user.email
            )
            s.add(member)
            s.flush()
            self.members[label] = member
        s.commit()

    def actor(self, label: str = "owner") -> Actor:
        member = self.members[label]
        return Actor(
            org_id=self.org.id,
            user_id=member.user_id,
            member_id=member.id,
            token_id=f"token-{label}",
            role=member.role,
            plan=self.org.plan,
            token_name=f"{label} token",
        )

    def client(self, **kw: Any) -> M.Client:
        kw.setdefault("name", "Northwind")
        kw.setdefault("currency", "EUR")
        row = M.Client(org_id=self.org.id, **kw)
        self.s.add(row)
        self.s.commit()
        return row

    def project(
        self, client: M.Client | None = None, on: tuple[str, ...] = (), **kw: Any
    ) -> M.Project:
        """A project of `client` (a new one by default) with the members labelled in `on`."""
        kw.setdefault("name", "Website")
        row = M.Project(org_id=self.org.id, client_id=(client or self.client()).id, **kw)
        self.s.add(row)
        self.s.flush()
        for label in on:
            self.s.add(M.ProjectMember(project_id=row.id, member_id=self.members[label].id))
        self.s.commit()
        return row

    def task(self, project: M.Project, assignees: tuple[str, ...] = (), **kw: Any) -> M.Task:
        kw.setdefault("name", "Design")
        row = M.Task(org_id=self.org.id, project_id=project.id, **kw)
        self.s.add(row)
        self.s.flush()
        for position, label in enumerate(assignees):
            user_id = self.members[label].user_id
            self.s.add(M.TaskAssignee(task_id=row.id, user_id=user_id, position=position))
        self.s.commit()
        return row

    def time_entry(self, project: M.Project, task: M.Task | None = None) -> M.TimeEntry:
        row = M.TimeEntry(
            org_id=self.org.id,
            project_id=project.id,
            task_id=task.id if task else None,
            user_id=self.members["owner"].user_id,
            entry_date=date(2026, 3, 2),
            duration_seconds=3600,
        )
        self.s.add(row)
        self.s.commit()
        return row
