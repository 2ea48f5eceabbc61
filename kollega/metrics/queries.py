"""Builds the frames ``metrics/analysis.py`` works on, for a unit's subtree and a period.

Messages and reactions are where the rows are many, so the database counts them first:
activity comes back as one row per (person, kind, network, hour) with a count ``n``.
Nothing here reads a message's text: only who, when and where.

Frames:
- ``people``: person_id, unit_id, leader (bool) for the active people of the subtree
- ``memberships``: person_id, network_id, joined_at, left_at
- ``activity``: person_id, kind, network_id, at, n (at = the start of the UTC hour,
  clipped to the period; whole hours map exactly onto Oslo days and months)
- ``stops``: occurrence_id, event_id, unit_id, network_id, starts_at, invited, attended
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from kollega.cycle.models import STOP_KINDS, Attendance, CycleEvent, Reflection
from kollega.extensions import db
from kollega.gaps.queries import subtree_people_stmt
from kollega.networks.models import Message, Network, NetworkMember, Reaction, Thread
from kollega.org.models import OrgUnit, Person, UnitLeader
from kollega.training.models import Enrolment

ACTIVITY_COLUMNS = ["person_id", "kind", "network_id", "at", "n"]


@dataclass
class ParticipationFrames:
    people: pd.DataFrame
    memberships: pd.DataFrame
    activity: pd.DataFrame
    stops: pd.DataFrame
    trainings: pd.DataFrame  # person_id, at, n (completed trainings per hour)


def _hour(column: sa.ColumnElement[dt.datetime]) -> sa.ColumnElement[str]:
    """'YYYY-MM-DD HH' of a stored (naive UTC) timestamp, in the database's dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD HH24")
    return sa.func.strftime("%Y-%m-%d %H", column)


def _tuples(stmt: sa.Select) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    """The statement's rows as plain tuples: pandas asks every row whether it is a named
    tuple, and a SQLAlchemy row answers that through a failed key lookup (about a
    tenth of a second on the municipality's 20,000 activity rows)."""
    return [tuple(row) for row in db.session.execute(stmt)]


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _hours(hours: pd.Series, start: dt.datetime) -> pd.Series:
    """'YYYY-MM-DD HH' strings as naive UTC timestamps, none before ``start``."""
    stamps = pd.to_datetime(hours, format="%Y-%m-%d %H")
    return stamps.clip(lower=pd.Timestamp(_naive(start)))


def people_frame(unit: OrgUnit) -> pd.DataFrame:
    """The active people of the unit's subtree, with whether they lead a unit."""
    leaders = sa.select(UnitLeader.person_id)
    stmt = (
        sa.select(Person.id, Person.unit_id, Person.id.in_(leaders))
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True))
    )
    rows = [(pid, uid, bool(lead)) for pid, uid, lead in db.session.execute(stmt)]
    return pd.DataFrame(rows, columns=["person_id", "unit_id", "leader"]).astype(
        {"person_id": "int64"}
    )


def memberships_frame(unit: OrgUnit, end: dt.datetime) -> pd.DataFrame:
    """Memberships of the subtree's people that began before ``end``, current ones and
    those that ended (``left_at``), so a past period counts who was a member then.

    A membership's start is when it was joined (or created, for older rows)."""
    joined = sa.func.coalesce(NetworkMember.joined_at, NetworkMember.created_at)
    stmt = sa.select(
        NetworkMember.person_id, NetworkMember.network_id, joined, NetworkMember.left_at
    ).where(
        NetworkMember.person_id.in_(subtree_people_stmt(unit)),
        NetworkMember.state == "active",
        joined < end,
    )
    frame = pd.DataFrame(_tuples(stmt), columns=["person_id", "network_id", "joined_at", "left_at"])
    # Naive UTC, as the other frames: analysis compares them without converting.
    for column in ("joined_at", "left_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
    return frame


def _of_subtree(stmt: sa.Select, unit: OrgUnit) -> sa.Select:  # type: ignore[type-arg]
    """Keep the rows of the unit's subtree's active people, by a join on the statement's
    ``person_id`` (SQLite plans a join far better than IN (subquery) here)."""
    person = stmt.selected_columns.person_id
    return (
        stmt.join(Person, Person.id == person)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True))
    )


