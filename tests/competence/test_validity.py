"""A credential counts from its issue date until its expiry date (exclusive); after
that the level falls back to the latest other assessment, everywhere a level is
computed: the competence register, the gap pages, closure and the API."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kollega import clock
from kollega.competence import credentials, services
from kollega.competence.models import Assessment, Requirement
from kollega.extensions import db
from kollega.gaps import analysis, queries
from kollega.gaps import services as gaps
from tests.conftest import login

D = dt.date
CPR = "privacy-1.0:1.5"


def _setup(org, comp):
    """A requirement of level 2 in unit A1; Eva's CPR certificate (level 2) expired in
    December 2023 over a self-assessment of 1; Kari's is valid until next year."""
    c = comp(CPR)
    today = clock.today()
    db.session.add(
        Requirement(
            scope_type="unit",
            unit_id=org.unit_a1.id,
            competence_id=c.id,
            level=2,
            effective_from=D(2020, 1, 1),
        )
    )
    db.session.add(
        Assessment(
            person_id=org.employee.id,
            competence_id=c.id,
            level=1,
            source="self",
            assessed_on=D(2021, 6, 1),
        )
    )
    credentials.add_credential(
        org.hr,
        org.employee,
        "certificate",
        "Førstehjelp og HLR",
        "Norsk Førstehjelpsråd",
        D(2021, 12, 15),
        D(2023, 12, 15),
        [(c, 2)],
    )
    credentials.add_credential(
        org.leader,
        org.colleague,
        "certificate",
        "Førstehjelp og HLR",
        "Norsk Førstehjelpsråd",
        D(today.year - 1, 1, 10),
        D(today.year + 1, 1, 10),
        [(c, 2)],
    )
    db.session.commit()
    return c, today


def test_an_expired_certificate_no_longer_gives_its_level(org, comp):
    c, today = _setup(org, comp)
    assert services.current_level(org.employee, c, D(2023, 6, 1)) == 2
    assert services.current_level(org.employee, c, D(2023, 12, 14)) == 2
    # The expiry date itself is the first day it no longer counts.
    assert services.current_level(org.employee, c, D(2023, 12, 15)) == 1
    assert services.current_level(org.employee, c, today) == 1
    assert services.current_level(org.colleague, c, today) == 2
    rows = {r["code"]: r for r in services.person_competences(org.hr, org.employee, today)}
    assert (rows[CPR]["level"], rows[CPR]["source"], rows[CPR]["gap"]) == (1, "self", 1)
    assert rows[CPR]["formal_level"] is None


def test_the_gap_is_open_again_after_expiry_and_closed_by_a_valid_one(org, comp):
    _c, today = _setup(org, comp)
    mine = {r["competence"]: r for r in gaps.person_gaps(org.hr, org.employee)}
    assert (mine[CPR]["level"], mine[CPR]["gap"]) == (1, 1)
    theirs = {r["competence"]: r for r in gaps.person_gaps(org.hr, org.colleague)}
    assert (theirs[CPR]["level"], theirs[CPR]["gap"]) == (2, 0)
    # Before expiry Eva's certificate closed the gap.
    then = {r["competence"]: r for r in gaps.person_gaps(org.hr, org.employee, D(2023, 6, 1))}
    assert then[CPR]["gap"] == 0

    table = gaps.unit_gap_table(org.hr, org.unit_a1)
    row = next(r for r in table.rows if r["competence"] == CPR)
    # Eva (expired), Ola and the leader (never assessed) have the gap; Kari has not.
    assert row["people_with_gap"] == 3
    assert row["gap_points"] == 1 + 2 + 2


def test_several_dates_at_once_each_get_their_own_answer(org, comp):
    _c, today = _setup(org, comp)
    before = D(2023, 6, 1)
    # One read for two dates (the person's frames and the unit's bucketed read).
    at_both = gaps.person_gap_rows_at(org.employee, [before, today])
    assert [next(r["gap"] for r in rows if r["competence"] == CPR) for rows in at_both] == [0, 1]
    out = gaps.unit_closure(org.hr, org.unit_a1, before, today)
    # 2023-06-01: Eva 0, Kari 2, Ola 2, the leader 2 = 6; today: Eva 1, Kari 0, 2, 2 = 5.
    assert (out["gap_points_from"], out["gap_points_to"]) == (6, 5)


def test_the_api_shows_the_fallen_back_level(org, comp, client):
    _c, today = _setup(org, comp)
    login(client, org.leader)
    body = client.get(f"/api/v1/people/{org.employee.id}/competences").get_json()
    row = next(r for r in body["competences"] if r["code"] == CPR)
    assert (row["level"], row["source"], row["gap"]) == (1, "self", 1)
    old = client.get(f"/api/v1/people/{org.employee.id}/competences?date=2023-06-01").get_json()
    row = next(r for r in old["competences"] if r["code"] == CPR)
    assert (row["level"], row["source"]) == (2, "formal")


def test_consistent_across_dates_gives_each_date_its_own_pick():
    """Pure frames: a formal row counting at the first date but expired at the second
    would be the union's latest; the fix makes the second date fall back."""
    t0, t1, t2 = D(2023, 1, 1), D(2024, 1, 1), D(2025, 1, 1)
    cols = queries.ASSESSMENT_COLUMNS

    def frame(rows):
        return pd.DataFrame(rows, columns=cols).assign(
            assessed_on=lambda f: pd.to_datetime(f["assessed_on"])
        )

    own0 = frame([(2, 1, "x", 3, "formal", "2022-06-01")])
    own1 = frame([(1, 1, "x", 1, "self", "2021-01-01")])  # the formal one has expired
    own2 = frame([])  # nothing counts any more (say the self row was for another pair)
    union = queries.consistent_across_dates([(t0, own0), (t1, own1), (t2, own2)])
    levels = [analysis.current_levels(union, t) for t in (t0, t1, t2)]
    assert levels[0]["level"].tolist() == [3]
    assert levels[1]["level"].tolist() == [1]
    assert levels[2]["level"].tolist() == [0]
