"""Small builders for annual-cycle tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kollega.cycle import services
from kollega.cycle.models import CycleEvent
from kollega.extensions import db

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make_event(actor: Any, *, created_at: dt.datetime | None = None, **data: Any) -> CycleEvent:
    """Plan an event through the service and commit (``created_at`` may be backdated)."""
    event = services.create_event(actor, data)
    if created_at is not None:
        event.created_at = created_at
    db.session.commit()
    return event
