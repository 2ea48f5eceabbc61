"""Gap analysis as pure pandas: DataFrames in, DataFrames out, no database.

The definitions are DESIGN.md's, implemented once here; pages, API, exports and
metrics all call these functions on frames built by ``gaps/queries.py``.

Input frames (column names are the contract with ``queries.py``):

- ``people``: person_id, unit_id, job_code
- ``ancestors``: unit_id, ancestor_id (every unit is its own ancestor too)
- ``requirements``: scope_type ("unit" | "job"), unit_id, job_code, competence, level,
  effective_from, effective_until (NaT when open-ended)
- ``assessments``: person_id, competence, level, source ("self" | "leader" | "formal"),
  assessed_on
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kollega.gaps.pairs import (
    SOURCE_RANK,
    History,
    closure_figures,
)

PAIR = ["person_id", "competence"]
GAP_TABLE_COLUMNS = ["competence", "people_required", "people_with_gap", "gap_points", "coverage"]


def _day(value: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.normalize()


def empty_pairs(value_column: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": pd.Series(dtype="int64"),
            "competence": pd.Series(dtype="str"),
            value_column: pd.Series(dtype="int64"),
        }
    )


def in_force(requirements: pd.DataFrame, at: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """Requirements in force at ``at``: effective_from <= at and (no until or at < until)."""
    if requirements.empty:
        return requirements
    t = _day(at)
    start = _dates(requirements["effective_from"])
    until = _dates(requirements["effective_until"])
    mask = (start <= t) & (until.isna() | (t < until))
    return requirements.loc[mask]


APPLYING_COLUMNS = ["person_id", "competence", "level", "effective_from", "effective_until"]


def applying_requirements(
    people: pd.DataFrame, ancestors: pd.DataFrame, requirements: pd.DataFrame
) -> pd.DataFrame:
    """Each requirement row joined to every person it applies to (its scope is the
    person's unit or an ancestor of it, or the person's job code), whatever its dates.
    Returns person_id, competence, level, effective_from, effective_until."""
    if requirements.empty or people.empty:
        return pd.DataFrame(columns=APPLYING_COLUMNS)
    keep = ["competence", "level", "effective_from", "effective_until"]
    parts = []
    by_unit = requirements.loc[requirements["scope_type"] == "unit", ["unit_id", *keep]]
    if not by_unit.empty:
        covered = by_unit.merge(
            ancestors, left_on="unit_id", right_on="ancestor_id", suffixes=("_req", "")
        )
        parts.append(
            people[["person_id", "unit_id"]].merge(covered[["unit_id", *keep]], on="unit_id")[
                APPLYING_COLUMNS
            ]
        )
    by_job = requirements.loc[requirements["scope_type"] == "job", ["job_code", *keep]]
    if not by_job.empty:
        parts.append(
            people[["person_id", "job_code"]]
            .dropna(subset=["job_code"])
            .merge(by_job, on="job_code")[APPLYING_COLUMNS]
        )
    if not parts:
        return pd.DataFrame(columns=APPLYING_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def required_since(
    people: pd.DataFrame,
    ancestors: pd.DataFrame,
    requirements: pd.DataFrame,
    at: dt.date | str | pd.Timestamp,
) -> dict[tuple[int, str], dt.date]:
    """(person_id, competence) -> the day the requirement that sets r(p, c, at) came
    (or comes) into force: the earliest effective_from among the applying requirements
    in force at ``at`` at that level. For wording a future gap: "needed from <date>"."""
    applying = applying_requirements(people, ancestors, in_force(requirements, at))
    if applying.empty:
        return {}
    applying = applying.assign(since=_dates(applying["effective_from"]))
    top = applying.groupby(["person_id", "competence"])["level"].transform("max")
    first = applying.loc[applying["level"] == top].groupby(["person_id", "competence"])["since"]
    return {(int(p), str(c)): d.date() for (p, c), d in first.min().items()}


def required_levels(
    people: pd.DataFrame,
    ancestors: pd.DataFrame,
    requirements: pd.DataFrame,
    at: dt.date | str | pd.Timestamp,
) -> pd.DataFrame:
    """r(p, c, t): the highest level among the requirements applying to each person.

    A requirement applies when its scope is the person's unit or an ancestor of it,
    or the person's job code. Returns person_id, competence, required (> 0 only).
    """
    return _required_of(applying_requirements(people, ancestors, in_force(requirements, at)))


def _required_of(merged: pd.DataFrame) -> pd.DataFrame:
    """``required_levels`` from the applying requirements in force."""
    if merged.empty:
        return empty_pairs("required")
    out = merged.groupby(PAIR, as_index=False)["level"].max().rename(columns={"level": "required"})
    out = out.loc[out["required"] > 0]
    return out.astype({"person_id": "int64", "required": "int64"}).reset_index(drop=True)


def current_levels(assessments: pd.DataFrame, at: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """l(p, c, t): the level of the latest assessment dated on or before ``at``.

    On the same date a leader's assessment wins over formal evidence, which wins over
    a self-assessment. Returns person_id, competence, level, source, assessed_on.
    """
    if assessments.empty:
        out = empty_pairs("level")
        out["source"] = pd.Series(dtype="str")
        out["assessed_on"] = pd.Series(dtype="datetime64[ns]")
        return out
    return _latest_of(_in_pick_order(assessments), at)


def _in_pick_order(assessments: pd.DataFrame) -> pd.DataFrame:
    """The assessments sorted by pair, then date, source rank and id: for any date, the
    last row of a pair on or before it is ``current_levels``' pick (sort once, cut at
    several dates)."""
    frame = assessments.assign(assessed_on=_dates(assessments["assessed_on"]))
    frame = frame.assign(_rank=frame["source"].map(SOURCE_RANK).fillna(0))
    order = ["assessed_on", "_rank"] + (["id"] if "id" in frame.columns else [])
    return frame.sort_values(PAIR + order, kind="stable")


def _latest_of(ordered: pd.DataFrame, at: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """``current_levels`` from assessments in pick order (``_in_pick_order``)."""
    latest = ordered.loc[ordered["assessed_on"] <= _day(at)].drop_duplicates(PAIR, keep="last")
    return latest[["person_id", "competence", "level", "source", "assessed_on"]].reset_index(
        drop=True
    )


def gaps(required: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """gap(p, c) = max(0, r - l) for every pair with a requirement.

    Returns person_id, competence, required, level, gap.
    """
    merged = required.merge(current[["person_id", "competence", "level"]], on=PAIR, how="left")
    merged["level"] = merged["level"].fillna(0).astype("int64")
    merged["gap"] = (merged["required"] - merged["level"]).clip(lower=0).astype("int64")
    return merged[["person_id", "competence", "required", "level", "gap"]]


def gap_table(gap_frame: pd.DataFrame, by: str = "competence") -> pd.DataFrame:
    """Rows per ``by`` (default competence): people_required, people_with_gap,
    gap_points, coverage = (people_required - people_with_gap) / people_required."""
    if gap_frame.empty:
        cols = [by] + GAP_TABLE_COLUMNS[1:]
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == "coverage" else "int64") for c in cols}
        )
    frame = gap_frame.assign(has_gap=gap_frame["gap"] > 0)
    table = frame.groupby(by, as_index=False).agg(
        people_required=("person_id", "nunique"),
        people_with_gap=("has_gap", "sum"),
        gap_points=("gap", "sum"),
    )
    table["people_with_gap"] = table["people_with_gap"].astype("int64")
    table["gap_points"] = table["gap_points"].astype("int64")
    table["coverage"] = (table["people_required"] - table["people_with_gap"]) / table[
        "people_required"
    ]
    return table.sort_values(by).reset_index(drop=True)


def gap_at(
    people: pd.DataFrame,
    ancestors: pd.DataFrame,
    requirements: pd.DataFrame,
    assessments: pd.DataFrame,
    requirements_at: dt.date | str | pd.Timestamp,
    levels_at: dt.date | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The gap frame for requirements in force at one date against levels at another.

    ``levels_at`` defaults to ``requirements_at``; a future gap at T is
    ``gap_at(..., requirements_at=T, levels_at=today)``.
    """
    required = required_levels(people, ancestors, requirements, requirements_at)
    current = current_levels(assessments, requirements_at if levels_at is None else levels_at)
    return gaps(required, current)


