"""Done when: an employee assesses 5, their leader confirms 3 and adjusts 1; the person
page shows both levels and the history; another employee and another unit's leader get
403 on page and API."""

from __future__ import annotations

import pytest

from kollega.competence.models import Assessment
from kollega.extensions import db
from tests.conftest import login

CODES = [
    "digcomp-2.2:1.1",
    "digcomp-2.2:2.4",
    "digcomp-2.2:4.2",
    "privacy-1.0:1.2",
    "collaboration-1.0:1.1",
]


def bearer(person):
    """API calls that change things use a bearer token (no CSRF header needed)."""
    from flask import current_app

    from kollega.auth.services import create_token

    tokens = current_app.config.setdefault("_competence_test_tokens", {})
    if person.id not in tokens:
        tokens[person.id] = create_token(person, "test")
        db.session.commit()
    return {"Authorization": f"Bearer {tokens[person.id]}"}


def put(client, person, code, body, actor):
    """PUT as ``actor`` through a cookie-less client (the bearer token authenticates)."""
    from flask import current_app

    return current_app.test_client().put(
        f"/api/v1/people/{person.id}/competences/{code}", json=body, headers=bearer(actor)
    )


def test_employee_assesses_leader_confirms_and_adjusts(app, client, org, frameworks):
    login(client, org.employee)
    for i, code in enumerate(CODES):
        r = put(
            client, org.employee, code, {"level": 2 + (i % 2), "note": "mitt syn"}, org.employee
        )
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["source"] == "self"
    client.post("/logout")

    login(client, org.leader)  # leads A1, and so the employee's department A1a
    for code in CODES[:3]:
        r = put(client, org.employee, code, {"level": None, "note": ""}, org.leader)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["source"] == "leader"
    r = put(client, org.employee, CODES[3], {"level": 4}, org.leader)
    assert r.status_code == 422  # an adjustment needs a comment
    r = put(
        client, org.employee, CODES[3], {"level": 4, "note": "Viser dette i praksis"}, org.leader
    )
    assert r.status_code == 200 and r.get_json()["level"] == 4

    body = client.get(f"/api/v1/people/{org.employee.id}/competences").get_json()
    rows = {row["code"]: row for row in body["competences"]}
    assert set(rows) == set(CODES)
    for code in CODES[:3]:
        assert rows[code]["source"] == "leader"
        assert rows[code]["level"] == rows[code]["self_level"] == rows[code]["leader_level"]
        assert rows[CODES[3]]["self_level"] == 3 and rows[CODES[3]]["leader_level"] == 4
    assert rows[CODES[3]]["level"] == 4 and rows[CODES[3]]["source"] == "leader"
    assert rows[CODES[4]]["source"] == "self" and rows[CODES[4]]["leader_level"] is None
    for row in rows.values():
        assert {"code", "level", "source", "assessed_on", "required_level", "gap"} <= set(row)

    # Nothing was overwritten: 5 self + 4 leader rows.
    assert db.session.query(Assessment).filter_by(person_id=org.employee.id).count() == 9

    page = client.get(f"/people/{org.employee.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-source="self">3<' in html and 'data-source="leader">4<' in html
    assert "Viser dette i praksis" in html  # the history, with the leader's comment
    assert html.count('class="history-row"') == 9

    # The employee sees their own levels, both sources, on their page too.
    client.post("/logout")
    login(client, org.employee)
    assert client.get(f"/people/{org.employee.id}").status_code == 200
    assert client.get("/competence/").status_code == 200


@pytest.mark.parametrize("who", ["colleague", "other_employee", "other_leader"])
def test_others_get_403_on_page_and_api(client, org, frameworks, who):
    login(client, org.employee)
    assert put(client, org.employee, CODES[0], {"level": 3}, org.employee).status_code == 200
    client.post("/logout")
    other = getattr(org, who)
    login(client, other)
    api = client.get(f"/api/v1/people/{org.employee.id}/competences")
    assert api.status_code == 403
    assert put(client, org.employee, CODES[0], {"level": 5}, other).status_code == 403
    page = client.get(f"/people/{org.employee.id}")
    if page.status_code == 200:  # a colleague may see the basic profile, not competence
        assert "competence-heading" not in page.get_data(as_text=True)
    else:
        assert page.status_code == 403
    assert client.get(f"/competence/people/{org.employee.id}/conversations").status_code == 403
    assert (
        client.post(
            f"/competence/people/{org.employee.id}/review/{CODES[0]}", data={"action": "confirm"}
        ).status_code
        == 403
    )
    assert db.session.query(Assessment).filter_by(person_id=org.employee.id).count() == 1


def test_hr_sees_but_cannot_review(client, org, frameworks):
    login(client, org.hr)
    assert client.get(f"/api/v1/people/{org.employee.id}/competences").status_code == 200
    assert put(client, org.employee, CODES[0], {"level": 3}, org.hr).status_code == 403


def test_level_outside_the_scale_is_422_and_stores_nothing(client, org, frameworks):
    login(client, org.employee)
    for body in ({"level": 5}, {"level": -1}, {"level": "3"}, {"level": True}, {}):
        r = put(client, org.employee, "privacy-1.0:1.1", body, org.employee)
        assert r.status_code == 422, body
        assert set(r.get_json()["error"]) == {"code", "message", "fields"}
    assert (
        put(client, org.employee, "digcomp-2.2:1.1", {"level": 9}, org.employee).status_code == 422
    )
    assert (
        put(client, org.employee, "digcomp-2.2:1.1", {"level": 8}, org.employee).status_code == 200
    )
    assert put(client, org.employee, "nope:1.1", {"level": 1}, org.employee).status_code == 404
    assert db.session.query(Assessment).count() == 1


def test_competences_list_and_date_parameter(client, org, frameworks):
    login(client, org.employee)
    body = client.get("/api/v1/competences?framework=digcomp-2.2").get_json()
    (fw,) = body["frameworks"]
    assert len(fw["levels"]) == 8 and len(fw["competences"]) == 21
    assert {"code", "area", "name"} <= set(fw["competences"][0])
    assert client.get("/api/v1/competences?framework=nope").status_code == 404
    assert len(client.get("/api/v1/competences").get_json()["frameworks"]) >= 4
    r = client.get(f"/api/v1/people/{org.employee.id}/competences?date=2025-13-01")
    assert r.status_code == 422
    r = client.get(f"/api/v1/people/{org.employee.id}/competences?date=2020-01-01")
    assert r.status_code == 200 and r.get_json()["competences"] == []


def test_pages_render_for_their_roles(client, org, frameworks):
    login(client, org.employee)
    assert client.get("/competence/assess/digcomp-2.2:4.2").status_code == 200
    assert client.get("/competence/who-knows?competence=digcomp-2.2:4.2").status_code == 200
    assert client.get("/competence/frameworks").status_code == 403
    assert client.get("/competence/requirements").status_code == 403
    assert client.get("/competence/team/A1").status_code == 403
    client.post("/logout")
    login(client, org.leader)
    assert client.get("/competence/team/A1").status_code == 200
    assert client.get("/competence/team/B1").status_code == 403
    assert client.get("/competence/requirements?unit=A1").status_code == 200
    assert client.get("/competence/requirements/matrix?unit=A1").status_code == 200
    assert client.get("/competence/plans/A1/2026").status_code == 200
    assert client.get("/competence/plans/B1/2026").status_code == 403
    client.post("/logout")
    login(client, org.hr)
    assert client.get("/competence/frameworks").status_code == 200
    assert client.get("/competence/frameworks/digcomp-2.2").status_code == 200
    assert client.get("/competence/requirements/matrix?scope=job").status_code == 200
    assert client.get("/competence/import").status_code == 200


def test_hr_team_view_has_no_review_buttons(client, org, frameworks):
    from kollega.competence import assessments, services

    c = services.competence_by_code("digcomp-2.2:1.1")
    assessments.self_assess(org.employee, c, 3)
    db.session.commit()
    login(client, org.hr)
    html = client.get("/competence/team/A1?framework=digcomp-2.2").get_data(as_text=True)
    assert org.employee.name in html and "/review/" not in html
    client.post("/logout")
    login(client, org.leader)
    html = client.get("/competence/team/A1?framework=digcomp-2.2").get_data(as_text=True)
    assert f"/competence/people/{org.employee.id}/review/digcomp-2.2:1.1" in html
