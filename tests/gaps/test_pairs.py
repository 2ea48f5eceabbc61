"""``gaps.pairs.History`` (the gap and closure as cuts of arrays) gives exactly what
``gaps.analysis`` defines, on random histories: the plan page, the gap pages and the
metrics work through it, the definitions live in ``analysis``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kollega.gaps import analysis, pairs
from kollega.gaps.queries import ASSESSMENT_COLUMNS, REQUIREMENT_COLUMNS

UNITS = [1, 2, 3, 4]
PARENT = {1: None, 2: 1, 3: 1, 4: 3}
JOBS = ["laerer", "sykepleier", None]
COMPETENCES = ["dig", "gdpr", "samarbeid", "hlr"]
SOURCES = ["self", "leader", "formal"]
DAY0 = dt.date(2025, 1, 1)

days = st.integers(min_value=0, max_value=400).map(lambda n: DAY0 + dt.timedelta(days=n))


def _ancestors() -> pd.DataFrame:
    rows = []
    for unit in UNITS:
        at: int | None = unit
        while at is not None:
            rows.append((unit, at))
            at = PARENT[at]
    return pd.DataFrame(rows, columns=["unit_id", "ancestor_id"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n_people = draw(st.integers(min_value=1, max_value=8))
    people = pd.DataFrame(
        {
            "person_id": list(range(10, 10 + n_people)),
            "unit_id": draw(st.lists(st.sampled_from(UNITS), min_size=n_people, max_size=n_people)),
            "job_code": draw(st.lists(st.sampled_from(JOBS), min_size=n_people, max_size=n_people)),
        }
    )
    requirements = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        by_unit = draw(st.booleans())
        start = draw(days)
        until = draw(st.one_of(st.none(), days.filter(lambda d, s=start: d > s)))
        requirements.append(
            {
                "scope_type": "unit" if by_unit else "job",
                "unit_id": draw(st.sampled_from(UNITS)) if by_unit else None,
                "job_code": None if by_unit else draw(st.sampled_from(JOBS[:2])),
                "competence": draw(st.sampled_from(COMPETENCES)),
                "level": draw(st.integers(min_value=0, max_value=4)),
                "effective_from": pd.Timestamp(start),
                "effective_until": pd.Timestamp(until) if until else pd.NaT,
            }
        )
    assessments = [
        {
            "id": i + 1,
            "person_id": draw(st.sampled_from(people["person_id"].tolist())),
            "competence": draw(st.sampled_from(COMPETENCES)),
            "level": draw(st.integers(min_value=0, max_value=4)),
            "source": draw(st.sampled_from(SOURCES)),
            "assessed_on": pd.Timestamp(draw(days)),
        }
        for i in range(draw(st.integers(min_value=0, max_value=25)))
    ]
    return (
        people,
        pd.DataFrame(requirements, columns=REQUIREMENT_COLUMNS),
        pd.DataFrame(assessments, columns=ASSESSMENT_COLUMNS),
    )


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    columns = ["person_id", "competence", "required", "level", "gap"]
    assert left[columns].values.tolist() == right[columns].values.tolist()


@settings(max_examples=150, deadline=None)
@given(histories(), days, days)
def test_the_gap_at_two_dates_is_the_definitions(frames, requirements_at, levels_at):
    people, requirements, assessments = frames
    ancestors = _ancestors()
    history = analysis.history(people, ancestors, requirements, assessments)
    expected = analysis.gap_at(
        people, ancestors, requirements, assessments, requirements_at, levels_at
    )
    _same(history.gap_frame(requirements_at, levels_at), expected)


@settings(max_examples=150, deadline=None)
@given(
    histories(),
    days,
    days,
    st.one_of(st.none(), st.sets(st.integers(min_value=10, max_value=18))),
    st.one_of(st.none(), st.sets(st.sampled_from(COMPETENCES), min_size=1)),
)
def test_closure_of_a_group_and_its_competences_is_the_definitions(
    frames, t0, t1, some_people, some_competences
):
    """A measure's closure is that of its people and competences within the subtree's
    history; ``analysis.closure_and_start`` works it out from the group's frames alone."""
    people, requirements, assessments = frames
    ancestors = _ancestors()
    history = analysis.history(people, ancestors, requirements, assessments)
    group, reqs, them = people, requirements, assessments
    if some_people is not None:
        group = people[people["person_id"].isin(some_people)]
        them = them[them["person_id"].isin(some_people)]
    if some_competences is not None:
        reqs = reqs[reqs["competence"].isin(some_competences)]
        them = them[them["competence"].isin(some_competences)]
    figures, start = history.closure_and_start(t0, t1, some_people, some_competences)
    expected, expected_start = analysis.closure_and_start(group, ancestors, reqs, them, t0, t1)
    assert figures == expected
    _same(start, expected_start)


@settings(max_examples=80, deadline=None)
@given(histories(), days, st.lists(days, min_size=1, max_size=4), st.integers(10, 17))
def test_cuts_summed_by_group_are_the_closure_of_each_group(frames, t0, later, split):
    """The metrics' closure: every figure a sum over the pairs at its date
    (``pairs.closure_cuts`` and ``pairs.summarise``), by any grouping of people."""
    people, requirements, assessments = frames
    ancestors = _ancestors()
    history = analysis.history(people, ancestors, requirements, assessments)
    cuts = pairs.closure_cuts(history, t0, later)
    width = history.keys.width if history.keys is not None else 1
    low_high = (lambda keys: (keys // width >= split).astype("int64"), ["low", "high"])
    for labels, groups in ((None, {None: people}), (low_high, None)):
        if groups is None:
            groups = {
                "low": people[people["person_id"] < split],
                "high": people[people["person_id"] >= split],
            }
        rows = pairs.summarise(cuts, t0, labels)
        for name, group in groups.items():
            them = assessments[assessments["person_id"].isin(group["person_id"])]
            for when in later:
                expected = analysis.closure(group, ancestors, requirements, them, t0, when)
                got = rows.get((pd.Timestamp(when), name))
                if got is None:  # no pair of the group required at t0 or at the date
                    assert expected["gap_points_from"] == 0 and expected["new_gap_points"] == 0
                    continue
                assert {k: got[k] for k in expected} == expected
