"""Gap closure of a unit's subtree over a period (the metrics page's closure tables, the
API's and the exports'): in total, by focus area, by child unit and month by month, new
gap apart, coverage at both ends, and closure among network members against the rest.

The frames are read once and every figure is a sum over the (person, competence) pairs
at its date (``gaps.pairs.closure_cuts``, the definitions of ``gaps.analysis.closure``).
The figures are kept per process keyed on all they are worked out from (``metrics.kept``);
the network association, the only part that reads the memberships, is kept apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kollega import clock
from kollega.competence.models import FOCUS_AREAS
from kollega.gaps import kept_reads, pairs
from kollega.gaps import queries as gap_queries
from kollega.gaps.kept import Kept, KeptCopies
from kollega.metrics import analysis, kept
from kollega.metrics.services import MAX_CLOSURE_MONTHS, Period, check, period_frames
from kollega.org.models import OrgUnit, Person


def _closure_inputs(
    unit: OrgUnit, dates: list[dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The people, ancestors and requirements in force at any of ``dates`` for closure
    at many dates, each read once."""
    people = gap_queries.people_frame(unit=unit)
    ancestors = gap_queries.ancestors_frame(people["unit_id"].tolist())
    requirements = gap_queries.requirements_frame(
        ancestors["ancestor_id"].tolist(),
        people["job_code"].dropna().tolist(),
        None,
        sorted(set(dates)),
    )
    return people, ancestors, requirements


def _closure_assessments(
    unit: OrgUnit,
    people: pd.DataFrame,
    requirements: pd.DataFrame,
    dates: list[dt.date],
    now: dt.date,
    version: kept.AssessmentsVersion,
) -> pd.DataFrame:
    """The assessments that are the latest at one of ``dates`` (reduced in the database;
    kept per process at ``version`` and brought up to date by what was added since,
    ``gaps.kept_reads``)."""
    # Levels are read at most up to today: a later date uses today's levels.
    level_dates = sorted({min(d, now) for d in dates})
    return kept_reads.assessments_at_dates(
        unit,
        requirements["competence"].unique().tolist(),
        level_dates,
        people["person_id"].tolist(),
        version,
    )


CLOSURE_KEYS = ("gap_points_from", "gap_points_to", "closure", "new_gap_points")


def _closure_at(
    rows: dict[tuple[Any, ...], dict[str, Any]], t0: dt.date, day: dt.date, group: Any = None
) -> dict[str, Any]:
    """One group's closure from t0 to ``day`` with coverage at both ends, from the
    rows of ``gaps.pairs.summarise`` keyed (date, group); a group without
    requirements has no gap, null closure and null coverage."""
    at_day = rows.get((pd.Timestamp(day), group))
    at_start = rows.get((pd.Timestamp(t0), group))
    figures: dict[str, Any] = (
        {k: at_day[k] for k in CLOSURE_KEYS}
        if at_day is not None
        else {"gap_points_from": 0, "gap_points_to": 0, "closure": None, "new_gap_points": 0}
    )
    for key in ("gap_points_from", "gap_points_to", "new_gap_points"):
        figures[key] = int(figures[key])
    if figures["closure"] is not None:
        figures["closure"] = float(figures["closure"])
    figures["coverage_from"] = _float(at_start["coverage"]) if at_start is not None else None
    figures["coverage_to"] = _float(at_day["coverage"]) if at_day is not None else None
    return figures


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def closure(actor: Person, unit: OrgUnit, p: Period, now: dt.date | None = None) -> dict[str, Any]:
    """Gap closure of the unit's subtree from the period's start to its end: in total
    (as ``/gaps/closure``), by focus area, by child unit and month by month, new gap
    apart; coverage at both ends; and closure among network members against the rest
    for the same competences (an association, not proof of an effect).

    The frames are read once, ``gaps.pairs.closure_cuts`` works out every (person,
    competence) pair's figures at each date once, and every breakdown is a sum over
    those pairs (the same definitions as ``gaps.analysis.closure``). The figures
    are kept per process keyed on all they are worked out from (``metrics.kept``)."""
    check(actor, unit)
    now = now or clock.today()
    # As /gaps/closure: requirements at both ends, levels at most up to today.
    t0, t1 = p.start, p.end
    month_ends = _month_ends(t0, max(t0, min(t1, now)))
    dates = [t0, t1, *month_ends]
    people, ancestors, requirements = _closure_inputs(unit, dates)
    info = gap_queries.competence_info(requirements["competence"].unique().tolist())
    groups, units = gap_queries.sub_unit_groups(unit, people)
    memberships = period_frames(unit, p).memberships
    version = kept.assessments_version(gap_queries.subtree_people_stmt(unit))
    key = (
        "closure",
        unit.id,
        unit.code,
        tuple(dates),
        now,
        str(get_locale()) if has_request_context() else None,
        tuple((u.id, u.code, u.name) for u in units),
        kept.digest(people, ancestors, requirements, info, groups),
        version,
    )

    def make() -> dict[str, Any]:
        assessments = _closure_assessments(unit, people, requirements, dates, now, version)
        frames = gap_queries.Frames(people, ancestors, requirements, assessments)
        figures, ends = _closure_figures(unit, frames, info, (groups, units), p, month_ends)
        _ENDS.put(key, ends)
        return figures

    figures: dict[str, Any] = kept.KEPT.get_or_make(key, make)
    # Only the network association reads the memberships: a join or a leave works out
    # that part alone, from the pairs at both ends kept beside the figures.
    ends = _ENDS.get(key)
    if ends is None:  # evicted while the figures were kept
        make()
        ends = _ENDS.get(key)
    everyone = set(people["person_id"].tolist())
    figures["networks"] = _NETWORKS.get_or_make(
        (*key, kept.digest(memberships)),
        lambda: _network_association(memberships, everyone, ends, p, t0, t1),
    )
    return figures


