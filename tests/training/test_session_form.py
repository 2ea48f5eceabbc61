"""HR's session forms (#21 point 7, no dead ends): a refused new session or session change
shows its page again (422) with what was typed and each message beside its field, and
changes nothing; a good one is saved as before."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import sqlalchemy as sa

from kollega.extensions import db
from kollega.training import services
from kollega.training.models import TrainingSession
from tests.conftest import login

GOOD = {
    "session-starts_at": "2030-03-01T09:00",
    "session-ends_at": "2030-03-01T12:00",
    "session-place": "Rådhuset",
    "session-seats": "10",
}


def _beside(page: str, name: str, message: str) -> None:
    """``message`` shown in the field ``session-<name>``'s own error, the field marked."""
    tag = re.search(rf'<(input|textarea)[^>]*name="session-{name}"[^>]*>', page)
    assert tag and 'aria-invalid="true"' in tag.group(0), name
    field_id = re.search(r'\sid="([^"]+)"', tag.group(0)).group(1)
    error = page[: tag.start()].rsplit(f'id="{field_id}-error"', 1)
    assert len(error) == 2 and message in error[1][:400], (name, message)


def test_a_refused_new_session_keeps_what_was_typed(client, org):
    t = services.save_training(org.hr, services.TrainingData(title="Kurs", format="course"))
    db.session.commit()
    login(client, org.hr)
    typed = dict(GOOD, **{"session-ends_at": "2030-03-01T08:00", "session-place": "Biblioteket"})
    r = client.post(f"/trainings/{t.id}/sessions", data=typed)
    assert r.status_code == 422
    page = htmllib.unescape(r.get_data(as_text=True))
    assert "Gå til startsiden" not in page
    _beside(page, "ends_at", "Slutten kan ikke være før starten.")
    # A summary above the form takes the focus on load (static/kollega.js).
    assert 'class="error-summary"' in page and 'href="#session-ends_at"' in page
    assert 'value="Biblioteket"' in page and 'value="2030-03-01T08:00"' in page
    ancient = dict(GOOD, **{"session-starts_at": "0001-01-01T00:00"})
    page = htmllib.unescape(
        client.post(f"/trainings/{t.id}/sessions", data=ancient).get_data(as_text=True)
    )
    _beside(page, "starts_at", "1900")
    assert 'href="#session-starts_at"' in page
    missing = dict(GOOD, **{"session-starts_at": ""})
    r = client.post(f"/trainings/{t.id}/sessions", data=missing)
    assert r.status_code == 422
    _beside(
        htmllib.unescape(r.get_data(as_text=True)),
        "starts_at",
        "Skriv inn når gjennomføringen starter.",
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingSession)) == 0
    assert client.post(f"/trainings/{t.id}/sessions", data=GOOD).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingSession)) == 1


def test_a_refused_session_change_keeps_what_was_typed(client, org):
    t = services.save_training(org.hr, services.TrainingData(title="Kurs", format="course"))
    start = dt.datetime(2030, 3, 1, 8, tzinfo=dt.UTC)
    s = services.add_session(org.hr, t, start, start + dt.timedelta(hours=3), "Rådhuset", 1)
    services.enrol(org.employee, s)
    db.session.commit()
    login(client, org.hr)
    typed = dict(GOOD, **{"session-seats": "0", "session-place": "Biblioteket"})
    r = client.post(f"/trainings/sessions/{s.id}/edit", data=typed)
    assert r.status_code == 422
    page = htmllib.unescape(r.get_data(as_text=True))
    _beside(page, "seats", "Minst 1.")
    assert 'class="error-summary"' in page and 'href="#session-seats"' in page
    assert 'value="Biblioteket"' in page and org.employee.name in page
    db.session.expire_all()
    assert s.place == "Rådhuset" and s.seats == 1
