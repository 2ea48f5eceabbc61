"""Trainings that close gaps, for a person and for a unit, fitted to who a course is
meant for (``kollega.training.audience``).

For a person: a training meant for others (their job code and their division both
outside a non-empty audience) is left out; those meant for their job or division come
before general ones, then the rest by the weighted gap points closed per hour. The
reason says why (the gap, the level, who it is meant for), a gap not yet in force
worded as such.

For a unit: a training is proposed for the people with the gap whose level it fits and
who are in its audience; a course meant for none of them is not proposed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from kollega.extensions import db
from kollega.gaps.suggestion_base import Gap, Suggestion, entry_level, future, names
from kollega.org.models import Person
from kollega.training import audience
from kollega.training import services as training
from kollega.training.models import Enrolment, Training, TrainingSession
from kollega.web import number

# A training whose next session is full still shows, at this share of its score.
FULL_FACTOR = 0.5


def for_person(person: Person, gaps: dict[str, Gap], now: dt.datetime) -> list[Suggestion]:
    """Trainings that lift the person's gaps from their level and are meant for them:
    meant for their job or division first, then by the weighted gap points per hour."""
    taken = training.training_ids_taken(person.id)
    seat = audience.seat_of_person(person)
    out = []
    for t in training.catalogue():
        how = audience.fit(t, seat)
        if t.id in taken or how is None:
            continue
        hits, closed = fitting_lifts(t, gaps)
        if not hits:
            continue
        upcoming = training.upcoming_sessions(t, now)
        session = next(
            (s for s in upcoming if (training.seats_free(s) or 0) > 0 or s.seats is None), None
        )
        full = session is None
        if full and not upcoming:
            continue  # nothing to enrol in
        session = session or upcoming[0]
        score = closed / max(t.hours, 1.0) * (FULL_FACTOR if full else 1.0)
        colleagues = _colleagues_enrolled(person, t.id) if person.unit_id is not None else 0
        reason = _reason(t, hits, full, colleagues)
        meant = audience.fit_reason(how, t, seat)
        out.append(
            Suggestion(
                "training",
                t.id,
                t.title,
                [g.competence for g in hits],
                f"{reason} {meant}" if meant else reason,
                score,
                {
                    "session_id": session.id,
                    "starts_at": session.starts_at.isoformat(),
                    "waiting_list": full,
                    "format": t.format,
                    "hours": t.hours,
                    "funding_scheme": t.funding_scheme,
                    "audience": how,
                },
            )
        )
    out.sort(key=lambda s: (s.extra["audience"] == audience.EVERYONE, -s.score, s.title))
    return out


def fitting_lifts(t: Training, gaps: Mapping[str, Gap]) -> tuple[list[Gap], float]:
    """The person's gaps the training lifts from their level, and the weighted levels it
    closes."""
    hits, closed = [], 0.0
    for lift in t.competences:
        gap = gaps.get(lift.competence_code)
        # A fitting level: the training starts at or below where the person is (level
        # 0 may start at 1) and lifts above it.
        if gap is None or lift.level_from > entry_level(gap.level) or lift.level_to <= gap.level:
            continue
        hits.append(gap)
        closed += (min(lift.level_to, gap.required) - gap.level) * gap.weight
    return hits, closed


def _colleagues_enrolled(person: Person, training_id: int) -> int:
    """How many others of the person's unit are enrolled in or have completed it."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Enrolment.person_id)))
            .join(TrainingSession, Enrolment.session_id == TrainingSession.id)
            .join(Person, Enrolment.person_id == Person.id)
            .where(
                TrainingSession.training_id == training_id,
                Enrolment.status.in_(("enrolled", "completed")),
                Person.unit_id == person.unit_id,
                Person.id != person.id,
            )
        )
        or 0
    )


def _reason(t: Training, hits: list[Gap], full: bool, colleagues: int) -> str:
    first = hits[0]
    if first.upcoming:
        reason = _(
            "Lifts %(competences)s, %(when)s; you are at level %(level)d. %(hours)s hours.",
            competences=names(hits),
            when=future(first),
            level=first.level,
            hours=number(t.hours, 1, trim=True),
        )
    else:
        reason = _(
            "Lifts %(competences)s, where you are at level %(level)d and %(required)d is required; %(hours)s hours.",
            competences=names(hits),
            level=first.level,
            required=first.required,
            hours=number(t.hours, 1, trim=True),
        )
    if full:
        reason += " " + _("The next session is full: you would join the waiting list.")
    if colleagues:
        reason += " " + ngettext(
            "%(num)d colleague from your unit has taken it.",
            "%(num)d colleagues from your unit have taken it.",
            colleagues,
        )
    return reason


# --- for a unit ------------------------------------------------------------------------