# The closure's pairs at both ends (read-only, shared), for the network association.
_ENDS: Kept[Ends] = Kept(4)
_NETWORKS: KeptCopies[dict[str, Any]] = KeptCopies(kept.KEPT_SIZE)


def _closure_figures(
    unit: OrgUnit,
    frames: gap_queries.Frames,
    info: pd.DataFrame,
    sub_units: tuple[pd.DataFrame, list[OrgUnit]],
    p: Period,
    month_ends: list[dt.date],
) -> tuple[dict[str, Any], Ends]:
    """``closure``'s figures from the frames read for them (all but the network
    association), and the pairs at both ends it is worked out from. Every figure is a
    sum over the (person, competence) pairs at its date (``gaps.pairs.closure_cuts``),
    the same definitions as ``gaps.analysis.closure``."""
    t0, t1 = p.start, p.end
    history = frames.history
    cuts = pairs.closure_cuts(history, t0, [t1, *month_ends])
    ends = Ends(history.keys, {d: c for d, c in cuts.items() if d in _days(t0, t1)})
    totals = pairs.summarise(ends.cuts, t0)

    area_of = dict(zip(info["competence"], info["focus_area"], strict=False))
    by_area_rows = pairs.summarise(ends.cuts, t0, _area_labels(history.keys, area_of))
    by_area = [{"focus_area": a, **_closure_at(by_area_rows, t0, t1, a)} for a in FOCUS_AREAS]

    groups, units = sub_units
    sizes = groups["group"].value_counts().to_dict() if not groups.empty else {}
    per_unit = (
        pairs.summarise(ends.cuts, t0, _person_labels(history.keys, groups))
        if not groups.empty
        else {}
    )
    by_unit = [
        {
            "unit": target.code,
            "name": target.name,
            "people": int(sizes[target.id]),
            **_closure_at(per_unit, t0, t1, target.id),
        }
        for target in units
        if sizes.get(target.id)
    ]

    monthly = pairs.summarise(cuts, t0)
    by_month = []
    for d in month_ends:
        figures = _closure_at(monthly, t0, d)
        by_month.append(
            {
                "month": d.strftime("%Y-%m"),
                "date": d.isoformat(),
                **{k: figures[k] for k in CLOSURE_KEYS},
            }
        )
    return {
        "unit": unit.code,
        **p.as_json(),
        "baseline": t0.isoformat(),
        "measured_on": t1.isoformat(),
        **_closure_at(totals, t0, t1),
        "by_focus_area": by_area,
        "by_unit": by_unit,
        "by_month": by_month,
    }, ends


