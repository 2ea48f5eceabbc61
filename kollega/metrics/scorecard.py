"""The strategy scorecard: every strategic goal of Drammen's competence strategy
(``strategy.json``, the goals' own Norwegian text with an English translation) with the
indicators kollega can measure for a unit's subtree and a calendar year. A goal kollega
cannot measure says so, and one it measures only in part says what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kollega import clock
from kollega.competence.models import Assessment, Competence, CompetencePlan, Requirement
from kollega.cycle.models import STOP_KINDS, CycleEvent
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.gaps import services as gap_services
from kollega.gaps.queries import subtree_people_stmt
from kollega.metrics import analysis, services
from kollega.networks.models import Network, NetworkMember, Thread
from kollega.org.models import OrgUnit, Person
from kollega.training.models import Training, TrainingCompetence

STRATEGY_FILE = Path(__file__).with_name("strategy.json")
CYCLE_KINDS = ("planning_period", "inspiration", "innovation", "stops", "annual_evaluation")

LABELS = {
    "leadership_coverage": _l("Leadership requirements met (share of required pairs)"),
    "units_with_plan": _l("Units with an active competence plan this year"),
    "units_with_requirements": _l("Units that have set competence requirements"),
    "assessed_share": _l("Employees with at least one assessed competence"),
    "trainings_with_funding": _l("Catalogue trainings with an external funding scheme"),
    "units_with_stops": _l("Units with learning or evaluation stops in their annual cycle"),
    "attendance_rate": _l("Attendance at the units' stops"),
    "employees_in_networks": _l("Employees in at least one learning network"),
    "leaders_in_networks": _l("Leaders in at least one learning network"),
    "active_share": _l("Network members who took part (posted, reacted or attended)"),
    "experience_threads": _l("Experience-sharing threads opened"),
    "reflections": _l("Reflections after stops"),
    "cross_unit_networks": _l("Networks whose members come from more than one unit"),
    "networks_with_guests": _l("Networks with citizens or external partners as guests"),
    "digital_coverage": _l("Digital competence requirements met (share of required pairs)"),
    "digital_trainings": _l("Trainings in the catalogue for digital competence"),
    "units_with_digital_requirements": _l("Units that have set digital competence requirements"),
    "innovation_events": _l("Innovation activities in the annual cycle"),
    "privacy_coverage": _l("Privacy requirements met (share of required pairs)"),
    "collaboration_coverage": _l(
        "Collaboration and participation requirements met (share of required pairs)"
    ),
    "cycle_kinds_present": _l(
        "Kinds of fixed activity in the annual cycle (planning, inspiration, innovation, "
        "stops, annual evaluation)"
    ),
}


@cache
def strategy() -> dict[str, Any]:
    """The strategy's focus areas and goals, as shipped in ``strategy.json``."""
    return json.loads(STRATEGY_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def goals() -> list[dict[str, Any]]:
    return [g for area in strategy()["focus_areas"] for g in area["goals"]]


def year_arg(raw: str | None) -> int:
    if raw in (None, ""):
        return clock.today().year
    try:
        year = int(raw)  # type: ignore[arg-type]
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError(_l("Not a valid year."), fields={"year": _l("A year like 2026.")})
    return year


def _share(part: int, whole: int) -> dict[str, Any]:
    return {
        "kind": "share",
        "value": part / whole if whole else None,
        "count": part,
        "of": whole,
        "suppressed": False,
    }


def _people_share(part: int, whole: int) -> dict[str, Any]:
    """A share of people: hidden under 5 (DESIGN.md)."""
    s = analysis.share(part, whole)
    return {
        "kind": "share",
        "value": s["share"],
        "count": s["count"],
        "of": s["of"],
        "suppressed": s["suppressed"],
    }


def _count(n: int | None, suppressed: bool = False) -> dict[str, Any]:
    return {"kind": "count", "value": None if suppressed else n, "suppressed": suppressed}


def _rate(value: float | None, suppressed: bool = False) -> dict[str, Any]:
    return {"kind": "share", "value": None if suppressed else value, "suppressed": suppressed}


def _units(unit: OrgUnit) -> list[OrgUnit]:
    """The units a unit-level goal counts: those of kind "unit" (virksomhet) in the
    subtree; the unit itself when there are none (a unit or a department)."""
    found = list(
        db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.path.startswith(unit.path), OrgUnit.kind == "unit")
        )
    )
    return found or [unit]


def _units_with(units: list[OrgUnit], unit_ids: set[int]) -> int:
    """How many of ``units`` have one of ``unit_ids`` in their subtree."""
    if not unit_ids:
        return 0
    paths = dict(
        db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_(unit_ids))
        ).all()
    )
    return sum(1 for u in units if any(p.startswith(u.path) for p in paths.values()))


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime(year, 1, 1, tzinfo=clock.OSLO).astimezone(dt.UTC),
        dt.datetime(year + 1, 1, 1, tzinfo=clock.OSLO).astimezone(dt.UTC),
    )


