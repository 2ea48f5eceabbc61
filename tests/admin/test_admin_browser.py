"""The admin pages and the token page in a real Chromium: axe-core and keyboard use."""

from __future__ import annotations

import pytest

from kollega.auth.services import create_token
from kollega.extensions import db
from tests.browser.axe import assert_no_axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_admin_pages_pass_axe(page, org):  # type: ignore[no-untyped-def]
    sign_in(page, org.admin.email)
    page.goto("/admin/users?q=a")
    assert page.locator("h1").inner_text() == "Brukere og roller"
    assert_no_axe_violations(page)

    # Keyboard: search, then open a person's account page.
    page.locator("#q").fill("")
    page.locator("#q").focus()
    page.keyboard.type("Eva")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name="Eva Ansatt").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Eva Ansatt" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)

    # The error state of the account form.
    page.locator("#leads").fill("NOPE")
    page.locator(f"form[action$='/{org.employee.id}'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violations(page)

    page.goto("/admin/audit")
    assert_no_axe_violations(page)


def test_token_page_passes_axe(page, org):  # type: ignore[no-untyped-def]
    create_token(org.employee, "skript")
    db.session.commit()
    sign_in(page, org.employee.email)
    page.goto("/account/tokens")
    assert "skript" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Trekk tilbake tokenet skript").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").is_visible()
    assert_no_axe_violations(page)
