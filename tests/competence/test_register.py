"""Formal credentials and expiry, development conversations, "who knows this?",
unit plans and HR's framework editor."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from kollega import clock
from kollega.competence import assessments, conversations, credentials, experts, export, services
from kollega.competence.frameworks import SHIPPED
from kollega.errors import PermissionDenied, ValidationError
from kollega.extensions import db
from tests.conftest import login


def test_credentials_give_formal_levels_and_expiry_shows(org, frameworks):
    c = services.competence_by_code("privacy-1.0:1.3")
    today = clock.today()
    credentials.add_credential(
        org.leader,
        org.employee,
        "certificate",
        "HLR",
        "Røde Kors",
        today - dt.timedelta(days=700),
        today + dt.timedelta(days=30),
        [(c, 3)],
    )
    credentials.add_credential(
        org.employee,
        org.employee,
        "course",
        "Gammelt kurs",
        "",
        today - dt.timedelta(days=900),
        today - dt.timedelta(days=1),
    )
    db.session.commit()
    assert services.current_level(org.employee, c, today) == 3
    soon, gone = credentials.expiring([org.employee.id], today)
    assert [x.title for x in soon] == ["HLR"] and [x.title for x in gone] == ["Gammelt kurs"]
    with pytest.raises(PermissionDenied):
        credentials.add_credential(org.other_leader, org.employee, "course", "X")
    with pytest.raises(ValidationError):
        credentials.add_credential(org.employee, org.employee, "diploma", "X")
    with pytest.raises(ValidationError):
        credentials.add_credential(
            org.employee, org.employee, "course", "X", "", today, today - dt.timedelta(days=1)
        )


def test_conversations_only_for_employee_and_leader_chain(client, org, frameworks):
    login(client, org.leader)
    r = client.post(
        f"/competence/people/{org.employee.id}/conversations",
        data={
            "held_on": "2025-03-01",
            "agreed_goals": "Ta kurs i personvern",
            "competence": "privacy-1.0:1.3",
            "target_level": "3",
        },
    )
    assert r.status_code == 302
    assert "Ta kurs i personvern" in client.get(
        f"/competence/people/{org.employee.id}/conversations"
    ).get_data(as_text=True)
    client.post("/logout")
    login(client, org.employee)
    page = client.get(f"/competence/people/{org.employee.id}/conversations")
    assert page.status_code == 200 and "Ta kurs i personvern" in page.get_data(as_text=True)
    # The employee cannot write their leader's notes.
    assert (
        client.post(
            f"/competence/people/{org.employee.id}/conversations",
            data={"held_on": "2025-03-01", "agreed_goals": "x"},
        ).status_code
        == 403
    )
    client.post("/logout")
    for who in ("hr", "colleague", "other_leader"):
        login(client, getattr(org, who))
        assert client.get(f"/competence/people/{org.employee.id}/conversations").status_code == 403
        client.post("/logout")


def test_who_knows_shows_only_findable_people(client, org, frameworks):
    c = services.competence_by_code("digcomp-2.2:3.4")
    assessments.self_assess(org.other_employee, c, 7)
    assessments.self_assess(org.colleague, c, 8)  # strong but not findable
    experts.set_findable(org.other_employee, org.other_employee, True)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        experts.set_findable(org.leader, org.other_employee, False)
    found = experts.who_knows(org.employee, c, 5)
    assert [e.person.id for e in found] == [org.other_employee.id]
    assert experts.who_knows(org.employee, c, 8) == []
    login(client, org.employee)
    html = client.get("/competence/who-knows?competence=digcomp-2.2:3.4&min_level=5").get_data(
        as_text=True
    )
    assert org.other_employee.name in html and org.colleague.name not in html
    assert client.get("/competence/who-knows?competence=nope:1").status_code == 400  # beside it
    client.post("/logout")
    login(client, org.guest)
    assert client.get("/competence/who-knows").status_code == 403


def test_findable_toggle_page(client, org, frameworks):
    login(client, org.employee)
    assert client.post("/competence/findable", data={"findable": "1"}).status_code == 302
    assert experts.is_findable(org.employee)
    client.post("/competence/findable", data={"findable": "0"})
    assert not experts.is_findable(org.employee)


def test_unit_plan_with_goals(client, org, frameworks):
    login(client, org.leader)
    base = "/competence/plans/A1/2026"
    assert (
        client.post(
            base, data={"action": "plan", "summary": "Personvern først", "status": "active"}
        ).status_code
        == 302
    )
    r = client.post(
        base,
        data={
            "action": "goal",
            "focus_area": "privacy",
            "goal": "Alle på nivå 3",
            "measure_kind": "develop",
            "measure": "Kurs",
        },
    )
    assert r.status_code == 302
    html = client.get(base).get_data(as_text=True)
    assert "Alle på nivå 3" in html and "Personvern først" in html
    goal = {"action": "goal", "focus_area": "privacy", "goal": "Ansvar", "measure_kind": "develop"}
    assert (
        client.post(base, data=goal | {"responsible_id": str(org.employee.id)}).status_code == 302
    )
    r = client.post(base, data=goal | {"responsible_id": str(org.other_employee.id)})
    assert r.status_code == 422
    assert (
        client.post(base, data={"action": "goal", "focus_area": "cooking", "goal": "x"}).status_code
        == 422
    )
    client.post("/logout")
    login(client, org.other_leader)
    assert (
        client.post(base, data={"action": "plan", "summary": "x", "status": "active"}).status_code
        == 403
    )


def test_hr_framework_editor(client, org, frameworks):
    login(client, org.hr)
    r = client.post(
        "/competence/frameworks/new",
        data={
            "code": "helse-1.0",
            "name_nb": "Helsefag",
            "name_en": "Health",
            "focus_area": "privacy",
            "levels": "3",
        },
    )
    assert r.status_code == 302
    r = client.post(
        "/competence/frameworks/helse-1.0",
        data={
            "action": "competence",
            "local_code": "1.1",
            "area": "1",
            "name_nb": "Legemiddelhåndtering",
            "name_en": "Medicines",
            "covers": ["knowledge", "skills"],
            "focus_area": "privacy",
        },
    )
    assert r.status_code == 302
    comp = services.competence_by_code("helse-1.0:1.1")
    assert (
        comp.covers_list == ["knowledge", "skills"] and services.scale_max(comp.framework_id) == 3
    )
    assert (
        client.post("/competence/frameworks/digcomp-2.2", data={"action": "competence"}).status_code
        == 422
    )
    doc = json.loads((SHIPPED / "privacy-1.0.json").read_text())
    doc["code"] = "barnevern-1.0"
    r = client.post(
        "/competence/frameworks",
        data={"file": (io.BytesIO(json.dumps(doc).encode()), "b.json")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert services.competence_by_code("barnevern-1.0:1.1")
    r = client.post(
        "/competence/frameworks",
        data={"file": (io.BytesIO(b"{not json"), "b.json")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert client.get("/competence/frameworks/barnevern-1.0.json").status_code == 200
    client.post("/logout")
    login(client, org.leader)
    assert client.post("/competence/frameworks/new", data={"code": "x-1"}).status_code == 403


def test_start_page_tells_the_leader_what_waits(client, org, frameworks):
    c = services.competence_by_code("digcomp-2.2:1.1")
    assessments.self_assess(org.employee, c, 3)
    assessments.self_assess(org.colleague, c, 2)
    db.session.commit()
    assert assessments.waiting_for_review(org.leader) == 2
    assessments.review(org.leader, org.employee, c)
    db.session.commit()
    assert assessments.waiting_for_review(org.leader) == 1
    assert assessments.waiting_for_review(org.other_leader) == 0
    login(client, org.leader)
    html = client.get("/").get_data(as_text=True)
    assert "start-competence-heading" in html and "/competence/team" in html


def test_frameworks_sync_command(runner, app):
    first = runner("frameworks", "sync")
    assert first.exit_code == 0, first.output
    again = runner("frameworks", "sync")
    assert "0 created, 0 updated, 4 unchanged" in again.output
    bad = runner("frameworks", "sync", "/nonexistent.json")
    assert bad.exit_code != 0


def test_openapi_documents_the_competence_operations(client, org):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/competences" in paths or "/competences" in paths
    joined = " ".join(paths)
    assert "/people/{person_id}/competences/{code}" in joined and "/requirements" in joined


def test_export_person_holds_every_piece(org, frameworks):
    c = services.competence_by_code("digcomp-2.2:1.1")
    assessments.self_assess(org.employee, c, 3, "notat")
    assessments.review(org.leader, org.employee, c, 4, "bedre enn du tror")
    credentials.add_credential(
        org.employee, org.employee, "course", "Kurs", "", None, None, [(c, 2)]
    )
    conversations.record_conversation(
        org.leader, org.employee, dt.date(2025, 1, 1), "Mål", "", [(c, 5)]
    )
    experts.set_findable(org.employee, org.employee, True)
    db.session.commit()
    data = export.export_person(org.employee)
    assert {a["source"] for a in data["assessments"]} == {"self", "leader", "formal"}
    assert data["credentials"][0]["competences"] == [{"competence": c.code, "level": 2}]
    assert data["development_conversations"][0]["competences"][0]["target_level"] == 5
    assert data["findable"] is True
    json.dumps(data)


def test_bad_input_on_pages_is_4xx_and_changes_nothing(client, org, frameworks):
    from kollega.competence.models import Assessment, CompetencePlanGoal, Requirement

    login(client, org.leader)
    emp = org.employee.id
    posts = [
        (f"/competence/people/{emp}/review/digcomp-2.2:1.1", {"action": "adjust", "level": ""}),
        (f"/competence/people/{emp}/review/digcomp-2.2:1.1", {"action": "adjust", "level": "99"}),
        (f"/competence/people/{emp}/review/nope", {"action": "confirm"}),
        ("/competence/people/999999/review/digcomp-2.2:1.1", {"action": "confirm"}),
        ("/competence/plans/A1/2026", {"action": "goal_status", "goal_id": ""}),
        ("/competence/plans/A1/2026", {"action": "goal_status", "goal_id": "x"}),
        ("/competence/plans/A1/2026", {"action": "nonsense"}),
        (
            "/competence/requirements",
            {
                "scope_type": "unit",
                "scope_code": "A1",
                "competence": "digcomp-2.2:1.1",
                "level": "2",
                "effective_from": "x",
            },
        ),
        (
            "/competence/requirements",
            {"scope_type": "unit", "scope_code": "A1", "competence": "", "level": "2"},
        ),
        (f"/competence/people/{emp}/conversations", {"held_on": "", "agreed_goals": "x"}),
        (
            f"/competence/people/{emp}/credentials",
            {"kind": "course", "title": "x", "issued_on": "31.12.2025"},
        ),
        ("/competence/assess/digcomp-2.2:1.1", {"level": "3"}),  # the leader's own: fine
    ]
    for path, data in posts:
        r = client.post(path, data=data)
        assert r.status_code < 500, (path, data, r.status_code)
        if path != "/competence/assess/digcomp-2.2:1.1":
            assert 400 <= r.status_code < 500, (path, data, r.status_code)
    for path in (
        "/competence/who-knows?competence=digcomp-2.2:1.1&min_level=x",
        "/competence/requirements/matrix?unit=A1&date=bad",
        "/competence/plans/A1/99999",
        "/competence/team/NOPE",
        "/api/v1/people/999999/competences",
    ):
        assert 400 <= client.get(path).status_code < 500, path
    assert db.session.query(Requirement).count() == 0
    assert db.session.query(CompetencePlanGoal).count() == 0
    assert db.session.query(Assessment).filter_by(person_id=emp).count() == 0
