"""The metrics API on a data set with known activity: exact participation figures, a
hidden group of 3, permissions per role and the audit record of HR's views."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from tests.gaps.data import bearer
from tests.metrics import data

PERIOD = f"from={data.START}&to={data.END}"


def get(client, url, person=None):
    return client.get(url, headers=bearer(person) if person else {})


def test_known_activity_gives_exact_figures(client, org):
    data.build(org)
    r = get(client, f"/api/v1/metrics/participation?unit=A1&{PERIOD}", org.hr)
    assert r.status_code == 200, r.json
    body = r.json
    assert {k: body[k] for k in ("members", "active_members", "messages", "stops_held")} == {
        "members": 7,
        "active_members": 4,
        "messages": 3,
        "stops_held": 2,
    }
    assert body["attendance_rate"] == 0.3
    assert body["reflections"] == 1
    assert body["reactions"] == 1 and body["threads"] == 1
    assert body["trainings_completed"] == 1
    assert body["suppressed"] is False
    assert body["people"] == 10 and body["network_share"] == 0.7
    assert "hemmelig" not in r.get_data(as_text=True)


def test_a_group_of_three_is_hidden(client, org):
    data.build(org)
    body = get(client, f"/api/v1/metrics/participation?unit=B1&{PERIOD}", org.hr).json
    assert body["suppressed"] is True
    for key in ("members", "active_members", "messages", "stops_held", "attendance_rate"):
        assert body[key] is None
    assert body["reflections"] is None and body["network_share"] is None


def test_per_unit_and_per_network_hide_small_groups(client, org):
    k = data.build(org)
    units = get(client, f"/api/v1/metrics/participation/units?unit=K&{PERIOD}", org.hr).json
    by_code = {r["unit"]: r for r in units["rows"]}
    assert by_code["A"]["members"] == 7 and by_code["A"]["suppressed"] is False
    assert by_code["B"]["members"] == 5 and by_code["B"]["suppressed"] is False
    units = get(client, f"/api/v1/metrics/participation/units?unit=B&{PERIOD}", org.hr).json
    by_code = {r["unit"]: r for r in units["rows"]}
    assert by_code["B1"]["suppressed"] is True and by_code["B1"]["messages"] is None
    assert by_code["B1"]["suppressed_reason"] == "small_group"
    nets = get(client, f"/api/v1/metrics/participation/networks?unit=K&{PERIOD}", org.hr).json
    by_id = {r["network_id"]: r for r in nets["rows"]}
    assert by_id[k.network.id]["members"] == 7 and by_id[k.network.id]["messages"] == 3
    assert by_id[k.b_network.id]["members"] == 5
    nets = get(client, f"/api/v1/metrics/participation/networks?unit=B1&{PERIOD}", org.hr).json
    assert [r["suppressed"] for r in nets["rows"]] == [True]


def test_months_add_up_and_count_joins(client, org):
    data.build(org)
    body = get(client, f"/api/v1/metrics/participation/months?unit=A1&{PERIOD}", org.hr).json
    months = {r["month"]: r for r in body["rows"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    # p2 joins in May, p3 on 30 June; the others joined before the period.
    assert [months[m]["joins"] for m in months] == [0, 0, 0, 0, 1, 1]
    # A1 had at least 5 members on every day: every month is shown, and they add up.
    assert [months[m]["members"] for m in months] == [5, 5, 5, 5, 6, 7]
    assert sum(months[m]["messages"] for m in months) == 3


def test_closure_matches_gaps_closure(client, org):
    from tests.gaps import data as gapdata

    pv = gapdata.competence("pv:1", "privacy")
    gapdata.requirement(pv, 3, unit=org.unit_a1, since="2026-01-01")
    gapdata.assessment(org.employee, pv, 1, "self", "2026-01-10")
    gapdata.assessment(org.employee, pv, 3, "leader", "2026-05-10")
    gapdata.assessment(org.colleague, pv, 2, "self", "2026-01-10")
    db.session.commit()
    q = "unit=A1&from=2026-02-01&to=2026-06-30"
    ours = get(client, f"/api/v1/metrics/closure?{q}", org.hr).json
    theirs = get(client, f"/api/v1/gaps/closure?{q}", org.hr).json
    for key in ("gap_points_from", "gap_points_to", "closure", "new_gap_points"):
        assert ours[key] == theirs[key]
    privacy = next(r for r in ours["by_focus_area"] if r["focus_area"] == "privacy")
    # On 1 February: Eva 3-1, Kari 3-2, Ola 3-0, Lise 3-0; by 30 June Eva is at 3.
    assert (privacy["gap_points_from"], privacy["gap_points_to"]) == (9, 7)
    assert ours["gap_points_from"] == 9
    assert ours["by_month"][-1]["gap_points_to"] == ours["gap_points_to"]
    assert ours["networks"]["note"]


def test_permissions_per_role(client, org):
    data.build(org)
    url = f"/api/v1/metrics/participation?{PERIOD}"
    assert client.get(url + "&unit=K").status_code == 401
    assert get(client, url + "&unit=A1", org.employee).status_code == 403
    assert get(client, url, org.employee).status_code == 403
    assert get(client, url + "&unit=K", org.leader).status_code == 403
    assert get(client, url + "&unit=B1", org.leader).status_code == 403
    assert get(client, url + "&unit=A1", org.leader).status_code == 200
    assert get(client, url + "&unit=A1a", org.leader).status_code == 200
    assert get(client, url, org.leader).json["unit"] == "A1"
    assert get(client, url + "&unit=K", org.hr).status_code == 200
    assert get(client, url + "&unit=K", org.admin).status_code == 403
    assert get(client, url + "&unit=K", org.guest).status_code == 403


def test_bad_input_is_a_clear_4xx(client, org):
    base = "/api/v1/metrics/participation?unit=K"
    assert get(client, base + "&from=nope", org.hr).status_code == 422
    assert get(client, base + "&from=2026-05-01&to=2026-01-01", org.hr).status_code == 422
    assert get(client, base + "&from=2020-01-01&to=2026-01-01", org.hr).status_code == 422
    assert get(client, "/api/v1/metrics/participation?unit=NOPE", org.hr).status_code == 404
    assert get(client, "/api/v1/metrics/scorecard?unit=K&year=x", org.hr).status_code == 422


def test_hr_views_are_audited_leaders_not(client, org):
    data.build(org)
    get(client, f"/api/v1/metrics/participation?unit=K&{PERIOD}", org.hr)
    get(client, f"/api/v1/metrics/participation?unit=A1&{PERIOD}", org.leader)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "metrics.view")
    ).all()
    assert [(e.actor_id, e.details["unit"], e.details["view"]) for e in events] == [
        (org.hr.id, "K", "participation")
    ]
    assert events[0].details["from"] == data.START


def test_scorecard_lists_every_goal(client, org):
    from kollega.metrics import scorecard

    data.build(org)
    body = get(client, "/api/v1/metrics/scorecard?unit=K&year=2026", org.hr).json
    ids = [g["id"] for a in body["focus_areas"] for g in a["goals"]]
    assert ids == [g["id"] for g in scorecard.goals()] and len(ids) == 17
    assert len(body["focus_areas"]) == 4
    goals = {g["id"]: g for a in body["focus_areas"] for g in a["goals"]}
    assert goals["sm4"]["measurable"] == "no" and goals["sm4"]["note"]
    assert goals["sm4"]["indicators"] == []
    lo3 = {i["key"]: i for i in goals["lo3"]["indicators"]}
    # A1: the leader, Eva, Kari, Ola, p1-p4; B: five. Of 18 people in the municipality.
    assert (lo3["employees_in_networks"]["count"], lo3["employees_in_networks"]["of"]) == (13, 18)
    assert all(g["text_nb"] and g["text_en"] for g in goals.values())


def test_openapi_documents_the_metrics_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("participation", "participation/months", "participation/units", "closure"):
        assert f"/api/v1/metrics/{path}" in paths or f"/metrics/{path}" in paths


def test_the_api_takes_months_or_dates_and_says_the_whole_months_used(client, org):
    headers = bearer(org.hr)
    for q in ("from=2026-02&to=2026-04", "from=2026-02-14&to=2026-04-02"):
        body = client.get(f"/api/v1/metrics/participation?unit=K&{q}", headers=headers).json
        assert (body["from"], body["to"]) == ("2026-02-01", "2026-04-30")
        rows = client.get(f"/api/v1/metrics/participation/months?unit=K&{q}", headers=headers)
        assert [r["month"] for r in rows.json["rows"]] == ["2026-02", "2026-03", "2026-04"]
    for bad in ("from=2026-13", "to=feb", "from=1800-01"):
        r = client.get(f"/api/v1/metrics/participation?unit=K&{bad}", headers=headers)
        assert r.status_code == 422, bad
