"""Training pages: catalogue, detail with enrol and cancel, HR keeps the catalogue and
sessions, completion and the leader's confirmation."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.extensions import db
from kollega.training.models import Enrolment, Training, TrainingSession
from tests.conftest import login
from tests.gaps import data


def test_hr_adds_training_and_session_employee_enrols(client, org):
    data.competence("pv:1", "privacy")
    db.session.commit()
    login(client, org.employee)
    assert client.get("/trainings/new").status_code == 403
    client.post("/logout")
    login(client, org.hr)
    bad = client.post("/trainings/new", data={"title": "", "format": "course", "hours": "x"})
    assert bad.status_code == 422 and db.session.scalar(sa.select(sa.func.count(Training.id))) == 0
    bad = client.post(
        "/trainings/new",
        data={
            "title": "P",
            "format": "course",
            "hours": "3",
            "language": "nb",
            "competences": "pv:1 three",
        },
    )
    assert bad.status_code == 422 and "Linje 1" in bad.get_data(as_text=True)
    resp = client.post(
        "/trainings/new",
        data={
            "title": "Personvern i praksis",
            "provider": "KS",
            "format": "e-learning",
            "hours": "2.5",
            "cost": "0",
            "language": "nb",
            "funding_scheme": "Kompetanseløftet",
            "funding_url": "https://www.helsedirektoratet.no/",
            "competences": "pv:1 1 3",
            "active": "y",
        },
    )
    assert resp.status_code == 302
    training = db.session.scalar(sa.select(Training))
    assert [c.competence_code for c in training.competences] == ["pv:1"]
    resp = client.post(
        f"/trainings/{training.id}/sessions",
        data={
            "session-starts_at": "2030-03-01T09:00",
            "session-ends_at": "2030-03-01T12:00",
            "session-place": "Rådhuset",
            "session-seats": "1",
        },
    )
    assert resp.status_code == 302
    session = db.session.scalar(sa.select(TrainingSession))
    assert session.seats == 1 and session.starts_at.hour == 8  # 09:00 Oslo is 08:00 UTC
    client.post("/logout")
    login(client, org.employee)
    html = client.get("/trainings/").get_data(as_text=True)
    assert "Personvern i praksis" in html and "Kompetanseløftet" in html
    assert client.get(f"/trainings/{training.id}").status_code == 200
    assert client.post(f"/trainings/sessions/{session.id}/enrol").status_code == 302
    assert (
        client.post(f"/trainings/sessions/{session.id}/enrol").status_code == 302
    )  # flash, no 500
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.status == "enrolled"
    client.post("/logout")
    login(client, org.colleague)
    client.post(f"/trainings/sessions/{session.id}/enrol")
    assert client.post(f"/trainings/enrolments/{enrolment.id}/cancel").status_code == 403
    client.post("/logout")
    login(client, org.hr)
    assert client.get(f"/trainings/sessions/{session.id}").status_code == 200
    assert client.post(f"/trainings/enrolments/{enrolment.id}/complete").status_code == 302
    db.session.expire_all()
    assert enrolment.status == "completed"
    client.post("/logout")
    login(client, org.leader)
    page = client.get("/trainings/proposals").get_data(as_text=True)
    assert org.employee.name in page
    assert client.get("/trainings/9999").status_code == 404


def test_hr_adds_seats_on_the_session_page_and_the_waiting_list_moves_up(client, org):
    import datetime as dt

    from kollega.training import services

    t = services.save_training(org.hr, services.TrainingData(title="Kurs", format="course"))
    start = dt.datetime(2030, 3, 1, 8, tzinfo=dt.UTC)
    s = services.add_session(org.hr, t, start, start + dt.timedelta(hours=3), "Rådhuset", 1)
    first = services.enrol(org.employee, s)
    waiting = services.enrol(org.colleague, s)
    db.session.commit()
    form = {
        "session-starts_at": "2030-03-01T09:00",
        "session-ends_at": "2030-03-01T12:00",
        "session-place": "Rådhuset",
        "session-seats": "2",
    }
    login(client, org.leader)
    assert client.post(f"/trainings/sessions/{s.id}/edit", data=form).status_code == 403
    client.post("/logout")
    login(client, org.hr)
    page = client.get(f"/trainings/sessions/{s.id}").get_data(as_text=True)
    assert org.colleague.name in page and 'value="2030-03-01T09:00"' in page
    ancient = dict(form, **{"session-starts_at": "0001-01-01T00:00"})
    assert (
        client.post(f"/trainings/sessions/{s.id}/edit", data=ancient).status_code == 422
    )  # shown again, the message beside its field
    too_few = dict(form, **{"session-seats": "0"})
    assert (
        client.post(f"/trainings/sessions/{s.id}/edit", data=too_few).status_code == 422
    )  # shown again, the message beside its field
    db.session.expire_all()
    assert s.seats == 1 and waiting.status == "waitlisted"
    assert client.post(f"/trainings/sessions/{s.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert s.seats == 2 and waiting.status == "enrolled" and first.status == "enrolled"
    resp = client.post(
        f"/trainings/enrolments/{first.id}/cancel", data={"next": f"/trainings/sessions/{s.id}"}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/sessions/{s.id}")
