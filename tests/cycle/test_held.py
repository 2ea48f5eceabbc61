"""A past occurrence (ended) shows "held" with its counts instead of the RSVP form, and
refuses an RSVP with a translated 409 that changes nothing, on the page and through the
API; an upcoming one still takes answers (issue #22's known gap)."""

from __future__ import annotations

import datetime as dt

import pytest

from kollega.cycle import attendance, services
from kollega.db import now_utc
from kollega.errors import Conflict
from kollega.extensions import db
from tests.conftest import login
from tests.cycle.helpers import make_event, utc
from tests.cycle.test_pages import STOP
from tests.networks.test_api import bearer


@pytest.fixture
def stop(org):  # type: ignore[no-untyped-def]
    return make_event(org.leader, **STOP)


def _upcoming(event):  # type: ignore[no-untyped-def]
    now = now_utc()
    return next(o for o in services.occurrences(event, now, now + dt.timedelta(days=60)))


def test_is_held_from_its_end():
    class Occ:
        starts_at, ends_at = utc(2026, 3, 3, 8), utc(2026, 3, 3, 9)

    assert not attendance.is_held(Occ, utc(2026, 3, 3, 8, 59))  # type: ignore[arg-type]
    assert attendance.is_held(Occ, utc(2026, 3, 3, 9))  # type: ignore[arg-type]


def test_a_past_occurrence_shows_held_with_the_counts(app, client, org, stop):
    start = stop.starts_at  # 6 January 2026: over
    # Answers and a check-in given while it was upcoming and going on.
    attendance.respond(org.employee, stop, start, "yes", now=start - dt.timedelta(days=1))
    attendance.respond(org.colleague, stop, start, "no", now=start - dt.timedelta(days=1))
    attendance.check_in(org.leader, stop, start, org.employee)
    db.session.commit()
    key = services.occurrence_key(start)
    login(client, org.employee)
    html = client.get(f"/cycle/events/{stop.id}/{key}").get_data(as_text=True)
    assert "Gjennomført" in html and "Kommer du?" not in html
    assert f"/cycle/events/{stop.id}/{key}/rsvp" not in html  # no form
    assert "Takket ja: 1. Kanskje: 0. Takket nei: 1. Deltok: 1." in html
    assert "Ditt svar:" in html and "Sjekket inn" in html
    # Someone who did not answer is told so; in English too.
    org.employee_a1.locale = "en"
    db.session.commit()
    other = app.test_client()
    login(other, org.employee_a1)
    html = other.get(f"/cycle/events/{stop.id}/{key}").get_data(as_text=True)
    assert "Held" in html and "You did not answer." in html
    assert "Said yes: 1. Maybe: 0. Said no: 1. Attended: 1." in html


def test_an_rsvp_to_a_past_occurrence_is_refused_and_changes_nothing(app, client, org, stop):
    start = stop.starts_at
    key = services.occurrence_key(start)
    login(client, org.employee)
    r = client.post(f"/cycle/events/{stop.id}/{key}/rsvp", data={"answer": "yes"})
    assert r.status_code == 409
    assert "Dette er gjennomført: det tar ikke imot flere svar." in r.get_data(as_text=True)
    assert attendance.my_attendance(org.employee, stop, start) is None
    # The API: the same refusal, in the caller's language; a bad answer is still a 422.
    org.colleague.locale = "en"
    db.session.commit()
    api, h = app.test_client(), bearer(org.colleague)
    url = f"/api/v1/cycle/events/{stop.id}/occurrences/{key}/rsvp"
    r = api.post(url, json={"answer": "no"}, headers=h)
    assert r.status_code == 409
    assert r.get_json()["error"]["message"] == "This has been held: it takes no more answers."
    assert api.post(url, json={"answer": "perhaps"}, headers=h).status_code == 422
    assert attendance.my_attendance(org.colleague, stop, start) is None
    with pytest.raises(Conflict):
        attendance.respond(org.employee, stop, start, "maybe")


def test_an_upcoming_occurrence_still_takes_answers(client, org, stop):
    occ = _upcoming(stop)
    key = occ.key
    login(client, org.employee)
    html = client.get(f"/cycle/events/{stop.id}/{key}").get_data(as_text=True)
    assert "Kommer du?" in html and "Gjennomført" not in html
    r = client.post(f"/cycle/events/{stop.id}/{key}/rsvp", data={"answer": "yes"})
    assert r.status_code == 302
    row = attendance.my_attendance(org.employee, stop, occ.starts_at)
    assert row is not None and row.status == "attending"
