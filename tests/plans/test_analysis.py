"""Staffing analysis and measure effects on hand-made frames."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kollega.gaps import analysis as G
from kollega.plans import analysis as P

STAFF = pd.DataFrame(
    [
        (1, 1, "NURSE", 1.0, 1960),  # 67 in 2027
        (2, 1, "NURSE", 0.5, 1990),
        (3, 2, "HFA", 1.0, 1985),
        (4, 2, None, 0.8, None),
    ],
    columns=["person_id", "unit_id", "job_code", "fte", "birth_year"],
)


def test_fte_now_by_job():
    out = P.fte_now(STAFF).set_index("job_code")
    assert out.loc["NURSE", "fte"] == 1.5 and out.loc["NURSE", "people"] == 2
    assert out.loc["-", "fte"] == pytest.approx(0.8)


def test_supply_retires_and_thins_by_turnover():
    out = P.supply(STAFF, [2026, 2027, 2028], 2026, 67, 0.1).set_index(["year", "job_code"])
    assert out.loc[(2026, "NURSE"), "supply_fte"] == pytest.approx(1.5)
    assert out.loc[(2027, "NURSE"), "retiring_fte"] == pytest.approx(1.0)
    assert out.loc[(2027, "NURSE"), "supply_fte"] == pytest.approx(0.5 * 0.9)
    assert out.loc[(2028, "HFA"), "supply_fte"] == pytest.approx(0.81)


def test_supply_rejects_impossible_turnover():
    with pytest.raises(ValueError):
        P.supply(STAFF, [2026], 2026, 67, 1.0)


def test_staffing_gap_from_drivers():
    drivers = pd.DataFrame(
        [("over80", 2026, 100), ("over80", 2028, 150)], columns=["driver", "year", "value"]
    )
    ratios = pd.DataFrame(
        [("NURSE", "over80", 0.02)], columns=["job_code", "driver", "fte_per_unit"]
    )
    out = P.staffing_gap(STAFF, drivers, ratios, [2026, 2028], 2026, 67, 0.0).set_index(
        ["year", "job_code"]
    )
    assert out.loc[(2026, "NURSE"), "need_fte"] == pytest.approx(2.0)
    assert out.loc[(2026, "NURSE"), "gap_fte"] == pytest.approx(0.5)
    assert out.loc[(2028, "NURSE"), "gap_fte"] == pytest.approx(3.0 - 0.5)
    # no need model for HFA: keep today's level, so no gap while nobody leaves
    assert out.loc[(2028, "HFA"), "gap_fte"] == pytest.approx(0.0)


def test_projected_gap_points_after_measures():
    gaps = G.gaps(
        pd.DataFrame(
            [(1, "p:1", 3), (2, "p:1", 3), (3, "p:1", 2)],
            columns=["person_id", "competence", "required"],
        ),
        pd.DataFrame([(1, "p:1", 0), (2, "p:1", 2)], columns=["person_id", "competence", "level"]),
    )
    assert int(gaps["gap"].sum()) == 3 + 1 + 2
    effects = pd.DataFrame([("p:1", 2, 3)], columns=["competence", "people", "level"])
    # the two largest gaps (person 1: 3, person 3: 2) are lifted to level 3
    assert P.projected_gap_points(gaps, effects) == 1


def _projected_one_by_one(gap_frame: pd.DataFrame, effects: pd.DataFrame) -> int:
    """The definition step by step: each effect lifts the largest gaps of its
    competence first, equal gaps in the frame's order."""
    remaining = gap_frame[gap_frame["gap"] > 0].copy()
    for effect in effects.itertuples():
        idx = (
            remaining.loc[remaining["competence"] == effect.competence]
            .sort_values("gap", ascending=False, kind="stable")
            .index[: int(effect.people)]
        )
        lifted = remaining.loc[idx, "level"].clip(lower=int(effect.level))
        remaining.loc[idx, "level"] = lifted
        remaining.loc[idx, "gap"] = (remaining.loc[idx, "required"] - lifted).clip(lower=0)
    return int(remaining["gap"].sum())


pair_levels = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 4), st.integers(0, 4))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(pair_levels, max_size=30),
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "d"]), st.integers(0, 6), st.integers(0, 4)),
        max_size=5,
    ),
)
def test_projected_gap_points_is_the_definition(pairs, effects):
    rows = [(i, c, r, min(lv, 4)) for i, (c, r, lv) in enumerate(pairs)]
    frame = pd.DataFrame(rows, columns=["person_id", "competence", "required", "level"])
    frame["gap"] = (frame["required"] - frame["level"]).clip(lower=0)
    measures = pd.DataFrame(effects, columns=["competence", "people", "level"])
    assert P.projected_gap_points(frame, measures) == _projected_one_by_one(frame, measures)
    by_competence = P.projected_by_competence(frame, measures)
    assert sum(by_competence.values()) == P.projected_gap_points(frame, measures)


def test_scale_drivers_multiplies_named_series_only():
    drivers = pd.DataFrame(
        [("1", 2026, 100.0), ("2", 2026, 10.0)], columns=["driver", "year", "value"]
    )
    out = P.scale_drivers(drivers, {"1": 1.2})
    assert list(out["value"]) == pytest.approx([120.0, 10.0])


def test_gap_after_measures_from_their_start_year():
    staffing = pd.DataFrame(
        [(2026, "NURSE", 1.0, 2.0, 1.0, 0.0), (2027, "NURSE", 1.0, 3.0, 2.0, 0.0)],
        columns=P.STAFFING_COLUMNS,
    )
    measures = pd.DataFrame([("NURSE", 2027, 1.5)], columns=["job_code", "from_year", "fte_change"])
    out = P.gap_after_measures(staffing, measures)
    assert list(out["gap_after_fte"]) == pytest.approx([1.0, 0.5])
    assert P.totals_by_year(out).set_index("year").loc[2027, "measures_fte"] == 1.5
