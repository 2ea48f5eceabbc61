"""The plans' demo step: a municipality plan and Helse og omsorg with drivers, measures
of the four kinds and scenarios, and the analysis runs on them."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.extensions import db
from kollega.plans import scenarios
from kollega.plans.models import Plan


def test_demo_step_makes_plans(app):
    from kollega.demo.seed import build_demo

    build_demo(employees=120, seed=7)
    db.session.commit()
    plans = {p.unit.code: p for p in db.session.scalars(sa.select(Plan))}
    assert set(plans) == {"DK", "HO"}
    ho = plans["HO"]
    assert {m.kind for m in ho.measures} == {"mobilise", "develop", "recruit", "phase_out"}
    assert len(ho.scenarios) == 3 and ho.drivers[0].values["2029"] > ho.drivers[0].values["2026"]
    comparison = scenarios.scenario_comparison(ho)
    assert [c["name"] for c in comparison][1:] == [s.name for s in ho.scenarios]
    low, high = comparison[1], comparison[3]
    assert high["need_fte"] > low["need_fte"]
    assert high["gap_fte"] > low["gap_fte"]
