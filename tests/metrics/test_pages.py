"""Metrics pages and exports: permissions per role, the audit record of HR's views and
exports, exports that parse and agree with the API, the scorecard page."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from tests.conftest import login
from tests.gaps.data import bearer
from tests.metrics import data

PERIOD = f"from={data.START}&to={data.END}"


def audit_views():
    return [
        (e.actor_id, e.details.get("view"), e.details.get("table"))
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "metrics.view").order_by(AuditEvent.id)
        )
    ]


def test_page_permissions_per_role(client, org):
    data.build(org)
    assert client.get("/metrics/units/K").status_code == 302  # to the sign-in page
    login(client, org.employee)
    assert client.get("/metrics/").status_code == 403
    assert client.get("/metrics/units/A1").status_code == 403
    assert "/metrics/" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, org.leader)
    assert client.get("/metrics/").headers["Location"].endswith("/metrics/units/A1")
    assert client.get("/metrics/units/K").status_code == 403
    assert client.get("/metrics/units/B1").status_code == 403
    assert client.get("/metrics/units/K/export.csv?table=summary").status_code == 403
    page = client.get(f"/metrics/units/A1?{PERIOD}")
    assert page.status_code == 200
    assert audit_views() == []  # leaders' views are not HR's
    client.post("/logout")
    login(client, org.hr)
    assert client.get("/metrics/").headers["Location"].endswith("/metrics/units/K")
    html = client.get(f"/metrics/units/K?{PERIOD}").get_data(as_text=True)
    assert "hemmelig" not in html
    assert 'data-chart="' in html and "<caption" in html
    assert audit_views() == [(org.hr.id, "page", None)]


def test_page_and_export_agree_with_the_api(client, org):
    data.build(org)
    api = client.get(
        f"/api/v1/metrics/participation/units?unit=K&{PERIOD}", headers=bearer(org.hr)
    ).json
    login(client, org.hr)
    r = client.get(f"/metrics/units/K/export.csv?table=units&{PERIOD}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == len(api["rows"])
    members = header.index("Members") if "Members" in header else header.index("Medlemmer")
    assert [row[members] for row in body] == [
        "" if r["members"] is None else str(r["members"]) for r in api["rows"]
    ]
    x = client.get(f"/metrics/units/K/export.xlsx?table=summary&{PERIOD}")
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.data)).active
    values = [c.value for c in sheet[2]]
    summary = client.get(
        f"/api/v1/metrics/participation?unit=K&{PERIOD}", headers=bearer(org.hr)
    ).json
    assert values[0] == summary["people"] and values[1] == summary["members"]
    for table in ("months", "networks", "closure_areas", "closure_units", "closure_months"):
        for fmt in ("csv", "xlsx"):
            assert (
                client.get(f"/metrics/units/K/export.{fmt}?table={table}&{PERIOD}").status_code
                == 200
            )
    sc = client.get("/metrics/units/K/export.xlsx?table=scorecard&year=2026")
    goals = {row[1].value for row in load_workbook(io.BytesIO(sc.data)).active.iter_rows(min_row=2)}
    assert len(goals) == 17
    assert client.get("/metrics/units/K/export.pdf?table=units").status_code == 404
    assert client.get("/metrics/units/K/export.csv?table=nope").status_code == 404
    exports = [v for v in audit_views() if v[1] == "export"]
    assert (org.hr.id, "export", "units") in exports and (
        org.hr.id,
        "export",
        "scorecard",
    ) in exports


def test_a_small_unit_page_hides_its_figures(client, org):
    data.build(org)
    login(client, org.hr)
    html = client.get(f"/metrics/units/B1?{PERIOD}").get_data(as_text=True)
    assert "Fewer than 5" in html or "Færre enn 5" in html


def test_scorecard_page_lists_every_goal(client, org):
    from kollega.metrics.scorecard import goals

    data.build(org)
    login(client, org.hr)
    html = client.get("/metrics/units/K/scorecard?year=2026").get_data(as_text=True)
    for goal in goals():
        assert goal["text_nb"] in html
    assert client.get("/metrics/units/K/scorecard?year=abc").status_code == 400  # beside its field
    assert (org.hr.id, "scorecard", None) in audit_views()


def test_bad_period_on_the_page_is_reported_not_a_500(client, org):
    login(client, org.hr)
    r = client.get("/metrics/units/K?from=2026-05-01&to=2026-01-01")
    assert r.status_code == 400  # the page, with the message beside the field
    assert client.get("/metrics/units/K?from=garbage").status_code == 400
    assert client.get("/metrics/units/NOPE").status_code == 404
