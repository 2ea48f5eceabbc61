"""Competences practised at a stop: after a learning or evaluation stop the leader (the
facilitator for a network's stop) marks which of its target competences each attendee
practised. Each mark proposes an assessment one level above the person's current level,
through the same proposals the training catalogue uses for completed trainings, so the
person's leader confirms both in one list (/training/proposals). Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.clock import OSLO
from kollega.competence.models import Competence
from kollega.competence.services import current_level, scale_max
from kollega.cycle import services
from kollega.cycle.models import Attendance, CycleEvent, Practice
from kollega.db import now_utc
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import Person
from kollega.training.models import AssessmentProposal

MAX_MARKS = 2000


@dataclass(frozen=True)
class Marked:
    """The outcome of one marking: new marks and how many of them proposed a level."""

    new: list[Practice]
    proposed: int


def attendees(event: CycleEvent, start: dt.datetime) -> list[Person]:
    """The people checked in at one occurrence, by name."""
    return list(
        db.session.scalars(
            sa.select(Person)
            .join(Attendance, Attendance.person_id == Person.id)
            .where(
                Attendance.event_id == event.id,
                Attendance.occurrence_start == start,
                Attendance.present(),
            )
            .order_by(Person.name, Person.id)
        )
    )


def marks_of(event: CycleEvent, start: dt.datetime) -> dict[tuple[int, str], Practice]:
    """The marks already made for one occurrence, by (person id, competence code)."""
    rows = db.session.scalars(
        sa.select(Practice).where(Practice.event_id == event.id, Practice.occurrence_start == start)
    )
    return {(r.person_id, r.competence_code): r for r in rows}


def parse_marks(raw: Iterable[str]) -> list[tuple[int, str]]:
    """Form values ``<person id>:<competence code>`` as pairs; 422 on anything else."""
    message = _l("The marks could not be read. Reload the page and try again.")
    out: list[tuple[int, str]] = []
    for value in raw:
        person, sep, code = str(value).partition(":")
        if not sep or not person.isdigit() or not code or len(code) > 80:
            raise ValidationError(message, fields={"practised": message})
        out.append((int(person), code))
    return out


def _origin(event: CycleEvent, start: dt.datetime) -> str:
    day = start.astimezone(OSLO).strftime("%d.%m.%Y")
    return f"{services.kind_label(event.kind)}: {event.title} ({day})"[:300]


def _propose(actor: Person, person: Person, code: str, on: dt.date, origin: str) -> int | None:
    """A pending proposal one level above the person's current level, or None when the
    code is not in the register or the person is at the top of its scale."""
    comp = db.session.scalar(sa.select(Competence).where(Competence.code == code))
    if comp is None:
        return None
    top = scale_max(comp.framework_id)
    level = current_level(person, comp, on)
    if level >= top:
        return None
    proposal = AssessmentProposal(
        enrolment_id=None,
        person_id=person.id,
        competence_code=code,
        level=level + 1,
        evidence_on=on,
        origin=origin,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal.id


def mark_practised(
    actor: Person,
    event: CycleEvent,
    start: dt.datetime,
    marks: Iterable[tuple[int, str]],
    now: dt.datetime | None = None,
) -> Marked:
    """Record that attendees practised the stop's target competences and propose an
    assessment for each new mark. Everything is checked before anything changes; a
    mark made before is left as it is (marking twice changes nothing)."""
    permissions.require(
        permissions.can_mark_practice(actor, event),
        _l("Only the stop's leader or facilitator can mark competences practised."),
    )
    if not event.is_stop:
        raise ValidationError(_l("Only learning and evaluation stops have practised competences."))
    occ = services.occurrence_at(event, start)
    if occ.starts_at > (now or now_utc()):
        raise ValidationError(_l("You can mark competences practised once the stop has begun."))
    pairs = list(dict.fromkeys(marks))
    if not pairs:
        message = _l("Mark at least one competence for one person.")
        raise ValidationError(message, fields={"practised": message})
    if len(pairs) > MAX_MARKS:
        message = _l("Too many marks at once.")
        raise ValidationError(message, fields={"practised": message})
    people = {p.id: p for p in attendees(event, occ.starts_at)}
    targets = set(event.competences or [])
    for person_id, code in pairs:
        if person_id not in people:
            message = _l("Only people who were checked in at the stop can be marked.")
            raise ValidationError(message, fields={"practised": message})
        if code not in targets:
            message = _l("%(code)s is not a target competence of this stop.", code=code)
            raise ValidationError(message, fields={"practised": message})
    have = marks_of(event, occ.starts_at)
    on = occ.starts_at.astimezone(OSLO).date()
    origin = _origin(event, occ.starts_at)
    new: list[Practice] = []
    proposed = 0
    for person_id, code in pairs:
        if (person_id, code) in have:
            continue
        proposal_id = _propose(actor, people[person_id], code, on, origin)
        proposed += proposal_id is not None
        row = Practice(
            event_id=event.id,
            occurrence_start=occ.starts_at,
            person_id=person_id,
            competence_code=code,
            proposal_id=proposal_id,
            marked_by_id=actor.id,
        )
        db.session.add(row)
        new.append(row)
    db.session.flush()
    return Marked(new=new, proposed=proposed)