def activity_frame(unit: OrgUnit, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Messages, reactions, threads opened, attendances and reflections of the subtree's
    people in [start, end), counted per person, kind, network and month in SQL."""
    parts: list[sa.Select[tuple[object, ...]]] = []

    def counted(kind: str, person: sa.ColumnElement[int], network: object, at: object) -> sa.Select:
        hour = _hour(at)  # type: ignore[arg-type]
        return sa.select(
            person.label("person_id"),
            sa.literal(kind).label("kind"),
            network.label("network_id"),  # type: ignore[attr-defined]
            hour.label("hour"),
            sa.func.count().label("n"),
        ).group_by(person, network, hour)  # type: ignore[arg-type]

    parts.append(
        counted("message", Message.author_id, Thread.network_id, Message.created_at)
        .join(Thread, Thread.id == Message.thread_id)
        .where(Message.created_at >= start, Message.created_at < end)
    )
    parts.append(
        counted("reaction", Reaction.person_id, Thread.network_id, Reaction.created_at)
        .join(Message, Message.id == Reaction.message_id)
        .join(Thread, Thread.id == Message.thread_id)
        .where(Reaction.created_at >= start, Reaction.created_at < end)
    )
    parts.append(
        counted("thread", Thread.created_by_id, Thread.network_id, Thread.created_at).where(
            Thread.created_at >= start, Thread.created_at < end
        )
    )
    parts.append(
        counted(
            "attendance", Attendance.person_id, CycleEvent.network_id, Attendance.occurrence_start
        )
        .join(CycleEvent, CycleEvent.id == Attendance.event_id)
        .where(
            Attendance.present(),
            Attendance.occurrence_start >= start,
            Attendance.occurrence_start < end,
        )
    )
    parts.append(
        counted(
            "reflection", Reflection.person_id, CycleEvent.network_id, Reflection.occurrence_start
        )
        .join(CycleEvent, CycleEvent.id == Reflection.event_id)
        .where(
            Reflection.occurrence_start >= start,
            Reflection.occurrence_start < end,
        )
    )
    rows: list[tuple[object, ...]] = []
    for part in parts:
        rows += _tuples(_of_subtree(part, unit))
    frame = pd.DataFrame(rows, columns=["person_id", "kind", "network_id", "hour", "n"])
    frame["at"] = _hours(frame["hour"], start)
    return frame[ACTIVITY_COLUMNS].astype({"person_id": "int64", "n": "int64"})


def stops_frame(unit: OrgUnit, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Stop occurrences in [start, end) of the subtree's units and of networks, with
    invited and attended counts; ``unit_id``/``network_id`` tell whose stop it was."""
    attended = sa.func.sum(sa.case((Attendance.present(), 1), else_=0))
    sub_units = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))
    stmt = (
        sa.select(
            Attendance.event_id,
            CycleEvent.unit_id,
            CycleEvent.network_id,
            Attendance.occurrence_start,
            sa.func.count().label("invited"),
            attended.label("attended"),
        )
        .join(CycleEvent, CycleEvent.id == Attendance.event_id)
        .where(
            CycleEvent.kind.in_(STOP_KINDS),
            sa.or_(CycleEvent.unit_id.in_(sub_units), CycleEvent.network_id.is_not(None)),
            Attendance.occurrence_start >= start,
            Attendance.occurrence_start < end,
        )
        .group_by(
            Attendance.event_id,
            CycleEvent.unit_id,
            CycleEvent.network_id,
            Attendance.occurrence_start,
        )
    )
    rows = [
        {
            "occurrence_id": f"{event_id}:{_naive(at).strftime('%Y%m%dT%H%M%S')}",
            "event_id": event_id,
            "unit_id": unit_id,
            "network_id": network_id,
            "starts_at": pd.Timestamp(_naive(at)),
            "invited": int(invited),
            "attended": int(n or 0),
        }
        for event_id, unit_id, network_id, at, invited, n in db.session.execute(stmt)
    ]
    columns = [
        "occurrence_id",
        "event_id",
        "unit_id",
        "network_id",
        "starts_at",
        "invited",
        "attended",
    ]
    return pd.DataFrame(rows, columns=columns)


