"""Each measure's actual effect beside its expected one (issue #21, point 8).

The group a measure targets, as the data allows:
- a measure that mobilises a network: its active members;
- a measure with a training: the people enrolled in one of its sessions (enrolled or
  completed, not cancelled or waiting);
- a recruitment (kind ``recruit`` with a job code): the people with that job code who
  came into the register (``Person.created_at``) on or after the measure's start;
always among the active people of the plan's unit subtree, as they are now. The
competences are the measure's expected effects' competences, else the network's target
competences or the training's competences; for a recruitment without them, every
competence required of the people recruited.

Actual closure is DESIGN.md's gap closure for that group and those competences, from the
measure's start (t0: ``starts_on``, else the plan's first day) to today, capped at the
measure's end: closure = (G(t0) − G(t1)) / G(t0), both G with the requirements in force
at t0 and the levels at their own date; None when G(t0) is 0 or the measure has not
started. New gap is reported beside it. Expected closure is the share of G(t0) the
measure's expected effects would close (``analysis.projected_gap_points``, the largest
gaps first). A recruitment also reports the FTE recruited beside the FTE it expects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from kollega import clock
from kollega.extensions import db
from kollega.gaps import analysis as gap_analysis
from kollega.gaps import queries as gap_queries
from kollega.networks.models import Network, NetworkMember
from kollega.org.models import OrgUnit, Person
from kollega.plans import analysis
from kollega.plans.models import Measure, Plan
from kollega.training.models import Enrolment, Training, TrainingCompetence, TrainingSession

COUNTED_ENROLMENTS = ("enrolled", "completed")


def _window(plan: Plan, measure: Measure, now: dt.date) -> tuple[dt.date, dt.date]:
    start = measure.starts_on or plan.period_from
    end = min(now, measure.ends_on) if measure.ends_on else now
    return start, max(end, start)


def _subtree(plan: Plan) -> sa.Select[tuple[int]]:
    return (
        sa.select(Person.id)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(plan.unit.path), Person.active.is_(True))
    )


def targeted_people(plan: Plan, measure: Measure) -> tuple[set[int], list[str]]:
    """The ids of the people the measure targets and what the group is (``network``,
    ``training``, ``recruitment``), see the module's docstring."""
    ids: set[int] = set()
    basis: list[str] = []
    inside = _subtree(plan)
    if measure.network_id is not None:
        ids |= set(
            db.session.scalars(
                sa.select(NetworkMember.person_id).where(
                    NetworkMember.network_id == measure.network_id,
                    NetworkMember.active(),
                    NetworkMember.person_id.in_(inside),
                )
            )
        )
        basis.append("network")
    if measure.training_id is not None:
        ids |= set(
            db.session.scalars(
                sa.select(Enrolment.person_id)
                .join(TrainingSession, Enrolment.session_id == TrainingSession.id)
                .where(
                    TrainingSession.training_id == measure.training_id,
                    Enrolment.status.in_(COUNTED_ENROLMENTS),
                    Enrolment.person_id.in_(inside),
                )
            )
        )
        basis.append("training")
    if measure.kind == "recruit" and measure.job_code:
        start = measure.starts_on or plan.period_from
        since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
        ids |= set(
            db.session.scalars(
                sa.select(Person.id).where(
                    Person.id.in_(inside),
                    Person.job_code == measure.job_code,
                    Person.created_at >= since,
                )
            )
        )
        basis.append("recruitment")
    return ids, basis


def targeted_competences(measure: Measure) -> list[str]:
    """The measure's effects' competences, else its network's or training's."""
    codes = [e.competence_code for e in measure.effects]
    if not codes and measure.network_id is not None:
        network = db.session.get(Network, measure.network_id)
        codes = list(network.target_competences or []) if network else []
    if not codes and measure.training_id is not None:
        codes = list(
            db.session.scalars(
                sa.select(TrainingCompetence.competence_code)
                .join(Training, Training.id == TrainingCompetence.training_id)
                .where(Training.id == measure.training_id)
            )
        )
    return sorted(set(codes))


def _recruited_fte(people: set[int]) -> float:
    if not people:
        return 0.0
    total = db.session.scalar(sa.select(sa.func.sum(Person.fte)).where(Person.id.in_(people)))
    return round(float(total or 0.0), 2)


