"""Guests held to their network (DESIGN.md, roles; issue #23): a guest is never added or
invited into a second network (409, a translated reason); every API outside their network
answers 403 for them; their pages offer nothing they cannot use."""

from __future__ import annotations

from typing import Any

import pytest

from kollega.auth.services import create_token
from kollega.cycle import services as cycle
from kollega.extensions import db
from kollega.networks.invitations import invite_guest
from kollega.networks.models import NetworkMember
from kollega.networks.networks import create_network
from tests.conftest import login

REFUSAL_NB = "Denne gjesten er allerede med i et annet nettverk."


def _bearer(person: Any) -> dict[str, str]:
    token = create_token(person, "guests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def guest_net(org: Any) -> Any:
    """The guest belongs to one network, run by the leader; the other leader runs another."""
    first = create_network(org.leader, "Samskaping i nærmiljøet", "", visibility="request")
    invite_guest(org.leader, first.id, org.guest.email, org.guest.name)
    second = create_network(org.other_leader, "Hjemmetjenesten", "", visibility="invite")
    db.session.commit()
    return first, second


def _memberships(guest_id: int) -> set[int]:
    db.session.expire_all()
    rows = db.session.query(NetworkMember).filter_by(person_id=guest_id, left_at=None)
    return {m.network_id for m in rows}


def test_inviting_the_same_guest_to_a_second_network_is_refused(client, org, guest_net):
    first, second = guest_net
    r = client.post(
        f"/api/v1/networks/{second.id}/members",
        json={"email": org.guest.email, "name": org.guest.name},
        headers=_bearer(org.other_leader),
    )
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["message"].startswith(REFUSAL_NB)
    assert error["fields"]["email"].startswith(REFUSAL_NB)
    # In English for an English reader.
    r = client.post(
        f"/api/v1/networks/{second.id}/members",
        json={"email": org.guest.email.upper(), "name": org.guest.name},
        headers={**_bearer(org.other_leader), "Accept-Language": "en"},
    )
    assert r.status_code == 409
    assert _memberships(org.guest.id) == {first.id}


def test_adding_the_guest_by_id_to_a_second_network_is_refused(client, org, guest_net):
    first, second = guest_net
    r = client.post(
        f"/api/v1/networks/{second.id}/members",
        json={"person_id": org.guest.id},
        headers=_bearer(org.other_leader),
    )
    assert r.status_code == 409, r.get_json()
    assert "e-post" in r.get_json()["error"]["message"]
    assert _memberships(org.guest.id) == {first.id}


def test_the_invite_page_says_why_and_adds_nothing(client, org, guest_net):
    first, second = guest_net
    login(client, org.other_leader)
    r = client.post(
        f"/networks/{second.id}/invite",
        data={"email": org.guest.email, "name": org.guest.name},
        follow_redirects=True,
    )
    assert REFUSAL_NB in r.get_data(as_text=True)
    assert _memberships(org.guest.id) == {first.id}


def test_a_guest_who_left_may_be_invited_elsewhere_and_again_to_their_own(client, org, guest_net):
    first, second = guest_net
    # Invited again to their own network: nothing changes, no refusal.
    invite_guest(org.leader, first.id, org.guest.email, org.guest.name)
    from kollega.networks.members import leave_network

    leave_network(org.guest, first.id)
    db.session.commit()
    invite_guest(org.other_leader, second.id, org.guest.email, org.guest.name)
    db.session.commit()
    assert _memberships(org.guest.id) == {second.id}


REFUSED = [
    "/api/v1/trainings",
    "/api/v1/competences",
    "/api/v1/competences?framework=digcomp-2.2",
    "/api/v1/people",
    "/api/v1/people?unit=A1",
    "/api/v1/units",
    "/api/v1/plans",
    "/api/v1/requirements",
    "/api/v1/gaps?unit=A1",
    "/api/v1/metrics/participation",
]


def test_every_api_outside_the_network_is_403_for_a_guest(client, org, guest_net):
    first, second = guest_net
    unit_event = cycle.create_event(
        org.leader,
        {
            "kind": "learning_stop",
            "title": "A1-stopp",
            "starts_at": "2027-03-02T09:00",
            "ends_at": "2027-03-02T10:00",
            "unit": "A1",
        },
    )
    db.session.commit()
    headers = _bearer(org.guest)
    for path in REFUSED:
        r = client.get(path, headers=headers)
        assert r.status_code == 403, (path, r.status_code)
        assert r.get_json()["error"]["message"] == "Gjester er bare med i sitt eget nettverk."
    # Other networks, other units' events and calendars: hidden or refused.
    assert client.get(f"/api/v1/networks/{second.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/cycle/events/{unit_event.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/cycle/units/A1/calendar.ics", headers=headers).status_code == 403
    listed = client.get("/api/v1/cycle/events", headers=headers).get_data(as_text=True)
    assert "A1-stopp" not in listed
    networks = client.get("/api/v1/networks", headers=headers).get_json()
    assert {n["id"] for n in networks} == {first.id}
    # Their own network and account still work.
    assert client.get(f"/api/v1/networks/{first.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get(f"/api/v1/people/{org.guest.id}", headers=headers).status_code == 200


def test_an_open_network_is_not_the_guests_either(client, org, guest_net):
    first, _ = guest_net
    open_net = create_network(org.leader, "Digital hverdag", "Åpent", visibility="open")
    db.session.commit()
    headers = _bearer(org.guest)
    assert client.get(f"/api/v1/networks/{open_net.id}", headers=headers).status_code == 404
    r = client.post(f"/api/v1/networks/{open_net.id}/members", json={}, headers=headers)
    assert r.status_code in (403, 404)
    login(client, org.guest)
    assert client.get(f"/networks/{open_net.id}").status_code == 404
    assert "Digital hverdag" not in client.get("/networks?q=Digital").get_data(as_text=True)
    assert _memberships(org.guest.id) == {first.id}


def test_the_guests_pages_offer_nothing_they_cannot_use(client, org, guest_net):
    first, _ = guest_net
    login(client, org.guest)
    home = client.get("/").get_data(as_text=True)
    assert "Finn nettverk å bli med i" not in home
    assert "Samskaping i nærmiljøet" in home
    page = client.get("/networks").get_data(as_text=True)
    assert 'id="network-q"' not in page and "Finn et nettverk" not in page
    assert "Samskaping i nærmiljøet" in page
    for path in (
        "/training/",
        "/competence/",
        "/gaps/mine",
        f"/competence/people/{org.guest.id}/credentials",
        f"/competence/people/{org.guest.id}/conversations",
    ):
        assert client.get(path).status_code in (403, 404), path
    # Their own profile: no competence, credential form or gaps they cannot use.
    profile = client.get(f"/people/{org.guest.id}").get_data(as_text=True)
    assert "Gro Gjest" in profile
    for absent in ("Formalkompetanse", "Registrer", "Utviklingssamtaler", "Gap og forslag"):
        assert absent not in profile, absent
    # Their data export (a right under the GDPR) still works.
    assert client.get("/privacy/export.json").status_code == 200
    # An employee still gets both.
    client.post("/logout")
    login(client, org.employee)
    assert "Finn nettverk å bli med i" in client.get("/").get_data(as_text=True)
    assert 'id="network-q"' in client.get("/networks").get_data(as_text=True)
