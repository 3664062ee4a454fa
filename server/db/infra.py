"""Infrastructure tables: idempotency records and rate-limit buckets.

Both are shared state between server processes, which is why they live in the database rather
than in memory: an idempotency claim is a unique row (the primary key is the lock), and a
rate-limit bucket is one counter row updated by a single atomic upsert.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, utcnow


class IdempotencyRecord(Base):
    """One `Idempotency-Key` of one token: pending while its request runs, then its response."""

    __tablename__ = "idempotency_records"
    __table_args__ = (Index("ix_idempotency_records_expires_at", "expires_at"),)

    token_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    # Which attempt owns a pending row; a takeover after an expired lease changes it, so a slow
    # original can no longer complete or release a claim it lost.
    claim_id: Mapped[str] = mapped_column(String(36), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)  # pending | completed
    lease_expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class RateLimitBucket(Base):
    """A fixed-window counter: `hits` requests seen in the window starting at `window_start`."""

    __tablename__ = "rate_limit_buckets"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, nullable=False)  # unix seconds
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
