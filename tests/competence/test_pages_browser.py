"""The competence pages in a real Chromium: axe-core finds no WCAG 2.1 A/AA violation,
and a self-assessment and a leader's confirmation work by keyboard-usable forms."""

from __future__ import annotations

import datetime as dt

import pytest

from kollega import clock
from kollega.competence import credentials, services
from kollega.competence.models import Requirement
from kollega.extensions import db
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as as sign_in

pytestmark = pytest.mark.browser


def sign_out(page):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()


def test_competence_pages_pass_axe(page, org, frameworks):  # type: ignore[no-untyped-def]
    c = services.competence_by_code("privacy-1.0:1.2")
    db.session.add(
        Requirement(
            scope_type="unit",
            unit_id=org.div_a.id,
            competence_id=c.id,
            level=3,
            effective_from=dt.date(2024, 1, 1),
        )
    )
    credentials.add_credential(
        org.hr,
        org.employee,
        "certificate",
        "HLR",
        "Røde Kors",
        clock.today() - dt.timedelta(days=400),
        clock.today() + dt.timedelta(days=20),
        [(c, 2)],
    )
    db.session.commit()

    sign_in(page, org.employee)
    page.goto("/competence/assess/privacy-1.0:1.2")
    assert_no_axe_violations(page)
    page.locator("#lv-3").check()
    page.locator("#note").fill("Jeg kan dette")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/competence/" in page.url
    assert_no_axe_violations(page)  # my competence, with expiry and future needs
    page.goto("/competence/who-knows?competence=privacy-1.0:1.2")
    assert_no_axe_violations(page)
    sign_out(page)

    sign_in(page, org.leader)
    page.goto(f"/people/{org.employee.id}")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Bekreft 3").click()
    page.wait_for_load_state()
    assert services.current_level(org.employee, c, clock.today()) == 3
    for path in (
        "/competence/team/A1",
        "/competence/requirements?unit=A1",
        "/competence/requirements/matrix?unit=A1&framework=privacy-1.0",
        "/competence/plans/A1/2026",
        f"/competence/people/{org.employee.id}/conversations",
    ):
        page.goto(path)
        assert_no_axe_violations(page)
    sign_out(page)

    sign_in(page, org.hr)
    for path in (
        "/competence/frameworks",
        "/competence/frameworks/digcomp-2.2",
        "/competence/import",
        "/competence/requirements/matrix?scope=job&framework=leadership-1.0",
    ):
        page.goto(path)
        assert_no_axe_violations(page)