def closure(
    people: pd.DataFrame,
    ancestors: pd.DataFrame,
    requirements: pd.DataFrame,
    assessments: pd.DataFrame,
    t0: dt.date | str | pd.Timestamp,
    t1: dt.date | str | pd.Timestamp,
) -> dict[str, float | int | None]:
    """Gap closure from t0 to t1 for a group of people, with new gap apart.

    closure = (G(t0) - G(t1)) / G(t0), both G using the requirements in force at t0
    and the levels at their own date; None when G(t0) is 0. New gap is the part of the
    t1 gap that the t0 requirements did not ask for:
    sum over (p, c) of max(0, r(p, c, t1) - max(r(p, c, t0), l(p, c, t1))).
    """
    return closure_and_start(people, ancestors, requirements, assessments, t0, t1)[0]


def closure_and_start(
    people: pd.DataFrame,
    ancestors: pd.DataFrame,
    requirements: pd.DataFrame,
    assessments: pd.DataFrame,
    t0: dt.date | str | pd.Timestamp,
    t1: dt.date | str | pd.Timestamp,
) -> tuple[dict[str, float | int | None], pd.DataFrame]:
    """``closure`` and the gap frame at t0 it starts from (``gap_at`` at t0), worked out
    together: a measure's effect shows both."""
    # The requirements joined to people once and the history sorted once, each date a cut.
    applying = applying_requirements(people, ancestors, requirements)
    r0 = _required_of(in_force(applying, t0))
    r1 = _required_of(in_force(applying, t1))
    if assessments.empty:
        l0, l1 = current_levels(assessments, t0), current_levels(assessments, t1)
    else:
        ordered = _in_pick_order(assessments)
        l0, l1 = _latest_of(ordered, t0), _latest_of(ordered, t1)
    start = gaps(r0, l0)
    g0 = int(start["gap"].sum())
    g1 = int(gaps(r0, l1)["gap"].sum())
    both = r1.merge(r0.rename(columns={"required": "r0"}), on=PAIR, how="left").merge(
        l1[["person_id", "competence", "level"]], on=PAIR, how="left"
    )
    floor = np.maximum(both["r0"].fillna(0), both["level"].fillna(0))
    new_gap = int((both["required"] - floor).clip(lower=0).sum())
    return closure_figures(g0, g1, new_gap), start


