"""The chat app shell in real Chromium: on a phone the composer is in view and the page
itself does not scroll; the list opens at the first unread message; scrolling up loads
older pages and keeps the reader's place; a live message does not move a reader who
scrolled up; the sidebar's drawer and its collapsible networks work by keyboard; axe-core
finds nothing at 1366 and 375 px, in bokmål and English."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.extensions import db
from kollega.networks.messages import list_messages
from kollega.networks.reads import mark_read
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread as start_thread
from tests.browser.axe import assert_no_axe_violations
from tests.networks.test_live_browser import open_thread, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1366, "height": 800}


def _fill(person: Any, thread_id: int, n: int, start: int = 2) -> None:
    for i in range(n):
        body = f"Melding nummer {start + i}\n\nMed en linje til, så listen blir lang."
        send_message(person, thread_id, f"fill-{start + i}", body)
    db.session.commit()


@pytest.fixture
def new_page(chromium: Any, live_server: Any) -> Any:
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP, locale: str = "nb-NO") -> Any:
        context = chromium.new_context(base_url=live_server.url, locale=locale, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _set_language(page: Any, lang: str) -> None:
    if page.get_attribute("html", "lang") != lang:
        name = "English" if lang == "en" else "Norsk (bokmål)"
        with page.expect_navigation():
            page.get_by_role("button", name=name).click()
        page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == lang


def _seqs(page: Any) -> list[int]:
    return page.locator("#messages > [data-seq]").evaluate_all(
        "els => els.map(e => +e.dataset.seq)"
    )


def _top(page: Any, seq: int) -> float:
    return page.evaluate(
        "(s) => document.querySelector(`#messages > [data-seq='${s}']`).getBoundingClientRect().top",
        seq,
    )


def test_phone_keeps_the_composer_in_view_and_the_page_still(new_page, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 60)
    mark_read(org.employee, tid)
    db.session.commit()
    page = new_page(PHONE)
    sign_in(page, org.employee)
    open_thread(page, tid)
    box = page.locator("#composer textarea[name=body]")
    expect(box).to_be_in_viewport()
    rect = box.bounding_box()
    assert rect["y"] >= 0 and rect["y"] + rect["height"] <= PHONE["height"]
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollHeight, innerHeight,"
        " document.documentElement.scrollWidth]"
    )
    assert sizes[0] <= sizes[1], sizes
    assert sizes[2] <= PHONE["width"], sizes
    # The list opens at its end: the newest message is in view above the composer.
    expect(page.locator("#messages > [data-seq='61']")).to_be_in_viewport()
    # Writing on the phone: sent, shown, and still nothing but the list scrolls.
    box.fill("Hei fra mobilen")
    box.press("Enter")
    expect(
        page.locator("#messages [data-state=sent]", has_text="Hei fra mobilen")
    ).to_be_in_viewport()
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")
    # The network page keeps the same shell.
    page.goto(f"/networks/{nets.request.id}")
    expect(page.locator("#chat-sidebar[data-ready=true]")).to_have_count(1)
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")


def test_phone_header_is_one_line_and_its_tools_are_in_the_menu(new_page, org, nets):
    """On a phone the chat's header does not scroll sideways: the person's name and
    sign-out fold into the menu, which opens by keyboard."""
    page = new_page(PHONE)
    sign_in(page, org.employee)
    open_thread(page, nets.closed_thread.id)
    bar = page.locator(".site-header .bar")
    assert bar.evaluate("el => el.scrollWidth <= el.clientWidth")
    sign_out = page.locator(".site-header .tools button", has_text="Logg ut")
    expect(sign_out).to_be_hidden()
    page.locator(".menu-toggle").focus()
    page.keyboard.press("Enter")
    expect(sign_out).to_be_visible()
    expect(sign_out).to_be_in_viewport()
    assert bar.evaluate("el => el.scrollWidth <= el.clientWidth")


def test_scrolling_up_loads_older_messages_and_keeps_the_place(new_page, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 119)  # 120 in all
    mark_read(org.employee, tid)
    db.session.commit()
    page = new_page()
    sign_in(page, org.employee)
    open_thread(page, tid)
    assert _seqs(page) == list(range(71, 121))
    # The page itself never scrolls; the list does.
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")
    scroller = page.locator("#chat-scroll")
    box = scroller.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    loaded = 50
    for _ in range(80):
        before = _top(page, 71) if loaded == 50 else None
        page.mouse.wheel(0, -1500)
        page.wait_for_timeout(150)
        count = len(_seqs(page))
        if count > loaded and before is not None:
            # The first page's top message did not jump when the older page came in.
            page.wait_for_timeout(100)
            assert abs(_top(page, 71) - before) < 1600, (before, _top(page, 71))
        loaded = count
        if loaded == 120:
            break
    assert _seqs(page) == list(range(1, 121))
    expect(page.locator("#older")).to_have_count(0)
    # Each older page was one request of at most 50 messages, by cursor.
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")


def test_older_page_keeps_what_the_reader_sees_in_place(new_page, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 79)
    mark_read(org.employee, tid)
    db.session.commit()
    page = new_page()
    sign_in(page, org.employee)
    open_thread(page, tid)
    page.locator("#older").scroll_into_view_if_needed()
    anchor = _top(page, 31)
    page.locator("#older").click()
    expect(page.locator("#messages > [data-seq]")).to_have_count(80)
    page.wait_for_timeout(200)
    assert abs(_top(page, 31) - anchor) <= 2, (anchor, _top(page, 31))


def test_the_list_opens_at_the_first_unread_message(new_page, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 39)  # 40 in all
    mark_read(org.employee, tid, 12)
    db.session.commit()
    page = new_page()
    sign_in(page, org.employee)
    open_thread(page, tid)
    divider = page.locator("#unread-divider")
    expect(divider).to_have_text("Nye meldinger")
    expect(divider).to_be_in_viewport()
    following = divider.locator("xpath=following-sibling::*[1]")
    expect(following).to_have_attribute("data-seq", "13")
    expect(following).to_be_in_viewport()
    # Not scrolled to the end: the newest message is below, out of view, a button away.
    newest = page.locator("#messages > [data-seq='40']")
    expect(newest).not_to_be_in_viewport()
    latest = page.get_by_role("button", name="Til de nyeste ↓")
    expect(latest).to_be_visible()
    latest.click()
    expect(newest).to_be_in_viewport()
    expect(latest).to_be_hidden()


def test_a_live_message_does_not_move_a_reader_who_scrolled_up(new_page, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 79)
    mark_read(org.employee, tid)
    db.session.commit()
    reader, writer = new_page(), new_page()
    sign_in(reader, org.employee)
    sign_in(writer, org.leader)
    open_thread(reader, tid)
    open_thread(writer, tid)
    # The reader scrolls up a little (by wheel, as a person does).
    box = reader.locator("#chat-scroll").bounding_box()
    reader.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    reader.mouse.wheel(0, -900)
    reader.wait_for_timeout(300)
    visible = reader.evaluate(
        """() => { const s = document.getElementById('chat-scroll').getBoundingClientRect();
        const m = Array.from(document.querySelectorAll('#messages > [data-seq]'))
          .find(e => e.getBoundingClientRect().top > s.top + 20);
        return +m.dataset.seq; }"""
    )
    anchor = _top(reader, visible)
    text = writer.locator("#composer textarea[name=body]")
    text.fill("Nytt mens du leste")
    text.press("Enter")
    arrived = reader.locator("#messages .message", has_text="Nytt mens du leste")
    expect(arrived).to_have_count(1)
    new_below = reader.locator("#new-below")
    expect(new_below).to_be_visible()
    expect(new_below).to_have_text("1 ny melding ↓")
    assert abs(_top(reader, visible) - anchor) <= 1, (anchor, _top(reader, visible))
    expect(arrived).not_to_be_in_viewport()
    # The button takes the reader down to it.
    new_below.click()
    expect(arrived).to_be_in_viewport()
    expect(new_below).to_be_hidden()
    # A reader at the bottom is taken along.
    text.fill("Og en til")
    text.press("Enter")
    expect(reader.locator("#messages .message", has_text="Og en til")).to_be_in_viewport()
    expect(new_below).to_be_hidden()


def test_drawer_and_networks_work_by_keyboard(new_page, org, nets):
    page = new_page(PHONE)
    sign_in(page, org.employee)
    open_thread(page, nets.closed_thread.id)
    sidebar = page.locator("#chat-sidebar")
    expect(sidebar).to_be_hidden()
    toggle = page.get_by_role("button", name="Mine nettverk")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sidebar).to_be_visible()
    # Focus moved into the drawer; the page behind it is inert.
    assert page.evaluate(
        "() => document.getElementById('chat-sidebar').contains(document.activeElement)"
    )
    assert page.evaluate("() => document.getElementById('thread').inert")
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.getElementById('chat-sidebar').contains(document.activeElement)"
            " || document.activeElement === document.body"
        )
    assert_no_axe_violations(page)
    # A network's threads fold away with its button.
    fold = sidebar.get_by_role("button", name=f"Tråder i {nets.request.name}")
    expect(fold).to_have_attribute("aria-expanded", "true")
    fold.focus()
    page.keyboard.press("Space")
    expect(fold).to_have_attribute("aria-expanded", "false")
    expect(sidebar.locator(f"#net-threads-{nets.request.id}")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(fold).to_have_attribute("aria-expanded", "true")
    # Esc closes the drawer and gives focus back to its button.
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert not page.evaluate("() => document.getElementById('thread').inert")


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "375"])
def test_thread_page_passes_axe(new_page, org, nets, lang, viewport):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 59)
    mark_read(org.employee, tid, 30)
    db.session.commit()
    page = new_page(viewport)
    sign_in(page, org.employee)
    page.goto("/networks")
    _set_language(page, lang)
    open_thread(page, tid)
    expect(page.locator("#unread-divider")).to_be_visible()
    assert_no_axe_violations(page)
    # The "new messages below" state and a reply chip, live.
    page.evaluate("() => { const s = document.getElementById('chat-scroll'); s.scrollTop = 0; }")
    send_message(org.leader, tid, "axe-live", "Ny melding mens du leser")
    db.session.commit()
    page.evaluate(
        "() => window.kollegaChat.setReply({id: 1, author: {name: 'Leder'}, excerpt: 'Hei'})"
    )
    expect(page.locator("#reply-chip")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"/networks/{nets.request.id}")
    expect(page.locator("#chat-sidebar[data-ready=true]")).to_have_count(1)
    assert_no_axe_violations(page)


def test_a_reply_sent_offline_keeps_its_fields_across_a_reload(new_page, org, nets):
    """chat.setReply makes the beforeSend hook add reply_to; the outbox keeps the whole
    payload, so the send after a reload (a retry) carries it, stored once."""
    tid = nets.closed_thread.id
    first = list_messages(org.employee, tid)[0][0]
    page = new_page()
    sign_in(page, org.employee)
    open_thread(page, tid)
    page.evaluate("() => window.kollegaChat.socket.disconnect()")
    page.locator(f"#messages > [data-id='{first.id}']").get_by_role("button", name="Svar").click()
    chip = page.locator("#reply-chip")
    expect(chip).to_contain_text("Svarer")
    box = page.locator("#composer textarea[name=body]")
    expect(box).to_be_focused()
    box.fill("Svar skrevet uten nett")
    box.press("Enter")
    expect(chip).to_be_hidden()
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('kollega:outbox:'))"
        ".map(k => JSON.parse(localStorage.getItem(k)))"
    )
    assert len(stored) == 1 and stored[0]["reply_to"] == first.id, stored
    page.reload()
    sent = page.locator("#messages > [data-seq='2']", has_text="Svar skrevet uten nett")
    expect(sent).to_have_count(1)
    expect(page.locator("#messages .outbox")).to_have_count(0)
    db.session.expire_all()
    messages = list_messages(org.employee, tid)[0]
    assert [(m.seq, m.reply_to_id) for m in messages] == [(1, None), (2, first.id)]


def test_sidebar_learns_of_a_new_thread_live(new_page, org, nets):
    """A message in a thread the sidebar does not show yet: that network's list is read
    again by the same rules (unread first) and its count goes up."""
    page = new_page()
    sign_in(page, org.employee)
    open_thread(page, nets.closed_thread.id)
    badge = page.locator(
        f"#chat-sidebar li[data-network-id='{nets.request.id}'] .chat-net-head .unread-count"
    )
    expect(badge).to_be_hidden()
    fresh, _ = start_thread(org.leader, nets.request.id, "Ny rutine", body="Les dette")
    db.session.commit()
    item = page.locator(f"#chat-sidebar li[data-thread-id='{fresh.id}']")
    expect(item).to_contain_text("Ny rutine")
    expect(item.locator(".unread-count")).to_have_attribute("data-unread", "1")
    expect(badge).to_have_attribute("data-unread", "1")
    # Unread first: above the thread being read.
    order = page.locator(f"#net-threads-{nets.request.id} li[data-thread-id]").evaluate_all(
        "els => els.map(e => +e.dataset.threadId)"
    )
    assert order.index(fresh.id) < order.index(nets.closed_thread.id)
