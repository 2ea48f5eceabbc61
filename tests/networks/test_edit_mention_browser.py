"""The desktop notification path for an edit that mentions the reader (issue #20): the
mention arrives as ``notification:new`` {kind: "mention"} for a message the reader was
already told of as a follower, and shows one desktop notification with the edited text;
a later edit shows none. Two people, two browser contexts (tests/networks/
test_attention_browser.py records the page's Notification calls)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.extensions import db
from kollega.networks.messages import edit_message
from kollega.networks.notifications import set_notification_settings
from kollega.networks.threads import follow_thread
from tests.networks.test_attention_browser import _notes, _send, _wait_for_notes, other  # noqa: F401
from tests.networks.test_live_browser import open_thread, sign_in

pytestmark = pytest.mark.browser


def test_an_edit_that_mentions_me_shows_one_desktop_notification(
    page: Any,
    other: Any,  # noqa: F811
    org: Any,
    nets: Any,
) -> None:
    tid = nets.closed_thread.id
    set_notification_settings(org.employee, {"desktop_notifications": True})
    follow_thread(org.employee, tid, True)  # told of every message as a follower
    db.session.commit()
    leader, employee = page, other
    sign_in(leader, org.leader)
    sign_in(employee, org.employee)
    open_thread(leader, tid)
    open_thread(employee, tid)
    employee.evaluate("window.__setHidden(true)")
    # An ordinary message: the follower's notification, but no desktop one (not to me).
    _send(leader, "Et utkast uten navn")
    employee.wait_for_timeout(1_000)
    assert _notes(employee) == []
    message_id = int(
        leader.locator("#messages [data-seq]", has_text="Et utkast uten navn").get_attribute(
            "data-id"
        )
    )
    # The leader edits it to mention the employee: one desktop notification.
    edit_message(org.leader, message_id, f"Et utkast til @{org.employee.name}")
    db.session.commit()
    _wait_for_notes(employee, 1)
    note = _notes(employee)[0]
    assert note["title"] == f"{org.leader.name} nevnte deg i {nets.closed_thread.title}"
    assert f"Et utkast til @{org.employee.name}" in note["body"]
    # Edited again, still mentioning: nothing more.
    edit_message(org.leader, message_id, f"Et bedre utkast til @{org.employee.name}")
    db.session.commit()
    expect(employee.locator("#messages [data-seq]", has_text="Et bedre utkast")).to_have_count(1)
    employee.wait_for_timeout(1_000)
    assert len(_notes(employee)) == 1
