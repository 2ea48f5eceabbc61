"""The plan API: shapes, permissions per role, bad input, the Word document and the
staffing and competence figures on hand-computed data."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from docx import Document

from kollega.extensions import db
from kollega.org.models import Job
from kollega.plans import analysis as P
from kollega.plans import services
from kollega.plans.models import Plan
from tests.factories import make_person
from tests.gaps.data import assessment, bearer, competence, requirement

BODY = {
    "unit": "A1",
    "title": "Kompetanseplan 2026–2029",
    "period_from": "2026-01-01",
    "period_to": "2029-12-31",
}
STEP_TITLES_NB = [
    "Steg 1. Organisering og involvering",
    "Steg 2. Forankring",
    "Steg 3. Overordnede mål og føringer",
    "Steg 4. Hva er kompetanse?",
    "Steg 5. Kompetanse- og bemanningsanalyse",
    "Steg 6. Kompetansestrategier og tiltak",
    "Steg 7. Gjennomføring, oppfølging og evaluering",
]


def count_plans() -> int:
    n = db.session.scalar(sa.select(sa.func.count(Plan.id)))
    db.session.rollback()
    return int(n or 0)


def test_anonymous_gets_401(client, org):
    assert client.get("/api/v1/plans").status_code == 401
    assert client.post("/api/v1/plans", json=BODY).status_code == 401
    assert count_plans() == 0


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("employee", "A1", 403),
        ("leader", "A1", 201),
        ("leader", "A1a", 201),
        ("leader", "B1", 403),
        ("leader", "K", 403),
        ("hr", "K", 201),
        ("hr", "B1", 201),
        ("admin", "K", 403),
        ("guest", "A1", 403),
    ],
)
def test_create_permissions_per_role(client, org, who, unit, status):
    headers = bearer(getattr(org, who))
    response = client.post("/api/v1/plans", json={**BODY, "unit": unit}, headers=headers)
    assert response.status_code == status, response.json
    if status == 201:
        assert isinstance(response.json["id"], int)
        assert count_plans() == 1
    else:
        assert response.json["error"]["code"] == "forbidden"
        assert count_plans() == 0


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"period_to": "2025-12-31"}, 422, "period_to"),
        ({"period_to": "2026-01-01"}, 422, "period_to"),
        ({"period_from": "1. januar"}, 422, "period_from"),
        ({"period_to": "2099-01-01"}, 422, "period_to"),
        ({"title": ""}, 422, "title"),
        ({"title": "x" * 201}, 422, "title"),
        ({"unit": "NOPE"}, 404, None),
    ],
)
def test_bad_input_is_4xx_and_stores_nothing(client, org, change, status, field):
    response = client.post("/api/v1/plans", json={**BODY, **change}, headers=bearer(org.hr))
    assert response.status_code == status
    if field:
        assert field in response.json["error"]["fields"]
    assert count_plans() == 0


def test_not_json_is_400(client, org):
    response = client.post("/api/v1/plans", data="x", headers=bearer(org.hr))
    assert response.status_code == 400
    assert count_plans() == 0


def test_plan_shape_and_visibility(client, org):
    created = client.post("/api/v1/plans", json=BODY, headers=bearer(org.leader))
    plan_id = created.json["id"]
    got = client.get(f"/api/v1/plans/{plan_id}", headers=bearer(org.leader)).json
    assert got["unit"]["code"] == "A1" and got["period_to"] == "2029-12-31"
    assert [s["number"] for s in got["steps"]] == list(range(1, 8))
    assert got["steps"][0]["key"] == "organisation" and got["steps"][0]["status"] == "not_started"
    assert client.get(f"/api/v1/plans/{plan_id}", headers=bearer(org.hr)).status_code == 200
    # not shared: the unit's employees and other leaders do not read it
    for who in (org.employee, org.other_leader, org.admin):
        assert client.get(f"/api/v1/plans/{plan_id}", headers=bearer(who)).status_code == 403
    assert [p["id"] for p in client.get("/api/v1/plans", headers=bearer(org.employee)).json] == []
    shared = client.patch(
        f"/api/v1/plans/{plan_id}", json={"shared": True}, headers=bearer(org.leader)
    )
    assert shared.status_code == 200
    assert client.get(f"/api/v1/plans/{plan_id}", headers=bearer(org.employee)).status_code == 200
    assert (
        client.get(f"/api/v1/plans/{plan_id}", headers=bearer(org.other_employee)).status_code
        == 403
    )
    # reading is not changing
    step = client.put(
        f"/api/v1/plans/{plan_id}/steps/1", json={"status": "done"}, headers=bearer(org.employee)
    )
    assert step.status_code == 403
    assert client.get("/api/v1/plans/999999", headers=bearer(org.hr)).status_code == 404


def test_step_update_and_bad_step_input(client, org):
    plan_id = client.post("/api/v1/plans", json=BODY, headers=bearer(org.leader)).json["id"]
    h = bearer(org.leader)
    ok = client.put(
        f"/api/v1/plans/{plan_id}/steps/1",
        json={
            "status": "in_progress",
            "notes": "Prosjektgruppe satt ned.",
            "owner_id": org.employee_a1.id,
            "details": {"union_representative": "Fagforbundet", "mandate": "Rådmannens mandat"},
        },
        headers=h,
    )
    assert ok.status_code == 200, ok.json
    assert ok.json["owner"]["id"] == org.employee_a1.id
    assert ok.json["details"]["union_representative"] == "Fagforbundet"
    bad_owner = client.put(
        f"/api/v1/plans/{plan_id}/steps/2",
        json={"status": "done", "owner_id": org.other_employee.id},
        headers=h,
    )
    assert bad_owner.status_code == 422
    bad_status = client.put(
        f"/api/v1/plans/{plan_id}/steps/2", json={"status": "finished"}, headers=h
    )
    assert bad_status.status_code == 422
    assert (
        client.put(
            f"/api/v1/plans/{plan_id}/steps/8", json={"status": "done"}, headers=h
        ).status_code
        == 404
    )
    step2 = client.get(f"/api/v1/plans/{plan_id}", headers=h).json["steps"][1]
    assert step2["status"] == "not_started" and step2["owner"] is None


def _hand_plan(client, org):
    """Unit B1: two advisers (1980), a nurse who turns 67 in 2027 and a half-time
    nurse (1990); residents over 80: 100, 120, 150 with 0.02 nurse FTE each."""
    db.session.add(Job(code="SPL", name="Sykepleier"))
    make_person(org.unit_b1, job_code="SPL", birth_year=1960, fte=1.0)
    young = make_person(org.unit_b1, job_code="SPL", birth_year=1990, fte=0.5)
    comp = competence("t:1")
    requirement(comp, 3, unit=org.unit_b1)
    assessment(org.other_employee, comp, 1)
    assessment(young, comp, 3)
    db.session.commit()
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
    assert (
        client.patch(f"/api/v1/plans/{plan_id}", json={"turnover": 0.1}, headers=h).status_code
        == 200
    )
    driver = client.post(
        f"/api/v1/plans/{plan_id}/drivers",
        json={
            "name": "Innbyggere over 80",
            "unit_of_demand": "innbyggere",
            "values": {"2026": 100, "2027": 120, "2028": 150},
            "ratios": {"SPL": 0.02},
        },
        headers=h,
    )
    assert driver.status_code == 201, driver.json
    recruit = client.post(
        f"/api/v1/plans/{plan_id}/measures",
        json={
            "kind": "recruit",
            "title": "Rekruttere sykepleier",
            "job_code": "SPL",
            "fte_change": 1.0,
            "starts_on": "2027-01-01",
            "cost": 50000,
        },
        headers=h,
    )
    assert recruit.status_code == 201, recruit.json
    develop = client.post(
        f"/api/v1/plans/{plan_id}/measures",
        json={
            "kind": "develop",
            "title": "Personvernkurs",
            "effects": [{"competence": "t:1", "people": 2, "level": 3}],
        },
        headers=h,
    )
    assert develop.status_code == 201, develop.json
    high = client.post(
        f"/api/v1/plans/{plan_id}/scenarios",
        json={
            "name": "Høy",
            "retirement_age": 67,
            "turnover": 0.1,
            "driver_multipliers": {str(driver.json["id"]): 1.5},
            "measure_ids": [],
        },
        headers=h,
    )
    assert high.status_code == 201, high.json
    return plan_id, h


def test_staffing_and_gap_on_hand_computed_data(client, org):
    plan_id, h = _hand_plan(client, org)
    out = client.get(f"/api/v1/plans/{plan_id}/analysis", headers=h).json
    now = {r["job_code"]: r for r in out["staffing"]["fte_now"]}
    assert now["SPL"]["fte"] == 1.5 and now["SPL"]["people"] == 2
    assert now["ADV"]["fte"] == 2.0
    rows = {(r["year"], r["job_code"]): r for r in out["staffing"]["rows"]}
    assert rows[(2026, "SPL")]["need_fte"] == pytest.approx(2.0)
    assert rows[(2026, "SPL")]["gap_fte"] == pytest.approx(0.5)
    assert rows[(2027, "SPL")]["retiring_fte"] == pytest.approx(1.0)
    assert rows[(2027, "SPL")]["supply_fte"] == pytest.approx(0.45)
    assert rows[(2027, "SPL")]["gap_fte"] == pytest.approx(1.95)
    assert rows[(2027, "SPL")]["gap_after_fte"] == pytest.approx(0.95)
    assert rows[(2028, "SPL")]["gap_fte"] == pytest.approx(2.6, abs=0.01)
    assert rows[(2028, "ADV")]["gap_fte"] == pytest.approx(0.38)
    # four people need level 3: gaps 2 (level 1), 3, 3 (not assessed) and 0
    assert out["competence_gap"]["gap_points"] == 8
    # the course lifts the two largest gaps to level 3
    assert out["competence_gap"]["projected_gap_points"] == 2
    base, high = out["scenarios"]
    assert base["need_fte"] == pytest.approx(5.0)
    assert high["name"] == "Høy" and high["measures"] == 0
    assert high["projected_gap_points"] == 8
    assert high["gap_fte"] - base["gap_fte"] == pytest.approx(1.5, abs=0.01)
    assert base["gap_after_fte"] == pytest.approx(base["gap_fte"] - 1.0, abs=0.01)


def test_staffing_matches_analysis_on_same_data(client, org):
    plan_id, h = _hand_plan(client, org)
    plan = db.session.get(Plan, plan_id)
    staff = services.staff_frame(plan)
    drivers, ratios = services.driver_frames(plan)
    expected = P.staffing_gap(staff, drivers, ratios, plan.years, 2026, 67, 0.1)
    rows = client.get(f"/api/v1/plans/{plan_id}/analysis", headers=h).json["staffing"]["rows"]
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected.to_dict("records"), strict=True):
        assert got["year"] == want["year"] and got["job_code"] == want["job_code"]
        assert got["gap_fte"] == pytest.approx(want["gap_fte"])
        assert got["need_fte"] == pytest.approx(want["need_fte"])


def test_bad_measure_and_scenario_input_stores_nothing(client, org):
    plan_id, h = _hand_plan(client, org)
    before = client.get(f"/api/v1/plans/{plan_id}", headers=h).json
    bad = [
        ("measures", {"kind": "buy", "title": "x"}),
        (
            "measures",
            {
                "kind": "develop",
                "title": "x",
                "effects": [{"competence": "nope:1", "people": 1, "level": 2}],
            },
        ),
        ("measures", {"kind": "develop", "title": "x", "cost": -5}),
        (
            "measures",
            {"kind": "develop", "title": "x", "starts_on": "2027-01-01", "ends_on": "2026-01-01"},
        ),
        ("measures", {"kind": "recruit", "title": "x", "fte_change": 2}),
        ("scenarios", {"name": "Høy"}),
        ("scenarios", {"name": "Lav", "turnover": 1.5}),
        ("scenarios", {"name": "Lav", "retirement_age": 40}),
        ("scenarios", {"name": "Lav", "driver_multipliers": {"999": 1.0}}),
        ("drivers", {"name": "Elever", "values": {"2026": -1}}),
        ("drivers", {"name": "Elever", "values": "many"}),
    ]
    for path, body in bad:
        response = client.post(f"/api/v1/plans/{plan_id}/{path}", json=body, headers=h)
        assert response.status_code == 422, (path, body, response.json)
    after = client.get(f"/api/v1/plans/{plan_id}", headers=h).json
    assert after == before
    other = bearer(org.leader)
    assert (
        client.post(
            f"/api/v1/plans/{plan_id}/measures",
            json={"kind": "develop", "title": "x"},
            headers=other,
        ).status_code
        == 403
    )


def test_document_has_the_seven_steps_and_tables(client, org):
    plan_id, h = _hand_plan(client, org)
    response = client.get(f"/api/v1/plans/{plan_id}/document.docx", headers=h)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(response.data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == STEP_TITLES_NB
    table_heads = [t.rows[0].cells[0].text for t in doc.tables]
    assert "Stilling" in table_heads  # FTE now and the staffing gap, by job name
    assert "Type tiltak" in table_heads  # the measures
    assert "Scenario" in table_heads
    texts = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Rekruttere sykepleier" in texts and "Høy" in texts
    forbidden = client.get(f"/api/v1/plans/{plan_id}/document.docx", headers=bearer(org.employee))
    assert forbidden.status_code == 403
