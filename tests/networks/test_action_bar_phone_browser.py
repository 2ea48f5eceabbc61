"""The message action bar on a phone (375x667): every action on one line, as icons whose
accessible names are the design's (Reager, Svar, Rediger, Slett, ...), for
server-rendered and live messages alike (issue #20). Screenshots go to
$KOLLEGA_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.extensions import db
from kollega.networks.messages import edit_message
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread as start_thread
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as as sign_in
from tests.networks.test_live_browser import open_thread

pytestmark = pytest.mark.browser

# Every action a message can offer its reader (the leader, opener of a question).
NAMES_NB = ["Reager", "Svar", "Rediger", "Slett", "Kopier lenke", "Følg tråden", "Vis endringer"]

# Each bar: how many lines its buttons take, and whether it is wider than its box.
BARS = """() => Array.from(document.querySelectorAll('#messages .message-actions')).map((bar) => {
  const tops = new Set(Array.from(bar.querySelectorAll('button')).map((b) => Math.round(b.getBoundingClientRect().top)));
  return {lines: tops.size, overflow: bar.scrollWidth > bar.clientWidth + 1,
          right: Math.max(...Array.from(bar.querySelectorAll('button')).map((b) => b.getBoundingClientRect().right)),
          width: document.documentElement.clientWidth, buttons: bar.querySelectorAll('button').length};
})"""


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("KOLLEGA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def test_the_action_bar_fits_a_phone(page: Any, org: Any, nets: Any) -> None:
    thread, _ = start_thread(
        org.leader, nets.request.id, "Hvordan?", kind="question", body="Spørsmål"
    )
    answer = send_message(org.employee, thread.id, "ab-1", "Et svar fra Eva").message
    mine = send_message(org.leader, thread.id, "ab-2", "Mitt utkast").message
    edit_message(org.leader, mine.id, "Mitt endrede svar")
    db.session.commit()
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in(page, org.leader)
    open_thread(page, thread.id)
    page.locator(f"#m{mine.seq}").scroll_into_view_if_needed()
    _shot(page, "actions-phone.png")
    mine_bar = page.locator(f"#m{mine.seq} .message-actions")
    for name in NAMES_NB:
        expect(mine_bar.get_by_role("button", name=name, exact=True)).to_be_visible()
    answer_bar = page.locator(f"#m{answer.seq} .message-actions")
    expect(answer_bar.get_by_role("button", name="Godta som svar", exact=True)).to_be_visible()
    for bar in page.evaluate(BARS):
        assert bar["lines"] == 1 and not bar["overflow"], bar
        assert bar["right"] <= bar["width"], bar
    # A live message gets the same bar.
    box = page.locator("#composer textarea[name=body]")
    box.fill("Et nytt svar")
    box.press("Enter")
    live = page.locator("#messages .message", has_text="Et nytt svar")
    expect(live.get_by_role("button", name="Rediger", exact=True)).to_be_visible()
    for bar in page.evaluate(BARS):
        assert bar["lines"] == 1 and not bar["overflow"], bar
    # Still usable: Svar opens the reply chip; the focus ring shows on an icon.
    live.get_by_role("button", name="Svar", exact=True).click()
    expect(page.locator("#composer")).to_contain_text("Et nytt svar")
    mine_bar.get_by_role("button", name="Kopier lenke", exact=True).focus()
    _shot(page, "actions-phone-focus.png")
    assert_no_axe_violations(page)


def test_the_desktop_bar_keeps_its_words(page: Any, org: Any, nets: Any) -> None:
    sent = send_message(org.leader, nets.closed_thread.id, "ab-3", "Hei").message
    db.session.commit()
    sign_in(page, org.leader)
    open_thread(page, nets.closed_thread.id)
    bar = page.locator(f"#m{sent.seq} .message-actions")
    expect(bar.get_by_role("button", name="Svar", exact=True)).to_have_text("Svar")
    _shot(page, "actions-desktop.png")
