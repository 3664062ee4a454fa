"""Every domain table of the workspace, as SQLAlchemy 2 declarative models.

Conventions (shared with services and pagination):
- ids are UUID strings; instants are naive UTC; money/decimals use `Money` (exact);
- soft-deletable rows carry `deleted_at`; services filter `deleted_at IS NULL` unless a list asks
  for `includeDeleted`;
- searchable rows carry `search_text`: the searchable fields, lower-cased in Python and joined
  with a unit separator, so a case-insensitive substring search gives the same answer on SQLite
  and PostgreSQL (their `lower()` differ outside ASCII).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from server.db.base import Base, Money, new_id, utcnow

SEARCH_SEPARATOR = "\x1f"


def search_fold(value: str) -> str:
    """The one case folding used for stored search text and for search terms."""
    return value.lower()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class SearchableMixin:
    """Maintains `search_text` from the fields named in `SEARCH_FIELDS`."""

    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ()
    search_text: Mapped[str] = mapped_column(Text, default="", nullable=False)

    def refresh_search_text(self) -> None:
        parts = [getattr(self, name) for name in self.SEARCH_FIELDS]
        self.search_text = SEARCH_SEPARATOR.join(search_fold(p) for p in parts if p)


@event.listens_for(SearchableMixin, "before_insert", propagate=True)
@event.listens_for(SearchableMixin, "before_update", propagate=True)
def _refresh_search(_mapper: Mapper[Any], _conn: Any, target: SearchableMixin) -> None:
    target.refresh_search_text()


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    plan: Mapped[str] = mapped_column(String(16), nullable=False, default="studio")
    # 'active' or 'lapsed': a lapsed subscription loses API access like the free plan.
    subscription_status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    default_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")
    invoice_prefix: Mapped[str] = mapped_column(String(16), nullable=False, default="INV-")
    next_invoice_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    legal_name: Mapped[str | None] = mapped_column(String(255))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    business_email: Mapped[str | None] = mapped_column(String(255))
    business_website: Mapped[str | None] = mapped_column(String(255))


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)


class Member(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        Index("ix_members_org_created", "org_id", "created_at", "id"),
        Index("ix_members_org_role", "org_id", "role", "id"),
    )
    SEARCH_FIELDS = ("name", "email")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    # Denormalised from the user so member lists sort, search and page without a join.
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    env: Mapped[str] = mapped_column(String(8), nullable=False)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Client(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "clients"
    __table_args__ = (
        Index("ix_clients_org_created", "org_id", "created_at", "id"),
        Index("ix_clients_org_updated", "org_id", "updated_at", "id"),
        Index("ix_clients_org_name", "org_id", "name", "id"),
    )
    SEARCH_FIELDS = ("name", "contact_name", "email")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # `name` folded in Python like search_text, for the `clientName` filter of other lists (SQL
    # `lower()` folds only ASCII on SQLite); maintained with search_text.
    name_fold: Mapped[str] = mapped_column(Text, default="", server_default="", nullable=False)
    contact_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(2048))
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    billing_email: Mapped[str | None] = mapped_column(String(255))
    billing_address: Mapped[str | None] = mapped_column(Text)
    billing_line1: Mapped[str | None] = mapped_column(String(255))
    billing_line2: Mapped[str | None] = mapped_column(String(255))
    billing_city: Mapped[str | None] = mapped_column(String(255))
    billing_region: Mapped[str | None] = mapped_column(String(255))
    billing_postal_code: Mapped[str | None] = mapped_column(String(32))
    billing_country: Mapped[str | None] = mapped_column(String(2))
    tax_number: Mapped[str | None] = mapped_column(String(64))
    default_rate: Mapped[Decimal | None] = mapped_column(Money)
    default_payment_terms: Mapped[str | None] = mapped_column(String(16))
    default_tax_rate: Mapped[Decimal | None] = mapped_column(Money)
    require_po_number: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    def refresh_search_text(self) -> None:
        super().refresh_search_text()
        self.name_fold = search_fold(self.name or "")


class Project(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        Index("ix_projects_org_created", "org_id", "created_at", "id"),
        Index("ix_projects_org_updated", "org_id", "updated_at", "id"),
        Index("ix_projects_org_name", "org_id", "name", "id"),
        Index("ix_projects_client", "client_id"),
    )
    SEARCH_FIELDS = ("name", "description")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="ACTIVE")
    rate_type: Mapped[str] = mapped_column(String(16), nullable=False, default="HOURLY")
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    fixed_fee_amount: Mapped[Decimal | None] = mapped_column(Money)
    budget_hours: Mapped[Decimal | None] = mapped_column(Money)
    budget_amount: Mapped[Decimal | None] = mapped_column(Money)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    client: Mapped[Client] = relationship(lazy="raise")


class ProjectMember(Base):
    """Which members are on which project: what a Member token may see and log time to."""

    __tablename__ = "project_members"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Task(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_org_created", "org_id", "created_at", "id"),
        Index("ix_tasks_org_updated", "org_id", "updated_at", "id"),
        Index("ix_tasks_project", "project_id"),
    )
    SEARCH_FIELDS = ("name", "description")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="TODO")
    priority: Mapped[str] = mapped_column(String(8), nullable=False, default="MEDIUM")
    billable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    estimated_hours: Mapped[Decimal | None] = mapped_column(Money)
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class TaskAssignee(Base):
    __tablename__ = "task_assignees"

    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class TimeEntry(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_org_created", "org_id", "created_at", "id"),
        Index("ix_time_entries_org_updated", "org_id", "updated_at", "id"),
        Index("ix_time_entries_org_entry_date", "org_id", "entry_date", "id"),
        Index("ix_time_entries_org_duration", "org_id", "duration_seconds", "id"),
        Index("ix_time_entries_user_created", "org_id", "user_id", "created_at", "id"),
        # The filtered lists integrations use most, each in its default order (-createdAt).
        Index("ix_time_entries_project_created", "project_id", "created_at", "id"),
        Index("ix_time_entries_org_billable_created", "org_id", "billable", "created_at", "id"),
        Index("ix_time_entries_org_running_created", "org_id", "is_running", "created_at", "id"),
        Index("ix_time_entries_task", "task_id"),
        Index("ix_time_entries_invoice", "invoice_id"),
        # At most one running timer per user, enforced by the database itself.
        Index(
            "uq_time_entries_one_running",
            "user_id",
            unique=True,
            sqlite_where=text("is_running = 1"),
            postgresql_where=text("is_running"),
        ),
    )
    SEARCH_FIELDS = ("note",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), nullable=False)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    entry_date: Mapped[date] = mapped_column(Date, nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    billable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    is_running: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Expense(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "expenses"
    __table_args__ = (
        Index("ix_expenses_org_created", "org_id", "created_at", "id"),
        Index("ix_expenses_org_updated", "org_id", "updated_at", "id"),
        Index("ix_expenses_org_date", "org_id", "expense_date", "id"),
        Index("ix_expenses_org_amount", "org_id", "amount", "id"),
        Index("ix_expenses_client", "client_id"),
        Index("ix_expenses_project", "project_id"),
        Index("ix_expenses_invoice", "invoice_id"),
    )
    SEARCH_FIELDS = ("description", "custom_category")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), nullable=False)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    expense_date: Mapped[date] = mapped_column(Date, nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False, default="OTHER")
    custom_category: Mapped[str | None] = mapped_column(String(255))
    billable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Invoice(TimestampMixin, SearchableMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        Index("ix_invoices_org_created", "org_id", "created_at", "id"),
        Index("ix_invoices_org_updated", "org_id", "updated_at", "id"),
        Index("ix_invoices_client", "client_id"),
    )
    SEARCH_FIELDS = ("number",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), nullable=False)
    number: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="DRAFT")
    payment_status: Mapped[str] = mapped_column(String(16), nullable=False, default="unpaid")
    subtotal: Mapped[Decimal] = mapped_column(Money, nullable=False)
    discount_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    tax_rate: Mapped[Decimal] = mapped_column(Money, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_paid: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    bill_to_name: Mapped[str] = mapped_column(String(255), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Money, nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"))
    time_entry_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    expense_id: Mapped[str | None] = mapped_column(ForeignKey("expenses.id"))
