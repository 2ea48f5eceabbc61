"""The årshjul and the year page: Norwegian date ranges, the wheel's geometry, the
filters (bad values are a translated 400), and the page's parts (an SVG picture named
"Årshjul", every event a link in the wheel, the linear year and the table)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest

from kollega.cycle import wheel
from tests.conftest import login
from tests.cycle.helpers import make_event

D = dt.date


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (D(2026, 1, 2), D(2026, 1, 2), "2. januar"),
        (D(2026, 1, 2), D(2026, 1, 4), "2.–4. januar"),
        (D(2026, 1, 30), D(2026, 2, 3), "30. januar–3. februar"),
        (D(2026, 12, 30), D(2027, 1, 2), "30. desember 2026–2. januar 2027"),
    ],
)
def test_date_ranges_read_as_in_norwegian(first, last, text):
    assert wheel.date_range(first, last) == text


def _occ(kind: str, start: dt.datetime, end: dt.datetime, title: str = "T") -> SimpleNamespace:
    event = SimpleNamespace(kind=kind, title=title)
    return SimpleNamespace(event=event, starts_at=start, ends_at=end)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_periods_are_arcs_over_their_days_and_overlaps_get_lanes():
    occs = [
        _occ("planning_period", _at(2026, 1, 5, 7), _at(2026, 1, 9, 15)),
        _occ("planning_period", _at(2026, 1, 7, 7), _at(2026, 1, 8, 15)),
        _occ("learning_stop", _at(2026, 6, 1, 12), _at(2026, 6, 1, 13)),
    ]
    drawn = wheel.build(
        2026, occs, D(2026, 6, 15), wheel.MONTHS_NB, str, lambda e: "", lambda o: "#"
    )
    week, overlap, stop = drawn.items
    assert week.dates == "5.–9. januar" and stop.dates == "1. juni"
    assert (week.lane, overlap.lane) == (0, 1) and drawn.lanes["planning_period"] == 2
    # A week is five days wide in the 0–1000 space; a one-day stop at least MIN_DAYS.
    assert float(week.width) == pytest.approx(5 / 365 * 1000, rel=0.01)
    assert float(stop.width) == pytest.approx(wheel.MIN_DAYS / 365 * 1000, rel=0.01)
    assert week.path.startswith("M") and week.path.endswith("Z")
    assert len(drawn.months) == 12 and len(drawn.rings) == 6
    assert drawn.today is not None and 45 < drawn.today["percent"] < 46
    assert wheel.build(2025, [], D(2026, 6, 15), wheel.MONTHS_NB, str, str, str).today is None


def test_the_year_page_has_the_wheel_the_lines_and_the_table(client, org):
    make_event(
        org.hr,
        municipality_wide=True,
        kind="planning_period",
        title="Fellesperiode",
        starts_at="2026-08-10T08:00",
        ends_at="2026-08-14T16:00",
    )
    make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Læringsstopp i A1",
        starts_at="2026-01-06T09:00",
        ends_at="2026-01-06T10:00",
    )
    login(client, org.employee)
    html = client.get("/cycle/?year=2026").get_data(as_text=True)
    assert re.search(r'<svg class="wheel-art" role="img" aria-labelledby="wheel-name"', html)
    assert re.search(r'<title id="wheel-name">Årshjul 2026: 2 hendelser', html)
    assert html.count('class="wheel-event kind-') == 2 and html.count('class="yl-item kind-') == 2
    assert "10.–14. august" in html and "6. januar" in html and "Hele kommunen" in html
    assert 'style="' not in html.split("<main", 1)[1]  # the CSP forbids style attributes
    # The unit's year: the unit's own events and the municipality's.
    unit = client.get("/cycle/?unit=A1&year=2026").get_data(as_text=True)
    assert "Læringsstopp i A1" in unit and "Fellesperiode" in unit
    # The municipality's: its periods only.
    wide = client.get("/cycle/?scope=municipality&year=2026").get_data(as_text=True)
    assert "Fellesperiode" in wide and "Læringsstopp i A1" not in wide


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("year=abc", "year", "Velg et år fra 2000 til 2100."),
        ("year=1800", "year", "Velg et år fra 2000 til 2100."),
        ("scope=everyone", "scope", "Velg hvilket årshjul som skal vises."),
        ("scope=unit&unit=NOPE", "unit", "Velg en enhet fra listen."),
        ("scope=unit", "unit", "Velg en enhet fra listen."),
        ("scope=network&network=99999", "network", "Velg et av nettverkene dine."),
        ("scope=network&network=x", "network", "Velg et av nettverkene dine."),
    ],
)
def test_bad_filters_are_a_translated_400(client, org, query, field, message):
    login(client, org.employee)
    response = client.get(f"/cycle/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'href="#{field}"' in html


def test_a_unit_outside_ones_own_is_refused(client, org):
    login(client, org.employee)
    assert client.get("/cycle/?unit=B1").status_code == 403


def test_a_guest_has_no_municipality_year(client, org):
    login(client, org.guest)
    assert client.get("/cycle/?scope=municipality").status_code == 400


def test_a_leader_sees_the_units_below_and_an_employee_may_not(client, org):
    make_event(
        org.leader,
        unit="A1a",
        kind="learning_stop",
        title="Læringsstopp i A1a",
        starts_at="2026-03-03T09:00",
        ends_at="2026-03-03T10:00",
    )
    login(client, org.leader)
    alone = client.get("/cycle/?unit=A1&year=2026").get_data(as_text=True)
    assert "Læringsstopp i A1a" not in alone
    tree = client.get("/cycle/?unit=A1&below=1&year=2026")
    assert tree.status_code == 200 and "Læringsstopp i A1a" in tree.get_data(as_text=True)


def test_an_employee_may_not_see_the_units_below(client, org):
    login(client, org.employee)
    assert client.get("/cycle/?unit=A1&below=1&year=2026").status_code == 403
