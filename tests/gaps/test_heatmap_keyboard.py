"""The heatmap's date chosen by keyboard alone (#21 point 4): in the date field, type a
day ahead in the field's own order and press Enter; the heatmap shows the requirement
that starts before that day, the rest of what was asked (by people) kept. (A bad date in
the link: tests/gaps/test_query_fields.py.)"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as
from tests.gaps.test_heatmap_date import AFTER, setup

pytestmark = pytest.mark.browser


def _order(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The order of the date field's parts, as the browser draws it (its own locale, not
    the page's): learned by typing into the first part of a field with a known value."""
    field = page.locator("#heatmap_date")
    field.evaluate("f => { f.value = '2026-12-06'; }")
    field.focus()
    page.keyboard.type("11")
    year, month, day = field.input_value().split("-")
    first = "month" if month == "11" else "day" if day == "11" else "year"
    rest = {"month": ["day", "year"], "day": ["month", "year"], "year": ["month", "day"]}
    return [first, *rest[first]]


def _typed(order: list[str], day: dt.date) -> str:
    """The digits of ``day`` in the field's order."""
    parts = {"year": f"{day.year:04d}", "month": f"{day.month:02d}", "day": f"{day.day:02d}"}
    return "".join(parts[p] for p in order)


def test_the_heatmap_date_is_chosen_by_keyboard(page, org):  # type: ignore[no-untyped-def]
    setup(org)
    sign_in_as(page, org.leader)
    page.goto("/gaps/units/A1?by=people")
    section = page.locator("section[aria-labelledby=heatmap-heading]")
    assert "Skyarkitektur" not in section.inner_text()
    order = _order(page)
    page.reload()
    page.locator("#heatmap_date").focus()
    page.keyboard.type(_typed(order, dt.date.fromisoformat(AFTER)))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert f"heatmap_date={AFTER}" in page.url and "by=people" in page.url
    assert "Skyarkitektur" in section.inner_text()
    assert page.locator("#heatmap_date").input_value() == AFTER
    assert_no_axe_violations(page)
