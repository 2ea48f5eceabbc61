"""The plan's analysis from one read of its subtree (``kollega.plans.overview``): the
same figures as each part reading at its own dates alone, on the demo's plans (measures
of every kind, scenarios, credentials that lapse) at several dates; and the analyses
each process keeps are never stale: a changed assessment, measure, membership or unit
name is a new analysis, and what a caller does to its copy changes no other."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from kollega import clock
from kollega.competence.models import Assessment, Competence
from kollega.extensions import db
from kollega.gaps import assessment_reads
from kollega.gaps import queries as gap_queries
from kollega.networks.models import NetworkMember
from kollega.plans import effects, overview, scenarios, services
from kollega.plans.models import Plan


@pytest.fixture
def plans(app):
    from kollega.demo.seed import build_demo

    build_demo(employees=120, seed=7)
    db.session.commit()
    return {p.unit.code: p for p in db.session.scalars(sa.select(Plan))}


def _figures(o: overview.Overview) -> tuple:
    return (dataclasses.asdict(o.staffing), o.gap, o.comparison, o.follow, o.effects)


def _alone(plan: Plan, now: dt.date) -> tuple:
    """Each part on its own, reading its own frames at its own dates."""
    staffing = services.staffing(plan)
    return (
        dataclasses.asdict(staffing),
        services.competence_gap(plan, now=now),
        scenarios.scenario_comparison(plan, now),
        services.follow_up(plan, now),
        effects.measure_effects(plan, now),
    )


def test_the_overview_is_each_part_alone(plans):
    today = clock.today()
    for plan in plans.values():
        for now in (
            today,
            plan.period_from + dt.timedelta(days=200),
            plan.period_to + dt.timedelta(days=30),
        ):
            assert _figures(overview.overview(plan, now)) == _alone(plan, now), (plan.id, now)


def _a_gap(plan: Plan, now: dt.date) -> tuple[int, str, int]:
    frames = gap_queries.unit_frames(plan.unit, [plan.period_to], [now])
    frame = frames.gap_at(plan.period_to, now)
    row = frame.loc[frame["gap"] > 0].iloc[0]
    return int(row["person_id"]), str(row["competence"]), int(row["required"])


def test_kept_analyses_follow_the_data(plans, monkeypatch):
    plan = plans["HO"]
    now = clock.today()
    first = overview.overview(plan, now)
    with monkeypatch.context() as m:

        def unread(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("a view of unchanged data reads no assessment")

        m.setattr(assessment_reads, "subtree_assessments_at_dates", unread)
        assert overview.overview(plan, now) == first
    # A caller's changes to its copy are its own.
    first.gap["rows"].clear()
    first.staffing.totals.clear()
    again = overview.overview(plan, now)
    assert again.gap["rows"] and again.staffing.totals

    # A new assessment closes a gap: a new analysis.
    person_id, code, required = _a_gap(plan, now)
    competence_id = db.session.scalar(sa.select(Competence.id).where(Competence.code == code))
    db.session.add(
        Assessment(
            person_id=person_id,
            competence_id=competence_id,
            level=required,
            source="leader",
            assessed_on=now,
        )
    )
    db.session.commit()
    with monkeypatch.context() as m:

        def unstaffed(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("an assessment changes no staffing figure")

        m.setattr(services, "staffing", unstaffed)
        m.setattr(scenarios, "scenario_totals", unstaffed)
        closed = overview.overview(plan, now)
    assert closed.gap["gap_points"] < again.gap["gap_points"]
    assert _figures(closed) == _alone(plan, now)

    # A measure dropped, a network member leaving, a unit renamed: each a new analysis.
    measure = next(m for m in plan.measures if m.network_id is not None)
    member = db.session.scalar(
        sa.select(NetworkMember).where(
            NetworkMember.network_id == measure.network_id,
            NetworkMember.person_id.in_(gap_queries.subtree_people_stmt(plan.unit)),
            NetworkMember.active(),
        )
    )
    assert member is not None
    before = closed.effects[measure.id]["people"]
    db.session.delete(member)
    db.session.commit()
    assert overview.overview(plan, now).effects[measure.id]["people"] == before - 1

    measure.status = "dropped"
    db.session.commit()
    dropped = overview.overview(plan, now)
    assert dropped.comparison[0]["measures"] == closed.comparison[0]["measures"] - 1
    assert _figures(dropped) == _alone(plan, now)

    unit = plan.unit.children[0] if plan.unit.children else plan.unit
    unit.name = "Omdøpt enhet"
    db.session.commit()
    renamed = overview.overview(plan, now)
    assert "Omdøpt enhet" in {row["unit"] for row in renamed.staffing.by_unit}
    assert _figures(renamed) == _alone(plan, now)