def _events_in_year(year: int) -> sa.ColumnElement[bool]:
    """Events with an occurrence in the year: starting in it, or a series begun before."""
    start, end = _year_bounds(year)
    return sa.and_(
        CycleEvent.starts_at < end,
        sa.or_(CycleEvent.starts_at >= start, CycleEvent.rrule.is_not(None)),
    )


def _measure(actor: Person, unit: OrgUnit, year: int) -> dict[str, dict[str, Any]]:
    """Every indicator of the strategy for the unit's subtree and the year, by key."""
    sub = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))
    units = _units(unit)
    people_ids = subtree_people_stmt(unit)
    return {
        **_coverage(actor, unit),
        **_plans_and_requirements(sub, units, year),
        **_assessed(people_ids),
        **_trainings(),
        **_annual_cycle(unit, sub, units, year),
        **_participation(actor, unit, year, people_ids),
        **_network_reach(people_ids),
    }


def _coverage(actor: Person, unit: OrgUnit) -> dict[str, dict[str, Any]]:
    """Coverage by focus area, today (the gap module's own figures)."""
    areas = {r["focus_area"]: r for r in gap_services.focus_area_table(actor, unit)}
    out = {}
    for area in ("leadership", "digital", "privacy", "collaboration"):
        row = areas.get(area)
        out[f"{area}_coverage"] = _rate(row["coverage"] if row else None)
    return out


def _plans_and_requirements(
    sub: sa.Select[tuple[int]], units: list[OrgUnit], year: int
) -> dict[str, dict[str, Any]]:
    """Units with a competence plan this year, with requirements, with digital ones."""
    plans = set(
        db.session.scalars(
            sa.select(CompetencePlan.unit_id).where(
                CompetencePlan.year == year,
                CompetencePlan.status.in_(("active", "done")),
                CompetencePlan.unit_id.in_(sub),
            )
        )
    )
    req_units = set(
        db.session.scalars(
            sa.select(Requirement.unit_id).where(
                Requirement.scope_type == "unit", Requirement.unit_id.in_(sub)
            )
        )
    )
    digital_units = set(
        db.session.scalars(
            sa.select(Requirement.unit_id)
            .join(Competence, Competence.id == Requirement.competence_id)
            .where(
                Requirement.scope_type == "unit",
                Requirement.unit_id.in_(sub),
                Competence.focus_area == "digital",
            )
        )
    )
    return {
        "units_with_plan": _share(sum(1 for u in units if u.id in plans), len(units)),
        "units_with_requirements": _share(_units_with(units, req_units), len(units)),
        "units_with_digital_requirements": _share(_units_with(units, digital_units), len(units)),
    }


def _assessed(people_ids: sa.Select[tuple[int]]) -> dict[str, dict[str, Any]]:
    """The subtree's people with at least one assessed competence."""
    n_people = db.session.scalar(sa.select(sa.func.count()).select_from(people_ids.subquery()))
    assessed = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Assessment.person_id))).where(
            Assessment.person_id.in_(people_ids)
        )
    )
    return {"assessed_share": _people_share(int(assessed or 0), int(n_people or 0))}


def _trainings() -> dict[str, dict[str, Any]]:
    """The catalogue: trainings with external funding, trainings in digital competence."""
    active_trainings = sa.select(Training.id).where(Training.active.is_(True))
    n_trainings = db.session.scalar(
        sa.select(sa.func.count()).select_from(active_trainings.subquery())
    )
    funded = db.session.scalar(
        sa.select(sa.func.count()).where(
            Training.active.is_(True),
            Training.funding_scheme.is_not(None),
            Training.funding_scheme != "",
        )
    )
    digital_trainings = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(TrainingCompetence.training_id)))
        .join(Competence, Competence.code == TrainingCompetence.competence_code)
        .join(Training, Training.id == TrainingCompetence.training_id)
        .where(Training.active.is_(True), Competence.focus_area == "digital")
    )
    return {
        "trainings_with_funding": _share(int(funded or 0), int(n_trainings or 0)),
        "digital_trainings": _count(int(digital_trainings or 0)),
    }


def _annual_cycle(
    unit: OrgUnit, sub: sa.Select[tuple[int]], units: list[OrgUnit], year: int
) -> dict[str, dict[str, Any]]:
    """The annual cycle: the units' own events, and those that reach them from above."""
    stop_units = set(
        db.session.scalars(
            sa.select(CycleEvent.unit_id).where(
                CycleEvent.kind.in_(STOP_KINDS), CycleEvent.unit_id.in_(sub), _events_in_year(year)
            )
        )
    )
    reaching = sa.or_(
        CycleEvent.municipality_wide.is_(True),
        CycleEvent.unit_id.in_(sub),
        CycleEvent.unit_id.in_(unit.ancestor_ids()),
    )
    kinds = set(
        db.session.scalars(
            sa.select(CycleEvent.kind).where(reaching, _events_in_year(year)).distinct()
        )
    )
    present = {"stops" if k in STOP_KINDS else k for k in kinds} & set(CYCLE_KINDS)
    innovation = db.session.scalar(
        sa.select(sa.func.count()).where(
            CycleEvent.kind == "innovation", reaching, _events_in_year(year)
        )
    )
    return {
        "units_with_stops": _share(_units_with(units, stop_units), len(units)),
        "cycle_kinds_present": {
            **_share(len(present), len(CYCLE_KINDS)),
            "kinds": sorted(present),
        },
        "innovation_events": _count(int(innovation or 0)),
    }


