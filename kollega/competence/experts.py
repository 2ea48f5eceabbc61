"""\"Who knows this?\": people who chose to be findable, by current level."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from kollega import permissions
from kollega.clock import today
from kollega.competence.models import SOURCE_RANK, Competence, FindablePerson
from kollega.competence.services import current_levels
from kollega.extensions import db
from kollega.org.models import Person


def is_findable(person: Person) -> bool:
    """Whether the person chose to be findable in "who knows this?"."""
    return db.session.get(FindablePerson, person.id) is not None


def set_findable(actor: Person, person: Person, findable: bool) -> None:
    """Only the person decides whether others can find them as someone who knows."""
    permissions.require(permissions.can_assess_self(actor, person))
    row = db.session.get(FindablePerson, person.id)
    if findable and row is None:
        db.session.add(FindablePerson(person_id=person.id))
    elif not findable and row is not None:
        db.session.delete(row)
    db.session.flush()


@dataclass
class Expert:
    person: Person
    level: int
    source: str
    assessed_on: dt.date


def who_knows(
    actor: Person, comp: Competence, min_level: int = 1, on: dt.date | None = None
) -> list[Expert]:
    """People across units with a current level of at least ``min_level`` in ``comp``,
    among those who chose to be findable: levels a leader confirmed or formal evidence
    shows first (a self-assessed 4 after a confirmed 3), then the strongest."""
    permissions.require(permissions.can_search_experts(actor))
    on = on or today()
    ids = list(
        db.session.scalars(
            sa.select(FindablePerson.person_id)
            .join(Person, Person.id == FindablePerson.person_id)
            .where(Person.active.is_(True))
        )
    )
    out: list[Expert] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for (pid, _cid), a in current_levels(chunk, on, [comp.id]).items():
            if a.level >= min_level:
                out.append(Expert(db.session.get(Person, pid), a.level, a.source, a.assessed_on))  # type: ignore[arg-type]
    out.sort(key=lambda e: (e.source == "self", -e.level, -SOURCE_RANK[e.source], e.person.name))
    return out
