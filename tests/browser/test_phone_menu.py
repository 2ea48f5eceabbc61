"""The main menu on a phone: its links fold behind a "Menu" button that opens and closes
by keyboard, and the page passes axe closed and open; on a wide screen the links show
and the button does not."""

from __future__ import annotations

import pytest

from tests.browser.axe import axe_violations
from tests.browser.conftest import sign_in, visit

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_menu_folds_on_a_phone_and_opens_by_keyboard(browsers, world, lang):  # type: ignore[no-untyped-def]
    page = browsers.page("hr", lang)
    try:
        page.set_viewport_size({"width": 375, "height": 667})
        visit(page, "/", lang)
        toggle = page.locator(".site-header .menu-toggle")
        menu = page.locator("#main-menu")
        assert toggle.is_visible()
        assert toggle.inner_text().strip() == ("Meny" if lang == "nb" else "Menu")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not menu.is_visible()
        header_height = page.locator(".site-header").bounding_box()["height"]
        assert header_height < 120, header_height  # five rows of links before
        assert axe_violations(page) == []

        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert menu.is_visible()
        links = menu.get_by_role("link")
        assert links.count() > 5
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.closest('#main-menu') !== null")
        assert focused, "Tab from the button does not reach the menu's first link"
        assert axe_violations(page) == []

        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not menu.is_visible()
        assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")

        page.set_viewport_size({"width": 1280, "height": 800})
        assert menu.is_visible()
        assert not toggle.is_visible()
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def test_without_script_the_links_show_on_a_phone(chromium, world_server, world):  # type: ignore[no-untyped-def]
    """The fold is the script's: a browser without script shows the links and no button."""
    context = chromium.new_context(
        base_url=world_server.url,
        locale="nb-NO",
        viewport={"width": 375, "height": 667},
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        sign_in(page, world["emails"]["employee"], world["password"])
        page.goto("/")
        assert page.locator("#main-menu").is_visible()
        assert page.locator("#main-menu").get_by_role("link").count() > 3
        assert not page.locator(".site-header .menu-toggle").is_visible()
    finally:
        context.close()
