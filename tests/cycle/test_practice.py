"""After a stop the leader marks competences practised; that proposes assessments which
the attendees' leaders confirm in the training catalogue's proposal list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.competence.models import Assessment, FrameworkLevel
from kollega.cycle import attendance, practice, services
from kollega.cycle.models import Practice
from kollega.errors import PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks.members import add_member
from kollega.networks.networks import create_network
from kollega.training import services as training
from kollega.training.models import AssessmentProposal
from tests.conftest import login
from tests.cycle.helpers import make_event, utc
from tests.gaps import data

START = utc(2026, 1, 6, 8)  # 09:00 in Oslo, long past
KEY = services.occurrence_key(START)


def _levels(comp: Any, top: int = 4) -> None:
    for level in range(1, top + 1):
        db.session.add(
            FrameworkLevel(
                framework_id=comp.framework_id, level=level, name_nb=str(level), name_en=str(level)
            )
        )
    db.session.flush()


@pytest.fixture
def world(org: Any) -> Any:
    a = data.competence("t:a")
    b = data.competence("t:b")
    _levels(a)
    data.assessment(org.employee, a, 2, "leader", "2025-12-01")
    data.assessment(org.employee_a1, b, 4, "leader", "2025-12-01")  # already at the top
    event = make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Læringsstopp",
        starts_at="2026-01-06T09:00",
        ends_at="2026-01-06T10:00",
        competences="t:a, t:b",
        created_at=utc(2025, 12, 1),
    )
    for person in (org.employee, org.employee_a1):
        attendance.check_in(org.leader, event, START, person)
    db.session.commit()
    return event


def _proposals() -> list[AssessmentProposal]:
    return list(db.session.scalars(sa.select(AssessmentProposal).order_by(AssessmentProposal.id)))


def _post(client: Any, event: Any, marks: list[str]) -> Any:
    return client.post(f"/cycle/events/{event.id}/{KEY}/practice", data={"practised": marks})


def test_marks_propose_levels_the_leader_confirms(client, org, world):
    login(client, org.leader)
    page = client.get(f"/cycle/events/{world.id}/{KEY}/practice")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Eva Ansatt" in html and "Ola Lærer" in html and "Kompetanse t:a" in html
    assert f'value="{org.employee.id}:t:a"' in html
    # The occurrence page links to it.
    occurrence = client.get(f"/cycle/events/{world.id}/{KEY}").get_data(as_text=True)
    assert f"/cycle/events/{world.id}/{KEY}/practice" in occurrence

    marks = [f"{org.employee.id}:t:a", f"{org.employee.id}:t:b", f"{org.employee_a1.id}:t:b"]
    response = _post(client, world, marks)
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(Practice)).all()
    assert {(r.person_id, r.competence_code) for r in rows} == {
        (org.employee.id, "t:a"),
        (org.employee.id, "t:b"),
        (org.employee_a1.id, "t:b"),
    }
    proposals = _proposals()
    # Eva: t:a 2 -> 3, t:b 0 -> 1; Ola is at the top of t:b's scale (nothing to propose).
    assert sorted((p.person_id, p.competence_code, p.level, p.status) for p in proposals) == [
        (org.employee.id, "t:a", 3, "pending"),
        (org.employee.id, "t:b", 1, "pending"),
    ]
    proposals = [p for p in proposals if p.competence_code == "t:a"] + [
        p for p in proposals if p.competence_code == "t:b"
    ]
    assert proposals[0].enrolment_id is None and "Læringsstopp" in proposals[0].origin
    assert proposals[0].evidence_on == dt.date(2026, 1, 6)

    # The leader sees it in the list of levels to confirm, next to training proposals.
    assert sorted(p.id for p in training.pending_proposals(org.leader)) == sorted(
        p.id for p in proposals
    )
    assert training.pending_proposals(org.other_leader) == []
    listing = client.get("/trainings/proposals").get_data(as_text=True)
    assert "Læringsstopp" in listing and "t:a" in listing
    confirmed = client.post(
        f"/trainings/proposals/{proposals[0].id}", data={"decision": "confirm", "level": "3"}
    )
    assert confirmed.status_code == 302
    row = db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.person_id == org.employee.id, Assessment.source == "leader")
        .order_by(Assessment.id.desc())
    )
    assert row is not None and row.level == 3 and row.assessed_on == dt.date(2026, 1, 6)
    assert "Læringsstopp" in row.note


def test_marking_twice_changes_nothing(client, org, world):
    login(client, org.leader)
    mark = [f"{org.employee.id}:t:a"]
    assert _post(client, world, mark).status_code == 302
    assert _post(client, world, mark).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Practice.id))) == 1
    assert len(_proposals()) == 1
    html = client.get(f"/cycle/events/{world.id}/{KEY}/practice").get_data(as_text=True)
    assert "checked disabled" in html


@pytest.mark.parametrize(
    "marks",
    [
        [],
        ["nonsense"],
        ["abc:t:a"],
        ["{colleague}:t:a"],  # invited but not checked in
        ["{other}:t:a"],  # not invited at all
        ["{employee}:t:zzz"],  # not a target competence
        ["{employee}:t:a", "{employee}:t:zzz"],  # one bad mark spoils the lot
    ],
)
def test_bad_marks_are_422_and_change_nothing(client, org, world, marks):
    ids = {
        "colleague": org.colleague.id,
        "other": org.other_employee.id,
        "employee": org.employee.id,
    }
    login(client, org.leader)
    response = _post(client, world, [m.format(**ids) for m in marks])
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Practice.id))) == 0
    assert _proposals() == []


@pytest.mark.parametrize("who", ["employee", "other_leader", "admin", "colleague"])
def test_others_are_refused(client, org, world, who):
    login(client, getattr(org, who))
    assert client.get(f"/cycle/events/{world.id}/{KEY}/practice").status_code == 403
    assert _post(client, world, [f"{org.employee.id}:t:a"]).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Practice.id))) == 0
    with pytest.raises(PermissionDenied):
        practice.mark_practised(getattr(org, who), world, START, [(org.employee.id, "t:a")])


def test_not_before_the_stop_and_not_for_other_kinds(org, world):
    with pytest.raises(ValidationError):
        practice.mark_practised(
            org.leader, world, START, [(org.employee.id, "t:a")], now=START - dt.timedelta(hours=1)
        )
    planning = make_event(
        org.leader,
        unit="A1",
        kind="planning_period",
        title="Planlegging",
        starts_at="2026-01-07T09:00",
        ends_at="2026-01-07T10:00",
        competences="t:a",
    )
    with pytest.raises(PermissionDenied):  # only stops have practised competences
        practice.mark_practised(org.leader, planning, utc(2026, 1, 7, 8), [])


def test_facilitator_marks_for_a_network_stop(org):
    a = data.competence("t:a")
    _levels(a)
    network = create_network(org.employee_a1, "Digitalt", "", visibility="open")
    add_member(org.employee_a1, network.id, org.other_employee.id)
    db.session.commit()
    event = make_event(
        org.employee_a1,
        network=network.id,
        kind="evaluation_stop",
        title="Evalueringsstopp",
        starts_at="2026-01-06T09:00",
        ends_at="2026-01-06T10:00",
        competences="t:a",
        created_at=utc(2025, 12, 1),
    )
    attendance.check_in(org.employee_a1, event, START, org.other_employee)
    done = practice.mark_practised(org.employee_a1, event, START, [(org.other_employee.id, "t:a")])
    db.session.commit()
    assert len(done.new) == 1 and done.proposed == 1
    (proposal,) = _proposals()
    assert (proposal.person_id, proposal.level) == (org.other_employee.id, 1)
    # Per's own leader confirms it, not the facilitator.
    assert training.pending_proposals(org.other_leader) == [proposal]
    assert training.pending_proposals(org.employee_a1) == []
