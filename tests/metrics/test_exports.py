"""Metrics exports for Norwegian Excel (#21): CSV with ``;``, decimal comma, BOM and one
charset; XLSX with real numbers and number formats; the page's figures in the user's
locale (never a raw float, never "-0 %"). Files are read back with csv, openpyxl, pandas."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import login
from tests.metrics import data

PERIOD = f"from={data.START}&to={data.END}"
TABLES = ("summary", "months", "units", "networks", "closure_areas", "closure_units")


@pytest.mark.parametrize("table", TABLES)
def test_csv_is_for_norwegian_excel(client, org, table):
    data.build(org)
    login(client, org.hr)
    response = client.get(f"/metrics/units/K/export.csv?table={table}&{PERIOD}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len({len(row) for row in rows}) == 1  # every row as wide as the header
    for row in rows[1:]:
        for cell in row:
            # A figure is a whole number or has a decimal comma: never 0.3502 or 1,055.3.
            assert not re.fullmatch(r"-?\d+\.\d+", cell), (table, row)


def test_csv_counts_read_back_as_numbers_with_pandas(client, org):
    data.build(org)
    login(client, org.hr)
    raw = client.get(f"/metrics/units/K/export.csv?table=units&{PERIOD}").get_data()
    frame = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert "Medlemmer" in frame.columns  # headers in the user's language
    shown = frame["Personer"].dropna()
    assert len(shown) and all(float(v).is_integer() for v in shown)


def test_xlsx_counts_are_integers_with_a_number_format(client, org):
    data.build(org)
    login(client, org.hr)
    response = client.get(f"/metrics/units/K/export.xlsx?table=summary&{PERIOD}")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    people = row["Personer i enheten og under"]
    assert isinstance(people.value, int) and people.number_format == "#,##0"
    for cell in sheet[2]:
        assert not isinstance(cell.value, str) or not re.fullmatch(r"-?\d+([.,]\d+)?", cell.value)


def test_page_figures_are_in_the_users_locale(client, org):
    data.build(org)
    login(client, org.hr)
    html = client.get(f"/metrics/units/K?{PERIOD}").get_data(as_text=True)
    assert re.search(r"\d\u00a0%", html)  # 38 %, with a no-break space
    assert "-0\u00a0%" not in html and "-0 %" not in html
    assert not re.search(r">\s*-?\d+\.\d+\s*<", html)  # no raw float in a cell
    assert "2026-03<" not in html and "mars 2026" in html  # months by name


def test_shares_are_percentages(client, org):
    data.build(org)
    login(client, org.hr)
    raw = client.get(f"/metrics/units/K/export.csv?table=summary&{PERIOD}").get_data()
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert "Andel i minst ett nettverk (%)" in header
    response = client.get(f"/metrics/units/K/export.xlsx?table=summary&{PERIOD}")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Andel i minst ett nettverk") + 1).number_format == "0%"
    assert sheet.title != "summary"  # named in the user's language


def test_scorecard_has_one_kind_of_figure_per_column(client, org):
    data.build(org)
    login(client, org.hr)
    response = client.get("/metrics/units/K/export.xlsx?table=scorecard&year=2026")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    indicator = header.index("Indikator")

    def figures(label):
        row = next(r for r in sheet.iter_rows(min_row=2) if r[indicator].value == label)
        return {c.number_format for c in row[indicator + 1 :] if isinstance(c.value, (int, float))}

    # A share (13 of 18 employees) and a count (reflections) never share a column's format.
    assert "0%" in figures("Ansatte i minst ett lærende nettverk")
    assert figures("Refleksjoner etter stopp") == {"#,##0"}
