"""The gap definitions of DESIGN.md, checked on small hand-computed frames (no database)."""

from __future__ import annotations

import pandas as pd
import pytest

from kollega.gaps import analysis as A

# Units: 1 municipality > 2 division > 3 unit ; 4 another division
ANCESTORS = pd.DataFrame(
    [(1, 1), (2, 2), (2, 1), (3, 3), (3, 2), (3, 1), (4, 4), (4, 1)],
    columns=["unit_id", "ancestor_id"],
)
PEOPLE = pd.DataFrame(
    [(10, 3, "NURSE"), (11, 3, "CLERK"), (12, 4, "NURSE"), (13, 2, None)],
    columns=["person_id", "unit_id", "job_code"],
)


def reqs(*rows):  # scope_type, unit_id, job_code, competence, level, from, until
    return pd.DataFrame(
        rows,
        columns=[
            "scope_type",
            "unit_id",
            "job_code",
            "competence",
            "level",
            "effective_from",
            "effective_until",
        ],
    )


def assess(*rows):  # person, competence, level, source, date
    return pd.DataFrame(rows, columns=["person_id", "competence", "level", "source", "assessed_on"])


def as_dict(frame, value):
    return {(r.person_id, r.competence): getattr(r, value) for r in frame.itertuples()}


def test_requirement_on_division_applies_to_subtree_only():
    r = reqs(("unit", 2, None, "p:1", 3, "2026-01-01", None))
    got = as_dict(A.required_levels(PEOPLE, ANCESTORS, r, "2026-06-01"), "required")
    assert got == {(10, "p:1"): 3, (11, "p:1"): 3, (13, "p:1"): 3}


def test_highest_applying_requirement_wins_and_job_scope_applies_anywhere():
    r = reqs(
        ("unit", 1, None, "p:1", 1, "2026-01-01", None),
        ("unit", 3, None, "p:1", 2, "2026-01-01", None),
        ("job", None, "NURSE", "p:1", 4, "2026-01-01", None),
    )
    got = as_dict(A.required_levels(PEOPLE, ANCESTORS, r, "2026-06-01"), "required")
    assert got == {(10, "p:1"): 4, (11, "p:1"): 2, (12, "p:1"): 4, (13, "p:1"): 1}


def test_in_force_bounds_from_inclusive_until_exclusive():
    r = reqs(("unit", 1, None, "p:1", 2, "2027-01-01", "2028-01-01"))
    assert A.required_levels(PEOPLE, ANCESTORS, r, "2026-12-31").empty
    assert len(A.required_levels(PEOPLE, ANCESTORS, r, "2027-01-01")) == 4
    assert A.required_levels(PEOPLE, ANCESTORS, r, "2028-01-01").empty


def test_current_level_latest_on_or_before_and_same_day_rank():
    a = assess(
        (10, "p:1", 1, "self", "2026-01-01"),
        (10, "p:1", 4, "self", "2026-03-01"),
        (10, "p:1", 2, "leader", "2026-03-01"),
        (10, "p:1", 3, "formal", "2026-03-01"),
        (10, "p:1", 5, "self", "2026-09-01"),
    )
    assert as_dict(A.current_levels(a, "2026-02-01"), "level") == {(10, "p:1"): 1}
    assert as_dict(A.current_levels(a, "2026-03-01"), "level") == {(10, "p:1"): 2}
    a2 = a[a["source"] != "leader"]
    assert as_dict(A.current_levels(a2, "2026-06-01"), "level") == {(10, "p:1"): 3}
    assert A.current_levels(a, "2025-12-31").empty


def test_gap_table_rows_and_coverage():
    r = reqs(
        ("unit", 1, None, "p:1", 3, "2026-01-01", None),
        ("unit", 3, None, "d:1", 2, "2026-01-01", None),
    )
    a = assess(
        (10, "p:1", 3, "leader", "2026-02-01"),
        (11, "p:1", 1, "self", "2026-02-01"),
        (10, "d:1", 1, "self", "2026-02-01"),
    )
    g = A.gap_at(PEOPLE, ANCESTORS, r, a, "2026-06-01")
    table = A.gap_table(g).set_index("competence")
    # p:1: people 10 (ok), 11 (gap 2), 12 (gap 3), 13 (gap 3)
    assert table.loc["p:1", "people_required"] == 4
    assert table.loc["p:1", "people_with_gap"] == 3
    assert table.loc["p:1", "gap_points"] == 8
    assert table.loc["p:1", "coverage"] == pytest.approx(0.25)
    # d:1: people 10 (gap 1), 11 (gap 2)
    assert table.loc["d:1", "gap_points"] == 3 and table.loc["d:1", "coverage"] == 0


