"""The annual cycle's pages: year, list, month, the form, an occurrence, the feed page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from kollega.cycle import attendance, services
from kollega.cycle.models import CycleEvent, Reflection
from kollega.extensions import db
from tests.conftest import login
from tests.cycle.helpers import make_event

STOP = {
    "unit": "A1",
    "kind": "learning_stop",
    "title": "Læringsstopp i A1",
    "starts_at": "2026-01-06T09:00",
    "ends_at": "2026-01-06T10:00",
    "rrule": "FREQ=WEEKLY;INTERVAL=6",
    "reminders": [60],
}


@pytest.fixture
def stop(org):  # type: ignore[no-untyped-def]
    return make_event(org.leader, **STOP)


def test_year_list_month_pages(client, org, stop):
    login(client, org.employee)
    year = client.get("/cycle/?year=2026")
    assert year.status_code == 200
    html = year.get_data(as_text=True)
    assert "Læringsstopp i A1" in html and '<th scope="col">' in html and "Årshjul" in html
    assert client.get("/cycle/list?year=2026&upcoming=0").status_code == 200
    month = client.get("/cycle/month?year=2026&month=2")
    assert month.status_code == 200 and "Læringsstopp i A1" in month.get_data(as_text=True)
    assert client.get("/cycle/month?year=2026&month=99").status_code == 200
    assert client.get("/cycle/?unit=B1").status_code == 403
    assert client.get("/cycle/?unit=NOPE").status_code == 400  # a translated error on the form


def test_employee_cannot_open_the_form(client, org):
    login(client, org.employee)
    assert client.get("/cycle/events/new").status_code == 403


def test_leader_plans_with_a_preset(client, org):
    login(client, org.leader)
    assert client.get("/cycle/events/new").status_code == 200
    response = client.post(
        "/cycle/events/new",
        data={
            "audience": "unit:A1",
            "kind": "evaluation_stop",
            "title": "Evalueringsstopp",
            "starts_at": "2027-03-02T09:00",
            "ends_at": "2027-03-02T10:00",
            "repeat": "first_tuesday",
            "until": "2027-06-30",
            "reminders": ["1440", "60"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = db.session.scalars(sa.select(CycleEvent)).one()
    assert event.rrule == "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270630T215959Z"
    assert event.reminders == [1440, 60] and len(event.prompts) == 4
    assert client.get(f"/cycle/events/{event.id}/edit").status_code == 200


def test_form_errors_are_shown_and_nothing_saved(client, org):
    login(client, org.leader)
    response = client.post(
        "/cycle/events/new",
        data={
            "audience": "unit:A1",
            "kind": "learning_stop",
            "title": "Feil",
            "starts_at": "2027-03-02T09:00",
            "ends_at": "2027-03-02T08:00",
            "repeat": "",
        },
    )
    assert response.status_code == 422
    assert "Hendelsen må slutte etter at den starter." in response.get_data(as_text=True)
    assert db.session.query(CycleEvent).count() == 0


def test_occurrence_page_rsvp_and_reflection(app, client, org, stop):
    key = services.occurrence_key(stop.starts_at)
    login(client, org.employee)
    page = client.get(f"/cycle/events/{stop.id}/{key}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Its first occurrence has been held: no RSVP form, and no answer taken
    # (tests/cycle/test_held.py); the reflection is still open.
    assert 'for="answer_0"' in html and "Kommer du?" not in html and "Gjennomført" in html
    assert (
        client.post(f"/cycle/events/{stop.id}/{key}/rsvp", data={"answer": "yes"}).status_code
        == 409
    )
    response = client.post(
        f"/cycle/events/{stop.id}/{key}/reflection",
        data={"answer_0": "Vi testet", "answer_1": "Mye"},
    )
    assert response.status_code == 302
    assert db.session.query(Reflection).count() == 1
    assert client.get(f"/cycle/events/{stop.id}/20260107T080000Z").status_code == 404
    outsider = app.test_client()
    login(outsider, org.other_employee)
    assert outsider.get(f"/cycle/events/{stop.id}/{key}").status_code == 403


def test_leader_sees_attendance_and_checks_in(client, org, stop):
    key = services.occurrence_key(stop.starts_at)
    login(client, org.leader)
    html = client.get(f"/cycle/events/{stop.id}/{key}").get_data(as_text=True)
    assert "Oppmøte" in html and org.colleague.name in html
    response = client.post(
        f"/cycle/events/{stop.id}/{key}/checkin", data={"person_id": str(org.colleague.id)}
    )
    assert response.status_code == 302
    row = attendance.my_attendance(org.colleague, stop, stop.starts_at)
    assert attendance.is_present(row) and row.status == "invited"  # present, no answer


def test_calendar_page_shows_and_regenerates(client, org):
    login(client, org.employee)
    html = client.get("/cycle/calendar").get_data(as_text=True)
    first = re.search(r'value="([^"]+\.ics)"', html).group(1)
    client.post("/cycle/calendar")
    html = client.get("/cycle/calendar").get_data(as_text=True)
    assert re.search(r'value="([^"]+\.ics)"', html).group(1) != first


def test_start_page_panel_lists_whats_coming(client, org):
    import datetime as dt

    from kollega.db import now_utc

    soon = (now_utc() + dt.timedelta(days=3)).astimezone(services.OSLO).replace(tzinfo=None)
    make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Snart stopp",
        starts_at=soon.isoformat(timespec="minutes"),
        ends_at=(soon + dt.timedelta(hours=1)).isoformat(timespec="minutes"),
    )
    login(client, org.employee)
    html = client.get("/").get_data(as_text=True)
    assert "Kommer i årshjulet ditt" in html and "Snart stopp" in html
