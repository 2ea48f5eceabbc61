"""axe-core on the gap and training pages, with data in them, and the heatmap by keyboard."""

from __future__ import annotations

import datetime as dt

import pytest

from kollega.extensions import db
from kollega.training import services as training
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as
from tests.gaps import data
from tests.gaps.test_suggestions import course, network

pytestmark = pytest.mark.browser

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()
LATER = (dt.date.today() + dt.timedelta(days=200)).isoformat()


def sign_in(page, person) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    sign_in_as(page, person)


def build(org):  # type: ignore[no-untyped-def]
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    dc = data.competence("dc:1", "digital", "Digital dømmekraft")
    data.requirement(pv, 3, unit=org.unit_a1, since=SINCE)
    data.requirement(dc, 2, unit=org.root, since=SINCE)
    data.requirement(dc, 4, unit=org.root, since=LATER)
    data.assessment(org.employee, pv, 1, "self", SINCE)
    data.assessment(org.colleague, pv, 3, "leader", SINCE)
    network("Personvern i skolen", ["pv:1"])
    t, s = course(org.hr, "Personvern i praksis", "pv:1", 1, 3, 3, seats=1)
    training.enrol(org.colleague, s)
    db.session.commit()
    return t


def test_gap_and_training_pages_pass_axe(page, org):  # type: ignore[no-untyped-def]
    t = build(org)
    sign_in(page, org.employee)
    for url in ("/", "/gaps/me", f"/gaps/me?future={LATER}", "/trainings/", f"/trainings/{t.id}"):
        page.goto(url)
        assert_no_axe_violations(page)
    sign_in(page, org.leader)
    for url in (
        f"/gaps/units/A1?future={LATER}",
        "/gaps/units/A1?by=people",
        f"/gaps/people/{org.employee.id}",
    ):
        page.goto(url)
        assert_no_axe_violations(page)
    # The plain table alternative opens by keyboard.
    page.goto("/gaps/units/A1")
    table = page.locator("details", has_text="Vis varmekartet som en enkel tabell")
    table.locator("summary").focus()
    page.keyboard.press("Enter")
    assert table.get_attribute("open") is not None
    # So do the definitions of the figures beside the tables.
    definitions = page.locator("details.definitions").first
    definitions.locator("summary").focus()
    page.keyboard.press("Enter")
    assert definitions.get_attribute("open") is not None
    assert_no_axe_violations(page)
    sign_in(page, org.hr)
    for url in ("/gaps/units/K", "/trainings/new", f"/trainings/{t.id}"):
        page.goto(url)
        assert_no_axe_violations(page)
    page.goto(f"/trainings/sessions/{t.sessions[0].id}")
    assert_no_axe_violations(page)
