"""What the metrics feature stores: disclosure audits worked out once for every process."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kollega.db import Base, now_utc


class DisclosureAudit(Base):
    """The hidden groups of one period's audit (``metrics.disclosure``), keyed on a digest
    of everything the audit is worked out from (``metrics.stored_audits.key_text``): a
    changed membership, unit tree, day or rule is another key, so a row is never stale,
    only unused (the job deletes those)."""

    __tablename__ = "disclosure_audits"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    period_from: Mapped[dt.date]
    period_to: Mapped[dt.date]
    made_at: Mapped[dt.datetime] = mapped_column(default=now_utc, index=True)
    cells: Mapped[str] = mapped_column(sa.Text)  # JSON: [[scope, kind, unit id, reason], ...]
