"""Suggestions that fit the person (#21): level 0 gets the courses that start at 1;
networks of the person's own division and municipality-wide ones before another
division's; colleagues who work close first; each item once; a future gap worded as
future; confirmed levels before self-assessed ones in "who knows this?"."""

from __future__ import annotations

import datetime as dt

from kollega.competence import experts
from kollega.competence.models import FindablePerson
from kollega.extensions import db
from kollega.gaps import suggestions
from tests.factories import make_person
from tests.gaps import data
from tests.gaps.test_suggestions import course, network

TODAY = dt.date.today()
SINCE = (TODAY - dt.timedelta(days=300)).isoformat()
ASSESSED = (TODAY - dt.timedelta(days=200)).isoformat()


def fetch(client, person, as_=None):
    r = client.get(
        f"/api/v1/people/{person.id}/suggestions?lang=en", headers=data.bearer(as_ or person)
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()["suggestions"]


def test_level_zero_gets_the_course_that_starts_at_one(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 2, unit=org.unit_b1, since=SINCE)
    t, _s = course(org.hr, "Personvern grunnkurs", "pv:1", 1, 2, 3)
    advanced, _s = course(org.hr, "Personvern for viderekomne", "pv:1", 2, 4, 3)
    db.session.commit()
    # Per Pleier was never assessed: level 0.
    rows = fetch(client, org.other_employee)
    trainings = [r for r in rows if r["type"] == "training"]
    assert [r["id"] for r in trainings] == [t.id]  # not the course that starts at 2
    assert "level 0" in trainings[0]["reason"]
    # The unit: everyone at 0 counts, and the count reads in the right number.
    for _i in range(2):
        make_person(org.unit_b1)
    db.session.commit()
    r = client.get("/api/v1/gaps/suggestions?unit=B1&lang=en", headers=data.bearer(org.hr))
    if r.status_code == 404:  # the unit measures are on the page only
        measures = suggestions.for_unit(org.hr, org.unit_b1)
    else:
        measures = r.get_json().get("measures") or r.get_json().get("suggestions")
    course_row = next(m for m in measures if m["type"] == "training" and m["id"] == t.id)
    assert course_row["seats_needed"] == 4  # Per, Bjørn and the two new: all at 0
    assert not any(m["type"] == "training" and m["id"] == advanced.id for m in measures)


def test_networks_of_the_own_division_and_municipality_wide_first(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 3, unit=org.root, since=SINCE)
    a_people = [make_person(org.unit_a2, job_code="barnehagelaerer") for _ in range(6)]
    b_people = [make_person(org.unit_b1) for _ in range(3)] + [make_person(org.div_b)]
    # Another division's network with a higher score (request visibility does not lower
    # it; many colleagues would), an own-division one, a municipality-wide one.
    other = network("Skolens personvern", ["pv:1"], members=a_people)
    own = network("Personvern i helse", ["pv:1"], members=b_people)
    wide = network("Personvern for alle", ["pv:1"], members=a_people[:2] + b_people[:2])
    db.session.commit()
    nurse = org.other_employee  # in B1, division B
    rows = [r for r in fetch(client, nurse) if r["type"] == "network"]
    # The school's network is another division's: left out, closer ones cover the gap.
    assert [r["id"] for r in rows] == [own.id, wide.id]
    assert [r["closeness"] for r in rows] == [5, 3]  # closeness.OWN_NEAR, WIDE_NEAR
    # A teacher in A2 gets the school network first.
    teacher = a_people[0]
    rows = [r for r in fetch(client, make_person(org.unit_a2)) if r["type"] == "network"]
    assert rows[0]["id"] == other.id
    assert teacher.id  # (a member of it already, so not offered to them)


def test_each_suggestion_once_and_future_gaps_worded_as_future(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    dc = data.competence("dc:1", "digital", "Regneark")
    later = TODAY + dt.timedelta(days=100)
    data.requirement(pv, 2, unit=org.unit_b1, since=SINCE)
    data.requirement(dc, 2, unit=org.unit_b1, since=later.isoformat())
    data.assessment(org.other_employee, pv, 1, "self", ASSESSED)
    data.assessment(org.other_employee, dc, 1, "self", ASSESSED)
    course(org.hr, "Digital hverdag", "dc:1", 1, 3, 4)
    course(org.hr, "Digital hverdag", "dc:1", 1, 3, 4)  # the same course twice
    future_net = network("Regnearkklubben", ["dc:1"])
    db.session.commit()
    rows = fetch(client, org.other_employee)
    titles = [(r["type"], r["title"]) for r in rows]
    assert len(titles) == len(set(titles))
    assert titles.count(("training", "Digital hverdag")) == 1
    net = next(r for r in rows if r["id"] == future_net.id and r["type"] == "network")
    assert "will need at level 2 from" in net["reason"], net["reason"]
    assert str(later.year) in net["reason"] and "where you have a gap" not in net["reason"]
    training = next(r for r in rows if r["title"] == "Digital hverdag")
    assert "will need at level 2 from" in training["reason"]
    # Bokmål says so too.
    nb = client.get(
        f"/api/v1/people/{org.other_employee.id}/suggestions?lang=nb",
        headers=data.bearer(org.other_employee),
    ).get_json()["suggestions"]
    net_nb = next(r for r in nb if r["id"] == future_net.id and r["type"] == "network")
    assert "fra" in net_nb["reason"] and str(later.year) in net_nb["reason"]


def test_a_unit_gets_a_training_once_for_several_gaps(org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    pv2 = data.competence("pv:2", "privacy", "Informasjonssikkerhet")
    for comp in (pv, pv2):
        data.requirement(comp, 2, unit=org.unit_a1, since=SINCE)
    from kollega.training import services as training

    t = training.save_training(
        org.hr,
        training.TrainingData(
            title="Personvern og sikkerhet",
            format="course",
            hours=6,
            competences=(
                training.CompetenceLift("pv:1", 1, 2),
                training.CompetenceLift("pv:2", 1, 2),
            ),
        ),
    )
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    training.add_session(org.hr, t, start, start + dt.timedelta(hours=6), "Rådhuset", 20)
    db.session.commit()
    measures = suggestions.for_unit(org.hr, org.unit_a1)
    rows = [m for m in measures if m["type"] == "training"]
    assert [m["id"] for m in rows] == [t.id]
    assert sorted(rows[0]["competences"]) == ["pv:1", "pv:2"]


def test_who_knows_ranks_confirmed_levels_above_self_assessed(org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.assessment(org.colleague, pv, 4, "self", ASSESSED)
    data.assessment(org.employee_a1, pv, 3, "leader", ASSESSED)
    data.assessment(org.other_employee, pv, 2, "formal", ASSESSED)
    for p in (org.colleague, org.employee_a1, org.other_employee):
        db.session.add(FindablePerson(person_id=p.id))
    db.session.commit()
    found = experts.who_knows(org.hr, pv)
    assert [e.person.id for e in found] == [
        org.employee_a1.id,
        org.other_employee.id,
        org.colleague.id,
    ]


def test_colleagues_who_work_close_first(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 3, unit=org.root, since=SINCE)
    far = make_person(org.unit_a2)
    near = make_person(org.unit_b1)
    data.assessment(far, pv, 5, "leader", ASSESSED)
    data.assessment(near, pv, 3, "self", ASSESSED)
    for p in (far, near):
        db.session.add(FindablePerson(person_id=p.id))
    db.session.commit()
    people = [r for r in fetch(client, org.other_employee) if r["type"] == "person"]
    # The colleague from another division comes only when no one closer has the level.
    assert [p["id"] for p in people] == [near.id]
    assert "your unit" in people[0]["reason"]
    db.session.delete(db.session.get(FindablePerson, near.id))
    db.session.commit()
    people = [r for r in fetch(client, org.other_employee) if r["type"] == "person"]
    assert [p["id"] for p in people] == [far.id]
    assert "another division" in people[0]["reason"], people[0]["reason"]
