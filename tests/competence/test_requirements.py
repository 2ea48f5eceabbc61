"""Requirements CRUD over the API and the matrix editor: leaders for their subtree, HR
for everything (job codes too)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from kollega.competence import services
from kollega.competence.models import Requirement
from kollega.extensions import db
from tests.conftest import login


def api(person):
    from kollega.auth.services import create_token

    tokens = current_app.config.setdefault("_competence_test_tokens", {})
    if person.id not in tokens:
        tokens[person.id] = create_token(person, "test")
        db.session.commit()
    client = current_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[person.id]}"
    return client


BODY = {
    "scope_type": "unit",
    "scope_code": "A1",
    "competence_code": "privacy-1.0:1.2",
    "level": 3,
    "effective_from": "2025-01-01",
}


def count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Requirement))


def test_leader_manages_requirements_of_own_subtree_only(org, frameworks):
    leader = api(org.leader)
    r = leader.post("/api/v1/requirements", json=BODY)
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    assert r.get_json()["scope_code"] == "A1"
    assert leader.post("/api/v1/requirements", json=BODY | {"scope_code": "B1"}).status_code == 403
    assert leader.post("/api/v1/requirements", json=BODY | {"scope_code": "A"}).status_code == 403
    job = BODY | {"scope_type": "job", "scope_code": "ADV"}
    assert leader.post("/api/v1/requirements", json=job).status_code == 403
    assert [x["id"] for x in leader.get("/api/v1/requirements").get_json()] == [rid]
    r = leader.patch(f"/api/v1/requirements/{rid}", json={"effective_until": "2026-01-01"})
    assert r.status_code == 200 and r.get_json()["effective_until"] == "2026-01-01"
    other = api(org.other_leader)
    assert other.patch(f"/api/v1/requirements/{rid}", json={"level": 1}).status_code == 403
    assert other.delete(f"/api/v1/requirements/{rid}").status_code == 403
    assert other.get("/api/v1/requirements").get_json() == []
    assert api(org.employee).get("/api/v1/requirements").status_code == 403
    assert leader.delete(f"/api/v1/requirements/{rid}").status_code == 204
    assert count() == 0


def test_hr_sets_job_requirements_and_bad_input_is_422(org, frameworks):
    hr = api(org.hr)
    job = BODY | {"scope_type": "job", "scope_code": "ADV"}
    assert hr.post("/api/v1/requirements", json=job).status_code == 201
    bad = [
        BODY | {"level": 5},  # privacy has 4 levels
        BODY | {"level": 0},
        BODY | {"effective_from": "2025-02-30"},
        BODY | {"effective_until": "2024-12-31"},
        BODY | {"effective_until": "2025-01-01"},
        BODY | {"scope_type": "team"},
        BODY | {"scope_code": "NOPE"},
        BODY | {"scope_type": "job", "scope_code": "NOJOB"},
    ]
    for body in bad:
        r = hr.post("/api/v1/requirements", json=body)
        assert r.status_code == 422, (body, r.get_json())
    assert (
        hr.post("/api/v1/requirements", json=BODY | {"competence_code": "x:1"}).status_code == 404
    )
    assert hr.post("/api/v1/requirements", data="nope").status_code == 400
    assert count() == 1


def test_matrix_sets_changes_and_keeps_the_old_period(client, org, frameworks):
    login(client, org.leader)
    c = services.competence_by_code("digcomp-2.2:4.2")
    form = {
        "scope": "unit",
        "framework": "digcomp-2.2",
        "unit": "A1",
        "effective_from": "2025-01-01",
        f"cell-{c.id}-A1": "4",
        f"cell-{c.id}-A1a": "",
    }
    r = client.post("/competence/requirements/matrix", data=form)
    assert r.status_code == 302
    assert services.required_level(org.employee, c, dt.date(2025, 6, 1)) == 4
    form |= {"effective_from": "2026-01-01", f"cell-{c.id}-A1": "5"}
    assert client.post("/competence/requirements/matrix", data=form).status_code == 302
    assert services.required_level(org.employee, c, dt.date(2025, 6, 1)) == 4
    assert services.required_level(org.employee, c, dt.date(2026, 6, 1)) == 5
    rows = list(db.session.scalars(sa.select(Requirement).order_by(Requirement.effective_from)))
    assert [(r.level, r.effective_from, r.effective_until) for r in rows] == [
        (4, dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
        (5, dt.date(2026, 1, 1), None),
    ]
    form |= {"effective_from": "2026-03-01", f"cell-{c.id}-A1": "0"}
    assert client.post("/competence/requirements/matrix", data=form).status_code == 302
    assert services.required_level(org.employee, c, dt.date(2026, 6, 1)) == 0
    # Another unit's column cannot be smuggled in.
    bad = form | {f"cell-{c.id}-B1": "3", "unit": "B1"}
    assert client.post("/competence/requirements/matrix", data=bad).status_code == 404
    assert (
        client.post(
            "/competence/requirements/matrix", data=form | {f"cell-{c.id}-A1": "x"}
        ).status_code
        == 422
    )


def test_add_requirement_form_shows_its_errors_and_keeps_the_input(client, org, frameworks):
    login(client, org.leader)
    form = {
        "scope_type": "unit",
        "scope_code": "A1",
        "competence": "privacy-1.0:1.2",
        "level": "3",
        "effective_from": "2025-01-01",
        "effective_until": "2024-01-01",
        "note": "kept",
    }
    r = client.post("/competence/requirements", data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#n-until"' in html
    assert 'id="n-until-error"' in html and 'aria-invalid="true"' in html
    assert 'value="kept"' in html and 'value="2024-01-01"' in html
    assert count() == 0
    r = client.post("/competence/requirements", data=form | {"effective_until": ""})
    assert r.status_code == 302 and count() == 1
