"""The demo catalogue: realistic trainings with funding schemes, sessions to enrol in,
a waiting list, and completions waiting for the demo leader's confirmation."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.demo.seed import build_demo
from kollega.extensions import db
from kollega.org.models import Person
from kollega.training import services
from kollega.training.models import AssessmentProposal, Enrolment, Training


def test_demo_builds_a_catalogue(app):
    ctx = build_demo(employees=120, seed=7)
    db.session.commit()
    titles = set(db.session.scalars(sa.select(Training.title)))
    assert {"Personvern i praksis", "Digital dømmekraft"} <= titles
    assert any("Velferdsteknologi" in t for t in titles)
    schemes = set(db.session.scalars(sa.select(Training.funding_scheme)))
    assert any(s and "Kompetanseløftet" in s for s in schemes)
    assert any(s and "Kompetanse for kvalitet" in s for s in schemes)
    formats = set(db.session.scalars(sa.select(Training.format)))
    assert {"e-learning", "course", "workshop", "mentoring", "further_education"} <= formats
    statuses = set(db.session.scalars(sa.select(Enrolment.status)))
    assert {"enrolled", "completed"} <= statuses
    leader = db.session.get(Person, ctx.accounts["leader"])
    pending = services.pending_proposals(leader)
    assert pending and all(p.status == "pending" for p in pending)
    assert db.session.scalar(sa.select(sa.func.count(AssessmentProposal.id))) == len(pending)
