"""Retention settings (one row, set by administrators) and erasure requests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import Person

# Where message retention applies: only networks that are archived, or every network.
MESSAGE_SCOPES = ("archived", "all")


class RetentionSettings(Base):
    """The site's retention rules; exactly one row (id 1). ``None`` months: keep."""

    __tablename__ = "retention_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("message_scope IN ('archived', 'all')", name="message_scope"),
        sa.CheckConstraint("message_months IS NULL OR message_months > 0", name="message_months"),
        sa.CheckConstraint(
            "deactivate_months IS NULL OR deactivate_months > 0", name="deactivate_months"
        ),
        sa.CheckConstraint("erase_months IS NULL OR erase_months > 0", name="erase_months"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    message_months: Mapped[int | None]
    message_scope: Mapped[str] = mapped_column(sa.String(10), default="archived")
    deactivate_months: Mapped[int | None]
    erase_months: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )


class ErasureRequest(Base):
    """A person's request to be erased. It goes with the person when carried out."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    requested_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    person: Mapped[Person] = relationship()
