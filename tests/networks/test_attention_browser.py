"""Attention in real Chromium (issue #20, point 4), two people in two browser contexts:
who is online appears and goes; the tab title counts what arrived while the tab was
hidden; desktop notifications for a mention or a reply, only when turned on, only while
the tab is hidden, never in quiet hours and never for one's own or an ordinary message;
the header's notification count passes axe (colour contrast) with a count.

The page's own ``window.Notification`` is wrapped by an init script that records each
call and passes it on to the real one (the permission is granted to the context): what
is tested is when our code calls it. The tab's visibility is set the same way
(``document.visibilityState`` overridden, ``visibilitychange`` dispatched)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.clock import OSLO
from kollega.extensions import db
from kollega.networks.notifications import set_notification_settings
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread as start_thread
from tests.browser.axe import WCAG_TAGS, assert_no_axe_violations, axe_violations, format_violations
from tests.networks.test_live_browser import open_thread, sign_in

pytestmark = pytest.mark.browser

RECORD = """
(() => {
  window.__notes = [];
  window.__noteObjects = [];
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notes.push({ title, body: (options || {}).body, tag: (options || {}).tag });
        window.__noteObjects.push(this);
      }
    }
    window.Notification = Recorded;
  }
  window.__setHidden = (hidden) => {
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (hidden ? "hidden" : "visible"),
    });
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""


@pytest.fixture
def other(chromium: Any, live_server: Any) -> Any:
    """A second person's browser, where notifications are allowed and recorded."""
    context = chromium.new_context(base_url=live_server.url, locale="nb-NO")
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(RECORD)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def assert_no_axe_violations_in(page: Any, selector: str) -> None:
    """axe-core's WCAG 2.1 A/AA rules on one part of the page (the parts this test is
    about; the rest of the thread page has its own tests)."""
    axe_violations(page)  # injects axe-core
    found = page.evaluate(
        """async ([selector, tags]) => {
          const r = await axe.run({include: [[selector]]}, {runOnly: {type: 'tag', values: tags}});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target.join(' '),
            summary: n.failureSummary || ''}))}));
        }""",
        [selector, list(WCAG_TAGS)],
    )
    assert not found, format_violations(found, f"{page.url} {selector}")


def _wait_for_notes(page: Any, count: int, timeout: float = 10.0) -> None:
    """Until the page has recorded ``count`` notifications (polled: the CSP forbids the
    eval that ``wait_for_function`` with a string needs)."""
    deadline = time.monotonic() + timeout
    while len(_notes(page)) < count:
        assert time.monotonic() < deadline, f"{count} notifications expected: {_notes(page)}"
        page.wait_for_timeout(100)


