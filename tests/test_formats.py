"""Norwegian formats: the template filters for numbers, percentages and dates (#21)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string

NBSP = "\u00a0"


def _render(app, source: str, lang: str = "nb", **context) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(source, **context)


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ("{{ v|number(1) }}", 1055.3500000000001, f"1{NBSP}055,4"),
        ("{{ v|number(1) }}", 3.200000000000003, "3,2"),
        ("{{ v|number }}", 1234567, f"1{NBSP}234{NBSP}567"),
        ("{{ v|number }}", -0.2, "0"),
        ("{{ v|number(1) }}", -0.04, "0,0"),
        ("{{ v|number }}", None, "\u2013"),
        ("{{ v|number(1, trim=True) }}", 7.5, "7,5"),
        ("{{ v|number(1, trim=True) }}", 8.0, "8"),
        ("{{ v|percent }}", 0.3802, f"38{NBSP}%"),
        ("{{ v|percent }}", -0.004, f"0{NBSP}%"),
        ("{{ v|percent }}", -0.012, f"-1{NBSP}%"),
        ("{{ v|percent(1) }}", 0.09, f"9,0{NBSP}%"),
        ("{{ v|percent }}", None, "\u2013"),
        ("{{ v|localdate }}", dt.date(2026, 12, 5), "5. des. 2026"),
        ("{{ v|figure('share') }}", -0.0004, f"0{NBSP}%"),
        ("{{ v|figure('int') }}", 1055.0, f"1{NBSP}055"),
        ("{{ v|figure('count') }}", 12, "12"),
        ("{{ v|figure('decimal') }}", 3.200000000000003, "3,2"),
        ("{{ v|figure('text') }}", "Fjell skole", "Fjell skole"),
        ("{{ v|figure('share') }}", None, "\u2013"),
        ("{{ v|localmonth }}", "2026-03", "mars 2026"),
        ("{{ v|localmonth }}", dt.date(2026, 12, 5), "desember 2026"),
    ],
)
def test_bokmal_filters(app, source, value, expected):
    assert _render(app, source, v=value) == expected


def test_english_filters(app):
    assert _render(app, "{{ v|number(1) }}", "en", v=1055.35) == "1,055.4"
    assert _render(app, "{{ v|percent }}", "en", v=0.38) == "38%"
    assert _render(app, "{{ v|percent(1) }}", "en", v=0.0899) == "9.0%"


def test_no_raw_float_ever(app):
    text = _render(app, "{{ a|number(1) }} {{ b|percent }}", a=0.1 + 0.2, b=1 / 3)
    assert text == f"0,3 33{NBSP}%"


# --- exports: CSV for Norwegian Excel, XLSX with real number formats -------------------

HEADER = ["Enhet", "Personer", "Årsverk", "Dekning", "Dato"]
KINDS = ["text", "int", "decimal", "share", "date"]
ROWS = [
    ["Fjell skole", 1234, 1055.3500000000001, 0.3502, dt.date(2026, 12, 5)],
    ["=HYPERLINK(1)", 0, 3.200000000000003, -0.00004, None],
    ["Tom rad", None, None, None, None],
]


def _table(app, fmt: str, lang: str = "nb", **kw):
    from kollega.tables import table_response

    with app.test_request_context(f"/?lang={lang}"):
        return table_response(fmt, HEADER, ROWS, "tabell", "Gap per kompetanse", KINDS, **kw)


def test_csv_for_norwegian_excel(app):
    import csv
    import io

    response = _table(app, "csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tabell.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Enhet", "Personer", "Årsverk", "Dekning (%)", "Dato"]
    assert rows[1] == ["Fjell skole", "1234", "1055,35", "35,0", "2026-12-05"]
    assert rows[2] == ["'=HYPERLINK(1)", "0", "3,20", "0,0", ""]  # never "-0,0"
    assert rows[3] == ["Tom rad", "", "", "", ""]
    assert "." not in "".join(rows[1][1:4] + rows[2][1:4])


def test_csv_reads_back_as_numbers_with_pandas(app):
    import io

    import pandas as pd

    frame = pd.read_csv(
        io.BytesIO(_table(app, "csv").get_data()), sep=";", decimal=",", encoding="utf-8-sig"
    )
    assert list(frame.columns) == ["Enhet", "Personer", "Årsverk", "Dekning (%)", "Dato"]
    assert frame["Årsverk"].tolist()[:2] == [1055.35, 3.2]
    assert frame["Dekning (%)"].tolist()[:2] == [35.0, 0.0]
    assert frame["Personer"].dtype.kind in "if"


def test_xlsx_has_numbers_with_number_formats(app):
    import io

    from openpyxl import load_workbook

    response = _table(app, "xlsx", notes=["Dekning er andelen med krav som har nivået."])
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.get_data()))
    sheet = wb["Gap per kompetanse"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2"
    name, people, fte, coverage, day = sheet[2]
    assert name.value == "Fjell skole"
    assert people.value == 1234 and isinstance(people.value, int)
    assert people.number_format == "#,##0"
    assert fte.value == pytest.approx(1055.35) and fte.number_format == "#,##0.00"
    assert coverage.value == pytest.approx(0.3502) and coverage.number_format == "0%"
    assert day.value.date() == dt.date(2026, 12, 5) and day.number_format == "dd.mm.yyyy"
    assert sheet["A3"].value == "'=HYPERLINK(1)"
    assert sheet["B4"].value is None
    # One kind of figure per column: every number of column D is a fraction in 0..1.
    shares = [c.value for (c,) in sheet.iter_rows(min_row=2, min_col=4, max_col=4)]
    assert all(v is None or -1 <= v <= 1 for v in shares)
    notes = wb["Om tallene"]
    assert notes["A1"].value == "Gap per kompetanse"
    assert notes["A2"].value.startswith("Dekning er")


def test_xlsx_reads_back_with_pandas_and_english_notes(app):
    import io

    import pandas as pd

    data = _table(app, "xlsx", lang="en", notes=["Coverage is ..."]).get_data()
    frame = pd.read_excel(io.BytesIO(data), sheet_name=0)
    assert frame["Personer"].iloc[0] == 1234
    assert frame["Dekning"].iloc[0] == pytest.approx(0.3502)
    assert pd.ExcelFile(io.BytesIO(data)).sheet_names == ["Gap per kompetanse", "About the figures"]


def test_kinds_are_inferred_and_checked(app):
    from kollega.tables import column_kinds, csv_text, sheet_name

    rows = [["a", 1, 1.0, dt.date(2026, 1, 1)], ["b", None, 0.25, None]]
    assert column_kinds(rows, 4) == ["text", "int", "decimal", "date"]
    with pytest.raises(ValueError):
        csv_text(["a", "b"], [["x", 1]], kinds=["text"])
    with pytest.raises(ValueError):
        csv_text(["a"], [["x"]], kinds=["percent"])
    assert sheet_name("Gap: A/B [2026]?") == "Gap \u2013 A-B -2026--"
    assert len(sheet_name("x" * 40)) == 31
    # Cut between words, never inside one (Excel's 31 characters).
    assert sheet_name("Lukking av gap per innsatsområde") == "Lukking av gap\u2026"
    assert sheet_name("Varmekart: personer og kompetanse") == "Varmekart \u2013 personer\u2026"
    assert sheet_name("Gap per kompetanse") == "Gap per kompetanse"


def test_xlsx_without_notes_keeps_the_full_title(app):
    import io

    from openpyxl import load_workbook

    from kollega.tables import xlsx_bytes

    title = "Lukking blant nettverksmedlemmer i perioden"
    with app.test_request_context("/?lang=nb"):
        wb = load_workbook(io.BytesIO(xlsx_bytes(["Enhet"], [["A"]], title)))
    assert wb.sheetnames == ["Lukking blant\u2026", "Om tallene"]
    assert wb["Om tallene"]["A1"].value == title
