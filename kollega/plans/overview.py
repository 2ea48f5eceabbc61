"""The plan's analysis as its page, API and document show it: staffing, the competence
gap at the target date, the scenarios side by side, the follow-up and each measure's
effect, from one read of the plan's subtree.

Each part alone reads the subtree's people, requirements and assessments at its own
dates (``services``, ``effects``); together they read them once at every date any of
them asks about. The assessments are reduced in the database so that the levels at
each date asked about are those of the whole history (``gaps.queries``), and every part
takes the requirements in force at its own dates, so the figures are those of the parts
alone.

The analysis costs far more than these reads (pandas over every pair of person and
competence, once per part, scenario and measure), and the page, its forms' answers, the
API and the document ask for the same plan again and again: so each process keeps the
last ``KEPT`` analyses, keyed on every input itself (the frames' and the staff's rows,
the plan's own rows, the measures' groups, the unit names, today and the language). A
changed assessment, requirement, person or measure is a new key: the figures are never
stale, only not worked out twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from kollega import clock
from kollega.extensions import db
from kollega.gaps import queries as gap_queries
from kollega.gaps.kept import KeptCopies
from kollega.org.models import OrgUnit
from kollega.plans import analysis, effects, labels, scenarios, services
from kollega.plans.models import Plan

KEPT = 32
_KEPT: KeptCopies[Overview] = KeptCopies(KEPT)
_STAFFING: KeptCopies[tuple[services.Staffing, list[list[dict[str, Any]]]]] = KeptCopies(KEPT)


@dataclass
class Overview:
    """The plan's analysis (see the module's docstring)."""

    staffing: services.Staffing
    gap: dict[str, Any]
    comparison: list[dict[str, Any]]
    follow: dict[str, Any]
    effects: dict[int, dict[str, Any]]


def dates(plan: Plan, now: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """(requirement dates, level dates) of every part: the target date against today,
    the period's start and today (or its end), each measure's start and end."""
    start = plan.period_from
    end = max(min(now, plan.period_to), start)
    windows = effects.window_dates(plan, now)
    requirement_dates = {plan.period_to, start, end, *windows}
    level_dates = {min(plan.period_to, now), min(start, now), end, *windows}
    return sorted(requirement_dates), sorted(level_dates)


def overview(plan: Plan, now: dt.date | None = None) -> Overview:
    """The plan's analysis from one read of its subtree's frames and staff (kept per
    process for the same inputs, see the module's docstring). The caller may change
    what it gets: it is its own copy."""
    now = now or clock.today()
    requirement_dates, level_dates = dates(plan, now)
    # Kept per process on the assessments' version (``share``): a view of unchanged data
    # reads no assessment.
    frames = gap_queries.unit_frames(plan.unit, requirement_dates, level_dates, share=True)
    staff = services.staff_frame(plan)
    reached = effects.targets(plan)
    key, staffing_key = _keys(plan, now, frames, staff, reached)

    def analyse() -> Overview:
        # The staffing part reads no assessment: kept on its own key, a new assessment
        # works out the competence part only.
        staffing = _STAFFING.get_or_make(staffing_key, lambda: _staffing(plan, staff))
        return _analyse(plan, now, frames, staff, reached, staffing)

    return _KEPT.get_or_make(key, analyse)


def _staffing(
    plan: Plan, staff: pd.DataFrame
) -> tuple[services.Staffing, list[list[dict[str, Any]]]]:
    work = analysis.StaffWork(staff)  # shared by the variants
    staffing = services.staffing(plan, staff=staff, work=work)
    return staffing, scenarios.scenario_totals(plan, staff, staffing, work)


def _analyse(
    plan: Plan,
    now: dt.date,
    frames: gap_queries.Frames,
    staff: pd.DataFrame,
    reached: dict[int, effects.Target],
    staffing_part: tuple[services.Staffing, list[list[dict[str, Any]]]],
) -> Overview:
    staffing, totals = staffing_part
    gap = services.competence_gap(plan, now=now, frames=frames)
    comparison = scenarios.scenario_comparison(
        plan, now, base=staffing, base_gap=gap, staff=staff, frames=frames, totals=totals
    )
    return Overview(
        staffing=staffing,
        gap=gap,
        comparison=comparison,
        follow=services.follow_up(plan, now, frames=frames),
        effects=effects.measure_effects(plan, now, frames=frames, reached=reached),
    )


def _keys(
    plan: Plan,
    now: dt.date,
    frames: gap_queries.Frames,
    staff: pd.DataFrame,
    reached: dict[int, effects.Target],
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Everything ``_analyse`` reads: the frames and staff rows (hashed), the plan's
    own rows, the measures' groups, the subtree's unit names, today and the language;
    and the same without the frames, for the staffing part."""
    names = db.session.execute(
        sa.select(OrgUnit.id, OrgUnit.name)
        .where(OrgUnit.path.startswith(plan.unit.path))
        .order_by(OrgUnit.id)
    ).all()
    own = (
        plan.id,
        plan.unit_id,
        plan.period_from,
        plan.period_to,
        plan.retirement_age,
        plan.turnover,
        [
            (
                d.id,
                sorted((d.values or {}).items()),
                [(r.job_code, r.fte_per_unit) for r in d.ratios],
            )
            for d in plan.drivers
        ],
        [
            (
                m.id,
                m.kind,
                m.status,
                m.job_code,
                m.fte_change,
                m.starts_on,
                m.ends_on,
                m.network_id,
                m.training_id,
                [(e.competence_code, e.people, e.level) for e in m.effects],
            )
            for m in plan.measures
        ],
        [
            (
                s.id,
                s.name,
                s.retirement_age,
                s.turnover,
                sorted((s.driver_multipliers or {}).items()),
                s.measure_ids,
            )
            for s in plan.scenarios
        ],
        sorted(
            (k, sorted(t.people), t.basis, t.codes, t.recruited_fte) for k, t in reached.items()
        ),
        [tuple(row) for row in names],
    )
    rows = _digest(frames.people, frames.ancestors, frames.requirements, frames.assessments)
    text = hashlib.blake2b(repr(own).encode(), digest_size=16).hexdigest()
    staffing = (plan.id, now, labels.locale(), text, _digest(staff))
    return (*staffing, rows), staffing


def _digest(*frames: pd.DataFrame) -> str:
    """One hash of the frames' columns, types and rows."""
    out = hashlib.blake2b(digest_size=16)
    for frame in frames:
        out.update(
            repr((list(frame.columns), [str(t) for t in frame.dtypes], frame.shape)).encode()
        )
        if len(frame):
            out.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return out.hexdigest()