def test_future_gap_uses_future_requirements_and_todays_levels():
    r = reqs(("unit", 3, None, "p:1", 3, "2027-01-01", None))
    a = assess((10, "p:1", 2, "self", "2026-05-01"))
    assert A.gap_at(PEOPLE, ANCESTORS, r, a, "2026-06-01").empty
    future = A.gap_at(PEOPLE, ANCESTORS, r, a, requirements_at="2027-06-01", levels_at="2026-06-01")
    assert as_dict(future, "gap") == {(10, "p:1"): 1, (11, "p:1"): 3}


def test_closure_and_new_gap_apart():
    r = reqs(
        ("unit", 3, None, "p:1", 3, "2026-01-01", None),
        ("unit", 3, None, "d:1", 2, "2026-07-01", None),  # new at t1
    )
    a = assess(
        (10, "p:1", 1, "self", "2026-01-15"),
        (10, "p:1", 3, "leader", "2026-10-01"),
        (11, "p:1", 0, "self", "2026-01-15"),
        (11, "p:1", 1, "self", "2026-10-01"),
        (10, "d:1", 1, "self", "2026-10-01"),
    )
    out = A.closure(PEOPLE, ANCESTORS, r, a, "2026-02-01", "2026-12-01")
    # G(t0): 10 gap 2, 11 gap 3 -> 5; G(t1) with t0 requirements: 10 gap 0, 11 gap 2 -> 2
    assert out["gap_points_from"] == 5 and out["gap_points_to"] == 2
    assert out["closure"] == pytest.approx(0.6)
    # new: d:1 required 2 at t1 only; 10 has 1 -> 1, 11 has 0 -> 2
    assert out["new_gap_points"] == 3


def test_closure_is_none_without_initial_gap():
    out = A.closure(PEOPLE, ANCESTORS, reqs(), assess(), "2026-01-01", "2026-06-01")
    assert out == {"gap_points_from": 0, "gap_points_to": 0, "closure": None, "new_gap_points": 0}


def test_heatmap_long_form_by_group():
    r = reqs(("unit", 1, None, "p:1", 2, "2026-01-01", None))
    g = A.gap_at(PEOPLE, ANCESTORS, r, assess((10, "p:1", 2, "leader", "2026-01-02")), "2026-06-01")
    groups = pd.DataFrame([(10, "A"), (11, "A"), (12, "B")], columns=["person_id", "group"])
    cells = A.heatmap(g, groups).set_index("group")
    assert cells.loc["A", "gap_points"] == 2 and cells.loc["A", "coverage"] == pytest.approx(0.5)
    assert cells.loc["B", "gap_points"] == 2 and 13 not in set(groups["person_id"])


def test_group_table_counts_distinct_people_and_pair_coverage():
    r = reqs(
        ("unit", 1, None, "p:1", 2, "2026-01-01", None),
        ("unit", 1, None, "p:2", 1, "2026-01-01", None),
        ("unit", 3, None, "d:1", 3, "2026-01-01", None),
    )
    a = assess(
        (10, "p:1", 2, "leader", "2026-02-01"),
        (10, "p:2", 0, "self", "2026-02-01"),
        (11, "p:1", 1, "self", "2026-02-01"),
        (11, "p:2", 1, "self", "2026-02-01"),
    )
    g = A.gap_at(PEOPLE, ANCESTORS, r, a, "2026-06-01")
    areas = pd.DataFrame(
        [("p:1", "privacy"), ("p:2", "privacy"), ("d:1", "digital")],
        columns=["competence", "group"],
    )
    t = A.group_table(g, areas).set_index("group")
    # privacy: 4 people x 2 competences = 8 pairs; met: 10/p:1, 11/p:2 -> 2
    # gaps: 10/p:2 1, 11/p:1 1, 12 2+1, 13 2+1 -> 8 points, people with gap 10, 11, 12, 13
    assert t.loc["privacy", "people_required"] == 4 and t.loc["privacy", "pairs"] == 8
    assert t.loc["privacy", "people_with_gap"] == 4 and t.loc["privacy", "gap_points"] == 8
    assert t.loc["privacy", "coverage"] == pytest.approx(2 / 8)
    # digital: people 10, 11 need 3 and have 0
    assert t.loc["digital", "gap_points"] == 6 and t.loc["digital", "coverage"] == 0
    assert A.group_table(g.iloc[0:0], areas).empty
