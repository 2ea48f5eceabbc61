"""The plan pages in a real Chromium: axe-core finds no WCAG 2.1 A/AA violation on the
list and on a filled-in plan page (its edit forms opened)."""

from __future__ import annotations

import datetime as dt

import pytest

from kollega.extensions import db
from kollega.plans import services
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as as sign_in
from tests.factories import make_person

pytestmark = pytest.mark.browser


def test_plan_pages_pass_axe(page, org):  # type: ignore[no-untyped-def]
    make_person(org.unit_b1, job_code="SPL", birth_year=1960)
    plan = services.create_plan(
        org.hr, org.div_b, "Helse og omsorg 2026–2029", dt.date(2026, 1, 1), dt.date(2029, 12, 31)
    )
    driver = services.add_driver(
        org.hr, plan, "Innbyggere over 80", "innbyggere", {2026: 100, 2029: 160}, {"SPL": 0.02}
    )
    services.add_measure(
        org.hr,
        plan,
        services.MeasureInput(kind="recruit", title="Rekruttere", job_code="SPL", fte_change=1),
    )
    services.add_scenario(
        org.hr, plan, "Høy", retirement_age=62, turnover=0.1, driver_multipliers={driver.id: 1.2}
    )
    services.update_step(org.hr, plan, 1, status="done", notes="Gruppe", details={"mandate": "M"})
    db.session.commit()

    sign_in(page, org.hr)
    page.goto("/plans/")
    assert_no_axe_violations(page)
    page.goto(f"/plans/{plan.id}")
    assert page.locator("#staffing-chart").count() == 1
    for summary in page.locator("main details > summary").all():
        summary.click()
    assert_no_axe_violations(page)
    page.goto(f"/plans/{plan.id}?print=1")
    assert_no_axe_violations(page)
    # a step saved by keyboard-usable form
    page.goto(f"/plans/{plan.id}")
    page.locator("#step-2 summary").click()
    page.locator("#st2-status").select_option("in_progress")
    page.locator("#st2-decision").fill("Vedtatt i kommunestyret")
    # The owner from the searchable picker, typed with the keyboard.
    owner = org.other_employee
    page.locator("#st2-owner").press_sequentially(f"{owner.name} ({owner.employee_no})")
    page.locator("#st2-owner").press("Enter")
    page.wait_for_load_state()
    step = page.locator("#step-2").inner_text()
    assert "Vedtatt i kommunestyret" in step and f"Ansvarlig: {owner.name}" in step
    # A wrong name: the same form again, open, the name kept and the error beside it.
    page.locator("#step-3 summary").click()
    page.locator("#st3-owner").fill("Ingen Slik")
    page.locator("#step-3 button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#st3-owner").input_value() == "Ingen Slik"
    assert page.locator("#st3-owner-error").is_visible()
    assert_no_axe_violations(page)
