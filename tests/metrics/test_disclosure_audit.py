"""``metrics.disclosure`` on memberships made up in memory: members per day, the rule
that a shown group had no day with 1 to 4 members, and the attack over the unit tree
and the networks (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kollega.metrics import analysis, disclosure

FIRST, LAST = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
# A division (1) of two units (2, 3).
PATHS = {1: "/1/", 2: "/1/2/", 3: "/1/3/"}
PERIOD = disclosure.PERIOD


def memberships(rows):
    """(person, unit, network, joined, left or None) -> the frame tree_frames gives."""
    frame = pd.DataFrame(
        rows, columns=["person_id", "unit_id", "network_id", "joined_at", "left_at"]
    )
    for column in ("joined_at", "left_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def steady(unit, n, network=10, start=0):
    return [(start + i, unit, network, "2025-06-01 10:00", None) for i in range(n)]


def test_members_per_day_count_people_once_and_follow_oslo_days():
    ms = memberships(
        [
            (1, 2, 10, "2025-06-01 10:00", None),
            (1, 2, 11, "2026-02-01 10:00", None),  # the same person in a second network
            (2, 2, 10, "2026-01-31 23:30", None),  # 00:30 on 1 February in Oslo
            (3, 2, 10, "2025-06-01 10:00", "2026-01-15 10:00"),  # left on 15 January
        ]
    )
    g = disclosure.groups(PATHS, ms, FIRST, LAST)
    days = g.days[(PERIOD, analysis.unit_key(2))]
    assert len(days) == (LAST - FIRST).days + 1
    assert days[0] == 2 and days[14] == 2 and days[15] == 1  # 15 January counts, not 16
    assert days[30] == 1 and days[31] == 2  # 31 January, 1 February
    assert g.members[(PERIOD, analysis.unit_key(2))] == 3
    assert g.members[(PERIOD, analysis.unit_key(1))] == 3
    assert g.days[(11, analysis.unit_key(2))][31] == 1


def test_a_ramp_hides_a_unit_for_subtraction_and_its_partner_with_it():
    """Unit 2 has 2 members until March, then 8: shown for the period it would give
    January by subtracting a shorter period, so it is hidden; the division minus unit 3
    would then give it, so unit 3 is hidden too."""
    ramp = steady(2, 2) + [(100 + i, 2, 10, "2026-03-01 10:00", None) for i in range(6)]
    g = disclosure.groups(PATHS, memberships(ramp + steady(3, 7, start=50)), FIRST, LAST)
    hidden = disclosure.audit(g)
    assert hidden[(PERIOD, analysis.unit_key(2))] == analysis.SUBTRACTION
    assert hidden[(PERIOD, analysis.unit_key(3))] == analysis.SUBTRACTION
    assert (PERIOD, analysis.unit_key(1)) not in hidden  # 9 or more members every day
    # The unit as it was from March: shown.
    g = disclosure.groups(
        PATHS, memberships(ramp + steady(3, 7, start=50)), dt.date(2026, 3, 1), LAST
    )
    assert (PERIOD, analysis.unit_key(2)) not in disclosure.audit(g)


def test_a_small_network_hides_a_network_beside_it():
    """Unit 2: 8 members in network 10, 3 of them also in network 11. Its messages are
    those in 10 plus those in 11: with 10 shown, 11's 3 members would be exposed."""
    rows = steady(2, 8) + [(i, 2, 11, "2025-06-01 10:00", None) for i in range(3)]
    g = disclosure.groups(PATHS, memberships(rows + steady(3, 7, start=50)), FIRST, LAST)
    hidden = disclosure.audit(g)
    assert hidden[(11, analysis.unit_key(2))] == analysis.SMALL_GROUP
    assert hidden[(10, analysis.unit_key(2))] == analysis.SUBTRACTION
    assert (PERIOD, analysis.unit_key(2)) not in hidden


def test_overlapping_networks_are_counted_person_by_person():
    """Two networks of 3 members each: 3 people when they are the same, 6 when not."""
    same = steady(2, 3, 10) + steady(2, 3, 11)
    other = steady(2, 3, 10) + steady(2, 3, 11, start=3)
    cells = ((10, analysis.unit_key(2)), (11, analysis.unit_key(2)))
    for rows, expected in ((same, 3), (other, 6)):
        g = disclosure.groups(PATHS, memberships(rows), FIRST, LAST)
        union = disclosure.overlapping_union(g, cells, analysis.MIN_GROUP)
        assert np.all(union == expected)


def test_without_the_audit_the_attack_finds_the_ramp():
    """The tree alone (``analysis.tree_suppression``, members over the whole period)
    shows the ramped-up unit; the attack over its days finds the small group."""
    ramp = steady(2, 2) + [(100 + i, 2, 10, "2026-03-01 10:00", None) for i in range(6)]
    g = disclosure.groups(PATHS, memberships(ramp + steady(3, 7, start=50)), FIRST, LAST)
    old = analysis.tree_suppression(PATHS, {2: 8, 3: 7})
    assert analysis.unit_key(2) not in old
    assert disclosure.unsafe(g.days[(PERIOD, analysis.unit_key(2))])
