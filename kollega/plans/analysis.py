"""Staffing analysis for KS's step 5 as pure pandas (no database).

Input frames:
- ``staff``: person_id, unit_id, job_code, fte, birth_year (the register as it is now)
- ``drivers``: driver, year, value (yearly demand series, e.g. residents over 80, pupils)
- ``ratios``: job_code, driver, fte_per_unit (FTE of a job needed per unit of demand)

Supply in year y: each person's FTE, kept while they are below the retirement age in y,
thinned by the yearly turnover rate: fte * (1 - turnover) ** (y - base_year).
Need in year y: sum over drivers of value(driver, y) * fte_per_unit(job, driver).
Staffing gap = need - supply (positive: people to recruit or mobilise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

STAFFING_COLUMNS = ["year", "job_code", "supply_fte", "need_fte", "gap_fte", "retiring_fte"]


def fte_now(staff: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """FTE now, summed by ``by`` (default job code), with head counts."""
    by = by or ["job_code"]
    if staff.empty:
        return pd.DataFrame(columns=[*by, "people", "fte"])
    frame = staff.assign(job_code=staff["job_code"].fillna("-"))
    out = frame.groupby(by, as_index=False).agg(people=("person_id", "nunique"), fte=("fte", "sum"))
    return out.sort_values(by).reset_index(drop=True)


@dataclass
class StaffWork:
    """What every variant of a plan (its own assumptions and each scenario) works out
    alike from the same staff: today's FTE by job and the supply per assumptions."""

    staff: pd.DataFrame
    supplies: dict[tuple[tuple[int, ...], int, int, float], pd.DataFrame] = field(
        default_factory=dict
    )
    today: pd.DataFrame | None = None

    def by_job(self) -> pd.DataFrame:
        """``fte_now`` of the staff by job (callers read it and must not change it)."""
        if self.today is None:
            self.today = fte_now(self.staff)
        return self.today

    def supply(
        self, years: list[int], base_year: int, retirement_age: int, turnover: float
    ) -> pd.DataFrame:
        """``supply`` of the staff (callers read it and must not change it)."""
        key = (tuple(years), base_year, retirement_age, turnover)
        if key not in self.supplies:
            self.supplies[key] = supply(self.staff, years, base_year, retirement_age, turnover)
        return self.supplies[key]


def supply(
    staff: pd.DataFrame, years: list[int], base_year: int, retirement_age: int, turnover: float
) -> pd.DataFrame:
    """Expected FTE per year and job from today's staff: year, job_code, supply_fte, retiring_fte.

    ``retiring_fte`` is the FTE reaching the retirement age in that very year.
    """
    if not 0 <= turnover < 1:
        raise ValueError("turnover must be in [0, 1)")
    if not years:
        return pd.DataFrame(columns=["year", "job_code", "supply_fte", "retiring_fte"])
    frame = staff.assign(job_code=staff["job_code"].fillna("-"))
    birth = frame["birth_year"].fillna(base_year - 40)
    # Every year's two columns summed by job in one group-by (the same sums, in the same
    # order, as one group-by per year).
    columns = {}
    for year in years:
        keep = (1 - turnover) ** max(year - base_year, 0)
        columns[("s", year)] = frame["fte"].where((year - birth) < retirement_age, 0.0) * keep
        columns[("r", year)] = frame["fte"].where((year - birth) == retirement_age, 0.0)
    sums = pd.DataFrame(columns, index=frame.index).groupby(frame["job_code"]).sum()
    jobs = len(sums.index)
    return pd.DataFrame(
        {
            "year": np.repeat(np.asarray(years, dtype="int64"), jobs),
            "job_code": sums.index.take(np.tile(np.arange(jobs), len(years))),
            "supply_fte": np.concatenate([sums[("s", y)].to_numpy() for y in years]),
            "retiring_fte": np.concatenate([sums[("r", y)].to_numpy() for y in years]),
        }
    )


def need(drivers: pd.DataFrame, ratios: pd.DataFrame) -> pd.DataFrame:
    """FTE needed per year and job from demand drivers: year, job_code, need_fte."""
    if drivers.empty or ratios.empty:
        return pd.DataFrame(columns=["year", "job_code", "need_fte"])
    joined = drivers.merge(ratios, on="driver")
    joined["need_fte"] = joined["value"] * joined["fte_per_unit"]
    return joined.groupby(["year", "job_code"], as_index=False)["need_fte"].sum()


