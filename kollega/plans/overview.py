"""The plan's analysis as its page, API and document show it: staffing, the competence
gap at the target date, the scenarios side by side, the follow-up and each measure's
effect, from one read of the plan's subtree.

Each part alone reads the subtree's people, requirements and assessments at its own
dates (``services``, ``effects``); together they read them once at every date any of
them asks about. The assessments are reduced in the database so that the levels at
each date asked about are those of the whole history (``gaps.queries``), and every part
takes the requirements in force at its own dates, so the figures are those of the parts
alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kollega import clock
from kollega.gaps import queries as gap_queries
from kollega.plans import effects, services
from kollega.plans.models import Plan


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
    """The plan's analysis from one read of its subtree's frames and staff."""
    now = now or clock.today()
    requirement_dates, level_dates = dates(plan, now)
    frames = gap_queries.unit_frames(plan.unit, requirement_dates, level_dates)
    staff = services.staff_frame(plan)
    staffing = services.staffing(plan, staff=staff)
    gap = services.competence_gap(plan, now=now, frames=frames)
    comparison = services.scenario_comparison(
        plan, now, base=staffing, base_gap=gap, staff=staff, frames=frames
    )
    return Overview(
        staffing=staffing,
        gap=gap,
        comparison=comparison,
        follow=services.follow_up(plan, now, frames=frames),
        effects=effects.measure_effects(plan, now, frames=frames),
    )
