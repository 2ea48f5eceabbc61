"""Trainings fitted to who they are meant for (#21 point 3): a primary-school teacher is
not offered the nurses' or the kindergarten's courses, a nurse gets the health courses
before the general ones, a kindergarten teacher the kindergarten's; a unit's seats count
only the people a course is meant for. HR keeps the audience on the training form."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kollega.extensions import db
from kollega.gaps import suggestions
from kollega.org.models import Job
from kollega.training import audience
from kollega.training import services as training
from kollega.training.models import Training
from tests.conftest import login
from tests.factories import make_person
from tests.gaps import data

TODAY = dt.date.today()
SINCE = (TODAY - dt.timedelta(days=300)).isoformat()


def course(hr, title, hours, jobs=(), units=()):
    """A course lifting pv:1 from 1 to 3, with a session in two weeks."""
    t = training.save_training(
        hr,
        training.TrainingData(
            title=title,
            format="course",
            hours=hours,
            competences=(training.CompetenceLift("pv:1", 1, 3),),
            audience_jobs=tuple(jobs),
            audience_units=tuple(units),
        ),
    )
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    training.add_session(hr, t, start, start + dt.timedelta(hours=hours), "Rådhuset", 50)
    return t


@pytest.fixture
def world(org):
    """Everyone needs privacy at 3 (nobody assessed: level 0). A school (A1, Oppvekst)
    with three teachers and an assistant, a kindergarten (A2) with three kindergarten
    teachers, home care (B1, Helse og omsorg) with three nurses and an assistant. Five
    courses: a general one (short, so it scores highest), one for nurses and health
    workers, one for the kindergarten, one for Helse og omsorg, one for teachers."""
    pv = data.competence("pv:1", "privacy", "Personvern")
    data.requirement(pv, 3, unit=org.root, since=SINCE)
    db.session.add_all(
        [Job(code="sykepleier", name="Sykepleier"), Job(code="laerer", name="Lærer")]
    )
    w = type("World", (), {})()
    w.teachers = [make_person(org.unit_a1, job_code="laerer") for _ in range(3)]
    w.school_assistant = make_person(org.unit_a1, job_code="assistent")
    w.kindergarten = [make_person(org.unit_a2, job_code="barnehagelaerer") for _ in range(3)]
    w.nurses = [make_person(org.unit_b1, job_code="sykepleier") for _ in range(3)]
    w.care_assistant = make_person(org.unit_b1, job_code="assistent")
    w.general = course(org.hr, "Personvern i praksis", 1)
    w.medicine = course(org.hr, "Legemiddelhåndtering", 6, jobs=("sykepleier", "helsefagarbeider"))
    w.language = course(org.hr, "Språkmiljø i barnehagen", 6, jobs=("barnehagelaerer",))
    w.welfare = course(org.hr, "Velferdsteknologi for helsefagarbeidere", 8, units=(org.div_b.id,))
    w.teaching = course(org.hr, "Videreutdanning for lærere", 10, jobs=("laerer",))
    db.session.commit()
    return w


def offered(client, person, hr):
    r = client.get(f"/api/v1/people/{person.id}/suggestions?lang=en", headers=data.bearer(hr))
    assert r.status_code == 200, r.get_json()
    return [s for s in r.get_json()["suggestions"] if s["type"] == "training"]


def test_a_teacher_gets_the_teachers_course_then_the_general_one(client, org, world):
    rows = offered(client, world.teachers[0], org.hr)
    assert [r["id"] for r in rows] == [world.teaching.id, world.general.id]
    assert "Meant for your job (Lærer)." in rows[0]["reason"]
    assert rows[0]["audience"] == "job" and rows[1]["audience"] == "everyone"
    assert "Meant for" not in rows[1]["reason"]


def test_a_nurse_gets_the_health_courses_first(client, org, world):
    rows = offered(client, world.nurses[0], org.hr)
    ids = [r["id"] for r in rows]
    # Meant for their job or division first (by gap points per hour), general last,
    # though the general one scores highest.
    assert ids == [world.medicine.id, world.welfare.id, world.general.id]
    assert rows[0]["score"] > rows[1]["score"] and rows[2]["score"] > rows[0]["score"]
    assert "Meant for your job (Sykepleier)." in rows[0]["reason"]
    assert "Meant for Helse og omsorg, where you work." in rows[1]["reason"]


def test_an_assistant_fits_by_division_not_by_job(client, org, world):
    care = [r["id"] for r in offered(client, world.care_assistant, org.hr)]
    assert care == [world.welfare.id, world.general.id]
    school = [r["id"] for r in offered(client, world.school_assistant, org.hr)]
    assert school == [world.general.id]


def test_a_kindergarten_teacher_gets_the_kindergarten_course(client, org, world):
    rows = offered(client, world.kindergarten[0], org.hr)
    assert [r["id"] for r in rows] == [world.language.id, world.general.id]


def test_reasons_in_bokmal(client, org, world):
    r = client.get(
        f"/api/v1/people/{world.nurses[0].id}/suggestions?lang=nb",
        headers=data.bearer(org.hr),
    )
    reasons = [s["reason"] for s in r.get_json()["suggestions"] if s["type"] == "training"]
    assert "Beregnet på din stilling (Sykepleier)." in reasons[0]
    assert "Beregnet på Helse og omsorg, der du jobber." in reasons[1]


def test_a_unit_gets_the_courses_meant_for_its_people(app, org, world):
    with app.test_request_context("/?lang=en"):
        school = {
            m["id"]: m for m in suggestions.for_unit(org.hr, org.unit_a1) if m["type"] == "training"
        }
        care = {
            m["id"]: m for m in suggestions.for_unit(org.hr, org.unit_b1) if m["type"] == "training"
        }
        oppvekst = [
            m["id"] for m in suggestions.for_unit(org.hr, org.div_a) if m["type"] == "training"
        ]
    # The school (eight people, the factory's five with job ADV): the teachers' course
    # for its three teachers, the general one for all eight; no health or kindergarten
    # course.
    assert set(school) == {world.teaching.id, world.general.id}
    assert school[world.teaching.id]["seats_needed"] == 3
    assert school[world.general.id]["seats_needed"] == 8
    assert "meant for the jobs or divisions of 3 of them" in school[world.teaching.id]["reason"]
    # Home care (six people): the nurses' course for the three nurses, the division's
    # for all six.
    assert set(care) == {world.medicine.id, world.welfare.id, world.general.id}
    assert care[world.medicine.id]["seats_needed"] == 3
    assert care[world.welfare.id]["seats_needed"] == 6
    # Oppvekst as a whole: the courses meant for its people first, the general one last.
    assert oppvekst[-1] == world.general.id
    assert set(oppvekst) == {world.teaching.id, world.language.id, world.general.id}


def test_hr_keeps_the_audience_on_the_form(client, org, world):
    login(client, org.hr)
    page = client.get(f"/trainings/{world.medicine.id}/edit").get_data(as_text=True)
    assert "Sykepleier" in page and 'value="sykepleier" checked' in page
    assert org.div_b.name in page
    resp = client.post(
        f"/trainings/{world.medicine.id}/edit",
        data={
            "title": "Legemiddelhåndtering",
            "format": "course",
            "hours": "6",
            "language": "nb",
            "competences": "pv:1 1 3",
            "active": "y",
            "audience_job_codes": ["sykepleier"],
            "audience_unit_ids": [str(org.div_b.id)],
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    t = db.session.get(Training, world.medicine.id)
    assert [a.job_code for a in t.audience_jobs] == ["sykepleier"]
    assert [a.unit_id for a in t.audience_units] == [org.div_b.id]
    shown = client.get(f"/trainings/{t.id}?lang=en").get_data(as_text=True)
    assert "Meant for" in shown and "Sykepleier" in shown and org.div_b.name in shown
    general = client.get(f"/trainings/{world.general.id}?lang=en").get_data(as_text=True)
    assert "everyone" in general
    # An unknown unit: a translated error, 422, nothing changed.
    bad = client.post(
        f"/trainings/{t.id}/edit?lang=nb",
        data={
            "title": "Endret",
            "format": "course",
            "hours": "6",
            "language": "nb",
            "competences": "pv:1 1 3",
            "audience_unit_ids": ["999999"],
        },
    )
    assert bad.status_code == 422 and "Velg enheter som finnes." in bad.get_data(as_text=True)
    db.session.expire_all()
    t = db.session.get(Training, world.medicine.id)
    assert t.title == "Legemiddelhåndtering" and [a.unit_id for a in t.audience_units] == [
        org.div_b.id
    ]


def test_the_api_shows_the_audience(client, org, world):
    r = client.get("/api/v1/trainings", headers=data.bearer(org.employee))
    by_id = {t["id"]: t for t in r.get_json()}
    assert by_id[world.medicine.id]["audience"] == {
        "jobs": ["helsefagarbeider", "sykepleier"],
        "units": [],
    }
    assert by_id[world.welfare.id]["audience"] == {"jobs": [], "units": [org.div_b.id]}
    assert by_id[world.general.id]["audience"] == {"jobs": [], "units": []}


def test_removing_the_audience_offers_it_to_everyone(app, org, world):
    t = world.language
    training.save_training(
        org.hr,
        training.TrainingData(
            title=t.title,
            format=t.format,
            hours=t.hours,
            competences=(training.CompetenceLift("pv:1", 1, 3),),
        ),
        t,
    )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Training)) == 5
    with app.test_request_context("/?lang=en"):
        rows = suggestions.for_person(org.hr, world.teachers[0])
    assert t.id in [s.id for s in rows if s.type == "training"]


def test_a_course_meant_for_the_job_does_not_push_the_trainings_out_of_the_top_ten():
    """The kindergarten teacher of the demo: ten networks at 0.5, a long course meant for
    her job at 0.25 and a short general one at 2.0. The trainings' best score places
    them, the course meant for her first; before, the 0.25 head let all ten networks
    pass and no training reached the top ten."""
    from kollega.gaps.suggestion_base import Suggestion

    networks = [Suggestion("network", i, f"N{i}", [], "", 0.5) for i in range(10)]
    meant = Suggestion("training", 1, "Språkmiljø i barnehagen", [], "", 0.25)
    general = Suggestion("training", 2, "Personvern i praksis", [], "", 2.0)
    merged = suggestions._merge(networks, [meant, general])[:10]
    assert [(s.type, s.id) for s in merged[:2]] == [("training", 1), ("training", 2)]


def test_the_units_check_of_many_seats_agrees_with_fit(app, org, world):
    """A unit's proposals check each person's seat with ``audience.fitter`` (the
    audience read once per course): the same answer as ``audience.fit`` for every
    course and seat, a seat without job or unit too."""
    people = [
        *world.teachers,
        world.school_assistant,
        *world.kindergarten,
        *world.nurses,
        world.care_assistant,
    ]
    seats = [audience.seat_of_person(p) for p in people]
    seats += [audience.Seat(None, frozenset()), audience.Seat("sykepleier", frozenset())]
    seats += [audience.Seat(None, frozenset({org.root.id, org.div_b.id}))]
    courses = [world.general, world.medicine, world.language, world.welfare, world.teaching]
    for course_ in courses:
        fits = audience.fitter(course_)
        for seat in seats:
            assert fits(seat) == (audience.fit(course_, seat) is not None), (course_, seat)
    assert sum(audience.fitter(world.welfare)(s) for s in seats) == 5  # 3 nurses, 1, 1
