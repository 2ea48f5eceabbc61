"""The plan's scenarios side by side (KS step 5): the plan's own assumptions and each
scenario's staffing totals and competence gap points, before and after measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from flask_babel import lazy_gettext as _l

from kollega.gaps import queries as gap_queries
from kollega.plans.analysis import StaffWork
from kollega.plans.models import Plan
from kollega.plans.services import (
    Staffing,
    competence_gap,
    measures_in,
    staff_frame,
    staffing_gap_after,
    totals_of,
)

Variant = tuple[str, int, float, dict[str, float], list[int] | None]


def _variants(plan: Plan) -> list[Variant]:
    """The plan's own assumptions, then each scenario: (name, retirement age, turnover,
    driver multipliers, measure ids or None for all)."""
    variants: list[Variant] = [
        (str(_l("Plan's assumptions")), plan.retirement_age, plan.turnover, {}, None)
    ]
    for s in plan.scenarios:
        variants.append(
            (s.name, s.retirement_age, s.turnover, dict(s.driver_multipliers or {}), s.measure_ids)
        )
    return variants


def scenario_totals(
    plan: Plan,
    staff: pd.DataFrame,
    base: Staffing | None = None,
    work: StaffWork | None = None,
) -> list[list[dict[str, Any]]]:
    """The staffing totals per year of each variant (``_variants``): what the scenario
    comparison shows of staffing, which depends on no assessment (``base``: the plan's
    own ``staffing`` when the caller has it)."""
    out = []
    work = work or StaffWork(staff)
    for index, (_name, age, rate, multipliers, measure_ids) in enumerate(_variants(plan)):
        if index == 0 and base is not None:
            out.append(base.totals)
        else:
            # Only the totals are shown: no tables by job and unit for each scenario.
            gap = staffing_gap_after(plan, staff, age, rate, multipliers, measure_ids, work)
            out.append(totals_of(gap))
    return out


def scenario_comparison(
    plan: Plan,
    now: dt.date | None = None,
    *,
    base: Staffing | None = None,
    base_gap: dict[str, Any] | None = None,
    staff: pd.DataFrame | None = None,
    frames: gap_queries.Frames | None = None,
    totals: list[list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """The base assumptions and each scenario side by side: staffing totals in the last
    year and the competence gap points at the target date before and after measures.
    ``base`` and ``base_gap`` are ``staffing(plan)`` and ``competence_gap(plan)`` when
    the caller has them already (the plan page shows them too), ``staff`` and ``frames``
    the staff and the subtree's frames when read already, ``totals`` the variants'
    ``scenario_totals``."""
    if totals is None:
        totals = scenario_totals(plan, staff_frame(plan) if staff is None else staff, base)
    out = []
    gap_cache: dict[tuple[int, ...] | None, dict[str, Any]] = {}
    if base_gap is not None:
        gap_cache[None] = base_gap
    for index, (name, age, rate, multipliers, measure_ids) in enumerate(_variants(plan)):
        key = None if measure_ids is None else tuple(measure_ids)
        if key not in gap_cache:
            gap_cache[key] = competence_gap(plan, measure_ids, now, frames)
        gap = gap_cache[key]
        last = totals[index][-1] if totals[index] else {}
        out.append(
            {
                "name": name,
                "retirement_age": age,
                "turnover": rate,
                "driver_multipliers": multipliers,
                "measures": len(measures_in(plan, measure_ids)),
                "year": last.get("year"),
                "supply_fte": last.get("supply_fte", 0.0),
                "need_fte": last.get("need_fte", 0.0),
                "gap_fte": last.get("gap_fte", 0.0),
                "gap_after_fte": last.get("gap_after_fte", 0.0),
                "gap_points": gap["gap_points"],
                "projected_gap_points": gap["projected_gap_points"],
            }
        )
    return out
