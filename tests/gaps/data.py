"""Small builders for competence data in gap, training and suggestion tests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega.competence.models import Assessment, Competence, Framework, Requirement
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person


def framework(code: str = "t", focus_area: str = "digital") -> Framework:
    fw = db.session.scalar(sa.select(Framework).where(Framework.code == code))
    if fw is None:
        fw = Framework(code=code, name_nb=code, name_en=code, focus_area=focus_area)
        db.session.add(fw)
        db.session.flush()
    return fw


def competence(code: str, focus_area: str = "digital", name: str | None = None) -> Competence:
    """A competence with the full code ``fw:local``; its framework is made on demand."""
    fw_code, local = code.split(":", 1)
    comp = Competence(
        framework=framework(fw_code, focus_area),
        code=code,
        local_code=local,
        name_nb=name or f"Kompetanse {code}",
        name_en=name or f"Competence {code}",
        focus_area=focus_area,
    )
    db.session.add(comp)
    db.session.flush()
    return comp


def requirement(
    comp: Competence,
    level: int,
    unit: OrgUnit | None = None,
    job_code: str | None = None,
    since: str = "2026-01-01",
    until: str | None = None,
) -> Requirement:
    req = Requirement(
        scope_type="unit" if unit is not None else "job",
        unit_id=unit.id if unit is not None else None,
        job_code=job_code,
        competence_id=comp.id,
        level=level,
        effective_from=dt.date.fromisoformat(since),
        effective_until=dt.date.fromisoformat(until) if until else None,
    )
    db.session.add(req)
    db.session.flush()
    return req


def assessment(
    person: Person, comp: Competence, level: int, source: str = "self", on: str = "2026-02-01"
) -> Assessment:
    row = Assessment(
        person_id=person.id,
        competence_id=comp.id,
        level=level,
        source=source,
        assessed_on=dt.date.fromisoformat(on),
    )
    db.session.add(row)
    db.session.flush()
    return row


def bearer(person: Person) -> dict[str, str]:
    """Authorization header for API calls as this person (no CSRF needed)."""
    from kollega.auth.services import create_token

    token = create_token(person, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}