def _notes(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.__notes")  # type: ignore[no-any-return]


def _send(page: Any, text: str) -> None:
    box = page.locator("#composer textarea[name=body]")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#messages [data-seq]", has_text=text)).to_have_count(1)


def test_presence_and_unread_count_in_the_title(page: Any, other: Any, org: Any, nets: Any) -> None:
    tid = nets.closed_thread.id
    leader, employee = page, other
    sign_in(leader, org.leader)
    open_thread(leader, tid)
    presence = leader.locator("#presence")
    expect(presence.get_by_role("heading", name="Pålogget nå (1)")).to_be_visible()
    sign_in(employee, org.employee)
    open_thread(employee, tid)
    # The employee comes online: the leader's list shows them, live.
    expect(presence.get_by_role("heading", name="Pålogget nå (2)")).to_be_visible()
    expect(presence.get_by_role("listitem").filter(has_text=org.employee.name)).to_have_count(1)
    expect(employee.locator("#presence li", has_text="(deg)")).to_contain_text(org.employee.name)
    leader.set_viewport_size({"width": 1366, "height": 768})
    leader.screenshot(path="/tmp/attention/presence-1366.png")
    leader.set_viewport_size({"width": 375, "height": 667})
    expect(presence).to_be_in_viewport()
    leader.screenshot(path="/tmp/attention/presence-375.png")
    assert_no_axe_violations_in(leader, "#presence")

    # The employee's tab is hidden: two messages from the leader make "(2) …".
    title = employee.title()
    employee.evaluate("window.__setHidden(true)")
    _send(leader, "Første nytt")
    _send(leader, "Andre nytt")
    expect(employee).to_have_title(f"(2) {title}")
    # The leader's own messages never count for the leader.
    assert not leader.title().startswith("(")
    # Back to the tab, at the end of the list: read, and the count goes.
    employee.evaluate("window.__setHidden(false)")
    expect(employee).to_have_title(title)

    # The network's own page shows it too.
    leader.set_viewport_size({"width": 1366, "height": 768})
    leader.goto(f"/networks/{nets.request.id}")
    expect(presence.get_by_role("heading", name="Pålogget nå (2)")).to_be_visible()
    # The employee leaves: gone from the leader's list.
    employee.context.close()
    expect(presence.get_by_role("heading", name="Pålogget nå (1)")).to_be_visible()
    assert_no_axe_violations_in(leader, "#presence")
    assert_no_axe_violations_in(leader, "header")


def test_desktop_notifications_for_mentions_and_replies_only_when_hidden(
    page: Any, other: Any, org: Any, nets: Any
) -> None:
    elsewhere, _ = start_thread(org.leader, nets.request.id, "Turnus", body="Hei alle")
    db.session.commit()
    tid = nets.closed_thread.id
    leader, employee = page, other
    sign_in(leader, org.leader)
    sign_in(employee, org.employee)

    # Turned on in the settings, by a click (which is when the browser is asked).
    employee.goto("/notifications")
    box = employee.get_by_label("Skrivebordsvarsler", exact=True)
    box.check()
    expect(employee.locator("#desktop-permission")).to_have_text(
        "Denne nettleseren viser varsler fra kollega."
    )
    employee.get_by_role("button", name="Lagre").last.click()
    expect(employee.get_by_label("Skrivebordsvarsler", exact=True)).to_be_checked()

    open_thread(leader, tid)
    open_thread(employee, tid)
    name = org.employee.name
    # Visible tab: a mention shows no desktop notification.
    _send(leader, f"@{name} ser du dette synlig")
    employee.wait_for_timeout(1_000)
    assert _notes(employee) == []

    employee.evaluate("window.__setHidden(true)")
    # An ordinary message: nothing. The employee's own message: nothing.
    _send(leader, "Vanlig melding uten navn")
    _send(employee, f"Min egen melding @{org.leader.name}")
    # A mention: one notification, with the author and the thread's title.
    _send(leader, f"@{name} kan du se på turnusen")
    _wait_for_notes(employee, 1)
    notes = _notes(employee)
    assert len(notes) == 1
    assert notes[0]["title"] == f"{org.leader.name} nevnte deg i {nets.closed_thread.title}"
    assert "kan du se på turnusen" in notes[0]["body"]

    # A reply to the employee's message (the leader presses Svar on it).
    mine = leader.locator("#messages [data-seq]", has_text="Min egen melding")
    mine.get_by_role("button", name="Svar").click()
    _send(leader, "Svar til deg")
    _wait_for_notes(employee, 2)
    assert _notes(employee)[1]["title"] == (
        f"{org.leader.name} svarte deg i {nets.closed_thread.title}"
    )

    # A mention in another thread; clicking the notification opens that thread.
    leader.goto(f"/threads/{elsewhere.id}")
    expect(leader.locator("#thread[data-joined=true]")).to_have_count(1)
    _send(leader, f"@{name} turnus i den andre tråden")
    _wait_for_notes(employee, 3)
    assert _notes(employee)[2]["title"].endswith("i Turnus")
    employee.evaluate("window.__noteObjects[2].onclick()")
    employee.wait_for_url(f"**/threads/{elsewhere.id}*")
    assert len(_notes(employee)) == 0  # a new page: nothing recorded there yet

    # Quiet hours now (Norwegian time): nothing, even hidden and mentioned.
    now = dt.datetime.now(OSLO)
    set_notification_settings(
        org.employee,
        {
            "quiet_from": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
            "quiet_to": (now + dt.timedelta(hours=1)).strftime("%H:%M"),
        },
    )
    db.session.commit()
    open_thread(employee, elsewhere.id)
    employee.evaluate("window.__setHidden(true)")
    _send(leader, f"@{name} i stilletiden")
    employee.wait_for_timeout(1_500)
    assert _notes(employee) == []

    # The header's count, white on grey no more: axe's colour contrast passes with it.
    send_message(org.leader, tid, "bell-1", f"Til klokka, @{name}")
    db.session.commit()
    employee.goto("/notifications")
    expect(employee.locator("#notification-bell [data-notification-count]")).to_be_visible()
    employee.screenshot(path="/tmp/attention/notifications-page.png", full_page=True)
    assert_no_axe_violations(employee)


def test_title_counts_while_the_reader_is_up_in_the_list(
    page: Any, other: Any, org: Any, nets: Any
) -> None:
    """A visible tab, but the reader has scrolled up to older messages: what arrives
    counts in the title until they are back at the end."""
    tid = nets.closed_thread.id
    for i in range(40):
        send_message(org.leader, tid, f"fill-{i}", f"Melding nummer {i} " + "tekst " * 20)
    db.session.commit()
    leader, employee = page, other
    sign_in(leader, org.leader)
    sign_in(employee, org.employee)
    open_thread(leader, tid)
    open_thread(employee, tid)
    title = employee.title()
    # Up to the first message on the page.
    employee.locator("#messages [data-seq]").first.scroll_into_view_if_needed()
    employee.wait_for_timeout(300)
    _send(leader, "Mens du leste eldre")
    expect(employee).to_have_title(f"(1) {title}")
    # Back down at the end: read.
    employee.locator("#messages [data-seq]").last.scroll_into_view_if_needed()
    expect(employee).to_have_title(title)
    # At the end, a new message is seen as it comes: no count.
    _send(leader, "Mens du er nederst")
    expect(employee.locator("#messages [data-seq]", has_text="Mens du er nederst")).to_be_visible()
    employee.wait_for_timeout(500)
    assert employee.title() == title


def test_a_browser_not_yet_asked_is_asked_on_a_click_only(page: Any, org: Any) -> None:
    """Desktop notifications turned on elsewhere: this browser (never asked) shows a
    button, and the browser's question comes when it is clicked, never on its own."""
    set_notification_settings(org.employee, {"desktop_notifications": True})
    db.session.commit()
    page.context.add_init_script(
        """(() => {
          window.__asked = 0;
          if (!window.Notification) return;
          const ask = window.Notification.requestPermission.bind(window.Notification);
          window.Notification.requestPermission = (...args) => { window.__asked += 1; return ask(...args); };
        })();"""
    )
    sign_in(page, org.employee)
    page.goto("/notifications")
    expect(page.locator("#desktop-permission")).to_have_text(
        "Nettleseren vil spørre om kollega får vise varsler."
    )
    allow = page.get_by_role("button", name="Tillat varsler i denne nettleseren")
    expect(allow).to_be_visible()
    assert page.evaluate("window.__asked") == 0  # not asked on load
    assert_no_axe_violations(page)
    allow.click()
    assert page.evaluate("window.__asked") == 1