def window_dates(plan: Plan, now: dt.date) -> list[dt.date]:
    """The measures' start and end days: the dates ``measure_effects`` reads at."""
    return sorted({d for m in plan.measures for d in _window(plan, m, now)})


@dataclass(frozen=True)
class Target:
    """What a measure reaches, as read from the database: the people's ids, what the
    group is, the competences named and (a recruitment) the FTE recruited."""

    people: frozenset[int]
    basis: tuple[str, ...]
    codes: tuple[str, ...]
    recruited_fte: float | None


def targets(plan: Plan) -> dict[int, Target]:
    """Per measure id, its ``Target`` (the database reads of ``measure_effects``)."""
    out = {}
    for m in plan.measures:
        people, basis = targeted_people(plan, m)
        recruit = m.kind == "recruit" and bool(m.job_code)
        out[m.id] = Target(
            people=frozenset(people),
            basis=tuple(basis),
            codes=tuple(targeted_competences(m)),
            recruited_fte=_recruited_fte(people) if recruit else None,
        )
    return out


def measure_effects(
    plan: Plan,
    now: dt.date | None = None,
    frames: gap_queries.Frames | None = None,
    reached: dict[int, Target] | None = None,
) -> dict[int, dict[str, Any]]:
    """Per measure id: the targeted group, the actual closure from the measure's start
    to today and the expected closure of its effects (see the module's docstring).
    ``frames``: the subtree's frames read for ``window_dates`` among others;
    ``reached``: the measures' ``targets`` when read already."""
    now = now or clock.today()
    reached = targets(plan) if reached is None else reached
    windows = {m.id: _window(plan, m, now) for m in plan.measures}
    dates = window_dates(plan, now)
    if frames is None and dates:
        frames = gap_queries.unit_frames(plan.unit, dates, dates)
    return {m.id: _one(m, reached[m.id], windows[m.id], now, frames, dates) for m in plan.measures}


def _in_force_any(frames: gap_queries.Frames, dates: list[dt.date]) -> pd.DataFrame:
    requirements = frames.requirements
    if requirements.empty:
        return requirements
    keep = pd.Series(False, index=requirements.index)
    for day in dates:
        keep |= requirements.index.isin(gap_analysis.in_force(requirements, day).index)
    return requirements.loc[keep]


def _one(
    measure: Measure,
    target: Target,
    window: tuple[dt.date, dt.date],
    now: dt.date,
    frames: gap_queries.Frames | None,
    dates: list[dt.date],
) -> dict[str, Any]:
    start, end = window
    people, basis, codes = target.people, list(target.basis), list(target.codes)
    out: dict[str, Any] = {
        "measure_id": measure.id,
        "basis": basis,
        "people": len(people),
        "competences": codes,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "started": start <= now,
        "gap_points_from": None,
        "gap_points_to": None,
        "closure": None,
        "new_gap_points": None,
        "expected_closure": None,
    }
    if measure.kind == "recruit" and measure.job_code:
        out["recruited_fte"] = target.recruited_fte
        out["expected_fte"] = float(measure.fte_change)
    if frames is not None and not codes and "recruitment" in basis:
        # A recruitment names no competence: every requirement in force at one of the
        # measures' dates counts (the frames may have more).
        codes = sorted(set(_in_force_any(frames, dates)["competence"]))
        out["competences"] = codes
    if frames is None or not people or not codes or start > now:
        return out
    # The group's pairs of the subtree's history: the requirements in force at the
    # window's two dates are those of the group alone (both are among ``dates``).
    actual, before = frames.history.closure_and_start(start, end, people, codes)
    out.update(actual)
    out["expected_closure"] = expected_closure(before, measure)
    return out


def expected_closure(before: pd.DataFrame, measure: Measure) -> float | None:
    """The share of the group's gap points at the start that the measure's expected
    effects would close; None without a gap or without competence effects."""
    g0 = int(before["gap"].sum()) if not before.empty else 0
    if g0 == 0 or not measure.effects:
        return None
    effects = pd.DataFrame(
        [(e.competence_code, e.people, e.level) for e in measure.effects],
        columns=["competence", "people", "level"],
    )
    return (g0 - analysis.projected_gap_points(before, effects)) / g0
