"""What the gap module stores itself: suggestions a person has dismissed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kollega.db import Base, now_utc

SUGGESTION_TYPES = ("network", "training", "person")


class SuggestionDismissal(Base):
    """A suggestion the person said no to; it is not shown to them again."""

    __tablename__ = "suggestion_dismissals"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    dismissed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    __table_args__ = (sa.CheckConstraint(sa.text(f"kind IN {SUGGESTION_TYPES!r}"), name="kind"),)
