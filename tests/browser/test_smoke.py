"""A real Chromium signs in, and axe-core checks the sign-in and start pages in both languages."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# The language button says what it switches to, in that language.
SWITCH_TO = {"en": "English", "nb": "Norsk (bokmål)"}


def html_lang(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.get_attribute("html", "lang"))


def sign_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_sign_in_and_start_page_pass_axe(page, org, lang):  # type: ignore[no-untyped-def]
    page.goto("/login")
    assert html_lang(page) == "nb", "bokmål is the language before anyone chooses"
    if lang == "en":
        page.get_by_role("button", name=SWITCH_TO["en"]).click()
        page.wait_for_load_state()
        assert html_lang(page) == "en"
        assert page.url.endswith("/login")
    heading = {"nb": "Logg inn", "en": "Sign in"}[lang]
    assert heading in page.locator("h1").inner_text()
    assert_no_axe_violations(page)

    # The error state: a wrong password shows the error summary and field errors.
    sign_in(page, org.employee.email, "not the password")
    assert html_lang(page) == lang
    assert page.locator(".error-summary").is_visible()
    assert page.locator("input[name=password]").get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)

    sign_in(page, org.employee.email, PASSWORD)
    assert not page.url.endswith("/login"), "signing in should leave the sign-in page"
    assert html_lang(page) == lang
    assert org.employee.name in page.locator("h1").inner_text()
    assert_no_axe_violations(page)

    # Switching language on the start page keeps the person on it.
    other = "nb" if lang == "en" else "en"
    page.get_by_role("button", name=SWITCH_TO[other]).click()
    page.wait_for_load_state()
    assert html_lang(page) == other
    assert org.employee.name in page.locator("h1").inner_text()
    assert_no_axe_violations(page)


def test_skip_link_is_first_and_visible_on_focus(page, org):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className,"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert "skip-link" in focused["cls"] and focused["href"] == "#main", focused
    link = page.locator(".skip-link")
    box = link.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["y"] >= 0, f"skip link is off-screen when focused: {box}"
    assert box["x"] + box["width"] <= viewport["width"] and box["width"] > 0
    assert link.is_visible()

    # Following it moves focus to the main content.
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # The whole sign-in works by keyboard alone.
    page.locator("input[name=email]").focus()
    page.keyboard.type(org.employee.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    # Wait for the sign-in's navigation itself: the page already counts as loaded.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert org.employee.name in page.locator("h1").inner_text()
