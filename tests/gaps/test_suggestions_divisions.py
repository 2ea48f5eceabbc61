"""Another division's networks (#21): a teacher is not offered the health division's
network for a gap a school network covers; she is offered another division's network
that crosses divisions (a cross-unit or project network with a quarter of its members
from elsewhere; the reason says so) when no closer network covers the gap, at most one
per gap, after everything else; never another division's professional network nor one
whose members all work there; and a network of another division where many members
share her job counts as close."""

from __future__ import annotations

import datetime as dt

from kollega.extensions import db
from kollega.networks.models import Network, NetworkMember
from tests.factories import make_person
from tests.gaps import data

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()


def network(name, codes, members, kind="professional", visibility="open"):
    n = Network(
        name=name,
        kind=kind,
        visibility=visibility,
        target_competences=list(codes),
        status="active",
    )
    db.session.add(n)
    db.session.flush()
    for person in members:
        db.session.add(NetworkMember(network_id=n.id, person_id=person.id, state="active"))
    db.session.flush()
    return n


def fetch(client, person, lang="en"):
    r = client.get(
        f"/api/v1/people/{person.id}/suggestions?lang={lang}", headers=data.bearer(person)
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()["suggestions"]


def networks_of(rows):
    return {r["id"]: r for r in rows if r["type"] == "network"}


def test_a_teacher_gets_no_health_network_for_a_gap_a_school_network_covers(client, org):
    avvik = data.competence("av:1", "privacy", "Melde avvik")
    data.requirement(avvik, 3, unit=org.root, since=SINCE)
    nurses = [make_person(org.unit_b1, job_code="sykepleier") for _ in range(6)]
    teachers = [make_person(org.unit_a1, job_code="laerer") for _ in range(4)]
    # The health network would score higher (more members is not counted, but request
    # visibility is not either): still not offered, the school's covers the gap.
    health = network("Legemiddelhåndtering", ["av:1"], nurses, visibility="request")
    health_wide = network("Avvik i helse", ["av:1"], nurses, kind="cross_unit")
    school = network("Avvik i skolen", ["av:1"], teachers[:2] + [make_person(org.unit_a2)])
    db.session.commit()
    teacher = make_person(org.unit_a1, job_code="laerer")
    db.session.commit()
    shown = networks_of(fetch(client, teacher))
    assert list(shown) == [school.id]
    assert shown[school.id]["other_division"] is False
    # A nurse gets the health networks, not the school's.
    nurse = make_person(org.unit_b1, job_code="sykepleier")
    db.session.commit()
    shown = networks_of(fetch(client, nurse))
    assert set(shown) == {health.id, health_wide.id}


def test_another_divisions_network_when_no_closer_one_covers_the_gap(client, org):
    digital = data.competence("dc:1", "digital", "Samhandle digitalt")
    wound = data.competence("sb:1", "collaboration", "Sårbehandling")
    welfare = data.competence("vt:1", "digital", "Velferdsteknologi")
    for comp in (digital, wound, welfare):
        data.requirement(comp, 2, unit=org.root, since=SINCE)
    nurses = [make_person(org.unit_b1, job_code="sykepleier") for _ in range(8)]
    # Consultants from the children's division take part: these cross divisions.
    outside = [make_person(org.unit_a2, job_code="konsulent") for _ in range(3)]
    best = network("Digital hverdag", ["dc:1"], nurses + outside, kind="cross_unit")
    second = network(
        "Digitale tjenester",
        ["dc:1"],
        nurses[:4] + outside[:2],
        kind="project",
        visibility="request",
    )
    # Not offered even with nothing closer: one profession's network of another division,
    # and a cross-unit one whose members all work in their division.
    network("Sårbehandling i praksis", ["sb:1"], nurses + outside)
    network("Velferdsteknologi i hjemmetjenesten", ["vt:1"], nurses, kind="cross_unit")
    teacher = make_person(org.unit_a1, job_code="laerer")
    db.session.commit()
    rows = fetch(client, teacher)
    shown = networks_of(rows)
    assert list(shown) == [best.id]  # at most one for the gap, the best
    row = shown[best.id]
    assert row["other_division"] is True and row["closeness"] == 0
    assert "belongs to another division" in row["reason"], row["reason"]
    assert "Samhandle digitalt" in row["reason"]
    assert second.id not in shown
    # After every closer measure.
    measures = [r for r in rows if r["type"] in ("network", "training")]
    assert measures[-1]["id"] == best.id
    nb = networks_of(fetch(client, teacher, "nb"))[best.id]["reason"]
    assert "et annet kommunalsjefsområde" in nb, nb
    # Once she is in a network of her own division on it (invite only, so not offered),
    # the other division's goes; so it does for a colleague when an open one starts.
    network("Skolens digitale lag", ["dc:1"], [teacher], visibility="invite")
    colleague = make_person(org.unit_a1, job_code="laerer")
    db.session.commit()
    assert networks_of(fetch(client, teacher)) == {}
    assert list(networks_of(fetch(client, colleague))) == [best.id]
    school = network("Digitalt samarbeid i skolen", ["dc:1"], [make_person(org.unit_a2)])
    db.session.commit()
    assert list(networks_of(fetch(client, colleague))) == [school.id]


def test_another_divisions_network_with_many_in_your_job_is_close(client, org):
    privacy = data.competence("hs:1", "privacy", "Helseopplysninger")
    data.requirement(privacy, 3, unit=org.root, since=SINCE)
    # School nurses work in the children's division; a home-care nurse shares their job.
    school_nurses = [make_person(org.unit_a1, job_code="sykepleier") for _ in range(3)]
    teachers = [make_person(org.unit_a1, job_code="laerer") for _ in range(5)]
    health_centre = network(
        "Helsestasjon og skolehelsetjeneste", ["hs:1"], school_nurses + teachers
    )
    nurse = make_person(org.unit_b1, job_code="sykepleier")
    engineer = make_person(org.unit_b1, job_code="ingenior")
    db.session.commit()
    row = networks_of(fetch(client, nurse))[health_centre.id]
    assert row["closeness"] == 1 and row["other_division"] is False
    assert "another division" not in row["reason"]
    # Someone in another job in that division is not offered the professional network.
    assert health_centre.id not in networks_of(fetch(client, engineer))
