"""Who a training is meant for: job codes and org units (a unit covers its subtree,
usually a division). A training with neither is meant for everyone.

A person fits a training when its audience is empty, their job code is one of its jobs,
or their unit lies under one of its units. Suggestions leave out trainings a person
does not fit and rank those meant for their job or division before general ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person, job_names
from kollega.training.models import Training

# How a training fits a person: meant for their job, for their unit or division, for
# everyone; None: meant for others.
JOB = "job"
UNIT = "unit"
EVERYONE = "everyone"


@dataclass(frozen=True)
class Seat:
    """Where a person sits, as an audience sees it: their job code and their unit with
    every unit above it."""

    job_code: str | None
    unit_ids: frozenset[int]


def seat_of(job_code: str | None, unit_path: str | None) -> Seat:
    """A person's seat from their job code and their unit's materialised path."""
    ids = frozenset(int(x) for x in (unit_path or "").strip("/").split("/") if x)
    return Seat(job_code, ids)


def seat_of_person(person: Person) -> Seat:
    """The seat of ``person`` (their unit's path read from the database)."""
    path = (
        db.session.scalar(sa.select(OrgUnit.path).where(OrgUnit.id == person.unit_id))
        if person.unit_id is not None
        else None
    )
    return seat_of(person.job_code, path)


def is_general(training: Training) -> bool:
    """Meant for everyone: no jobs and no units."""
    return not training.audience_jobs and not training.audience_units


def fit(training: Training, seat: Seat) -> str | None:
    """``JOB`` when the training is meant for the person's job, ``UNIT`` for their unit or
    division, ``EVERYONE`` when it is meant for all; None when it is meant for others."""
    if is_general(training):
        return EVERYONE
    if seat.job_code is not None and any(
        a.job_code == seat.job_code for a in training.audience_jobs
    ):
        return JOB
    if any(a.unit_id in seat.unit_ids for a in training.audience_units):
        return UNIT
    return None


def fitter(training: Training) -> Callable[[Seat], bool]:
    """``fit(training, seat) is not None`` as a predicate, the training's audience read
    once: for checking many seats against one training (a unit's proposals)."""
    if is_general(training):
        return lambda seat: True
    jobs = {a.job_code for a in training.audience_jobs}
    units = frozenset(a.unit_id for a in training.audience_units)

    def fits(seat: Seat) -> bool:
        return (seat.job_code is not None and seat.job_code in jobs) or not units.isdisjoint(
            seat.unit_ids
        )

    return fits


def job_choices() -> list[tuple[str, str]]:
    """Every job that can be chosen, by name: the ``jobs`` table and the codes people
    hold (a code without a name shows as itself)."""
    names = job_names()
    held = db.session.scalars(
        sa.select(Person.job_code).where(Person.job_code.is_not(None)).distinct()
    )
    codes = set(names) | {c for c in held if c}
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda kv: kv[1].casefold())


def unit_choices(keep: Iterable[int] = ()) -> list[tuple[int, str]]:
    """The divisions, and any other units in ``keep`` (an audience set elsewhere), by
    name."""
    keep = set(keep)
    rows = db.session.execute(
        sa.select(OrgUnit.id, OrgUnit.name).where(
            sa.or_(OrgUnit.kind == "division", OrgUnit.id.in_(keep))
        )
    )
    return sorted(((int(i), n) for i, n in rows), key=lambda kv: kv[1].casefold())


def check(job_codes: Iterable[str], unit_ids: Iterable[int]) -> tuple[list[str], list[int]]:
    """The audience without duplicates, every unit known (422 otherwise). Job codes are
    free text up to 32 characters, as people's job codes are."""
    jobs = sorted({c.strip() for c in job_codes if c and c.strip()})
    units = sorted({int(u) for u in unit_ids})
    if any(len(c) > 32 for c in jobs):
        raise ValidationError(
            _l("A job code has at most 32 characters."),
            fields={"audience_job_codes": _l("A job code has at most 32 characters.")},
        )
    if units:
        known = set(db.session.scalars(sa.select(OrgUnit.id).where(OrgUnit.id.in_(units))))
        if known != set(units):
            raise ValidationError(
                _l("Choose units that exist."),
                fields={"audience_unit_ids": _l("Choose units that exist.")},
            )
    return jobs, units


def describe(training: Training) -> dict[str, list[str]]:
    """The audience by name: ``jobs`` and ``units`` (both empty: everyone)."""
    names = job_names()
    jobs = [names.get(a.job_code, a.job_code) for a in training.audience_jobs]
    ids = [a.unit_id for a in training.audience_units]
    rows = (
        db.session.execute(sa.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))
        if ids
        else []
    )
    units = {int(i): n for i, n in rows}
    return {"jobs": sorted(jobs, key=str.casefold), "units": [units.get(i, "") for i in ids]}


def fit_reason(how: str | None, training: Training, seat: Seat) -> str:
    """Why the training fits, for a suggestion's reason: "Meant for your job
    (Sykepleier)." or "Meant for Helse og omsorg, where you work."; nothing for a
    general training."""
    if how == JOB and seat.job_code is not None:
        name = job_names().get(seat.job_code, seat.job_code)
        return _("Meant for your job (%(job)s).", job=name)
    if how == UNIT:
        ids = [a.unit_id for a in training.audience_units if a.unit_id in seat.unit_ids]
        name = db.session.scalar(sa.select(OrgUnit.name).where(OrgUnit.id.in_(ids)).limit(1))
        return _("Meant for %(unit)s, where you work.", unit=name or "")
    return ""
