"""A closed network's annual-cycle events are its members' business, as its messages are:
HR and admin see them only as members (issue #23: HR read an invite-only network's event,
its title, description and the network's name). The same for invite-only and request
networks; the page, the API, the list and the calendar feed all keep them from
non-members, and a non-member's 404 does not tell that the event exists."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest

from kollega.cycle import services as cycle
from kollega.extensions import db
from kollega.networks.members import add_member
from tests.conftest import login

STOP = {
    "kind": "learning_stop",
    "title": "Hemmelig stopp",
    "description": "Bare for medlemmene",
    "starts_at": "2027-03-02T09:00",
    "ends_at": "2027-03-02T10:30",
}


def _network_event(org: Any, visibility: str) -> tuple[int, int]:
    from kollega.networks.networks import create_network

    network = create_network(org.leader, f"Lukket {visibility}", "", visibility=visibility)
    add_member(org.leader, network.id, org.employee.id)
    event = cycle.create_event(org.leader, {**STOP, "network": network.id})
    db.session.commit()
    return network.id, event.id


def _feed(client: Any) -> set[str]:
    url = client.get("/api/v1/me").get_json()["calendar_url"]
    response = client.get(url.split("localhost", 1)[1])
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.data)
    return {str(e["summary"]) for e in cal.walk("VEVENT")}


@pytest.mark.parametrize("visibility", ["invite", "request"])
@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_do_not_see_a_closed_networks_events(client, org, visibility, role):
    network_id, event_id = _network_event(org, visibility)
    login(client, getattr(org, role))
    api = client.get(f"/api/v1/cycle/events/{event_id}")
    assert api.status_code == 404 and "Hemmelig" not in api.get_data(as_text=True)
    page = client.get(f"/cycle/events/{event_id}")
    assert page.status_code == 404
    assert "Hemmelig" not in page.get_data(as_text=True)
    assert f"Lukket {visibility}" not in page.get_data(as_text=True)
    listed = client.get("/api/v1/cycle/events").get_data(as_text=True)
    assert "Hemmelig" not in listed
    assert client.get("/cycle/list").status_code == 200
    assert "Hemmelig" not in client.get("/cycle/list").get_data(as_text=True)
    assert "Hemmelig stopp" not in _feed(client)
    assert client.get(f"/api/v1/cycle/networks/{network_id}/calendar.ics").status_code == 404
    for year in ("/cycle/?year=2027", f"/cycle/?scope=network&network={network_id}&year=2027"):
        assert "Hemmelig" not in client.get(year).get_data(as_text=True), year


def test_hr_who_is_a_member_sees_the_event(client, org):
    network_id, event_id = _network_event(org, "invite")
    add_member(org.leader, network_id, org.hr.id)
    db.session.commit()
    login(client, org.hr)
    assert client.get(f"/api/v1/cycle/events/{event_id}").status_code == 200
    assert client.get(f"/cycle/events/{event_id}").status_code == 200
    assert "Hemmelig stopp" in _feed(client)


def test_members_and_the_facilitator_see_it_and_hr_still_sees_unit_events(client, org):
    _, event_id = _network_event(org, "invite")
    for person in (org.employee, org.leader):
        login(client, person)
        assert client.get(f"/api/v1/cycle/events/{event_id}").status_code == 200
        client.post("/logout")
    unit_event = cycle.create_event(org.leader, {**STOP, "unit": "A1", "title": "A1-stopp"})
    db.session.commit()
    login(client, org.hr)
    assert client.get(f"/api/v1/cycle/events/{unit_event.id}").status_code == 200
    # An employee of another unit: refused (403) as before, the event is not a network's.
    client.post("/logout")
    login(client, org.other_employee)
    assert client.get(f"/api/v1/cycle/events/{unit_event.id}").status_code == 403
    assert client.get(f"/api/v1/cycle/events/{event_id}").status_code == 404
