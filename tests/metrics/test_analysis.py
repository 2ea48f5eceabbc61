"""Participation as DESIGN.md defines it, on hand-made frames (no database)."""

from __future__ import annotations

import pandas as pd
import pytest

from kollega.metrics import analysis as M

START, END = "2026-01-01", "2026-07-01"


def memberships(rows):
    return pd.DataFrame(rows, columns=["person_id", "network_id", "joined_at", "left_at"])


def activity(rows):
    return pd.DataFrame(rows, columns=["person_id", "kind", "at"])


STOPS = pd.DataFrame(
    [
        (1, "2026-02-01 09:00", 10, 7),
        (2, "2026-05-01 09:00", 10, 5),
        (3, "2026-08-01 09:00", 10, 10),
    ],
    columns=["occurrence_id", "starts_at", "invited", "attended"],
)
SIX = memberships(
    [
        (1, 1, "2025-06-01", None),
        (2, 1, "2025-06-01", "2026-03-01"),  # left during the period: still a member of it
        (3, 2, "2026-06-30", None),  # joined during the period
        (4, 2, "2025-01-01", None),
        (5, 2, "2025-01-01", None),
        (6, 1, "2025-01-01", "2025-12-31"),  # left before the period
        (7, 1, "2026-07-01", None),  # joined after the period
        (8, 3, "2025-01-01", None),
        (99, 1, "2025-01-01", None),  # not in the group
    ]
)


def test_figures_follow_the_definitions():
    acts = activity(
        [
            (1, "message", "2026-01-02"),
            (1, "message", "2026-03-02"),
            (2, "reaction", "2026-02-02"),
            (3, "attendance", "2026-06-30"),
            (4, "reflection", "2026-02-01"),  # a reflection alone does not make someone active
            (5, "message", "2026-07-01"),  # outside the period
            (99, "message", "2026-02-02"),  # not in the group
        ]
    )
    out = M.participation(set(range(1, 9)), SIX, acts, STOPS, START, END)
    assert out == {
        "members": 6,  # 1, 2, 3, 4, 5, 8
        "active_members": 3,
        "messages": 2,
        "stops_held": 2,
        "attendance_rate": pytest.approx(12 / 20),
        "reflections": 1,
        "suppressed": False,
    }


def test_fewer_than_five_members_hides_everything():
    out = M.participation({1, 2, 3, 4}, SIX, activity([]), STOPS, START, END)
    assert out["suppressed"] is True
    assert all(out[f] is None for f in M.FIGURES)


def test_no_stops_gives_null_rate_not_zero_division():
    out = M.participation(set(range(1, 9)), SIX, activity([]), STOPS.iloc[0:0], START, END)
    assert out["stops_held"] == 0 and out["attendance_rate"] is None


def test_hide_small_groups_in_tables():
    table = pd.DataFrame({"unit": ["A", "B"], "members": [4, 12], "messages": [30, 40]})
    out = M.hide_small_groups(table, "members")
    assert (
        out.loc[0, "messages"] is None
        and out.loc[0, "members"] is None
        and out.loc[0, "suppressed"]
    )
    assert out.loc[1, "messages"] == 40 and not out.loc[1, "suppressed"]


def test_counts_from_sql_aggregated_rows_equal_the_row_counts():
    rows = activity(
        [
            (1, "message", "2026-01-02"),
            (1, "message", "2026-01-02"),
            (2, "reaction", "2026-02-02"),
            (4, "reflection", "2026-02-01"),
        ]
    )
    counted = (
        rows.groupby(["person_id", "kind", "at"], as_index=False)
        .size()
        .rename(columns={"size": "n"})
    )
    people = set(range(1, 9))
    assert M.participation(people, SIX, rows, STOPS, START, END) == M.participation(
        people, SIX, counted, STOPS, START, END
    )
    assert M.count_of(counted, "message") == 2


def test_months_and_joins_per_bucket():
    buckets = [("2026-01", "2026-01-01", "2026-02-01"), ("2026-06", "2026-06-01", "2026-07-01")]
    months = M.monthly_participation(set(range(1, 9)), SIX, activity([]), STOPS, buckets)
    assert [m["month"] for m in months] == ["2026-01", "2026-06"]
    assert months[0]["members"] == 5 and months[1]["members"] == 5  # 1, 4, 5, 8 + 2 or 3
    joins = M.joins_per_month({3, 7}, SIX, buckets)
    assert joins == [{"month": "2026-01", "joins": 0}, {"month": "2026-06", "joins": 1}]


def test_share_hides_small_groups_but_not_zero():
    assert M.share(3, 20)["suppressed"] is True
    assert M.share(0, 20) == {"count": 0, "of": 20, "share": 0.0, "suppressed": False}
    assert M.share(6, 4)["share"] is None
    assert M.share(10, 40)["share"] == 0.25


def test_grouped_participation_equals_participation_per_group():
    """The metrics pages' tables work out all groups at once: each group's figures are
    ``participation``'s for it alone (here a group is a network, and a month)."""
    acts = activity(
        [
            (1, "message", "2026-01-02"),
            (1, "reaction", "2026-03-02"),
            (2, "attendance", "2026-02-02"),
            (4, "reflection", "2026-02-01"),
            (5, "message", "2026-05-01"),
            (8, "thread", "2026-06-01"),
            (99, "message", "2026-02-02"),
        ]
    ).assign(n=[1, 2, 1, 3, 4, 1, 1], network_id=[1, 1, None, 2, 2, 3, 1])
    more = memberships([(p, 2, "2025-01-01", None) for p in (1, 2, 8, 10)])
    ms = pd.concat([SIX, more], ignore_index=True)
    people = set(range(1, 11))
    members = M.members_by(ms.loc[ms["person_id"].isin(people)], "network_id", START, END)
    own = acts.loc[acts["network_id"].notna()]
    own = own.assign(group=own["network_id"].astype("int64"))
    stops = STOPS.assign(network_id=[1, 2, 2], group=[1, 2, 2])
    grouped = M.grouped_participation(
        members,
        M.in_period(own, "at", START, END),
        M.in_period(stops, "starts_at", START, END),
        [1, 2, 3],
    )
    for network in (1, 2, 3):
        alone = M.participation(
            people,
            ms.loc[ms["network_id"] == network],
            acts.loc[acts["network_id"] == network],
            stops.loc[stops["network_id"] == network],
            START,
            END,
        )
        assert {k: grouped[network][k] for k in alone} == alone
    assert grouped[2]["members"] == 7 and grouped[2]["reactions"] == 0
    months = [(f"2026-0{m}", f"2026-0{m}-01", f"2026-0{m + 1}-01") for m in range(1, 7)]
    by_month = M.monthly_participation(people, ms, acts, STOPS, months, min_group=2)
    for (label, s, e), row in zip(months, by_month, strict=True):
        alone = M.participation(people, ms, acts, STOPS, s, e, min_group=2)
        assert row == {"month": label, **alone}
