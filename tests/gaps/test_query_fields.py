"""A bad date in a gap page's query string (#21 point 7, no dead ends): the page shows
again with status 400, a translated message beside the field that holds the bad value,
that value kept in the field, and the rest of what was asked (here: the heatmap by
people) still shown. An export with a bad date is refused (400), not made for another day."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.gaps.test_pages import LATER, setup_gaps


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message beside {field}"
    return found.group(1)


def field_input(html: str, field: str) -> str:
    found = re.search(rf'<input type="date" id="{field}"[^>]*>', html)
    assert found, f"no date field {field}"
    return found.group(0)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date=2026-02-30", "date", "2026-02-30 er ikke en dato"),
        ("date=3001-01-01", "date", "mellom 1900 og 2200"),
        (f"future=banan&date={LATER}", "future", "banan er ikke en dato"),
        ("future=2020-01-01", "future", "må være etter den første datoen"),
        ("closure_from=nope", "closure_from", "nope er ikke en dato"),
        ("closure_from=2100-01-01", "closure_from", "før slutten"),
        ("heatmap_date=x", "heatmap_date", "x er ikke en dato"),
    ],
)
def test_a_bad_date_on_the_unit_page_shows_beside_its_field(client, org, query, field, message):
    setup_gaps(org)
    login(client, org.leader)
    response = client.get(f"/gaps/units/A1?by=people&{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<h1>Gap: " in html  # the page, not an error page
    assert message in field_error(html, field)
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    typed = dict(pair.split("=") for pair in query.split("&"))[field]
    shown = field_input(html, field)
    assert f'value="{typed}"' in shown and 'aria-invalid="true"' in shown
    # The rest of what was asked still holds: the heatmap by people.
    assert '<option value="people" selected>' in html
    assert org.employee.name in html


def test_a_good_date_has_no_message(client, org):
    setup_gaps(org)
    login(client, org.leader)
    response = client.get(f"/gaps/units/A1?future={LATER}")
    assert response.status_code == 200
    assert 'class="error-summary"' not in response.get_data(as_text=True)


def test_a_bad_future_date_on_my_gaps_in_english(client, org):
    setup_gaps(org)
    login(client, org.employee)
    response = client.get("/gaps/me?future=tomorrow&lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "tomorrow is not a date; use the form YYYY-MM-DD." in field_error(html, "future")
    assert 'value="tomorrow"' in field_input(html, "future")
    # A day that is not after today is refused beside the field too.
    response = client.get("/gaps/me?future=2020-01-01")
    assert response.status_code == 400
    assert "etter i dag" in field_error(response.get_data(as_text=True), "future")


def test_an_export_with_a_bad_date_is_refused(client, org):
    setup_gaps(org)
    login(client, org.leader)
    assert client.get("/gaps/units/A1/export.csv?date=nope").status_code == 400
    assert client.get("/gaps/units/A1/export.csv").status_code == 200
