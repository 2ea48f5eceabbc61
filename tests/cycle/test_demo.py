"""The annual cycle's demo step: a year with past stops (attendance, reflections) and
upcoming ones, which the scheduler does not replay."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega.cycle import jobs
from kollega.cycle.models import Attendance, CycleEvent, Dispatch, Reflection
from kollega.db import now_utc
from kollega.demo.seed import build_demo
from kollega.extensions import db


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_demo_year(app):
    build_demo(employees=120, seed=7)
    db.session.commit()
    kinds = set(db.session.scalars(sa.select(CycleEvent.kind)))
    assert kinds == {
        "planning_period",
        "inspiration",
        "innovation",
        "learning_stop",
        "evaluation_stop",
        "annual_evaluation",
    }
    wide = db.session.scalars(sa.select(CycleEvent).where(CycleEvent.municipality_wide)).all()
    assert {e.kind for e in wide} >= {"planning_period", "annual_evaluation"}
    stops = db.session.scalars(
        sa.select(CycleEvent).where(CycleEvent.kind == "learning_stop")
    ).all()
    assert len(stops) >= 3 and all(s.rrule.startswith("FREQ=WEEKLY;INTERVAL=6") for s in stops)
    # Past stops have attendance and (from January on) reflections; nothing is replayed.
    if now_utc().month > 2:
        assert count(Attendance) > 0 and count(Reflection) > 0 and count(Dispatch) > 0
    db.session.rollback()
    before = count(Dispatch)
    db.session.rollback()
    jobs.run_due(now_utc() - dt.timedelta(minutes=1))
    # Only what is really due in the last minutes may be done; never a year's backlog.
    assert count(Dispatch) - before < 20
