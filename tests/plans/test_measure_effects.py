"""Each measure's actual effect beside its expected one (issue #21, point 8), on seeded
levels before and after: the gap closure among the network's members, the people
enrolled in the training and the people recruited, in the competences the measure
names (``kollega.plans.effects``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from kollega import clock
from kollega.extensions import db
from kollega.networks.models import Network, NetworkMember
from kollega.training.models import Enrolment, Training, TrainingCompetence, TrainingSession
from tests.conftest import login
from tests.factories import make_person
from tests.gaps.data import assessment, bearer, competence, requirement

TODAY = dt.date(2026, 9, 1)


def _seed(org):
    """Unit B1 needs level 3 in t:1 from 2026. Network members a (1 → 3) and b (2, still
    2); c enrolled in the course (0 → 3), d's enrolment cancelled; r recruited as SPL in
    May (0.8 FTE, arrives at level 2); s, an SPL since before the measure, is not counted."""
    t1 = competence("t:1")
    requirement(t1, 3, unit=org.unit_b1, since="2026-01-01")
    a, b, c, d = (make_person(org.unit_b1, job_code="HFA") for _ in range(4))
    r = make_person(org.unit_b1, job_code="SPL", fte=0.8)
    r.created_at = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)
    s = make_person(org.unit_b1, job_code="SPL")
    s.created_at = dt.datetime(2025, 5, 1, 8, tzinfo=dt.UTC)
    assessment(a, t1, 1, on="2026-02-01")
    assessment(b, t1, 2, on="2026-02-01")
    assessment(a, t1, 3, source="leader", on="2026-06-01")
    assessment(c, t1, 3, source="leader", on="2026-07-01")
    assessment(r, t1, 2, on="2026-05-15")
    network = Network(name="Fagnettverk", visibility="open", status="active")
    db.session.add(network)
    db.session.flush()
    for person in (a, b):
        db.session.add(
            NetworkMember(network_id=network.id, person_id=person.id, role="member", state="active")
        )
    course = Training(title="Kurs i t:1", format="course")
    course.competences = [TrainingCompetence(competence_code="t:1", level_from=0, level_to=3)]
    session = TrainingSession(
        starts_at=dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 4, 1, 15, tzinfo=dt.UTC),
    )
    course.sessions = [session]
    db.session.add(course)
    db.session.flush()
    db.session.add(Enrolment(session_id=session.id, person_id=c.id, status="completed"))
    db.session.add(Enrolment(session_id=session.id, person_id=d.id, status="cancelled"))
    db.session.commit()
    return network.id, course.id


@pytest.fixture
def plan(client, org, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    network_id, course_id = _seed(org)
    h = bearer(org.other_leader)
    plan_id = client.post(
        "/api/v1/plans",
        json={
            "unit": "B1",
            "title": "Helse",
            "period_from": "2026-01-01",
            "period_to": "2028-12-31",
        },
        headers=h,
    ).json["id"]
    for body in (
        {
            "kind": "mobilise",
            "title": "Nettverk",
            "network_id": network_id,
            "starts_on": "2026-03-01",
            "effects": [{"competence": "t:1", "people": 2, "level": 3}],
        },
        {"kind": "develop", "title": "Kurs", "training_id": course_id, "starts_on": "2026-03-01"},
        {
            "kind": "recruit",
            "title": "Rekruttere",
            "job_code": "SPL",
            "fte_change": 1.0,
            "starts_on": "2026-04-01",
        },
        {"kind": "phase_out", "title": "Avvikle", "starts_on": "2027-01-01"},
    ):
        made = client.post(f"/api/v1/plans/{plan_id}/measures", json=body, headers=h)
        assert made.status_code == 201, made.json
    return plan_id, h


def test_actual_closure_per_measure_in_the_api(client, plan):
    plan_id, h = plan
    out = client.get(f"/api/v1/plans/{plan_id}/analysis", headers=h).json
    network, course, recruit, phase_out = out["measure_effects"]
    # Members a and b: G(2026-03-01) = (3-1) + (3-2) = 3; on 2026-09-01 a is at 3: G = 1.
    assert network["basis"] == ["network"] and network["people"] == 2
    assert network["from"] == "2026-03-01" and network["to"] == "2026-09-01"
    assert (network["gap_points_from"], network["gap_points_to"]) == (3, 1)
    assert network["closure"] == pytest.approx(2 / 3)
    # Expected: both lifted to 3, all 3 points closed.
    assert network["expected_closure"] == pytest.approx(1.0)
    # The course's competences (no expected effect named): c from 0 to 3; d cancelled.
    assert course["basis"] == ["training"] and course["people"] == 1
    assert course["competences"] == ["t:1"]
    assert (course["gap_points_from"], course["gap_points_to"]) == (3, 0)
    assert course["closure"] == pytest.approx(1.0) and course["expected_closure"] is None
    # Recruited since 2026-04-01: r only (0.8 FTE of the 1.0 expected); every competence
    # required of r (t:1) from level 0 at the start to 2: G 3 → 1.
    assert recruit["basis"] == ["recruitment"] and recruit["people"] == 1
    assert recruit["recruited_fte"] == pytest.approx(0.8) and recruit["expected_fte"] == 1.0
    assert recruit["competences"] == ["t:1"]
    assert (recruit["gap_points_from"], recruit["gap_points_to"]) == (3, 1)
    assert recruit["closure"] == pytest.approx(2 / 3)
    # Not started, nothing to measure.
    assert phase_out["basis"] == [] and phase_out["closure"] is None
    assert phase_out["started"] is False


def test_actual_effect_on_the_page_and_in_the_document(client, org, plan):
    plan_id, h = plan
    login(client, org.other_leader)
    page = client.get(f"/plans/{plan_id}").text.replace("\xa0", " ")
    assert "Faktisk effekt" in page
    assert "2 personer (medlemmer av nettverket); gaplukking 67 % (fra 3 til 1 gappoeng)" in page
    assert "forventet gaplukking 100 %" in page
    assert "0,8 av 1 årsverk rekruttert" in page
    doc = Document(io.BytesIO(client.get(f"/plans/{plan_id}/document.docx").data))
    rows = {
        r.cells[0].text: [c.text.replace("\xa0", " ") for c in r.cells]
        for t in doc.tables
        for r in t.rows
        if t.rows[0].cells[0].text == "Tiltak" and len(t.columns) == 4
    }
    assert rows["Nettverk"][2] == "100 %"
    assert "gaplukking 67 % (fra 3 til 1 gappoeng)" in rows["Nettverk"][3]
    assert "gaplukking 100 %" in rows["Kurs"][3]