def history(
    people: pd.DataFrame,
    ancestors: pd.DataFrame,
    requirements: pd.DataFrame,
    assessments: pd.DataFrame,
) -> History:
    """The group's requirements and assessment history by (person, competence) key:
    ``gap_at`` and ``closure_and_start`` at many dates as cuts of arrays (``gaps.pairs``)."""
    return History(applying_requirements(people, ancestors, requirements), assessments)


def with_groups(
    gap_frame: pd.DataFrame, groups: pd.DataFrame, on: str = "person_id"
) -> pd.DataFrame:
    """Attach a grouping column (e.g. sub-unit or focus area) to a gap frame."""
    return gap_frame.merge(groups, on=on, how="inner")


def heatmap(gap_frame: pd.DataFrame, person_groups: pd.DataFrame) -> pd.DataFrame:
    """Gap points by group (rows) and competence (columns), with people_required and
    coverage per cell in long form: group, competence, people_required,
    people_with_gap, gap_points, coverage."""
    framed = with_groups(gap_frame, person_groups)
    if framed.empty:
        return pd.DataFrame(columns=["group"] + GAP_TABLE_COLUMNS)
    framed = framed.assign(has_gap=framed["gap"] > 0)
    cells = framed.groupby(["group", "competence"], as_index=False).agg(
        people_required=("person_id", "nunique"),
        people_with_gap=("has_gap", "sum"),
        gap_points=("gap", "sum"),
    )
    cells["people_with_gap"] = cells["people_with_gap"].astype("int64")
    cells["gap_points"] = cells["gap_points"].astype("int64")
    cells["coverage"] = (cells["people_required"] - cells["people_with_gap"]) / cells[
        "people_required"
    ]
    return cells.sort_values(["group", "competence"]).reset_index(drop=True)


def group_table(
    gap_frame: pd.DataFrame, groups: pd.DataFrame, on: str = "competence"
) -> pd.DataFrame:
    """Rows per ``group`` of competences (e.g. focus area) or of people.

    people_required and people_with_gap count distinct people (with a requirement, with
    any gap in the group); gap_points is the sum of gaps; pairs counts (person,
    competence) pairs with a requirement and coverage is the share of them with l >= r,
    as DESIGN.md defines coverage. Returns group, people_required, people_with_gap,
    gap_points, pairs, coverage.
    """
    columns = ["group", "people_required", "people_with_gap", "gap_points", "pairs", "coverage"]
    framed = with_groups(gap_frame, groups, on=on)
    if framed.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == "coverage" else "int64") for c in columns}
        ).astype({"group": "object"})
    framed = framed.assign(
        gap_person=framed["person_id"].where(framed["gap"] > 0), met=framed["gap"] == 0
    )
    table = framed.groupby("group", as_index=False).agg(
        people_required=("person_id", "nunique"),
        people_with_gap=("gap_person", "nunique"),
        gap_points=("gap", "sum"),
        pairs=("gap", "size"),
        met=("met", "sum"),
    )
    table = table.astype({"people_with_gap": "int64", "gap_points": "int64", "pairs": "int64"})
    table["coverage"] = table["met"] / table["pairs"]
    return table[columns].sort_values("group").reset_index(drop=True)