def trainings_frame(unit: OrgUnit, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Completed trainings of the subtree's people in [start, end), per person and hour."""
    hour = _hour(Enrolment.completed_at)  # type: ignore[arg-type]
    stmt = (
        sa.select(Enrolment.person_id, hour, sa.func.count())
        .where(
            Enrolment.person_id.in_(subtree_people_stmt(unit)),
            Enrolment.status == "completed",
            Enrolment.completed_at >= start,
            Enrolment.completed_at < end,
        )
        .group_by(Enrolment.person_id, hour)
    )
    frame = pd.DataFrame(_tuples(stmt), columns=["person_id", "hour", "n"])
    frame["at"] = _hours(frame["hour"], start)
    return frame[["person_id", "at", "n"]]


def participation_frames(
    unit: OrgUnit, start: dt.datetime, end: dt.datetime
) -> ParticipationFrames:
    """Every frame participation needs for the subtree and period, read once."""
    return ParticipationFrames(
        people=people_frame(unit),
        memberships=memberships_frame(unit, end),
        activity=activity_frame(unit, start, end),
        stops=stops_frame(unit, start, end),
        trainings=trainings_frame(unit, start, end),
    )


def unit_paths(unit: OrgUnit) -> dict[int, str]:
    """id -> materialised path of every unit in the subtree."""
    return dict(
        db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.path.startswith(unit.path))
        ).all()
    )


def child_units(unit: OrgUnit) -> list[OrgUnit]:
    return list(
        db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name)
        )
    )


def networks_info(ids: list[int]) -> pd.DataFrame:
    """id, name, visibility, status of the given networks."""
    if not ids:
        return pd.DataFrame(columns=["network_id", "name", "visibility", "status"])
    stmt = sa.select(Network.id, Network.name, Network.visibility, Network.status).where(
        Network.id.in_(sorted({int(i) for i in ids}))
    )
    return pd.DataFrame(_tuples(stmt), columns=["network_id", "name", "visibility", "status"])


def tree_frames(end: dt.datetime) -> tuple[dict[int, str], pd.DataFrame]:
    """What secondary suppression needs of the whole organisation: every unit's path
    and the memberships (with whether the member leads a unit) of active people
    that began before ``end`` (person_id, unit_id, network_id, joined_at, left_at).
    Counts only; whom a figure may be hidden for depends on the groups beside it, which
    may lie outside the unit asked about."""
    paths = dict(db.session.execute(sa.select(OrgUnit.id, OrgUnit.path)).all())
    joined = sa.func.coalesce(NetworkMember.joined_at, NetworkMember.created_at)
    stmt = (
        sa.select(
            NetworkMember.person_id,
            Person.unit_id,
            NetworkMember.network_id,
            joined,
            NetworkMember.left_at,
            Person.id.in_(sa.select(UnitLeader.person_id)),
        )
        .join(Person, Person.id == NetworkMember.person_id)
        .where(
            Person.active.is_(True),
            Person.unit_id.is_not(None),
            NetworkMember.state == "active",
            joined < end,
        )
    )
    ms = pd.DataFrame(
        _tuples(stmt),
        columns=["person_id", "unit_id", "network_id", "joined_at", "left_at", "leader"],
    )
    for column in ("joined_at", "left_at"):
        ms[column] = pd.to_datetime(ms[column], utc=True).dt.tz_localize(None)
    ms["leader"] = ms["leader"].astype(bool)
    return paths, ms
