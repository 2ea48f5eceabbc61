"""The chat screen in real Chromium (assets/chat/ (static/vendor/chat.js)): live messages between two
people, unread counts in the side list, the outbox across a dropped socket and a reload,
the keyboard composer, and axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.extensions import db
from kollega.networks.messages import PAGE, list_messages
from kollega.networks.reads import mark_read
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread as start_thread
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import set_language
from tests.browser.conftest import sign_in_as as sign_in

pytestmark = pytest.mark.browser


def open_thread(page: Any, thread_id: int) -> None:
    page.goto(f"/threads/{thread_id}")
    # Joined over the socket, and the side list has its threads.
    expect(page.locator("#thread[data-joined=true]")).to_have_count(1)
    expect(page.locator("#chat-sidebar[data-ready=true]")).to_have_count(1)


@pytest.fixture
def second_page(chromium: Any, live_server: Any) -> Any:
    context = chromium.new_context(base_url=live_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_two_people_see_each_other_live_and_unread_counts_update(
    page: Any, second_page: Any, org: Any, nets: Any
) -> None:
    other_thread, _ = start_thread(org.leader, nets.request.id, "Rutiner", body="Første")
    db.session.commit()
    tid = nets.closed_thread.id
    leader, employee = page, second_page
    sign_in(leader, org.leader)
    sign_in(employee, org.employee)
    open_thread(leader, tid)
    open_thread(employee, tid)
    badge = employee.locator(f'#chat-sidebar li[data-thread-id="{other_thread.id}"] .unread-count')
    expect(badge).to_have_attribute("data-unread", "1")

    # The leader writes; Enter sends. The employee sees it within a second.
    box = leader.locator("#composer textarea[name=body]")
    box.fill("Hei fra lederen")
    box.press("Enter")
    expect(employee.locator("#messages .message", has_text="Hei fra lederen")).to_be_visible(
        timeout=1_000
    )
    expect(
        leader.locator("#messages [data-state=sent]", has_text="Hei fra lederen")
    ).to_be_visible()

    # And back: Shift+Enter breaks the line, Enter sends.
    box = employee.locator("#composer textarea[name=body]")
    box.press_sequentially("Linje en")
    # The leader sees that the employee is writing.
    expect(leader.locator("#typing")).to_contain_text(f"{org.employee.name} skriver")
    box.press("Shift+Enter")
    box.press_sequentially("linje to")
    assert box.input_value() == "Linje en\nlinje to"
    box.press("Enter")
    reply = leader.locator("#messages .message", has_text="linje to")
    expect(reply).to_be_visible(timeout=1_000)
    expect(reply.locator(".body")).to_contain_text("Linje en")
    # The polite live region told the leader.
    expect(leader.locator("#live-region[aria-live=polite]")).to_contain_text(org.employee.name)

    # A third thread: its unread count in the employee's side list goes up live.
    leader.goto(f"/threads/{other_thread.id}")
    expect(leader.locator("#thread[data-joined=true]")).to_have_count(1)
    box = leader.locator("#composer textarea[name=body]")
    box.fill("Ny rutine for nattevakter")
    box.press("Enter")
    expect(badge).to_have_attribute("data-unread", "2", timeout=1_000)
    expect(badge).to_be_visible()

    # Each message is shown exactly once on both screens.
    for p in (leader, employee):
        p.reload()
        expect(p.locator("#thread[data-joined=true]")).to_have_count(1)
    seqs = employee.locator("#messages .message").evaluate_all("els => els.map(e => e.dataset.seq)")
    assert seqs == ["1", "2", "3"]


def test_message_typed_while_offline_is_kept_and_sent_after_reconnect(
    page: Any, org: Any, nets: Any
) -> None:
    tid = nets.closed_thread.id
    sign_in(page, org.employee)
    open_thread(page, tid)
    page.evaluate("() => window.kollegaChat.socket.disconnect()")
    expect(page.locator("#thread[data-connection=offline]")).to_have_count(1)
    expect(page.locator("#chat-status")).not_to_be_empty()

    box = page.locator("#composer textarea[name=body]")
    box.fill("Skrevet uten nett")
    box.press("Enter")
    pending = page.locator("#messages .outbox[data-state=pending]", has_text="Skrevet uten nett")
    expect(pending).to_be_visible()
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('kollega:outbox:'))"
    )
    assert len(stored) == 1 and f":{tid}:" in stored[0]

    # Nothing reached the server while the socket was down.
    db.session.expire_all()
    assert [m.seq for m in list_messages(org.employee, tid)[0]] == [1]

    # A reload forgets the page's memory; the outbox in localStorage shows the message
    # again and sends it once the new socket is up: stored once, shown once.
    page.reload()
    sent = page.locator("#messages .message", has_text="Skrevet uten nett")
    expect(sent).to_have_count(1)
    expect(sent).to_have_attribute("data-seq", "2")
    expect(page.locator("#messages .outbox")).to_have_count(0)
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('kollega:outbox:')).length"
        )
        == 0
    )
    db.session.expire_all()
    messages = list_messages(org.employee, tid)[0]
    assert [(m.seq, m.body) for m in messages] == [
        (1, "Hemmelig innhold"),
        (2, "Skrevet uten nett"),
    ]

    # Also when the socket of the same page drops and comes back (no reload).
    page.evaluate("() => window.kollegaChat.socket.disconnect()")
    box.fill("Andre forsøk")
    box.press("Enter")
    expect(page.locator("#messages .outbox[data-state=pending]")).to_have_count(1)
    page.evaluate("() => window.kollegaChat.socket.connect()")
    expect(
        page.locator("#messages .message[data-seq='3']", has_text="Andre forsøk")
    ).to_be_visible()
    expect(page.locator("#messages .outbox")).to_have_count(0)


def test_refused_message_is_shown_as_failed(page: Any, org: Any, nets: Any) -> None:
    sign_in(page, org.employee)
    open_thread(page, nets.closed_thread.id)
    # The network is archived after the page was opened and the page missed the news
    # (network:updated would have put the read-only note in the composer's place:
    # tests/networks/test_network_live_browser.py): the server refuses the send.
    nets.request.status = "archived"
    db.session.commit()
    box = page.locator("#composer textarea[name=body]")
    box.fill("For sent")
    box.press("Enter")
    failed = page.locator("#messages .outbox[data-state=failed]")
    expect(failed).to_be_visible()
    expect(failed.get_by_role("button", name="Prøv igjen")).to_be_visible()
    failed.get_by_role("button", name="Forkast").click()
    expect(page.locator("#messages .outbox")).to_have_count(0)


def test_older_messages_load_by_keyboard(page: Any, org: Any, nets: Any) -> None:
    tid = nets.closed_thread.id
    for i in range(60):
        send_message(org.leader, tid, f"old-{i}", f"Melding nummer {i + 2}")
    # Read already: the page opens at the latest page (not at the first unread).
    mark_read(org.employee, tid)
    db.session.commit()
    sign_in(page, org.employee)
    open_thread(page, tid)
    expect(page.locator("#messages .message")).to_have_count(PAGE)
    older = page.locator("button#older")
    older.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#messages .message")).to_have_count(61)
    expect(page.locator("button#older")).to_have_count(0)
    seqs = page.locator("#messages .message").evaluate_all("els => els.map(e => +e.dataset.seq)")
    assert seqs == list(range(1, 62))


def test_chat_screen_passes_axe_on_a_phone(
    chromium: Any, live_server: Any, org: Any, nets: Any
) -> None:
    context = chromium.new_context(
        base_url=live_server.url, locale="nb-NO", viewport={"width": 320, "height": 640}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, org.employee)
        open_thread(page, nets.closed_thread.id)
        box = page.locator("#composer textarea[name=body]")
        box.fill("Hei fra mobilen")
        box.press("Enter")
        expect(page.locator("#messages [data-state=sent]")).to_be_visible()
        # Nothing is wider than the phone.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        assert_no_axe_violations(page)
        page.evaluate("() => window.kollegaChat.socket.disconnect()")
        box.fill("Venter")
        box.press("Enter")
        expect(page.locator("#messages .outbox[data-state=pending]")).to_be_visible()
        assert_no_axe_violations(page)
    finally:
        context.close()


def test_outbox_entry_whose_ack_was_lost_is_shown_once(page: Any, org: Any, nets: Any) -> None:
    """Stored, but the page closed before the ack arrived: after a reload the outbox
    entry and the stored message are one message, and nothing is stored again."""
    tid = nets.closed_thread.id
    send_message(org.employee, tid, "lost-ack-1", "Kom fram likevel")
    db.session.commit()
    sign_in(page, org.employee)
    page.goto(f"/threads/{tid}")
    key = f"kollega:outbox:{org.employee.id}:{tid}:lost-ack-1"
    entry = {
        "thread_id": tid,
        "client_id": "lost-ack-1",
        "body": "Kom fram likevel",
        "reply_to": None,
        "created": 1,
        "state": "pending",
    }
    page.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [key, entry])
    page.reload()
    expect(page.locator("#thread[data-joined=true]")).to_have_count(1)
    expect(page.locator("#messages .message", has_text="Kom fram likevel")).to_have_count(1)
    expect(page.locator("#messages .outbox")).to_have_count(0)
    assert page.evaluate("(k) => localStorage.getItem(k)", key) is None
    db.session.expire_all()
    assert [m.seq for m in list_messages(org.employee, tid)[0]] == [1, 2]


@pytest.mark.parametrize("locale,lang", [("nb-NO", "nb"), ("en-GB", "en")])
def test_failed_and_offline_messages_pass_axe(
    chromium: Any, live_server: Any, org: Any, nets: Any, locale: str, lang: str
) -> None:
    """The composer's live states in both languages: a message the server refused ('Not
    sent' with Try again and Discard) and one waiting while offline."""
    context = chromium.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": 1366, "height": 800}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, org.employee)
        page.goto(f"/threads/{nets.closed_thread.id}")
        set_language(page, lang)
        open_thread(page, nets.closed_thread.id)
        box = page.locator("#composer textarea[name=body]")
        # A reply to a message that is gone (deleted while the reply was written): refused.
        page.evaluate(
            "() => window.kollegaChat.on('beforeSend', (p) => { p.reply_to = 999999999; })"
        )
        box.fill("Svar på noe som er borte")
        box.press("Enter")
        failed = page.locator("#messages .outbox[data-state=failed]")
        expect(failed).to_be_visible()
        expect(failed.locator("button")).to_have_count(2)
        assert_no_axe_violations(page)
        page.evaluate("() => window.kollegaChat.socket.disconnect()")
        expect(page.locator("#thread[data-connection=offline]")).to_have_count(1)
        box.fill("Venter på nettet")
        box.press("Enter")
        expect(page.locator("#messages .outbox[data-state=pending]")).to_be_visible()
        assert_no_axe_violations(page)
    finally:
        context.close()
