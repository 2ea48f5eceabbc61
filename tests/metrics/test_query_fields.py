"""A bad period or year in a metrics page's query string (#21 point 7, no dead ends): the
page shows again with status 400, the message beside the field, the typed value kept;
an export with a bad period or year is refused (400)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message beside {field}"
    return found.group(1)


@pytest.mark.parametrize(
    ("query", "field", "message", "typed"),
    [
        ("from=garbage", "from", "garbage er ikke en måned", "garbage"),
        ("to=2026-13-01", "to", "2026-13-01 er ikke en måned", "2026-13"),
        ("from=2026-05-01&to=2026-01-01", "to", "Kan ikke være før startdatoen", "2026-01"),
        ("from=2020-01&to=2026-01", "from", "tre år", "2020-01"),
    ],
)
def test_a_bad_period_shows_beside_its_field(client, org, query, field, message, typed):
    login(client, org.hr)
    response = client.get(f"/metrics/units/K?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<h1>Nøkkeltall: " in html
    assert message in field_error(html, field)
    shown = re.search(rf'<input type="month" id="{field}"[^>]*>', html).group(0)
    assert f'value="{typed}"' in shown and 'aria-invalid="true"' in shown


def test_a_bad_scorecard_year_shows_beside_its_field(client, org):
    login(client, org.hr)
    response = client.get("/metrics/units/K/scorecard?year=abc&lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Not a valid year." in field_error(html, "year")
    assert 'value="abc"' in re.search(r'<input type="number" id="year"[^>]*>', html).group(0)


def test_an_export_with_a_bad_period_or_year_is_refused(client, org):
    login(client, org.hr)
    assert client.get("/metrics/units/K/export.csv?from=nope").status_code == 400
    assert client.get("/metrics/units/K/export.csv?table=scorecard&year=x").status_code == 400
    assert client.get("/metrics/units/K/export.csv").status_code == 200


@pytest.mark.parametrize("query", ["from=2026-01-16&to=2026-05-03", "from=2026-01&to=2026-05"])
def test_the_page_snaps_the_period_to_whole_months_and_says_so(client, org, query):
    """Dates and months alike give January to May; the month fields show them and the
    page says the period used (1 January to 31 May)."""
    login(client, org.hr)
    response = client.get(f"/metrics/units/K?{query}&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = re.search(r'<input type="month" id="from"[^>]*>', html).group(0)
    end = re.search(r'<input type="month" id="to"[^>]*>', html).group(0)
    assert 'value="2026-01"' in start and 'value="2026-05"' in end
    assert 'aria-describedby="period-hint"' in start and 'id="period-hint"' in html
    period = re.search(r'<p class="period">([^<]*)</p>', html).group(1)
    assert "1" in period and "31" in period and "May" in period, period
    csv_name = client.get(f"/metrics/units/K/export.csv?table=months&{query}").headers
    assert "2026-01-01-2026-05-31" in csv_name["Content-Disposition"]