def _participation(
    actor: Person, unit: OrgUnit, year: int, people_ids: sa.Select[tuple[int]]
) -> dict[str, dict[str, Any]]:
    """Participation over the year (the metrics' own definitions, hidden under 5)."""
    end = min(dt.date(year, 12, 31), max(clock.today(), dt.date(year, 1, 1)))
    p = services.Period(dt.date(year, 1, 1), end)
    part = services.participation(actor, unit, p)
    hidden = part["suppressed"]
    frames = services.period_frames(unit, p)
    people = frames.people
    members = analysis.members_in_period(frames.memberships, p.start_utc, p.end_utc)
    everyone = set(people["person_id"].tolist())
    leaders = set(people.loc[people["leader"], "person_id"].tolist())
    start_utc, end_utc = _year_bounds(year)
    experience = db.session.scalar(
        sa.select(sa.func.count()).where(
            Thread.kind == "experience",
            Thread.created_by_id.in_(people_ids),
            Thread.created_at >= start_utc,
            Thread.created_at < end_utc,
        )
    )
    out = {
        "employees_in_networks": _people_share(len(members & everyone), len(everyone)),
        "leaders_in_networks": _people_share(len(members & leaders), len(leaders)),
        "active_share": (
            _rate(None, True) if hidden else _people_share(part["active_members"], part["members"])
        ),
        "attendance_rate": _rate(part["attendance_rate"], hidden),
        "reflections": _count(part["reflections"], hidden),
        "experience_threads": _count(int(experience or 0), hidden),
    }
    reason = part.get("suppressed_reason")
    if services.suppression(p).leader_share(unit.id) and out["leaders_in_networks"]["count"]:
        out["leaders_in_networks"].update(value=None, count=None, of=None, suppressed=True)
    for key, figure in out.items():
        if reason == analysis.SUBTRACTION or (hidden and key.endswith("_in_networks")):
            # The members count is the figure hidden: no share of it either.
            figure.update(value=None, count=None, of=None, suppressed=True)
        if figure["suppressed"]:
            figure["suppressed_reason"] = reason or analysis.SMALL_GROUP
            figure["suppressed_note"] = services.reason_text(figure["suppressed_reason"])
    return out


def _network_reach(people_ids: sa.Select[tuple[int]]) -> dict[str, dict[str, Any]]:
    """Networks the subtree's people are in: across units, with guests."""
    own_networks = (
        sa.select(NetworkMember.network_id)
        .join(Network, Network.id == NetworkMember.network_id)
        .where(
            NetworkMember.person_id.in_(people_ids),
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
            Network.status == "active",
        )
        .distinct()
    )
    spread = (
        sa.select(NetworkMember.network_id, sa.func.count(sa.distinct(Person.unit_id)))
        .join(Person, Person.id == NetworkMember.person_id)
        .where(
            NetworkMember.network_id.in_(own_networks),
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
        )
        .group_by(NetworkMember.network_id)
    )
    counts = [int(n) for _nid, n in db.session.execute(spread)]
    with_guests = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(NetworkMember.network_id))).where(
            NetworkMember.network_id.in_(own_networks),
            NetworkMember.guest.is_(True),
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
        )
    )
    return {
        "cross_unit_networks": _share(sum(1 for n in counts if n > 1), len(counts)),
        "networks_with_guests": _count(int(with_guests or 0)),
    }


def scorecard(actor: Person, unit: OrgUnit, year: int) -> dict[str, Any]:
    """Every goal of the strategy under its focus area, with its measured indicators;
    ``measurable`` is "yes", "partly" or "no" (with the reason)."""
    services.check(actor, unit)
    values = _measure(actor, unit, year)
    en = str(get_locale() or "nb") == "en"
    areas = []
    for area in strategy()["focus_areas"]:
        rows = []
        for goal in area["goals"]:
            indicators = [
                {"key": key, "label": str(LABELS[key]), **values[key]} for key in goal["indicators"]
            ]
            if not indicators:
                measurable, note = "no", goal["not_measurable_en" if en else "not_measurable_nb"]
            elif "partly_nb" in goal:
                measurable, note = "partly", goal["partly_en" if en else "partly_nb"]
            else:
                measurable, note = "yes", None
            rows.append(
                {
                    "id": goal["id"],
                    "text_nb": goal["text_nb"],
                    "text_en": goal["text_en"],
                    "measurable": measurable,
                    "note": note,
                    "indicators": indicators,
                }
            )
        areas.append(
            {
                "id": area["id"],
                "name": area["name_en" if en else "name_nb"],
                "goals": rows,
            }
        )
    return {"unit": unit.code, "year": year, "focus_areas": areas}