def unit_seats(people: pd.DataFrame, ancestors: pd.DataFrame) -> dict[int, audience.Seat]:
    """Each person's seat (job code, their unit and the units above it) from a unit's
    gap frames: ``people`` (person_id, unit_id, job_code) and ``ancestors`` (unit_id,
    ancestor_id). People with the same job in the same unit share one seat."""
    above: dict[int, set[int]] = {}
    for unit_id, ancestor_id in zip(
        ancestors["unit_id"].tolist(), ancestors["ancestor_id"].tolist(), strict=True
    ):
        above.setdefault(int(unit_id), {int(unit_id)}).add(int(ancestor_id))
    units_of = {unit_id: frozenset(units) for unit_id, units in above.items()}
    shared: dict[tuple[str | None, int | None], audience.Seat] = {}
    out = {}
    for person_id, unit_id, job_code in zip(
        people["person_id"].tolist(),
        people["unit_id"].tolist(),
        people["job_code"].tolist(),
        strict=True,
    ):
        # Whole numbers as they come (pd.notna per person cost more than the rest).
        unit = unit_id if isinstance(unit_id, int) else int(unit_id) if pd.notna(unit_id) else None
        job = job_code if isinstance(job_code, str) and job_code else None
        seat = shared.get((job, unit))
        if seat is None:
            units = frozenset() if unit is None else units_of.get(unit, frozenset({unit}))
            seat = shared[(job, unit)] = audience.Seat(job, units)
        out[int(person_id)] = seat
    return out


class SeatIndex:
    """A unit's seats (``unit_seats``) numbered, so that a training's audience is asked
    once per seat (people with the same job in the same unit share one) and its answer
    spread over the people by array."""

    def __init__(self, seats: Mapping[int, audience.Seat]) -> None:
        numbers: dict[int, int] = {}
        self.seats: list[audience.Seat] = []
        people, of_person = [], []
        for person_id, seat in seats.items():
            n = numbers.get(id(seat))
            if n is None:
                n = numbers[id(seat)] = len(self.seats)
                self.seats.append(seat)
            people.append(person_id)
            of_person.append(n)
        self.number = pd.Series(of_person, index=people, dtype="int64")

    def in_audience(self, t: Training, person_ids: pd.Series) -> np.ndarray:
        """Whether each of ``person_ids`` is in the training's audience (False for
        people without a seat)."""
        numbers = self.number.reindex(person_ids.to_numpy()).to_numpy()
        known = ~np.isnan(numbers)
        picked = numbers[known].astype("int64")
        fits = audience.fitter(t)
        verdict = np.zeros(len(self.seats), dtype=bool)
        for n in np.unique(picked).tolist():
            verdict[n] = fits(self.seats[n])
        out = np.zeros(len(numbers), dtype=bool)
        out[known] = verdict[picked]
        return out


class UnitCatalogue:
    """The active catalogue read once for a unit's proposals: trainings by competence
    and the free seats of their coming sessions (one read each, not one per competence
    and session)."""

    def __init__(self) -> None:
        self.by_competence: dict[str, list[Training]] = {}
        upcoming: list[TrainingSession] = []
        for t in training.catalogue():
            for c in t.competences:
                self.by_competence.setdefault(c.competence_code, []).append(t)
            upcoming += training.upcoming_sessions(t)
        self.free = training.seats_free_many(upcoming)


def for_unit(
    code: str,
    name: str,
    rows: pd.DataFrame,
    seats: SeatIndex,
    catalogue: UnitCatalogue,
) -> list[dict[str, Any]]:
    """Trainings in ``code`` with coming sessions whose levels fit people with the gap
    (``rows``: the gap frame's rows of that competence) and who are in the audience,
    with the seats needed; those meant for the unit's jobs or divisions first."""
    out = []
    for t in catalogue.by_competence.get(code, []):
        lift = next(c for c in t.competences if c.competence_code == code)
        # Level 0 may start a course at 1 (``entry_level``).
        fitting = rows.loc[
            (rows["level"].clip(lower=1) >= lift.level_from) & (rows["level"] < lift.level_to)
        ]
        general = audience.is_general(t)
        if not general:
            fitting = fitting.loc[seats.in_audience(t, fitting["person_id"])]
        upcoming = training.upcoming_sessions(t)
        if fitting.empty or not upcoming:
            continue
        needed = int(fitting["person_id"].nunique())
        free = [catalogue.free.get(s.id) for s in upcoming]
        seats_free = None if any(f is None for f in free) else sum(f or 0 for f in free)
        out.append(
            {
                "type": "training",
                "id": t.id,
                "competence": code,
                "title": t.title,
                "competences": [code],
                "seats_needed": needed,
                "seats_free": seats_free,
                "gap_points": int(fitting["gap"].sum()),
                "reason": _unit_reason(
                    name, int(rows["person_id"].nunique()), needed, general, seats_free
                ),
                "audience": audience.EVERYONE if general else "meant",
            }
        )
    out.sort(key=lambda m: (m["audience"] == audience.EVERYONE, -m["gap_points"]))
    return out


def _unit_reason(name: str, with_gap: int, needed: int, general: bool, seats: int | None) -> str:
    reason = ngettext(
        "%(num)d person has a gap in %(name)s;",
        "%(num)d people have a gap in %(name)s;",
        with_gap,
        name=name,
    )
    if general:
        reason += " " + ngettext(
            "the training fits the level of %(num)d of them.",
            "the training fits the level of %(num)d of them.",
            needed,
        )
    else:
        reason += " " + ngettext(
            "the training is meant for the job or division of %(num)d of them and fits their level.",
            "the training is meant for the jobs or divisions of %(num)d of them and fits their level.",
            needed,
        )
    if seats is None:
        reason += " " + _("It has no seat limit.")
    else:
        reason += " " + ngettext(
            "%(num)d seat is free in coming sessions.",
            "%(num)d seats are free in coming sessions.",
            seats,
        )
    return reason
