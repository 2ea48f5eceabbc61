"""In a real Chromium: a reminder from the scheduler appears in the page's polite live
region without a reload, in the reader's language, and can be dismissed by keyboard."""

from __future__ import annotations

import time

import pytest

from kollega.cycle import jobs
from tests.browser.axe import assert_no_axe_violations
from tests.cycle.helpers import make_event, utc
from tests.cycle.test_browser import sign_in

pytestmark = pytest.mark.browser


def _wait_connected(page, seconds: float = 15) -> None:  # type: ignore[no-untyped-def]
    """Until the page's socket is connected. Polled from here: wait_for_function with a
    string needs eval in the page when it has to poll, which the CSP forbids."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(
            "() => !!(window.kollegaCycleLive && window.kollegaCycleLive.socket.connected)"
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the page's socket did not connect")


def test_reminder_shows_without_reload(app, page, org):  # type: ignore[no-untyped-def]
    event = make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Læringsstopp i A1",
        starts_at="2027-03-02T09:00",
        ends_at="2027-03-02T10:00",
        reminders=[60],
    )
    sign_in(page, org.employee)
    page.goto("/cycle/")
    _wait_connected(page)
    page.evaluate("document.title = 'unchanged'")  # a reload would reset it
    with app.app_context():
        assert jobs.run_due(utc(2027, 3, 2, 7, 1)) == 1
    notice = page.locator("#cycle-live .notice")
    notice.wait_for()
    assert page.title() == "unchanged"
    text = notice.locator("p").inner_text()
    assert text == "Påminnelse: Læringsstopp i A1 starter 02.03.2027, 09:00."
    link = notice.get_by_role("link")
    assert link.get_attribute("href") == f"/cycle/events/{event.id}/20270302T080000Z"
    assert page.locator("#cycle-live").get_attribute("aria-live") == "polite"
    assert_no_axe_violations(page)
    notice.get_by_role("button").focus()
    page.keyboard.press("Enter")
    assert page.locator("#cycle-live .notice").count() == 0


def test_signed_out_elsewhere_says_so_and_offers_sign_in(app, page, org):  # type: ignore[no-untyped-def]
    from kollega.auth.sockets import disconnect_person

    sign_in(page, org.employee)
    page.goto("/cycle/")
    _wait_connected(page)
    page.evaluate("document.title = 'unchanged'")
    with app.app_context():
        disconnect_person(org.employee.id)  # as sign-out on another device does
    notice = page.locator("#cycle-live .notice")
    notice.wait_for()
    assert page.title() == "unchanged"  # the page is not moved away unasked
    assert notice.locator("p").inner_text() == (
        "Du er logget ut. Det du ser her, blir ikke lenger oppdatert."
    )
    assert notice.get_by_role("link").get_attribute("href") == "/login"
    assert_no_axe_violations(page)
