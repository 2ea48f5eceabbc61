"""Gap pages per role: my gaps, the unit page (tables, heatmap, focus areas, future
date, drill-down), CSV export, dismissing, creating a proposed network."""

from __future__ import annotations

import datetime as dt

from kollega.extensions import db
from tests.conftest import login
from tests.gaps import data

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()
LATER = (dt.date.today() + dt.timedelta(days=200)).isoformat()


def setup_gaps(org):
    pv = data.competence("pv:1", "privacy", "Personvern")
    dc = data.competence("dc:1", "digital", "Digital dømmekraft")
    data.requirement(pv, 3, unit=org.unit_a1, since=SINCE)
    data.requirement(dc, 2, unit=org.root, since=SINCE)
    data.requirement(dc, 4, unit=org.root, since=LATER)
    data.assessment(org.employee, pv, 1, "self", SINCE)
    db.session.commit()


def test_anonymous_is_sent_to_sign_in(client, org):
    assert client.get("/gaps/me").status_code in (302, 401)
    assert client.get("/gaps/units/A1").status_code in (302, 401)


def test_my_gaps_page(client, org):
    setup_gaps(org)
    login(client, org.employee)
    html = client.get("/gaps/me").get_data(as_text=True)
    assert "Personvern" in html and "Digital dømmekraft" in html
    html = client.get(f"/gaps/me?future={LATER}").get_data(as_text=True)
    assert "<table" in html
    assert client.get("/gaps/me?future=garbage").status_code == 400  # beside its field
    start = client.get("/").get_data(as_text=True)
    assert "/gaps/me" in start


def test_unit_page_per_role(client, org):
    setup_gaps(org)
    login(client, org.employee)
    assert client.get("/gaps/units/A1").status_code == 403
    client.post("/logout")
    login(client, org.other_leader)
    assert client.get("/gaps/units/A1").status_code == 403
    client.post("/logout")
    login(client, org.leader)
    assert client.get("/gaps/").headers["Location"].endswith("/gaps/units/A1")
    html = client.get(f"/gaps/units/A1?future={LATER}").get_data(as_text=True)
    assert "heat-" in html and "Personvern" in html
    assert 'href="/gaps/units/A1a' in html  # drill-down to the department
    people = client.get("/gaps/units/A1?by=people").get_data(as_text=True)
    assert org.employee.name in people
    assert client.get("/gaps/units/NOPE").status_code == 404
    assert client.get("/gaps/units/A1?date=2026-02-30").status_code == 400  # beside its field
    closure = client.get(f"/gaps/units/A1?closure_from={SINCE}").get_data(as_text=True)
    assert "Lukking av gap" in closure
    assert client.get("/gaps/units/A1?closure_from=2999-01-01").status_code == 400
    csv = client.get("/gaps/units/A1/export.csv")
    assert csv.status_code == 200 and "pv:1" in csv.get_data(as_text=True)
    assert client.get("/gaps/units/A1/export.pdf").status_code == 404
    assert client.get("/gaps/units/A1/export.csv?table=nope").status_code == 404
    areas = client.get("/gaps/units/A1/export.csv?table=areas").get_data(as_text=True)
    assert "Personvern og informasjonssikkerhet" in areas
    heat = client.get("/gaps/units/A1/export.csv?table=heatmap&by=people").get_data(as_text=True)
    assert org.employee.name in heat
    xlsx = client.get("/gaps/units/A1/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[2]][0] in {"pv:1", "dc:1"}
    client.post("/logout")
    login(client, org.other_leader)
    assert client.get("/gaps/units/A1/export.xlsx").status_code == 403
    client.post("/logout")
    login(client, org.hr)
    assert client.get("/gaps/units/K").status_code == 200


def test_exports_show_formula_like_names_as_text(client, org):
    """A name that starts like a spreadsheet formula (CSV injection) is exported as text."""
    setup_gaps(org)
    org.employee.name = '=HYPERLINK("http://x.example","klikk")'
    db.session.commit()
    login(client, org.leader)
    heat = client.get("/gaps/units/A1/export.csv?table=heatmap&by=people").get_data(as_text=True)
    cells = [cell for line in heat.splitlines() for cell in line.split(";")]
    assert not any(cell.lstrip('"').startswith("=") for cell in cells)
    assert any(cell.lstrip('"').startswith("'=HYPERLINK") for cell in cells)
    from io import BytesIO

    from openpyxl import load_workbook

    xlsx = client.get("/gaps/units/A1/export.xlsx?table=heatmap&by=people")
    sheet = load_workbook(BytesIO(xlsx.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


def test_dismiss_from_page(client, org):
    setup_gaps(org)
    login(client, org.employee)
    assert (
        client.post("/gaps/suggestions/dismiss", data={"type": "x", "id": "1"}).status_code == 302
    )
    assert (
        client.post("/gaps/suggestions/dismiss", data={"type": "training", "id": "7"}).status_code
        == 302
    )


def test_person_gaps_page_and_panel_for_the_leader_chain(client, org):
    setup_gaps(org)
    login(client, org.other_leader)
    assert client.get(f"/gaps/people/{org.employee.id}").status_code == 403
    client.post("/logout")
    login(client, org.leader)
    html = client.get(f"/gaps/people/{org.employee.id}").get_data(as_text=True)
    assert org.employee.name in html and "Personvern" in html
    assert "/gaps/suggestions/dismiss" not in html  # only the person dismisses
    panel = client.get(f"/people/{org.employee.id}").get_data(as_text=True)
    assert f"/gaps/people/{org.employee.id}" in panel
    assert client.get("/gaps/people/999999").status_code == 404
