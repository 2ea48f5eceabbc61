"""Suggestions: a home-care nurse with a privacy gap sees the privacy course and network
first, each with a reason; enrolling removes the course; completion confirmed by the
leader closes the gap; leaders get a network proposal for a shared gap."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kollega import realtime
from kollega.competence.models import FindablePerson
from kollega.extensions import db
from kollega.networks.models import Network, NetworkMember
from kollega.training import services as training
from tests.gaps import data

TODAY = dt.date.today()
SINCE = (TODAY - dt.timedelta(days=300)).isoformat()
ASSESSED = (TODAY - dt.timedelta(days=200)).isoformat()


def network(name, codes, visibility="open", members=()):
    n = Network(name=name, visibility=visibility, target_competences=list(codes), status="active")
    db.session.add(n)
    db.session.flush()
    for person in members:
        db.session.add(NetworkMember(network_id=n.id, person_id=person.id, state="active"))
    db.session.flush()
    return n


def course(hr, title, code, level_from, level_to, hours, seats=10):
    t = training.save_training(
        hr,
        training.TrainingData(
            title=title,
            format="course",
            hours=hours,
            competences=(training.CompetenceLift(code, level_from, level_to),),
        ),
    )
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    s = training.add_session(hr, t, start, start + dt.timedelta(hours=hours), "Rådhuset", seats)
    return t, s


@pytest.fixture
def nurse(org):
    """Per Pleier in home care (B1): privacy required 3, has 1; leadership required 2."""
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    ld = data.competence("ld:1", "leadership", "Ledelse")
    data.competence("dc:1", "digital", "Regneark")
    data.requirement(pv, 3, unit=org.unit_b1, since=SINCE)
    data.requirement(ld, 2, unit=org.unit_b1, since=SINCE)
    data.assessment(org.other_employee, pv, 1, "self", ASSESSED)
    data.assessment(org.hr, pv, 4, "leader", ASSESSED)
    data.assessment(org.admin, pv, 5, "leader", ASSESSED)  # strong, but not findable
    db.session.add(FindablePerson(person_id=org.hr.id))
    ctx = {
        "pv_network": network("Personvern i hjemmetjenesten", ["pv:1"]),
        "ld_network": network("Ledernettverket", ["ld:1"]),
        "other_network": network("Strikkeklubben", []),
        "joined": network("Personvernombud", ["pv:1"], members=[org.other_employee]),
        "pv_course": course(org.hr, "Personvern i praksis", "pv:1", 1, 3, 3)[0],
        "ld_course": course(org.hr, "Lederutvikling", "ld:1", 0, 2, 30)[0],
        "dc_course": course(org.hr, "Excel for viderekomne", "dc:1", 0, 3, 6)[0],
        "pv": pv,
    }
    db.session.commit()
    return ctx


def keys(rows):
    return [(r["type"], r["id"]) for r in rows]


def fetch(client, org, person=None, as_=None):
    person = person or org.other_employee
    response = client.get(
        f"/api/v1/people/{person.id}/suggestions", headers=data.bearer(as_ or person)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["suggestions"]


def test_privacy_course_and_network_first_with_reasons(client, org, nurse):
    rows = fetch(client, org)
    got = keys(rows)
    assert got[:2] == [("training", nurse["pv_course"].id), ("network", nurse["pv_network"].id)]
    assert got.index(("network", nurse["pv_network"].id)) < got.index(
        ("network", nurse["ld_network"].id)
    )
    assert ("network", nurse["other_network"].id) not in got  # unrelated
    assert ("network", nurse["joined"].id) not in got  # already a member
    assert ("training", nurse["dc_course"].id) not in got  # no gap in it
    for r in rows:
        assert {"type", "id", "title", "competences", "reason"} <= set(r)
        assert r["reason"].strip()
    people = [r for r in rows if r["type"] == "person"]
    assert [p["id"] for p in people] == [org.hr.id]  # opted in; admin did not
    assert people[0]["competences"] == ["pv:1"]


def test_enrolling_then_completion_confirmed_closes_the_gap(client, org, nurse):
    course_id = nurse["pv_course"].id
    session = nurse["pv_course"].sessions[0]
    enrolment = training.enrol(org.other_employee, session)
    db.session.commit()
    assert ("training", course_id) not in keys(fetch(client, org))
    hm_before = client.get(
        "/api/v1/gaps/heatmap?unit=B&by=units", headers=data.bearer(org.hr)
    ).get_json()
    before = sum(c["gap_points"] for c in hm_before["cells"] if c["competence"] == "pv:1")
    yesterday = TODAY - dt.timedelta(days=1)
    training.complete(org.hr, enrolment, yesterday)
    (proposal,) = training.pending_proposals(org.other_leader)
    training.decide_proposal(org.other_leader, proposal, True)
    db.session.commit()
    rows = fetch(client, org)
    assert all("pv:1" not in r["competences"] for r in rows)
    assert ("training", course_id) not in keys(rows)
    hm_after = client.get(
        "/api/v1/gaps/heatmap?unit=B&by=units", headers=data.bearer(org.hr)
    ).get_json()
    after = sum(c["gap_points"] for c in hm_after["cells"] if c["competence"] == "pv:1")
    # B1: the nurse (gap 2, now closed) and her leader (gap 3).
    assert before == 5 and after == 3


def test_dismissed_suggestion_stays_away(client, org, nurse):
    url = f"/api/v1/people/{org.other_employee.id}/suggestions/dismiss"
    own = data.bearer(org.other_employee)
    item = {"type": "network", "id": nurse["pv_network"].id}
    assert client.post(url, json=item, headers=data.bearer(org.hr)).status_code == 403
    assert client.post(url, json={"type": "x", "id": 1}, headers=own).status_code == 422
    assert client.post(url, json={"type": "network"}, headers=own).status_code == 422
    assert client.post(url, json=item, headers=own).status_code == 200
    assert ("network", nurse["pv_network"].id) not in keys(fetch(client, org))


def test_suggestion_permissions(client, org, nurse):
    url = f"/api/v1/people/{org.other_employee.id}/suggestions"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=data.bearer(org.employee)).status_code == 403
    assert client.get(url, headers=data.bearer(org.leader)).status_code == 403
    assert client.get(url, headers=data.bearer(org.other_leader)).status_code == 200
    assert client.get(url, headers=data.bearer(org.hr)).status_code == 200
    assert (
        client.get("/api/v1/people/999999/suggestions", headers=data.bearer(org.hr)).status_code
        == 404
    )


def test_leader_gets_a_network_proposal_for_a_shared_gap_and_creates_it(client, org, monkeypatch):
    dc = data.competence("dc:9", "digital", "Digital dømmekraft")
    data.requirement(dc, 2, unit=org.root, since=SINCE)
    dd, _s = course(org.hr, "Digital dømmekraft", "dc:9", 0, 2, 3, seats=3)
    course(org.hr, "Avansert", "dc:9", 2, 4, 3, seats=3)  # above their level: not offered
    db.session.commit()
    # A1's subtree has 4 people: below the threshold of 5.
    small = client.get("/api/v1/gaps/suggestions?unit=A1", headers=data.bearer(org.leader))
    assert [p for p in small.get_json()["suggestions"] if p["type"] == "new_network"] == []
    hr = data.bearer(org.hr)
    body = client.get("/api/v1/gaps/suggestions?unit=K", headers=hr).get_json()
    (proposal,) = [p for p in body["suggestions"] if p["type"] == "new_network"]
    (offer,) = [p for p in body["suggestions"] if p["type"] == "training"]
    assert offer["id"] == dd.id and offer["seats_free"] == 3
    assert offer["seats_needed"] == proposal["people_with_gap"] and offer["reason"]
    assert proposal["competence"] == "dc:9" and proposal["people_with_gap"] >= 5
    assert proposal["reason"]
    members = set(proposal["proposed_members"])
    assert client.post("/api/v1/gaps/networks", json={"unit": "K"}, headers=hr).status_code == 422
    bad = client.post(
        "/api/v1/gaps/networks", json={"unit": "K", "competence": "pv:404"}, headers=hr
    )
    assert bad.status_code == 404
    forbidden = client.post(
        "/api/v1/gaps/networks",
        json={"unit": "K", "competence": "dc:9"},
        headers=data.bearer(org.leader),
    )
    assert forbidden.status_code == 403
    published = []
    monkeypatch.setattr(
        realtime,
        "publish",
        lambda room, event, payload, skip_sid=None: published.append((room, event, payload)),
    )
    created = client.post(
        "/api/v1/gaps/networks", json={"unit": "K", "competence": "dc:9"}, headers=hr
    )
    assert created.status_code == 201
    net = db.session.get(Network, created.get_json()["id"])
    assert net.target_competences == ["dc:9"]
    invited = set(
        db.session.scalars(
            sa.select(NetworkMember.person_id).where(
                NetworkMember.network_id == net.id, NetworkMember.person_id != org.hr.id
            )
        )
    )
    assert invited == members - {org.hr.id}
    # Each invited person hears of their invitation once, after the commit.
    heard = [
        (room, payload)
        for rooms, event, payload in published
        if event == "notification:new"
        for room in (rooms if isinstance(rooms, list) else [rooms])
    ]
    assert sorted(room for room, _p in heard) == sorted(map(realtime.person_room, invited))
    assert all(p == {"kind": "invite", "network_id": net.id} for _r, p in heard)
    # Covered now: no second proposal.
    again = client.get("/api/v1/gaps/suggestions?unit=K", headers=hr).get_json()
    assert [p for p in again["suggestions"] if p["type"] == "new_network"] == []
