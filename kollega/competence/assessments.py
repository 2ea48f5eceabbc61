"""Assessing: a person's self-assessment, the leader's review, and the team view where
leaders see self and leader levels side by side and what waits for their review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.clock import today
from kollega.competence.models import Assessment, Competence
from kollega.competence.services import (
    assessments_of,
    check_level,
    clean_note,
    clean_url,
    order_key,
    pick_current,
)
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person


def self_assess(
    actor: Person,
    comp: Competence,
    level: Any,
    note: Any = "",
    evidence_url: Any = None,
    on: dt.date | None = None,
) -> Assessment:
    """The person states their own level (a new row; the old ones stay)."""
    permissions.require(permissions.can_assess_self(actor, actor))
    value = check_level(comp, level)
    a = Assessment(
        person_id=actor.id,
        competence_id=comp.id,
        level=value,
        source="self",
        assessed_on=on or today(),
        assessor_id=actor.id,
        note=clean_note(note),
        evidence_url=clean_url(evidence_url),
    )
    db.session.add(a)
    db.session.flush()
    return a


def review(
    actor: Person,
    person: Person,
    comp: Competence,
    level: Any = None,
    note: Any = "",
    on: dt.date | None = None,
) -> Assessment:
    """A leader in the person's chain confirms (``level`` None or equal to the latest
    self-assessment) or adjusts it; an adjustment needs a comment."""
    permissions.require(
        permissions.can_review_competence(actor, person),
        _l("Only the person's leader can confirm or adjust their competence."),
    )
    on = on or today()
    latest_self = pick_current(
        [a for a in assessments_of([person.id], [comp.id], on) if a.source == "self"], on
    )
    if level is None or level == "":
        if latest_self is None:
            msg = _l("There is no self-assessment to confirm; give a level.")
            raise ValidationError(msg, fields={"level": msg})
        value = latest_self.level
    else:
        value = check_level(comp, level)
    text = clean_note(note)
    if latest_self is not None and value != latest_self.level and not text:
        msg = _l("Say why when you adjust the level.")
        raise ValidationError(msg, fields={"note": msg})
    a = Assessment(
        person_id=person.id,
        competence_id=comp.id,
        level=value,
        source="leader",
        assessed_on=on,
        assessor_id=actor.id,
        reviews_id=latest_self.id if latest_self else None,
        note=text,
    )
    db.session.add(a)
    db.session.flush()
    return a


def assess(
    actor: Person, person: Person, comp: Competence, level: Any, note: Any = ""
) -> Assessment:
    """PUT /people/{id}/competences/{code}: self-assessment when the caller is the
    person, leader review when the caller leads them, 403 otherwise."""
    if actor.id == person.id:
        return self_assess(actor, comp, level, note)
    if permissions.can_review_competence(actor, person):
        return review(actor, person, comp, level, note)
    permissions.require(False, _l("You may not assess this person's competence."))
    raise AssertionError  # unreachable


# --- team view --------------------------------------------------------------------------


def team(actor: Person, unit: OrgUnit) -> list[Person]:
    """The people of a unit's subtree the actor may review (not themself)."""
    permissions.require(
        permissions.can_view_unit_people(actor, unit) and permissions.can_manage_unit(actor, unit)
    )
    people = db.session.scalars(
        sa.select(Person)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True), Person.id != actor.id)
        .options(selectinload(Person.unit))
        .order_by(Person.name)
    )
    return list(people)


def team_matrix(
    people: Sequence[Person], competence_ids: Sequence[int], on: dt.date
) -> dict[tuple[int, int], dict[str, Assessment]]:
    """(person_id, competence_id) -> {source: latest assessment}: self and leader side by side."""
    out: dict[tuple[int, int], dict[str, Assessment]] = {}
    ids = [p.id for p in people]
    for start in range(0, len(ids), 500):
        for a in assessments_of(ids[start : start + 500], competence_ids, on):
            slot = out.setdefault((a.person_id, a.competence_id), {})
            if a.source not in slot or order_key(a) > order_key(slot[a.source]):
                slot[a.source] = a
    return out


def waiting_for_review(actor: Person) -> int:
    """How many self-assessments in the actor's subtrees are newer than any leader
    assessment of the same person and competence (not the actor's own)."""
    paths = permissions.led_paths(actor)
    if not paths:
        return 0
    selfs = sa.orm.aliased(Assessment)
    leads = sa.orm.aliased(Assessment)
    newer_review = (
        sa.select(leads.id)
        .where(
            leads.person_id == selfs.person_id,
            leads.competence_id == selfs.competence_id,
            leads.source == "leader",
            leads.assessed_on >= selfs.assessed_on,
        )
        .exists()
    )
    pairs = (
        sa.select(selfs.person_id, selfs.competence_id)
        .select_from(selfs)
        .join(Person, Person.id == selfs.person_id)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(
            selfs.source == "self",
            Person.id != actor.id,
            Person.active.is_(True),
            sa.or_(*[OrgUnit.path.startswith(p) for p in paths]),
            ~newer_review,
        )
        .distinct()
        .subquery()
    )
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(pairs)) or 0)