@dataclass(frozen=True)
class Ends:
    """The closure's pairs at t0 and t1 (``gaps.pairs.Cut``) and their keys."""

    keys: pairs.PairKeys | None
    cuts: dict[pd.Timestamp, pairs.Cut]


def _days(*dates: dt.date) -> set[pd.Timestamp]:
    return {pd.Timestamp(d) for d in dates}


def _area_labels(keys: pairs.PairKeys | None, area_of: dict[str, Any]) -> pairs.Labels:
    """Pairs grouped by their competence's focus area (a competence without one: in
    no group)."""
    names = sorted({str(a) for a in area_of.values() if isinstance(a, str) and a})
    index = {a: i for i, a in enumerate(names)}
    codes = np.array(
        [index.get(area_of.get(c), -1) for c in (keys.names if keys is not None else [])],
        dtype="int64",
    )
    width = keys.width if keys is not None else 1
    return (lambda k: codes[k % width]), names


def _person_labels(keys: pairs.PairKeys | None, groups: pd.DataFrame) -> pairs.Labels:
    """Pairs grouped by their person's ``group`` in ``groups`` (person_id, group); a
    person without one: in no group."""
    names = sorted(groups["group"].unique().tolist())
    index = {g: i for i, g in enumerate(names)}
    person = groups["person_id"].to_numpy(dtype="int64")
    order = np.argsort(person, kind="stable")
    person = person[order]
    code = np.array([index[g] for g in groups["group"].tolist()], dtype="int64")[order]
    width = keys.width if keys is not None else 1

    def label(k: np.ndarray) -> np.ndarray:
        if not len(person):
            return np.full(len(k), -1, dtype="int64")
        who = k // width
        at = np.minimum(np.searchsorted(person, who), len(person) - 1)
        return np.where(person[at] == who, code[at], -1)

    return label, names


def _month_ends(t0: dt.date, t1: dt.date) -> list[dt.date]:
    """The last day of each month after t0 up to t1, and t1 itself (at most 24)."""
    out = []
    d = t0
    while True:
        nxt = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        if end >= t1:
            break
        if end > t0:
            out.append(end)
        d = nxt
    out.append(t1)
    return out[-MAX_CLOSURE_MONTHS:]


def _network_association(
    memberships: pd.DataFrame,
    everyone: set[int],
    ends: Ends,
    p: Period,
    t0: dt.date,
    t1: dt.date,
) -> dict[str, Any]:
    """Closure for people who were in a learning network during the period against
    those who were not, over the competences both groups were required to have at t0.
    Either group under 5 people hides both."""
    members = analysis.members_in_period(memberships, p.start_utc, p.end_utc)
    inside, outside = everyone & members, everyone - members
    keys, start = ends.keys, ends.cuts.get(pd.Timestamp(t0))
    width = keys.width if keys is not None else 1
    ins = np.fromiter(inside, dtype="int64")
    same: set[int] = set()
    if start is not None:
        required = start.keys[start.required]
        is_in = np.isin(required // width, ins)
        is_out = np.isin(required // width, np.fromiter(outside, dtype="int64"))
        codes = required % width
        same = set(np.unique(codes[is_in]).tolist()) & set(np.unique(codes[is_out]).tolist())
    note = str(
        _l(
            "An association, not proof: people who join networks may differ from those "
            "who do not in other ways."
        )
    )
    base = {"competences": len(same), "note": note}
    if len(inside) < analysis.MIN_GROUP or len(outside) < analysis.MIN_GROUP:
        return {**base, "members": None, "non_members": None, "suppressed": True}
    shared = np.fromiter(same, dtype="int64")

    def side(k: np.ndarray) -> np.ndarray:
        # 1: a member's pair, 0: another's; -1: a competence not both groups had.
        member = np.isin(k // width, ins).astype("int64")
        return np.where(np.isin(k % width, shared), member, -1)

    sides = pairs.summarise(ends.cuts, t0, (side, [False, True]))
    rows = {}
    for key, ids, flag in (("members", inside, True), ("non_members", outside, False)):
        figures = _closure_at(sides, t0, t1, flag)
        rows[key] = {"people": len(ids), **{k: figures[k] for k in CLOSURE_KEYS}}
    return {**base, **rows, "suppressed": False}
