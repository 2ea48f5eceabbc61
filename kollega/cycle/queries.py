"""Frames of the annual cycle for metrics (participation per unit or network).

Aggregated in SQL; the shapes are those ``kollega.metrics.analysis`` takes:
- ``stops_frame``: occurrence_id, event_id, starts_at, invited, attended (one row per
  stop occurrence that took place, with invitations)
- ``activity_frame``: person_id, kind ("attendance" | "reflection"), at
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from kollega.cycle.models import STOP_KINDS, Attendance, CycleEvent, Reflection
from kollega.extensions import db
from kollega.org.models import OrgUnit


def _scope(unit: OrgUnit | None, network_id: int | None) -> sa.ColumnElement[bool]:
    if network_id is not None:
        return CycleEvent.network_id == network_id
    if unit is not None:
        sub = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))
        return CycleEvent.unit_id.in_(sub)
    return sa.true()


def stops_frame(
    start: dt.datetime,
    end: dt.datetime,
    unit: OrgUnit | None = None,
    network_id: int | None = None,
) -> pd.DataFrame:
    """Stop occurrences in [start, end) of a unit's subtree (or a network), with the
    number invited and the number who attended."""
    attended = sa.func.sum(sa.case((Attendance.present(), 1), else_=0))
    stmt = (
        sa.select(
            Attendance.event_id,
            Attendance.occurrence_start,
            sa.func.count().label("invited"),
            attended.label("attended"),
        )
        .join(CycleEvent, CycleEvent.id == Attendance.event_id)
        .where(
            CycleEvent.kind.in_(STOP_KINDS),
            _scope(unit, network_id),
            Attendance.occurrence_start >= start,
            Attendance.occurrence_start < end,
        )
        .group_by(Attendance.event_id, Attendance.occurrence_start)
        .order_by(Attendance.occurrence_start, Attendance.event_id)
    )
    rows = [
        {
            "occurrence_id": f"{event_id}:{at.strftime('%Y%m%dT%H%M%SZ')}",
            "event_id": event_id,
            "starts_at": at,
            "invited": int(invited),
            "attended": int(n or 0),
        }
        for event_id, at, invited, n in db.session.execute(stmt)
    ]
    columns = ["occurrence_id", "event_id", "starts_at", "invited", "attended"]
    return pd.DataFrame(rows, columns=columns)


def activity_frame(person_ids: Sequence[int], start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Attendances (check-ins) and reflections of these people in [start, end)."""
    columns = ["person_id", "kind", "at"]
    if not person_ids:
        return pd.DataFrame([], columns=columns)
    ids = list(person_ids)
    rows: list[tuple[int, str, dt.datetime]] = []
    attended_at = sa.func.coalesce(Attendance.checked_in_at, Attendance.occurrence_start)
    for chunk in range(0, len(ids), 1000):
        part = ids[chunk : chunk + 1000]
        rows += [
            (pid, "attendance", at)
            for pid, at in db.session.execute(
                sa.select(Attendance.person_id, attended_at).where(
                    Attendance.person_id.in_(part),
                    Attendance.present(),
                    Attendance.occurrence_start >= start,
                    Attendance.occurrence_start < end,
                )
            )
        ]
        rows += [
            (pid, "reflection", at)
            for pid, at in db.session.execute(
                sa.select(Reflection.person_id, Reflection.created_at).where(
                    Reflection.person_id.in_(part),
                    Reflection.occurrence_start >= start,
                    Reflection.occurrence_start < end,
                )
            )
        ]
    return pd.DataFrame(rows, columns=columns)
