"""Where a stop's reflection happens, and who speaks for kollega there.

Every learning and evaluation stop opens a reflection thread when it starts. A network's
stop opens it in the network. A unit's stop opens it in the unit's own stop space: an
invite-only network "<unit> – læringsstopp" (``UnitStopSpace``), made when the unit's
first stop opens, whose members are the unit's people (its subtree) and whose
facilitators are its leaders, brought up to date at every opening. Prompts and summaries
are posted by kollega itself: a system person named "kollega" who cannot sign in
(inactive, no password, no unit, no role).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from kollega.cycle import attendance
from kollega.cycle.models import CycleEvent, Dispatch, UnitStopSpace
from kollega.cycle.services import invitees
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.org.models import Person, UnitLeader

SYSTEM_EMAIL = "kollega@system.invalid"
SYSTEM_NAME = "kollega"
SPACE_SUFFIX = " – læringsstopp"


def system_person() -> Person:
    """The author of kollega's own posts (made on first use; it cannot sign in)."""
    person = db.session.scalar(sa.select(Person).where(Person.email == SYSTEM_EMAIL))
    if person is None:
        person = Person(name=SYSTEM_NAME, email=SYSTEM_EMAIL, active=False, password_hash=None)
        db.session.add(person)
        db.session.flush()
    return person


def is_system(person_id: int | None) -> bool:
    """Whether ``person_id`` is kollega's system author."""
    if person_id is None:
        return False
    return db.session.scalar(sa.select(Person.email).where(Person.id == person_id)) == (
        SYSTEM_EMAIL
    )


def stop_network(event: CycleEvent) -> int | None:
    """The network where the stop's thread opens: the event's network, or the unit's stop
    space (made or brought up to date now: its members are the stop's invitees). Flushes."""
    if event.network_id is not None:
        return event.network_id
    if event.unit is None:
        return None
    unit = event.unit
    space = db.session.get(UnitStopSpace, unit.id)
    members = [p.id for p in invitees(event) if not p.is_guest]
    leaders = list(
        db.session.scalars(sa.select(UnitLeader.person_id).where(UnitLeader.unit_id == unit.id))
    )
    if event.created_by_id is not None and event.created_by_id not in leaders:
        leaders.append(event.created_by_id)
    network_id = networks.ensure_stop_space(
        space.network_id if space is not None else None,
        f"{unit.name}{SPACE_SUFFIX}",
        unit.id,
        members,
        leaders,
    )
    if space is None:
        db.session.add(UnitStopSpace(unit_id=unit.id, network_id=network_id))
    else:
        space.network_id = network_id
    db.session.flush()
    return network_id


def opened_thread_id(event_id: int, start: dt.datetime) -> int | None:
    """The reflection thread of one occurrence, once it has opened."""
    return db.session.scalar(
        sa.select(Dispatch.thread_id).where(
            Dispatch.event_id == event_id,
            Dispatch.occurrence_start == start,
            Dispatch.action == "open",
        )
    )


def opened_threads(event_ids: set[int]) -> dict[tuple[int, dt.datetime], int]:
    """(event id, occurrence start) → thread id for the opened stops of ``event_ids``."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        sa.select(Dispatch.event_id, Dispatch.occurrence_start, Dispatch.thread_id).where(
            Dispatch.event_id.in_(event_ids),
            Dispatch.action == "open",
            Dispatch.thread_id.is_not(None),
        )
    )
    return {(e, _utc(s)): t for e, s, t in rows}


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def replies(event: CycleEvent, start: dt.datetime) -> list[tuple[int, str]]:
    """(author id, text) of what people wrote in the occurrence's thread (not kollega's
    own posts)."""
    thread_id = opened_thread_id(event.id, start)
    return replies_in(thread_id) if thread_id is not None else []


def replies_in(thread_id: int) -> list[tuple[int, str]]:
    """(author id, text) of what people wrote in a thread (not kollega's own posts)."""
    system = db.session.scalar(sa.select(Person.id).where(Person.email == SYSTEM_EMAIL))
    return networks.thread_replies(thread_id, {system} if system is not None else set())


def closed_summary(event: CycleEvent, start: dt.datetime) -> dict[str, Any] | None:
    """The summary stored when the occurrence closed, if it has (a record from before
    summaries had every part is summed up again from what is stored)."""
    stored = db.session.scalar(
        sa.select(Dispatch.summary).where(
            Dispatch.event_id == event.id,
            Dispatch.occurrence_start == start,
            Dispatch.action == "close",
        )
    )
    if stored is None or "prompts" in stored:
        return stored
    return attendance.summarise(event, start, replies(event, start))
