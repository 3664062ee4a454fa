"""clients.name_fold: the client's name folded in Python, for the clientName filter

SQL `lower()` folds only ASCII on SQLite but all of Unicode on PostgreSQL, so `clientName`
matched non-ASCII names differently on the two databases. The column is filled for existing rows
with the Python folding the models use (`server.db.models.search_fold`, `str.lower()` when this
migration was written; it is inlined so the migration does not change if the models do).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("name_fold", sa.Text(), nullable=False, server_default=""))
    clients = sa.table("clients", sa.column("id", sa.String), sa.column("name", sa.String),
                       sa.column("name_fold", sa.Text))  # fmt: skip
    bind = op.get_bind()
    rows = bind.execute(sa.select(clients.c.id, clients.c.name)).all()
    if rows:
        bind.execute(
            clients.update()
            .where(clients.c.id == sa.bindparam("b_id"))
            .values(name_fold=sa.bindparam("b_fold")),
            [{"b_id": row.id, "b_fold": (row.name or "").lower()} for row in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("name_fold")
