"""The second factor in Chromium: enrolment and the sign-in step done by keyboard alone,
each page free of axe-core (WCAG 2.1 A/AA) violations. HR is required to use it here."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest

from tests import factories
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"TOTP_REQUIRED_ROLES": "hr,admin"}


def _focus(page: Any, label: str) -> None:
    """Press Tab until the field labelled ``label`` has focus."""
    field = page.get_by_label(label, exact=True)
    for _ in range(60):
        if field.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{label} cannot be reached with Tab")


def _type_and_submit(page: Any, label: str, text: str) -> None:
    """Reach the field by keyboard, type, press Enter."""
    _focus(page, label)
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_hr_enrols_and_signs_in_with_the_keyboard(page: Any, org: Any) -> None:
    page.goto("/login")
    _focus(page, "E-post")
    page.keyboard.type(org.hr.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Sent to enrol before anything else.
    assert page.url.endswith("/account/two-factor")
    assert page.get_by_role("heading", level=1).inner_text() == "Sett opp en andre faktor"
    assert_no_axe_violations(page)
    secret = page.locator("dd code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    _type_and_submit(page, "Kode fra appen", pyotp.TOTP(secret).now())
    assert page.get_by_role("heading", level=1).inner_text() == "Gjenopprettingskodene dine"
    assert page.locator("ul.recovery-codes li").count() == 10
    assert_no_axe_violations(page)

    # Sign out, then in again: the second step asks for the next code.
    with page.expect_navigation():
        page.get_by_role("button", name="Logg ut").first.click()
    page.goto("/login")
    page.get_by_label("E-post", exact=True).fill(org.hr.email)
    page.get_by_label("Passord", exact=True).fill(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/login/two-factor")
    assert_no_axe_violations(page)
    _type_and_submit(page, "Kode", "000000")  # wrong: the error is shown and announced
    assert page.locator(".error-summary[role=alert]").count() == 1
    assert_no_axe_violations(page)
    _type_and_submit(page, "Kode", pyotp.TOTP(secret).at(time.time() + 30))
    assert not page.url.endswith("/login/two-factor") and "/login" not in page.url
