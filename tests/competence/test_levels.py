"""The design's definitions: current level l(p, c, t) and required level r(p, c, t)."""

from __future__ import annotations

import datetime as dt

from kollega import clock
from kollega.competence import services
from kollega.competence.models import Assessment, Requirement
from kollega.extensions import db
from tests.factories import make_person

D = dt.date


def add(person, comp, level, source, on, id_order=None):
    a = Assessment(
        person_id=person.id, competence_id=comp.id, level=level, source=source, assessed_on=on
    )
    db.session.add(a)
    db.session.flush()
    return a


def test_latest_assessment_on_or_before_t_wins(org, comp):
    c = comp("digcomp-2.2:1.1")
    add(org.employee, c, 2, "self", D(2025, 1, 10))
    add(org.employee, c, 4, "self", D(2025, 6, 1))
    add(org.employee, c, 6, "self", D(2026, 1, 1))
    assert services.current_level(org.employee, c, D(2025, 1, 9)) == 0
    assert services.current_level(org.employee, c, D(2025, 1, 10)) == 2
    assert services.current_level(org.employee, c, D(2025, 12, 31)) == 4
    assert services.current_level(org.employee, c, D(2026, 1, 1)) == 6


def test_same_date_leader_beats_formal_beats_self(org, comp):
    c = comp("digcomp-2.2:4.2")
    day = D(2025, 3, 1)
    # Inserted in the "wrong" order on purpose: the rule, not the row order, decides.
    add(org.employee, c, 5, "leader", day)
    add(org.employee, c, 7, "formal", day)
    add(org.employee, c, 8, "self", day)
    assert services.current_level(org.employee, c, day) == 5
    c2 = comp("digcomp-2.2:4.1")
    add(org.employee, c2, 3, "self", day)
    add(org.employee, c2, 6, "formal", day)
    assert services.current_level(org.employee, c2, day) == 6
    # A later self-assessment still wins over an earlier leader one: latest date first.
    add(org.employee, c, 2, "self", day + dt.timedelta(days=1))
    assert services.current_level(org.employee, c, day + dt.timedelta(days=1)) == 2


def req(comp, level, start, until=None, unit=None, job=None):
    r = Requirement(
        scope_type="unit" if unit else "job",
        unit_id=unit.id if unit else None,
        job_code=job,
        competence_id=comp.id,
        level=level,
        effective_from=start,
        effective_until=until,
    )
    db.session.add(r)
    db.session.flush()
    return r


def test_required_level_is_highest_applying_in_force(org, comp):
    c = comp("privacy-1.0:1.3")
    req(c, 1, D(2025, 1, 1), unit=org.root)
    req(c, 2, D(2025, 1, 1), unit=org.div_a)
    req(c, 3, D(2025, 1, 1), until=D(2025, 7, 1), job="ADV")
    req(c, 4, D(2025, 1, 1), unit=org.div_b)  # another branch: never applies to A people
    nurse = make_person(org.dept_a1a, job_code="SPL")
    on = D(2025, 3, 1)
    assert services.required_level(org.employee, c, on) == 3  # job code ADV
    assert services.required_level(nurse, c, on) == 2  # division A, subtree
    # effective_until is exclusive: on that date the job requirement no longer holds.
    assert services.required_level(org.employee, c, D(2025, 7, 1)) == 2
    assert services.required_level(org.employee, c, D(2024, 12, 31)) == 0


def test_division_requirement_applies_to_subtree_and_future_is_a_need(org, comp):
    c = comp("privacy-1.0:1.2")
    today = clock.today()
    req(c, 2, today - dt.timedelta(days=30), unit=org.div_a)
    req(c, 4, today + dt.timedelta(days=200), unit=org.div_a)
    for person in (org.employee, org.colleague, org.employee_a1, org.leader):
        assert services.required_level(person, c, today) == 2
    assert services.required_level(org.other_employee, c, today) == 0
    rows = {r["code"]: r for r in services.person_competences(org.hr, org.employee, today)}
    assert rows["privacy-1.0:1.2"]["required_level"] == 2
    assert rows["privacy-1.0:1.2"]["gap"] == 2
    needs = services.future_needs(org.employee, today)
    assert [(n.competence.code, n.level) for n in needs] == [("privacy-1.0:1.2", 4)]
    assert needs[0].effective_from == today + dt.timedelta(days=200)
    assert services.future_needs(org.other_employee, today) == []
