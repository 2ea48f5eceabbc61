"""The plan pages: who sees them, forms that create and fill in a plan, bad input."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.extensions import db
from kollega.plans.models import Measure, Plan
from tests.conftest import login

NEW = {
    "title": "Plan 2026–2029",
    "unit": "A1",
    "period_from": "2026-01-01",
    "period_to": "2029-12-31",
}


def plans() -> list[Plan]:
    out = list(db.session.scalars(sa.select(Plan)))
    db.session.rollback()
    return out


def test_list_and_create_by_form(client, org):
    assert client.get("/plans/").status_code == 302  # to the sign-in page
    login(client, org.leader)
    page = client.get("/plans/")
    assert page.status_code == 200 and "Ny plan" in page.text
    created = client.post("/plans/", data=NEW)
    assert created.status_code == 302
    plan_id = plans()[0].id
    shown = client.get(f"/plans/{plan_id}")
    assert shown.status_code == 200
    for title in (
        "Steg 1. Organisering og involvering",
        "Steg 7. Gjennomføring, oppfølging og evaluering",
    ):
        assert title in shown.text
    assert client.get(f"/plans/{plan_id}?print=1").status_code == 200
    assert client.get(f"/plans/{plan_id}/document.docx").status_code == 200


def test_bad_form_input_is_4xx_and_stores_nothing(client, org):
    login(client, org.leader)
    refused = client.post("/plans/", data={**NEW, "period_to": "2025-01-01"})
    assert refused.status_code == 422
    # Shown on the form itself, with what was typed kept.
    assert 'href="#np-to"' in refused.text and 'id="np-to-error"' in refused.text
    assert 'value="Plan 2026–2029"' in refused.text and 'value="2025-01-01"' in refused.text
    assert client.post("/plans/", data={**NEW, "period_from": "soon"}).status_code == 422
    assert client.post("/plans/", data={**NEW, "unit": "B1"}).status_code == 403
    assert plans() == []


def test_other_roles_on_the_plan_page(client, org):
    login(client, org.leader)
    client.post("/plans/", data=NEW)
    plan_id = plans()[0].id
    ok = client.post(
        f"/plans/{plan_id}",
        data={
            "action": "measure",
            "kind": "develop",
            "title": "Kurs",
            "cost": "1000",
            "effect_competence": "",
            "fte_change": "",
        },
    )
    assert ok.status_code == 302
    bad = client.post(f"/plans/{plan_id}", data={"action": "measure", "kind": "x", "title": "y"})
    assert bad.status_code == 422
    assert client.post(f"/plans/{plan_id}", data={"action": "nope"}).status_code == 400
    assert len(list(db.session.scalars(sa.select(Measure)))) == 1
    db.session.rollback()
    client.post("/logout")
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    other = client.application.test_client()
    login(other, org.other_leader)
    assert other.get(f"/plans/{plan_id}").status_code == 403
    assert (
        other.post(
            f"/plans/{plan_id}", data={"action": "step", "number": "1", "status": "done"}
        ).status_code
        == 403
    )
    guest = client.application.test_client()
    login(guest, org.guest)
    assert guest.get("/plans/").status_code == 403


def _plan_id(client, org) -> int:
    login(client, org.leader)
    assert client.post("/plans/", data=NEW).status_code == 302
    return plans()[0].id


def test_a_refused_measure_shows_the_form_again_with_what_was_typed(client, org):
    plan_id = _plan_id(client, org)
    typed = {
        "action": "measure",
        "kind": "develop",
        "title": "Kurs i dokumentasjon",
        "description": "Fire samlinger",
        "cost": "12000",
        "starts_on": "2026-03-01",
        "effect_competence": "nope:1",
        "effect_people": "3",
        "effect_level": "2",
    }
    refused = client.post(f"/plans/{plan_id}", data=typed)
    assert refused.status_code == 422
    page = refused.text
    # The plan page itself, the measure form open, every field as typed.
    assert "Steg 6. Kompetansestrategier og tiltak" in page and "Gå til startsiden" not in page
    for value in ("Kurs i dokumentasjon", "12000", "2026-03-01", "nope:1"):
        assert f'value="{value}"' in page, value
    assert ">Fire samlinger</textarea>" in page
    assert '<option value="develop" selected>' in page
    # The message beside the competence field, linked from the summary.
    assert 'id="me-comp-error"' in page and "Ukjent kompetanse nope:1" in page
    assert 'href="#me-comp"' in page
    assert 'id="me-comp" name="effect_competence"' in page and 'aria-invalid="true"' in page
    assert db.session.scalars(sa.select(Measure)).all() == []
    db.session.rollback()


def test_person_picker_is_one_datalist_and_reads_names_back(client, org):
    plan_id = _plan_id(client, org)
    page = client.get(f"/plans/{plan_id}").text
    # One list of the unit's people for every person field, no <select> of people.
    assert page.count('<datalist id="plan-people">') == 1
    assert page.count('list="plan-people"') == 8  # seven steps and the new measure
    label = f"{org.employee_a1.name} ({org.employee_a1.employee_no})"
    assert f'<option value="{label}">' in page
    assert org.other_employee.name not in page  # B1 is not in the plan's unit
    saved = client.post(
        f"/plans/{plan_id}",
        data={"action": "step", "number": "1", "status": "in_progress", "owner": label},
    )
    assert saved.status_code == 302
    plan = db.session.get(Plan, plan_id)
    assert plan.steps[0].owner_id == org.employee_a1.id
    db.session.rollback()
    # Someone outside the unit: the step form again, open, with the name kept.
    outside = f"{org.other_employee.name} ({org.other_employee.employee_no})"
    refused = client.post(
        f"/plans/{plan_id}",
        data={"action": "step", "number": "2", "status": "done", "owner": outside},
    )
    assert refused.status_code == 422
    assert 'id="st2-owner-error"' in refused.text and f'value="{outside}"' in refused.text
    assert "Velg noen i planens enhet." in refused.text
    plan = db.session.get(Plan, plan_id)
    assert plan.steps[1].status == "not_started" and plan.steps[1].owner_id is None
    db.session.rollback()
