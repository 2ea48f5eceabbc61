"""The competence register's demo step."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega.competence import services
from kollega.competence.models import Assessment, FindablePerson, FormalCredential, Requirement
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person


def test_demo_step_fills_the_register(app):
    from kollega.demo.seed import build_demo

    build_demo(employees=120, seed=7)
    db.session.commit()
    # Every unit (of kind "unit") has requirements of its own.
    units = list(db.session.scalars(sa.select(OrgUnit).where(OrgUnit.kind == "unit")))
    with_reqs = set(db.session.scalars(sa.select(Requirement.unit_id).distinct()))
    assert units and all(u.id in with_reqs for u in units)
    # Privacy (duty of confidentiality) asks more in health than in technical services.
    on = dt.date(2025, 6, 1)
    comp = services.competence_by_code("privacy-1.0:1.2")

    def required_in(division: str) -> int:
        div = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == division))
        person = db.session.scalar(
            sa.select(Person)
            .join(OrgUnit, Person.unit_id == OrgUnit.id)
            .where(OrgUnit.path.startswith(div.path), OrgUnit.id != div.id)
            .limit(1)
        )
        return services.required_level(person, comp, on)

    assert required_in("HO") > required_in("BSU")
    # A year and a half of history, with future needs stated.
    first, last = db.session.execute(
        sa.select(sa.func.min(Assessment.assessed_on), sa.func.max(Assessment.assessed_on))
    ).one()
    assert (last - first).days >= 500
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Requirement)
        .where(Requirement.effective_from > dt.date(2026, 12, 31))
    )
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FormalCredential)
        .where(FormalCredential.expires_on < dt.date(2025, 1, 1))
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FindablePerson)) >= 1
