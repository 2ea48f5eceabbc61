"""Gap exports for Norwegian Excel (#21): a CSV with ``;``, a decimal comma, a BOM and one
charset; an XLSX with real numbers and number formats, one kind of figure per column,
headers in the user's language. The files are read back with csv, openpyxl and pandas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from kollega.extensions import db
from tests.conftest import login
from tests.factories import make_person
from tests.gaps import data

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()


def setup(org):
    """Four people in Fjell skole need privacy at level 3 (Eva, Kari, Ola, Lise); Eva has
    it, Kari is at 1: coverage 1/4, gap points 0 + 2 + 3 + 3."""
    pv = data.competence("pv:1", "privacy", "Personvern")
    data.requirement(pv, 3, unit=org.unit_a1, since=SINCE)
    data.assessment(org.employee, pv, 3, "self", SINCE)
    data.assessment(org.colleague, pv, 1, "self", SINCE)
    db.session.commit()


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("table", ["competences", "areas", "heatmap"])
def test_csv_is_for_norwegian_excel(client, org, table):
    setup(org)
    login(client, org.leader)
    response = client.get(f"/gaps/units/A1/export.csv?table={table}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = rows_of(response)
    header, body = rows[0], rows[1:]
    assert "Gappoeng" in header  # the user's language (bokmål)
    assert body, rows
    gap = header.index("Gappoeng")
    assert all(row[gap].isdigit() for row in body)
    coverage = next(i for i, h in enumerate(header) if h.startswith("Dekning"))
    figures = [row[coverage] for row in body if row[coverage]]  # empty: nobody is required
    assert figures
    for figure in figures:
        assert "." not in figure  # never a dot decimal
        float(figure.replace(",", "."))  # a number Excel reads with a decimal comma


def test_csv_reads_back_with_pandas(client, org):
    setup(org)
    login(client, org.leader)
    data_ = client.get("/gaps/units/A1/export.csv").get_data()
    frame = pd.read_csv(io.BytesIO(data_), sep=";", decimal=",", encoding="utf-8-sig")
    row = frame.set_index("Kompetansekode").loc["pv:1"]
    assert int(row["Personer med krav"]) == 4
    assert int(row["Personer med gap"]) == 3
    assert int(row["Gappoeng"]) == 8


def test_xlsx_has_numbers_with_formats(client, org):
    setup(org)
    login(client, org.leader)
    response = client.get("/gaps/units/A1/export.xlsx?table=competences")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    assert "Gappoeng" in header
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    for name in ("Personer med krav", "Personer med gap", "Gappoeng"):
        assert isinstance(row[name].value, int) and row[name].number_format == "#,##0"
    coverage = next(c for h, c in row.items() if h.startswith("Dekning"))
    assert coverage.value == pytest.approx(1 / 4, abs=1e-4)  # a number, not a text
    # One kind of figure per column: the coverage column holds fractions only.
    column = [
        c.value
        for (c,) in sheet.iter_rows(min_row=2, min_col=coverage.column, max_col=coverage.column)
    ]
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in column)


def test_xlsx_reads_back_with_pandas_in_english(client, org):
    setup(org)
    make_person(org.unit_a1, name="Kim Ny")
    db.session.commit()
    login(client, org.leader)
    client.post("/language", data={"lang": "en", "next": "/"})
    frame = pd.read_excel(io.BytesIO(client.get("/gaps/units/A1/export.xlsx").get_data()))
    row = frame.set_index("Competence code").loc["pv:1"]
    assert row["People with a requirement"] == 5
    assert row["Coverage"] == pytest.approx(1 / 5, abs=1e-4)


def test_unit_page_shows_figures_in_the_users_locale(client, org):
    setup(org)
    login(client, org.leader)
    html = client.get("/gaps/units/A1").get_data(as_text=True)
    assert '<td class="num">25\u00a0%</td>' in html  # coverage 1/4, a bokmål percentage
    assert "0.25" not in html and "-0\u00a0%" not in html
    client.post("/language", data={"lang": "en", "next": "/"})
    html = client.get("/gaps/units/A1").get_data(as_text=True)
    assert '<td class="num">25%</td>' in html


def test_coverage_is_a_percentage(client, org):
    setup(org)
    login(client, org.leader)
    rows = rows_of(client.get("/gaps/units/A1/export.csv"))
    assert "Dekning (%)" in rows[0]
    assert rows[1][rows[0].index("Dekning (%)")] == "25,0"
    sheet = load_workbook(io.BytesIO(client.get("/gaps/units/A1/export.xlsx").get_data())).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Dekning") + 1).number_format == "0%"
