"""The staffing figures are numbers rounded as shown (#21 point 5): a job without a need
model keeps today's FTE as its need, and the gap stays a float column rounded to two
decimals, so the totals of the gap and of the gap after measures agree when no measure
changes FTE (the Word plan's chart showed 54,40 against 54,41)."""

from __future__ import annotations

import pandas as pd

from kollega.plans import analysis as P

STAFF = pd.DataFrame(
    [
        (i, 1, job, fte, 1970)
        for i, (job, fte) in enumerate(
            [
                ("NURSE", 0.6096),
                ("NURSE", 0.2752),
                ("HFA", 0.4608),
                ("HFA", 0.3072),
                ("CLEAN", 0.1536),
            ]
        )
    ],
    columns=["person_id", "unit_id", "job_code", "fte", "birth_year"],
)
NO_DRIVERS = pd.DataFrame(columns=["driver", "year", "value"])
NO_RATIOS = pd.DataFrame(columns=["driver", "job_code", "fte_per_unit"])
NO_MEASURES = pd.DataFrame(columns=["job_code", "from_year", "fte_change"])


def test_gap_is_a_rounded_float_column_and_totals_agree():
    gap = P.staffing_gap(STAFF, NO_DRIVERS, NO_RATIOS, [2026, 2027, 2028], 2026, 67, 0.08)
    for column in ("need_fte", "gap_fte", "supply_fte"):
        assert gap[column].dtype.kind == "f", column
        assert (gap[column] == gap[column].round(2)).all(), column
    after = P.gap_after_measures(gap, NO_MEASURES)
    assert (after["gap_fte"] == after["gap_after_fte"]).all()
    totals = P.totals_by_year(after)
    assert (totals["gap_fte"] == totals["gap_after_fte"]).all()
