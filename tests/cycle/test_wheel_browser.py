"""The year page in a real Chromium: the årshjul by keyboard (Tab reaches an event link,
Enter opens it), axe-core in bokmål and English, and the whole year at 1366 px and at
320 px (stacked) without sideways scrolling."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as as sign_in
from tests.cycle.helpers import make_event

pytestmark = pytest.mark.browser


@pytest.fixture
def year(org):  # type: ignore[no-untyped-def]
    make_event(
        org.hr,
        municipality_wide=True,
        kind="planning_period",
        title="Fellesperiode høst",
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
        rrule="FREQ=WEEKLY;INTERVAL=6;COUNT=8",
    )
    make_event(
        org.hr,
        municipality_wide=True,
        kind="annual_evaluation",
        title="Årsevaluering",
        starts_at="2026-11-25T09:00",
        ends_at="2026-11-25T15:00",
    )


def test_the_wheel_by_keyboard(page, org, year):  # type: ignore[no-untyped-def]
    sign_in(page, org.employee)
    page.goto("/cycle/?year=2026")
    wheel = page.get_by_role("img", name=re.compile("Årshjul 2026"))
    assert wheel.count() == 1
    target = page.locator("svg.wheel-events a.wheel-event").first
    label = target.get_attribute("aria-label")
    assert label and "Fellesperiode høst" not in label  # the first in the year: January
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement.closest('svg.wheel-events') ? "
            "document.activeElement.getAttribute('aria-label') : null"
        )
        if focused:
            break
    assert focused == label
    # The focus ring: the focused arc gets a black outline.
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).stroke")
    assert stroke in ("rgb(0, 0, 0)", "#000")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/cycle/events/" in page.url
    assert "Læringsstopp i A1" in page.locator("h1").inner_text()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_year_page_passes_axe(page, org, year, lang):  # type: ignore[no-untyped-def]
    sign_in(page, org.leader)
    page.goto("/cycle/?year=2026")
    if lang == "en":
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.get_attribute("html", "lang") == "en"
        assert page.get_by_role("img", name=re.compile("Annual cycle 2026")).count() == 1
    else:
        assert page.get_by_role("img", name=re.compile("Årshjul 2026")).count() == 1
    assert_no_axe_violations(page)


@pytest.mark.parametrize("width", [1366, 320])
def test_the_whole_year_without_sideways_scrolling(page, org, year, width):  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, org.leader)
    page.goto("/cycle/?year=2026")
    scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert scroll <= inner
    months = page.locator(".yl-months li")
    assert months.count() == 12
    for i in (0, 11):
        box = months.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    # The row labels are on screen; at 320 px they stand above their row (stacked).
    label = page.locator(".yl-label").first.bounding_box()
    lane = page.locator("svg.yl-lane").first.bounding_box()
    assert label and lane
    if width == 320:
        assert label["y"] + label["height"] <= lane["y"] + 1
    else:
        assert label["x"] + label["width"] <= lane["x"]
    # A period is one span over its days, not a chip on its first day.
    bar = page.locator("a.yl-item.kind-planning_period rect").first.bounding_box()
    day = lane["width"] / 365
    assert bar and bar["width"] == pytest.approx(5 * day, abs=max(2.0, day))  # + its stroke
    page.screenshot(path=f"/tmp/kollega-wheel-{width}.png", full_page=True)


def test_hr_periods_page_passes_axe(page, org):  # type: ignore[no-untyped-def]
    sign_in(page, org.hr)
    page.goto("/cycle/periods")
    page.locator("#p-title").fill("Planleggingsuke")
    page.locator("#p-week").fill("33")
    with page.expect_navigation():
        page.get_by_role("button", name="Legg til den faste perioden").click()
    assert "Planleggingsuke" in page.locator("main table").inner_text()
    assert_no_axe_violations(page)
    page.locator("#p-title").fill("Uke 60")
    page.locator("#p-week").fill("60")
    with page.expect_navigation():
        page.get_by_role("button", name="Legg til den faste perioden").click()
    assert "Velg en uke fra 1 til 53." in page.locator(".error-summary").inner_text()
    assert page.locator("#p-week").get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)
