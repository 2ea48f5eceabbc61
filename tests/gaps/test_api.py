"""The gap API on a hand-made data set: figures worked out by hand, the same figures as
``kollega.gaps.analysis`` on the full history, and who may see what."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from kollega import clock
from kollega.competence.models import Assessment, Competence, Requirement
from kollega.extensions import db
from kollega.gaps import analysis
from kollega.org.models import OrgUnit, Person
from tests.gaps import data

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def gapdata(org, monkeypatch):
    """Unit A1's subtree: E (employee, A1a), C (colleague, A1a, job SPL), O (A1), L (leader, A1).

    pv:1 (privacy) 3 on A1 from 2026-01-01; dc:1 (digital) 2 on K 2026-01-01..2026-07-01,
    then 3 on K from 2026-07-01, and 4 for job SPL; sa:1 (collaboration) 2 on A from 2027.
    """
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    org.colleague.job_code = "SPL"
    pv = data.competence("pv:1", "privacy")
    dc = data.competence("dc:1", "digital")
    sa1 = data.competence("sa:1", "collaboration")
    data.requirement(pv, 3, unit=org.unit_a1)
    data.requirement(dc, 2, unit=org.root, until="2026-07-01")
    data.requirement(dc, 3, unit=org.root, since="2026-07-01")
    data.requirement(dc, 4, job_code="SPL")
    data.requirement(sa1, 2, unit=org.div_a, since="2027-01-01")
    eva, kari, ola, lise = org.employee, org.colleague, org.employee_a1, org.leader
    data.assessment(eva, pv, 1, "self", "2026-02-01")
    data.assessment(eva, pv, 4, "self", "2026-09-01")
    data.assessment(eva, pv, 2, "leader", "2026-09-01")  # same day: leader wins
    data.assessment(kari, pv, 3, "formal", "2026-03-01")
    data.assessment(kari, pv, 1, "self", "2026-03-01")  # same day: formal wins
    data.assessment(lise, pv, 3, "self", "2026-02-01")
    data.assessment(eva, dc, 2, "self", "2026-02-01")
    data.assessment(kari, dc, 2, "self", "2026-02-01")
    data.assessment(kari, dc, 4, "leader", "2026-10-01")
    data.assessment(ola, dc, 3, "formal", "2026-08-01")
    db.session.commit()
    return org


def rows(body):
    return {r["competence"]: r for r in body["rows"]}


def get(client, url, person=None):
    return client.get(url, headers=data.bearer(person) if person else {})


def test_gap_table_by_hand_at_two_dates(client, gapdata):
    body = get(client, "/api/v1/gaps?unit=A1&date=2026-06-01", gapdata.leader).get_json()
    assert body["unit"] == "A1" and body["date"] == "2026-06-01"
    r = rows(body)
    assert set(r) == {"pv:1", "dc:1"}
    pv, dc = r["pv:1"], r["dc:1"]
    assert (pv["people_required"], pv["people_with_gap"], pv["gap_points"]) == (4, 2, 5)
    assert pv["coverage"] == pytest.approx(0.5)
    assert (dc["people_required"], dc["people_with_gap"], dc["gap_points"]) == (4, 3, 6)
    assert dc["coverage"] == pytest.approx(0.25)
    assert body["total_gap_points"] == 11

    body = get(client, "/api/v1/gaps?unit=A1&date=2026-11-01", gapdata.leader).get_json()
    r = rows(body)
    assert (r["pv:1"]["people_with_gap"], r["pv:1"]["gap_points"]) == (2, 4)
    assert (r["dc:1"]["people_with_gap"], r["dc:1"]["gap_points"]) == (2, 4)
    assert body["total_gap_points"] == 8
    only = get(client, "/api/v1/gaps?unit=A1&date=2026-11-01&competence=dc:1", gapdata.leader)
    assert [x["competence"] for x in only.get_json()["rows"]] == ["dc:1"]


def test_future_gap_uses_todays_levels(client, gapdata):
    body = get(client, "/api/v1/gaps?unit=A1&date=2027-06-01", gapdata.leader).get_json()
    r = rows(body)
    assert r["sa:1"]["gap_points"] == 8 and r["sa:1"]["coverage"] == 0
    assert r["pv:1"]["gap_points"] == 4 and r["dc:1"]["gap_points"] == 4
    assert body["total_gap_points"] == 16


def test_closure_and_new_gap_by_hand(client, gapdata):
    url = "/api/v1/gaps/closure?unit=A1&from=2026-06-01&to=2026-11-01"
    body = get(client, url, gapdata.hr).get_json()
    assert body == {
        "unit": "A1",
        "from": "2026-06-01",
        "to": "2026-11-01",
        "gap_points_from": 11,
        "gap_points_to": 6,
        "closure": pytest.approx(5 / 11),
        "new_gap_points": 2,
    }


def test_heatmap_focus_areas_and_own_gaps_by_hand(client, gapdata):
    hm = get(client, "/api/v1/gaps/heatmap?unit=A1&date=2026-11-01", gapdata.leader).get_json()
    names = {g["id"]: g["code"] for g in hm["groups"]}
    cells = {(names[c["group"]], c["competence"]): c for c in hm["cells"]}
    assert cells[("A1a", "pv:1")]["gap_points"] == 1 and cells[("A1", "pv:1")]["gap_points"] == 3
    assert cells[("A1a", "dc:1")]["gap_points"] == 1 and cells[("A1", "dc:1")]["gap_points"] == 3
    assert cells[("A1a", "pv:1")]["coverage"] == pytest.approx(0.5)
    people = get(client, "/api/v1/gaps/heatmap?unit=A1&by=people&date=2026-11-01", gapdata.leader)
    by_person = {(c["group"], c["competence"]): c["gap_points"] for c in people.get_json()["cells"]}
    assert by_person[(gapdata.employee_a1.id, "pv:1")] == 3

    areas = get(client, "/api/v1/gaps/focus-areas?unit=A1&date=2026-11-01", gapdata.hr)
    by_area = {r["focus_area"]: r for r in areas.get_json()["rows"]}
    assert list(by_area) == ["digital", "privacy", "collaboration", "leadership"]
    assert by_area["privacy"]["gap_points"] == 4 and by_area["privacy"]["coverage"] == 0.5
    assert by_area["digital"]["people_with_gap"] == 2
    assert by_area["collaboration"]["coverage"] is None

    own = get(
        client, f"/api/v1/people/{gapdata.employee.id}/gaps?date=2026-11-01", gapdata.employee
    )
    gaps = {g["competence"]: g for g in own.get_json()["gaps"]}
    assert (gaps["pv:1"]["required_level"], gaps["pv:1"]["level"], gaps["pv:1"]["gap"]) == (3, 2, 1)
    assert (gaps["dc:1"]["required_level"], gaps["dc:1"]["level"], gaps["dc:1"]["gap"]) == (3, 2, 1)


def _full_frames():
    """The four frames from every row in the database, with no reduction in SQL."""
    people = pd.DataFrame(
        db.session.execute(
            sa.select(Person.id, Person.unit_id, Person.job_code).where(
                Person.active.is_(True), Person.unit_id.is_not(None)
            )
        ).all(),
        columns=["person_id", "unit_id", "job_code"],
    )
    ancestors = pd.DataFrame(
        [
            (u.id, int(a))
            for u in db.session.scalars(sa.select(OrgUnit))
            for a in u.path.strip("/").split("/")
        ],
        columns=["unit_id", "ancestor_id"],
    )
    requirements = pd.DataFrame(
        db.session.execute(
            sa.select(
                Requirement.scope_type,
                Requirement.unit_id,
                Requirement.job_code,
                Competence.code,
                Requirement.level,
                Requirement.effective_from,
                Requirement.effective_until,
            ).join(Competence)
        ).all(),
        columns=[
            "scope_type",
            "unit_id",
            "job_code",
            "competence",
            "level",
            "effective_from",
            "effective_until",
        ],
    )
    assessments = pd.DataFrame(
        db.session.execute(
            sa.select(
                Assessment.id,
                Assessment.person_id,
                Competence.code,
                Assessment.level,
                Assessment.source,
                Assessment.assessed_on,
            ).join(Competence, Assessment.competence_id == Competence.id)
        ).all(),
        columns=["id", "person_id", "competence", "level", "source", "assessed_on"],
    )
    return people, ancestors, requirements, assessments


@pytest.mark.parametrize("day", ["2026-01-15", "2026-06-01", "2026-09-01", "2026-11-01"])
def test_api_matches_analysis_on_the_whole_municipality(client, gapdata, day):
    people, ancestors, requirements, assessments = _full_frames()
    expected = analysis.gap_table(
        analysis.gap_at(people, ancestors, requirements, assessments, day)
    )
    body = get(client, f"/api/v1/gaps?unit=K&date={day}", gapdata.hr).get_json()
    got = pd.DataFrame(body["rows"])
    if expected.empty:
        assert body["rows"] == []
        return
    got = got[list(expected.columns)].sort_values("competence").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert body["total_gap_points"] == int(expected["gap_points"].sum())
    closure = analysis.closure(people, ancestors, requirements, assessments, "2026-01-15", day)
    body = get(client, f"/api/v1/gaps/closure?unit=K&from=2026-01-15&to={day}", gapdata.hr)
    assert {k: body.get_json()[k] for k in closure} == pytest.approx(closure)


def test_permissions_per_role(client, gapdata):
    url = "/api/v1/gaps?unit=A1"
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/gaps/closure?unit=A1&from=2026-01-01").status_code == 401
    assert get(client, url, gapdata.employee).status_code == 403
    assert get(client, url, gapdata.other_leader).status_code == 403
    forbidden = get(client, url, gapdata.other_leader).get_json()
    assert set(forbidden["error"]) == {"code", "message", "fields"}
    assert get(client, "/api/v1/gaps?unit=A1a", gapdata.leader).status_code == 200
    assert get(client, "/api/v1/gaps?unit=B1", gapdata.leader).status_code == 403
    assert get(client, "/api/v1/gaps?unit=K", gapdata.hr).status_code == 200
    assert get(client, "/api/v1/gaps", gapdata.leader).get_json()["unit"] == "A1"
    assert get(client, "/api/v1/gaps", gapdata.employee).status_code == 422
    own = f"/api/v1/people/{gapdata.employee.id}/gaps"
    assert get(client, own, gapdata.employee).status_code == 200
    assert get(client, own, gapdata.colleague).status_code == 403
    assert get(client, own, gapdata.other_leader).status_code == 403
    assert get(client, own, gapdata.leader).status_code == 200
    assert get(client, own, gapdata.hr).status_code == 200
    assert get(client, "/api/v1/people/999999/gaps", gapdata.hr).status_code == 404
    heat = "/api/v1/gaps/heatmap?unit=A1&by=people"
    assert get(client, heat, gapdata.employee).status_code == 403


def test_bad_input_is_a_clear_4xx(client, gapdata):
    hr = data.bearer(gapdata.hr)
    cases = {
        "/api/v1/gaps?unit=NOPE": 404,
        "/api/v1/gaps?unit=K&date=2026-13-01": 422,
        "/api/v1/gaps?unit=K&date=yesterday": 422,
        "/api/v1/gaps?unit=K&competence=zz:9": 404,
        "/api/v1/gaps/closure?unit=K": 422,
        "/api/v1/gaps/closure?unit=K&from=2026-06-01&to=2026-01-01": 422,
        "/api/v1/gaps/closure?unit=K&from=x": 422,
        "/api/v1/gaps/closure?unit=NOPE&from=2026-01-01": 404,
        "/api/v1/gaps/heatmap?unit=K&by=planets": 422,
        "/api/v1/gaps?unit=K&date=9999-01-01": 422,
        "/api/v1/gaps/closure?unit=K&from=1066-10-14": 422,
    }
    for url, status in cases.items():
        response = client.get(url, headers=hr)
        assert response.status_code == status, url
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_far_future_until_means_open_ended(client, gapdata):
    far = data.competence("far:1", "leadership")
    data.requirement(far, 2, unit=gapdata.unit_a1, until="9999-12-31")
    data.requirement(far, 3, unit=gapdata.unit_a1, since="9000-01-01")  # never in force
    db.session.commit()
    body = get(client, "/api/v1/gaps?unit=A1&date=2026-11-01", gapdata.leader).get_json()
    assert rows(body)["far:1"]["gap_points"] == 8  # four people, required 2, none assessed


@pytest.mark.parametrize("day", ["2026-06-01", "2026-11-01"])
def test_a_group_beyond_the_id_list_reads_every_assessment_with_the_same_answer(
    client, gapdata, day, monkeypatch
):
    """Beyond MAX_ID_LIST people the frames read every assessment (no join) and drop the
    other people's rows: the answers are those of the full history."""
    from kollega.gaps import assessment_reads

    monkeypatch.setattr(assessment_reads, "MAX_ID_LIST", 0)
    people, ancestors, requirements, assessments = _full_frames()
    expected = analysis.gap_table(
        analysis.gap_at(people, ancestors, requirements, assessments, day)
    )
    body = get(client, f"/api/v1/gaps?unit=K&date={day}", gapdata.hr).get_json()
    assert body["total_gap_points"] == int(expected["gap_points"].sum())
    if not expected.empty:
        got = pd.DataFrame(body["rows"])[list(expected.columns)]
        got = got.sort_values("competence").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    closure = analysis.closure(people, ancestors, requirements, assessments, "2026-01-15", day)
    body = get(client, f"/api/v1/gaps/closure?unit=K&from=2026-01-15&to={day}", gapdata.hr)
    assert {k: body.get_json()[k] for k in closure} == pytest.approx(closure)
