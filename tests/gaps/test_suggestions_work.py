"""Closeness within a division (#21 point 3): a kindergarten teacher is offered her
division's kindergarten networks and municipality-wide ones before its school networks,
and a teacher the reverse, since a network's members mostly in other work (the job mix
of their workplaces unlike hers) are not close however much they share her division;
colleagues are ranked by the same closeness, and one from another division is offered
only when no one closer has the level, saying so."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega.competence.models import FindablePerson
from kollega.extensions import db
from kollega.networks.models import NetworkMember
from kollega.org.models import Person
from tests.factories import make_person, make_unit
from tests.gaps import data
from tests.gaps.test_suggestions_demo import demo_world, division_of, gaps_now_and_ahead
from tests.gaps.test_suggestions_divisions import fetch, network, networks_of

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()
ASSESSED = (dt.date.today() - dt.timedelta(days=200)).isoformat()


def staff(unit, jobs):
    """People in ``unit``: ``jobs`` maps a job code to how many."""
    return {job: [make_person(unit, job_code=job) for _ in range(n)] for job, n in jobs.items()}


def schools_and_kindergartens(org):
    """Two schools and two kindergartens in division A (Oppvekst), with their staff."""
    school2 = make_unit("A4", org.div_a, "unit", "Lolland skole")
    kindergarten2 = make_unit("A3", org.div_a, "unit", "Solberg barnehage")
    return {
        "school": staff(org.unit_a1, {"laerer": 8, "assistent": 2}),
        "school2": staff(school2, {"laerer": 8, "lektor": 2}),
        "kindergarten": staff(org.unit_a2, {"barnehagelaerer": 5, "barne_ungdomsarbeider": 4}),
        "kindergarten2": staff(kindergarten2, {"barnehagelaerer": 4, "barne_ungdomsarbeider": 5}),
        "units": (school2, kindergarten2),
    }


def test_kindergarten_and_school_networks_by_the_work_their_members_do(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 3, unit=org.root, since=SINCE)
    s = schools_and_kindergartens(org)
    # Equal gap closed: the title alone would put the school's first.
    school = network("Personvern for lærere", ["pv:1"], s["school2"]["laerer"][:6])
    kindergarten = network(
        "Personvern i barnehagen", ["pv:1"], s["kindergarten2"]["barne_ungdomsarbeider"][:4]
    )
    # Half in health, half teachers: municipality-wide.
    wide = network(
        "Personvern på tvers",
        ["pv:1"],
        [make_person(org.unit_b1, job_code="sykepleier") for _ in range(2)]
        + s["school2"]["laerer"][6:8],
    )
    db.session.commit()
    teacher_kg = s["kindergarten"]["barnehagelaerer"][0]
    rows = networks_of(fetch(client, teacher_kg))
    assert list(rows) == [kindergarten.id, wide.id, school.id]
    assert [r["closeness"] for r in rows.values()] == [4, 2, 1]
    assert rows[kindergarten.id]["work_like_yours"] is True
    assert "Most of its members do work like yours." in rows[kindergarten.id]["reason"]
    assert "most of them in other work than yours" in rows[school.id]["reason"]
    assert rows[school.id]["other_division"] is False
    nb = networks_of(fetch(client, teacher_kg, "nb"))
    assert "ligner ditt" in nb[kindergarten.id]["reason"], nb[kindergarten.id]["reason"]
    # A teacher at the other school: the school's first, the wide one (half teachers)
    # next, the kindergarten's last.
    teacher = s["school"]["laerer"][0]
    rows = networks_of(fetch(client, teacher))
    assert list(rows) == [school.id, wide.id, kindergarten.id]
    assert [r["closeness"] for r in rows.values()] == [5, 3, 1]
    # A school assistant's work is the school's too.
    assistant = s["school"]["assistent"][0]
    assert list(networks_of(fetch(client, assistant))) == [school.id, wide.id, kindergarten.id]


def test_a_network_without_members_by_the_workplace_it_was_started_in(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 3, unit=org.root, since=SINCE)
    s = schools_and_kindergartens(org)
    _school2, kindergarten2 = s["units"]
    empty = network("Personvern i barnehagen", ["pv:1"], [])
    empty.unit_id = kindergarten2.id
    db.session.commit()
    row = networks_of(fetch(client, s["kindergarten"]["barnehagelaerer"][0]))[empty.id]
    assert row["closeness"] == 4 and row["members"] == 0
    row = networks_of(fetch(client, s["school"]["laerer"][0]))[empty.id]
    assert row["closeness"] == 1
    # No words about members it does not have.
    assert "members" not in row["reason"] and "work like yours" not in row["reason"]


def test_colleagues_by_closeness_and_from_another_division_only_as_a_last_resort(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    dc = data.competence("dc:1", "digital", "Regneark")
    for comp in (pv, dc):
        data.requirement(comp, 3, unit=org.root, since=SINCE)
    s = schools_and_kindergartens(org)
    teacher_kg = s["kindergarten"]["barnehagelaerer"][0]
    at_school = s["school2"]["laerer"][0]  # same division, other work
    at_kindergarten = s["kindergarten2"]["barne_ungdomsarbeider"][0]  # work like hers
    nurse = make_person(org.unit_b1, job_code="sykepleier")  # another division
    data.assessment(at_school, pv, 5, "leader", ASSESSED)
    data.assessment(at_kindergarten, pv, 3, "self", ASSESSED)
    data.assessment(nurse, pv, 5, "leader", ASSESSED)
    data.assessment(nurse, dc, 4, "leader", ASSESSED)
    for p in (at_school, at_kindergarten, nurse):
        db.session.add(FindablePerson(person_id=p.id))
    db.session.commit()
    people = [r for r in fetch(client, teacher_kg) if r["type"] == "person"]
    # The kindergarten colleague before the school's (higher, confirmed level); the
    # nurse only for the spreadsheet, which no one in her division knows.
    assert [(p["id"], p["competences"]) for p in people] == [
        (at_kindergarten.id, ["pv:1"]),
        (at_school.id, ["pv:1"]),
        (nurse.id, ["dc:1"]),
    ]
    assert [p["closeness"] for p in people] == [3, 2, 0]
    assert "Works in your division." in people[0]["reason"]
    reason = people[2]["reason"]
    assert "another division; no one closer to your work is at this level in Regneark" in reason
    nb = [r for r in fetch(client, teacher_kg, "nb") if r["type"] == "person"]
    assert "kommunalsjefsområde" in nb[2]["reason"], nb[2]["reason"]


def test_on_the_demo_kindergarten_teachers_get_kindergarten_networks_and_teachers_schools(
    runner, client
):
    """On the demo municipality: a kindergarten teacher's first three networks are her
    division's kindergarten networks or municipality-wide ones whenever such networks
    cover her gaps, and a teacher's her division's school networks or municipality-wide
    ones. A network's place is read from its members as a person would: a division's
    when 60 % of its members work there, else municipality-wide; a kindergarten's (a
    school's) when half its members work in a kindergarten (a school)."""
    result = runner("seed", "demo", "--employees", "400", "--seed", "3")
    assert result.exit_code == 0, result.output
    units, hr, networks = demo_world()
    members: dict[int, list[tuple[int, int | None]]] = {i: [] for i in networks}
    for network_id, person_id, unit_id in db.session.execute(
        sa.select(NetworkMember.network_id, NetworkMember.person_id, Person.unit_id)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(NetworkMember.state == "active", NetworkMember.left_at.is_(None))
    ):
        if network_id in networks:
            members[network_id].append((person_id, unit_id))

    def kind_of_workplace(unit_id):
        names = [units[int(a)].name for a in units[unit_id].path.strip("/").split("/") if a]
        if any(n.endswith("barnehage") for n in names):
            return "kindergarten"
        if any(n.endswith("skole") and n != "Kulturskolen" for n in names):
            return "school"
        return None

    def share(network_id, kind):
        rows = members[network_id]
        return sum(kind_of_workplace(u) == kind for _p, u in rows if u) / max(len(rows), 1)

    home = {
        i: home_division([division_of(u, units) for _p, u in rows], units)
        for i, rows in members.items()
    }
    checked = {"kindergarten": 0, "school": 0}
    jobs = {"barnehagelaerer": "kindergarten", "laerer": "school", "lektor": "school"}
    people = db.session.scalars(
        sa.select(Person)
        .where(Person.active.is_(True), Person.job_code.in_(list(jobs)))
        .order_by(Person.id)
    )
    for person in people:
        kind = jobs[person.job_code]
        if person.unit_id is None or kind_of_workplace(person.unit_id) != kind:
            continue
        division = division_of(person.unit_id, units)
        gaps = gaps_now_and_ahead(person)
        covering = [
            i
            for i, n in networks.items()
            if person.id not in {p for p, _u in members[i]}
            and set(n.target_competences or []) & gaps
        ]
        good = {
            i
            for i in covering
            if home[i] is None or (home[i] == division and share(i, kind) >= 0.5)
        }
        if not good:
            continue
        r = client.get(f"/api/v1/people/{person.id}/suggestions", headers=data.bearer(hr))
        assert r.status_code == 200
        top = [s["id"] for s in r.get_json()["suggestions"] if s["type"] == "network"][:3]
        assert all(i in good for i in top[: min(3, len(good))]), (
            person.name,
            units[person.unit_id].name,
            [(networks[i].name, home[i], round(share(i, kind), 2)) for i in top],
        )
        checked[kind] += 1
    assert checked["kindergarten"] >= 3 and checked["school"] >= 10, checked


def home_division(divisions, units):
    best = max(set(divisions), key=divisions.count) if divisions else None
    if best is not None and divisions.count(best) >= 0.6 * len(divisions):
        return best
    return None