def staffing_gap(
    staff: pd.DataFrame,
    drivers: pd.DataFrame,
    ratios: pd.DataFrame,
    years: list[int],
    base_year: int,
    retirement_age: int = 67,
    turnover: float = 0.08,
    work: StaffWork | None = None,
) -> pd.DataFrame:
    """The staffing gap per year and job: need - supply (jobs without a need model get
    need = today's FTE, i.e. "keep today's level"). ``work``: what other variants
    already worked out from the same ``staff``."""
    work = work or StaffWork(staff)
    sup = work.supply(years, base_year, retirement_age, turnover)
    nd = need(drivers, ratios)
    out = sup.merge(nd, on=["year", "job_code"], how="outer")
    today = work.by_job()[["job_code", "fte"]]
    out = out.merge(today, on="job_code", how="left")
    out["supply_fte"] = out["supply_fte"].fillna(0.0)
    out["retiring_fte"] = out["retiring_fte"].fillna(0.0)
    # float: after the outer merge and fillna the column may be of object dtype, which
    # round() below passes over (the gap's 5.6096 beside its rounded 5.61 after measures).
    out["need_fte"] = out["need_fte"].fillna(out["fte"]).fillna(0.0).astype(float)
    out["gap_fte"] = out["need_fte"] - out["supply_fte"]
    out = out[STAFFING_COLUMNS].sort_values(["year", "job_code"]).reset_index(drop=True)
    return out.round({"supply_fte": 2, "need_fte": 2, "gap_fte": 2, "retiring_fte": 2})


def projected_gap_points(gap_frame: pd.DataFrame, effects: pd.DataFrame) -> int:
    """Gap points left if the measures work: each effect (competence, people, level)
    lifts up to ``people`` of those with a gap in ``competence`` to ``level``, the
    largest gaps first (among equal gaps, in the frame's order: by person).
    ``gap_frame`` is kollega.gaps.analysis.gaps() output."""
    return sum(projected_by_competence(gap_frame, effects).values())


def projected_by_competence(gap_frame: pd.DataFrame, effects: pd.DataFrame) -> dict[str, int]:
    """``projected_gap_points`` of each competence with a gap in ``gap_frame``."""
    if gap_frame.empty:
        return {}
    gap = gap_frame["gap"].to_numpy(dtype="int64")
    has = gap > 0
    competence = gap_frame["competence"].to_numpy(dtype=object)[has]
    required = gap_frame["required"].to_numpy(dtype="int64")[has]
    level = gap_frame["level"].to_numpy(dtype="int64")[has]
    gap = gap[has]
    names, codes = np.unique(competence, return_inverse=True) if len(competence) else ([], [])
    for code, people, lift in effects[["competence", "people", "level"]].itertuples(index=False):
        found = np.flatnonzero(np.asarray(names) == code)
        if not len(found):
            continue
        rows = np.flatnonzero(codes == found[0])
        lifted = rows[np.argsort(-gap[rows], kind="stable")][: int(people)]
        level[lifted] = np.maximum(level[lifted], int(lift))
        gap[lifted] = np.maximum(required[lifted] - level[lifted], 0)
    sums = np.bincount(codes, weights=gap, minlength=len(names)) if len(names) else []
    return {str(name): int(total) for name, total in zip(names, sums, strict=True)}


def scale_drivers(drivers: pd.DataFrame, multipliers: dict[str, float]) -> pd.DataFrame:
    """Drivers with each series multiplied by its scenario multiplier (default 1)."""
    if drivers.empty or not multipliers:
        return drivers
    factor = drivers["driver"].map(lambda d: float(multipliers.get(str(d), 1.0)))
    return drivers.assign(value=drivers["value"] * factor)


def gap_after_measures(staffing: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """The staffing gap if the measures work: each measure (job_code, from_year,
    fte_change) closes ``fte_change`` FTE of its job's gap from ``from_year`` on (more
    supply for mobilise and recruit, less need for phase out). Adds measures_fte and
    gap_after_fte to ``staffing_gap`` output."""
    out = staffing.copy()
    out["measures_fte"] = 0.0
    if not measures.empty and not out.empty:
        for m in measures.itertuples():
            hit = (out["job_code"] == m.job_code) & (out["year"] >= int(m.from_year))
            out.loc[hit, "measures_fte"] += float(m.fte_change)
    out["gap_after_fte"] = (out["gap_fte"] - out["measures_fte"]).round(2)
    return out


def totals_by_year(staffing: pd.DataFrame) -> pd.DataFrame:
    """Sums over jobs per year of every FTE column in ``staffing``."""
    numeric = [c for c in staffing.columns if c.endswith("_fte")]
    if staffing.empty:
        return pd.DataFrame(columns=["year", *numeric])
    return staffing.groupby("year", as_index=False)[numeric].sum().round(2)
