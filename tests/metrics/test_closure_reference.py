"""The municipality-wide closure (computed once for all pairs and grouped) equals the
straightforward computation: ``gaps.analysis.closure`` run separately on the full
assessment history for each focus area, each child unit, each month and each side of
the network comparison, on a small built org with requirements coming and going."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from kollega.competence.models import Assessment, Competence
from kollega.extensions import db
from kollega.gaps import analysis as A
from kollega.gaps import kept_reads
from kollega.gaps import queries as Q
from kollega.gaps.kept import KEPT_FRAMES, Kept, KeptCopies
from kollega.metrics import closure, services
from kollega.networks.models import Network, NetworkMember
from tests.factories import make_person
from tests.gaps import data as gd


def build(org):
    a1_more = [make_person(org.unit_a1, job_code="NURSE") for _ in range(4)]
    b1_more = [make_person(org.unit_b1, job_code="NURSE") for _ in range(5)]
    org.other_employee.job_code = "NURSE"
    dig = gd.competence("dg:1", "digital")
    pv = gd.competence("pv:1", "privacy")
    col = gd.competence("sa:1", "collaboration")
    lead = gd.competence("le:1", "leadership")
    gd.requirement(pv, 3, unit=org.unit_a1, since="2026-01-01")
    gd.requirement(dig, 2, unit=org.root, since="2026-01-01", until="2026-04-01")
    gd.requirement(dig, 3, unit=org.root, since="2026-04-01")  # new gap from April
    gd.requirement(col, 2, job_code="NURSE", since="2026-03-15")  # new, by job
    gd.requirement(lead, 2, unit=org.div_b, since="2025-01-01", until="2026-05-01")  # ends
    gd.requirement(pv, 1, unit=org.root, since="2026-01-01")  # lower, A1's 3 wins there
    people = [
        org.employee,
        org.colleague,
        org.employee_a1,
        org.other_employee,
        org.leader,
        org.other_leader,
        org.hr,
        *a1_more,
        *b1_more,
    ]
    for i, person in enumerate(people):
        gd.assessment(person, dig, i % 4, "self", "2025-12-01")
        gd.assessment(person, pv, (i + 1) % 4, "self", "2026-01-15")
        if i % 2 == 0:
            # Same day, three sources: the leader's level wins.
            gd.assessment(person, dig, 3, "self", "2026-03-10")
            gd.assessment(person, dig, 2, "leader", "2026-03-10")
            gd.assessment(person, dig, 1, "formal", "2026-03-10")
        if i % 3 == 0:
            gd.assessment(person, pv, 3, "formal", "2026-05-20")
            gd.assessment(person, col, 1, "self", "2026-04-02")
        gd.assessment(person, lead, i % 3, "leader", "2026-02-14")
        gd.assessment(person, col, 2, "leader", "2026-07-05")  # after the period
    net = Network(name="Digitalt nettverk", visibility="open", status="active")
    db.session.add(net)
    db.session.flush()
    for person in people[::2]:
        db.session.add(
            NetworkMember(
                network_id=net.id,
                person_id=person.id,
                state="active",
                joined_at=dt.datetime(2026, 2, 20, 9, tzinfo=dt.UTC),
            )
        )
    db.session.commit()


def reference(unit, t0, t1, now, month_ends, members):
    """Each figure by its own ``analysis.closure`` on the full history."""
    ids = Q.subtree_people_stmt(unit)
    people = Q.people_frame(ids)
    ancestors = Q.ancestors_frame(people["unit_id"].tolist())
    reqs = Q.requirements_frame(ancestors["ancestor_id"], people["job_code"].dropna())
    rows = db.session.execute(
        sa.select(
            Assessment.id,
            Assessment.person_id,
            Competence.code,
            Assessment.level,
            Assessment.source,
            Assessment.assessed_on,
        )
        .join(Competence)
        .where(Assessment.assessed_on <= now)
    ).all()
    history = pd.DataFrame(rows, columns=Q.ASSESSMENT_COLUMNS)

    def figures(ppl, rq, day=t1):
        out = A.closure(ppl, ancestors, rq, history, t0, day)
        cov = {}
        for key, d in (("coverage_from", t0), ("coverage_to", day)):
            g = A.gap_at(ppl, ancestors, rq, history, d, min(d, now))
            cov[key] = None if g.empty else float((g["gap"] == 0).mean())
        return {**out, **cov}

    info = Q.competence_info()
    area_of = dict(zip(info["competence"], info["focus_area"], strict=True))
    by_area = {
        area: figures(people, reqs.loc[reqs["competence"].map(area_of) == area])
        for area in ("digital", "privacy", "collaboration", "leadership")
    }
    groups, units = Q.sub_unit_groups(unit, people)
    by_unit = {}
    for u in units:
        chosen = set(groups.loc[groups["group"] == u.id, "person_id"])
        if chosen:
            by_unit[u.code] = figures(people.loc[people["person_id"].isin(chosen)], reqs)
    by_month = {
        d.isoformat(): A.closure(people, ancestors, reqs, history, t0, d) for d in month_ends
    }
    r0 = A.required_levels(people, ancestors, reqs, t0)
    inside = set(people["person_id"]) & members
    outside = set(people["person_id"]) - members
    same = set(r0.loc[r0["person_id"].isin(inside), "competence"]) & set(
        r0.loc[r0["person_id"].isin(outside), "competence"]
    )
    sides = {
        key: A.closure(
            people.loc[people["person_id"].isin(chosen)],
            ancestors,
            reqs.loc[reqs["competence"].isin(same)],
            history,
            t0,
            t1,
        )
        for key, chosen in (("members", inside), ("non_members", outside))
    }
    return figures(people, reqs), by_area, by_unit, by_month, sides


@pytest.mark.parametrize(
    "start,end,now",
    [
        ("2026-02-01", "2026-06-30", "2026-07-15"),  # a past period
        ("2026-01-20", "2026-08-31", "2026-05-25"),  # ends after today: today's levels
    ],
)
def test_grouped_closure_equals_the_reference(app, org, start, end, now):
    build(org)
    t0, t1, today = (dt.date.fromisoformat(x) for x in (start, end, now))
    p = services.Period(t0, t1)
    with app.test_request_context("/"):
        ours = closure.closure(org.hr, org.root, p, now=today)
    month_ends = [dt.date.fromisoformat(r["date"]) for r in ours["by_month"]]
    assert month_ends[-1] == min(t1, today)
    members = {m.person_id for m in db.session.scalars(sa.select(NetworkMember))}
    total, by_area, by_unit, by_month, sides = reference(
        org.root, t0, t1, today, month_ends, members
    )
    keys = ("gap_points_from", "gap_points_to", "closure", "new_gap_points")
    assert {k: ours[k] for k in (*keys, "coverage_from", "coverage_to")} == total
    assert total["gap_points_from"] > 0 and total["new_gap_points"] > 0
    for row in ours["by_focus_area"]:
        assert {k: v for k, v in row.items() if k != "focus_area"} == by_area[row["focus_area"]]
    assert {r["unit"] for r in ours["by_unit"]} == set(by_unit)
    for row in ours["by_unit"]:
        assert {k: row[k] for k in by_unit[row["unit"]]} == by_unit[row["unit"]]
    assert {r["date"]: {k: r[k] for k in keys} for r in ours["by_month"]} == by_month
    assert ours["networks"]["suppressed"] is False
    for side in ("members", "non_members"):
        assert {k: ours["networks"][side][k] for k in keys} == sides[side]


def test_closure_is_kept_per_process_and_worked_out_anew_when_an_input_changes(
    app, org, monkeypatch
):
    """``closure.closure`` keeps its figures keyed on all they are worked out from
    (``metrics.kept``): the same inputs give the kept figures without reading the
    assessments; a new assessment, a deleted one and a moved person are new keys."""
    from kollega.metrics import kept

    build(org)
    monkeypatch.setattr(kept, "KEPT", KeptCopies(kept.KEPT_SIZE))
    p = services.Period(dt.date(2026, 2, 1), dt.date(2026, 6, 30))
    today = dt.date(2026, 7, 15)
    dig = db.session.scalar(sa.select(Competence).where(Competence.code == "dg:1"))

    def ours() -> dict:
        with app.test_request_context("/"):
            return closure.closure(org.hr, org.root, p, now=today)

    def fresh() -> dict:
        with monkeypatch.context() as m:
            m.setattr(kept, "KEPT", KeptCopies(kept.KEPT_SIZE))
            m.setattr(kept_reads, "_KEPT", Kept(KEPT_FRAMES))
            return ours()

    first = ours()
    with monkeypatch.context() as m:

        def unread(*args, **kwargs):
            raise AssertionError("the kept figures should have been used")

        m.setattr(closure, "_closure_assessments", unread)
        assert ours() == first
    row = gd.assessment(org.employee_a1, dig, 4, "leader", "2026-05-02")
    db.session.commit()
    raised = ours()
    assert raised != first and raised == fresh()
    db.session.delete(row)
    db.session.commit()
    assert ours() == first
    org.employee_a1.unit_id = org.unit_b1.id
    db.session.commit()
    moved = ours()
    assert moved == fresh()
    assert [u["people"] for u in moved["by_unit"]] != [u["people"] for u in first["by_unit"]]
