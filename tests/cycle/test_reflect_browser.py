"""In a real Chromium, in bokmål and English: a participant's stop page with the stop's
summary and its thread link, the organiser's counts, the development conversation with
the plan's goals and the unit plan's conversation counts pass axe-core."""

from __future__ import annotations

import datetime as dt

import pytest

from kollega.competence.models import CompetencePlan, CompetencePlanGoal
from kollega.cycle import attendance, jobs, services
from kollega.cycle.models import Dispatch
from kollega.extensions import db
from tests.browser.axe import assert_no_axe_violations
from tests.cycle.helpers import make_event, utc
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, person, locale: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.locator("input[name=email]").fill(person.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    if locale == "en":
        person.locale = "en"
        db.session.commit()


@pytest.mark.parametrize("locale", ["nb", "en"])
def test_reflection_and_plan_pages_pass_axe(page, org, locale):  # type: ignore[no-untyped-def]
    stop = make_event(
        org.leader,
        unit="A1a",
        kind="learning_stop",
        title="Læringsstopp",
        starts_at="2027-01-05T09:00",
        ends_at="2027-01-05T10:00",
        rrule="FREQ=WEEKLY;COUNT=4",
        reminders=[1440, 60],
        created_at=utc(2026, 12, 1),
    )
    jobs.run_due(utc(2027, 1, 5, 8, 1))  # opens the first occurrence
    start = stop.starts_at
    attendance.respond(org.employee, stop, start, "yes")
    attendance.save_reflection(org.employee, stop, start, ["Vi prøvde noe nytt"], now=start)
    db.session.commit()
    jobs.run_due(utc(2027, 1, 5, 9, 1))  # closes it
    assert db.session.query(Dispatch).filter_by(action="close").one().summary["reflections"] == 1
    plan = CompetencePlan(unit_id=org.unit_a1.id, year=dt.date.today().year, status="active")
    db.session.add(plan)
    db.session.flush()
    db.session.add(
        CompetencePlanGoal(plan_id=plan.id, focus_area="privacy", goal="Personvern", measure="Kurs")
    )
    db.session.commit()
    key = services.occurrence_key(start)
    sign_in(page, org.employee, locale)
    page.goto(f"/cycle/events/{stop.id}/{key}")
    assert page.locator("#closed-h").count() == 1
    assert_no_axe_violations(page)
    page.goto(f"/cycle/events/{stop.id}")
    assert_no_axe_violations(page)
    page.context.clear_cookies()
    sign_in(page, org.leader, locale)
    for path in (
        f"/cycle/events/{stop.id}/{key}",
        f"/competence/people/{org.employee.id}/conversations",
        f"/competence/plans/A1/{dt.date.today().year}",
    ):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert_no_axe_violations(page)
