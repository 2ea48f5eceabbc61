"""The annual cycle's pages in a real Chromium: axe-core finds no WCAG 2.1 A/AA
violations, and the stop page works by keyboard."""

from __future__ import annotations

import pytest

from kollega.cycle import services
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as as sign_in
from tests.cycle.helpers import make_event

pytestmark = pytest.mark.browser


def test_cycle_pages_pass_axe(page, org):  # type: ignore[no-untyped-def]
    stop = make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Læringsstopp",
        starts_at="2026-01-06T09:00",
        ends_at="2026-01-06T10:00",
        rrule="FREQ=WEEKLY;INTERVAL=6",
        reminders=[60],
    )
    make_event(
        org.hr,
        municipality_wide=True,
        kind="planning_period",
        title="Fellesperiode",
        starts_at="2026-08-10T08:00",
        ends_at="2026-08-14T16:00",
    )
    key = services.occurrence_key(stop.starts_at)
    sign_in(page, org.leader)
    for path in (
        "/cycle/?year=2026",
        "/cycle/list?year=2026&upcoming=0",
        "/cycle/month?year=2026&month=1",
        "/cycle/events/new",
        f"/cycle/events/{stop.id}",
        f"/cycle/events/{stop.id}/{key}",
        f"/cycle/events/{stop.id}/edit",
        "/cycle/calendar",
    ):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert_no_axe_violations(page)


def test_reflection_by_keyboard(page, org):  # type: ignore[no-untyped-def]
    stop = make_event(
        org.leader,
        unit="A1",
        kind="evaluation_stop",
        title="Evalueringsstopp",
        starts_at="2026-01-06T09:00",
        ends_at="2026-01-06T10:00",
    )
    sign_in(page, org.employee)
    page.goto(f"/cycle/events/{stop.id}/{services.occurrence_key(stop.starts_at)}")
    page.locator("#answer_0").focus()
    page.keyboard.type("Godt opplegg")
    page.keyboard.press("Tab")
    page.keyboard.type("Mye nytt")
    page.get_by_role("button", name="Lagre refleksjonen").press("Enter")
    page.wait_for_load_state()
    assert "Refleksjonen din ble lagret" in page.locator(".flashes").inner_text()
    assert page.locator("#answer_1").input_value() == "Mye nytt"
    assert_no_axe_violations(page)
