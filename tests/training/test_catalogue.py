"""Training catalogue: API shape, enrolment with a waiting list, completion as formal
evidence and the leader's confirmation, permissions per role."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kollega.competence.models import Assessment, FormalCredential
from kollega.errors import Conflict, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.training import services
from kollega.training.models import AssessmentProposal
from tests.conftest import login
from tests.gaps import data


def _training(hr, seats=2, code="pv:1", **extra):
    t = services.save_training(
        hr,
        services.TrainingData(
            title=extra.pop("title", "Personvern i praksis"),
            format=extra.pop("format", "course"),
            provider="KS",
            hours=extra.pop("hours", 3.0),
            competences=(services.CompetenceLift(code, 1, 3),),
            **extra,
        ),
    )
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    s = services.add_session(hr, t, start, start + dt.timedelta(hours=3), "Rådhuset", seats)
    db.session.commit()
    return t, s


def test_api_lists_trainings_in_design_shape(client, org):
    data.competence("pv:1", "privacy")
    t, s = _training(org.hr)
    assert client.get("/api/v1/trainings").status_code == 401
    login(client, org.employee)
    body = client.get("/api/v1/trainings").get_json()
    assert isinstance(body, list) and len(body) == 1
    row = body[0]
    assert {"id", "title", "competences", "format", "hours"} <= set(row)
    assert row["id"] == t.id and row["format"] == "course" and row["hours"] == 3.0
    assert row["competences"] == ["pv:1"]
    assert row["levels"] == [{"code": "pv:1", "level_from": 1, "level_to": 3}]
    assert row["next_session"]["id"] == s.id and row["next_session"]["seats_free"] == 2
    assert client.get("/api/v1/trainings?format=nonsense").status_code == 422
    assert client.get("/api/v1/trainings?competence=pv:1").get_json()[0]["id"] == t.id
    assert client.get("/api/v1/trainings?competence=other:1").get_json() == []


def test_only_hr_keeps_the_catalogue(org):
    with pytest.raises(PermissionDenied):
        services.save_training(org.leader, services.TrainingData(title="X", format="course"))
    with pytest.raises(ValidationError) as err:
        services.save_training(
            org.hr,
            services.TrainingData(
                title=" ",
                format="lecture",
                hours=-1,
                funding_url="javascript:alert(1)",
                competences=(services.CompetenceLift("nocolon", 0, 1),),
            ),
        )
    assert set(err.value.fields) == {"title", "format", "hours", "funding_url", "competences"}


def test_waiting_list_moves_up_when_a_seat_frees(client, org):
    data.competence("pv:1", "privacy")
    _t, s = _training(org.hr, seats=1)
    first = services.enrol(org.employee, s)
    second = services.enrol(org.colleague, s)
    third = services.enrol(org.employee_a1, s)
    db.session.commit()
    assert (first.status, second.status, third.status) == ("enrolled", "waitlisted", "waitlisted")
    assert services.waiting_position(second) == 1 and services.waiting_position(third) == 2
    with pytest.raises(Conflict):
        services.enrol(org.employee, s)
    # Through the API: the first cancels, the second moves up.
    as_employee = data.bearer(org.employee)
    resp = client.post(f"/api/v1/enrolments/{first.id}/cancel", headers=as_employee)
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert second.status == "enrolled" and third.status == "waitlisted"
    assert services.waiting_position(third) == 1
    # Someone else's enrolment: refused, nothing changes.
    resp = client.post(f"/api/v1/enrolments/{second.id}/cancel", headers=as_employee)
    assert resp.status_code == 403
    # More seats: the next one moves up too.
    services.update_session(org.hr, s, s.starts_at, s.ends_at, s.place, 2)
    db.session.commit()
    assert third.status == "enrolled"
    with pytest.raises(Conflict):
        services.update_session(org.hr, s, s.starts_at, s.ends_at, s.place, 1)


def test_enrol_through_api_and_leader_may_enrol_own_people(client, org):
    data.competence("pv:1", "privacy")
    _t, s = _training(org.hr, seats=5)
    url = f"/api/v1/training-sessions/{s.id}/enrolments"
    body = {"person_id": org.employee.id}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=data.bearer(org.other_leader)).status_code == 403
    leader = data.bearer(org.leader)
    resp = client.post(url, json=body, headers=leader)
    assert resp.status_code == 201 and resp.get_json()["status"] == "enrolled"
    resp = client.post("/api/v1/training-sessions/99999/enrolments", json={}, headers=leader)
    assert resp.status_code == 404
    assert client.post(url, json={"person_id": "x"}, headers=leader).status_code == 422


def test_completion_records_evidence_and_leader_confirms(client, org):
    comp = data.competence("pv:1", "privacy")
    data.requirement(comp, 3, unit=org.unit_a1)
    data.assessment(org.employee, comp, 1, "self", "2026-01-10")
    _t, s = _training(org.hr, seats=5)
    enrolment = services.enrol(org.employee, s)
    db.session.commit()
    url = f"/api/v1/enrolments/{enrolment.id}/complete"
    assert client.post(url, headers=data.bearer(org.employee)).status_code == 403
    hr = data.bearer(org.hr)
    assert client.post(url, json={"completed_on": "1. mars"}, headers=hr).status_code == 422
    assert client.post(url, json={"completed_on": "9999-01-01"}, headers=hr).status_code == 422
    resp = client.post(url, json={"completed_on": "2026-03-01"}, headers=hr)
    assert resp.status_code == 200 and resp.get_json()["status"] == "completed"
    credential = db.session.scalar(
        sa.select(FormalCredential).where(FormalCredential.person_id == org.employee.id)
    )
    assert credential is not None and credential.kind == "course"
    assert credential.issued_on == dt.date(2026, 3, 1)
    assert [(c.competence_id, c.level) for c in credential.competences] == [(comp.id, 3)]
    proposal = db.session.scalar(sa.select(AssessmentProposal))
    assert proposal.status == "pending" and proposal.level == 3
    # Nothing in the register yet: the leader confirms first.
    formal = sa.select(Assessment).where(Assessment.source == "formal")
    assert db.session.scalars(formal).all() == []
    assert services.pending_proposals(org.leader) == [proposal]
    assert services.pending_proposals(org.other_leader) == []
    with pytest.raises(PermissionDenied):
        services.decide_proposal(org.other_leader, proposal, True)
    services.decide_proposal(org.leader, proposal, True)
    db.session.commit()
    row = db.session.scalars(formal).one()
    assert (row.person_id, row.level, row.assessed_on) == (org.employee.id, 3, dt.date(2026, 3, 1))
    assert row.credential_id == credential.id
    with pytest.raises(Conflict):
        services.decide_proposal(org.leader, proposal, True)


def test_completion_needs_an_enrolled_participant(org):
    data.competence("pv:1", "privacy")
    _t, s = _training(org.hr, seats=0)
    waiting = services.enrol(org.employee, s)
    assert waiting.status == "waitlisted"
    with pytest.raises(Conflict):
        services.complete(org.hr, waiting)


def test_no_proposal_below_the_current_level(org):
    comp = data.competence("pv:1", "privacy")
    data.assessment(org.employee, comp, 4, "leader", "2026-01-10")
    _t, s = _training(org.hr, seats=5)
    enrolment = services.enrol(org.employee, s)
    assert services.complete(org.hr, enrolment, dt.date(2026, 3, 1)) == []
    assert enrolment.status == "completed"
