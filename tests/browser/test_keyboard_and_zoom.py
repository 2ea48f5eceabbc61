"""Keyboard-only use of every main form, visible focus, accessible names, 200 % zoom and
a 320 px wide screen without horizontal scrolling, and screenshots of the main pages.

Screenshots are saved to test-artifacts/screenshots/ (git-ignored) at desktop (1280x800)
and phone (375x740) widths for people to look at. Each main page is loaded once and
resized through the widths (a page load costs far more than a relayout).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import visit

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"

# (name, role, path, CSS selector of the form)
FORMS: list[tuple[str, str | None, Any, str]] = [
    ("sign-in", None, lambda w: "/login", "main form"),
    ("change-password", "employee", lambda w: "/account/password", "main form:not(.inline)"),
    ("new-network", "employee", lambda w: "/networks/new", "main form:not(.inline)"),
    ("message", "employee", lambda w: f"/threads/{w['thread']}", "#composer"),
    ("self-assessment", "employee", lambda w: f"/competence/assess/{w['competence']}", "main form"),
    ("new-stop", "leader", lambda w: "/cycle/events/new", "main form:not(.inline)"),
    (
        "requirement",
        "leader",
        lambda w: f"/competence/requirements?unit={w['leader_unit']}",
        "main form[method=post]:not(.inline)",
    ),
    ("import", "hr", lambda w: "/import", "main form:not(.inline)"),
    ("new-training", "hr", lambda w: "/trainings/new", "main form:not(.inline)"),
]

# (name, role, path) of the main pages for zoom, narrow screens and screenshots.
MAIN_PAGES: list[tuple[str, str | None, Any]] = [
    ("login", None, lambda w: "/login"),
    ("start", "employee", lambda w: "/"),
    ("networks", "employee", lambda w: "/networks"),
    ("network", "employee", lambda w: f"/networks/{w['network']}"),
    ("thread", "employee", lambda w: f"/threads/{w['thread']}"),
    ("my-gaps", "employee", lambda w: "/gaps/me"),
    ("my-competence", "employee", lambda w: "/competence/"),
    ("cycle", "employee", lambda w: "/cycle/"),
    ("trainings", "employee", lambda w: "/trainings/"),
    ("team", "leader", lambda w: f"/competence/team/{w['leader_unit']}"),
    ("unit-gaps", "leader", lambda w: f"/gaps/units/{w['leader_unit']}"),
    ("new-stop", "leader", lambda w: "/cycle/events/new"),
    ("metrics", "hr", lambda w: f"/metrics/units/{w['root_unit']}"),
    ("plans", "hr", lambda w: "/plans/"),
    ("import", "hr", lambda w: "/import"),
    ("admin-users", "admin", lambda w: "/admin/users"),
    ("accessibility", None, lambda w: "/accessibility"),
]

_MARK_FIELDS = """
(sel) => {
  const form = document.querySelector(sel);
  if (!form) return null;
  const els = [...form.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button[type=submit], button:not([type])')]
    .filter(e => !e.disabled && e.offsetParent !== null)
    // A field hidden from assistive technology and out of the Tab order is worked through a
    // visible control (the composer's file input behind its "Legg ved fil" button).
    .filter(e => !(e.getAttribute('aria-hidden') === 'true' && e.tabIndex < 0));
  els.forEach((e, i) => e.setAttribute('data-kbd', String(i)));
  return els.map(e => ({
    tag: e.tagName, name: e.name || '', type: e.type || '',
    named: !!((e.labels && e.labels.length) || e.getAttribute('aria-label')
      || e.getAttribute('aria-labelledby') || e.closest('fieldset')
      || ((e.tagName === 'BUTTON') && e.textContent.trim())),
  }));
}
"""

_FOCUSED = """
() => {
  const e = document.activeElement;
  if (!e) return null;
  const s = getComputedStyle(e);
  return {
    kbd: e.getAttribute('data-kbd'),
    visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
      || (s.boxShadow && s.boxShadow !== 'none'),
    focusVisible: e.matches(':focus-visible'),
  };
}
"""


def _radio_groups(fields: list[dict[str, Any]]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(fields):
        if f["type"] == "radio":
            groups.setdefault(f["name"], []).append(i)
    return groups


@pytest.mark.parametrize("form", FORMS, ids=[f[0] for f in FORMS])
def test_form_by_keyboard_alone(browsers, world, form):  # type: ignore[no-untyped-def]
    name, role, build, selector = form
    page = browsers.page(role, "nb")
    visit(page, build(world), "nb")
    fields = page.evaluate(_MARK_FIELDS, selector)
    assert fields, f"{name}: no form {selector} on {page.url}"
    unnamed = [f for f in fields if not f["named"]]
    assert not unnamed, f"{name}: fields without an accessible name: {unnamed}"
    # A radio group is one Tab stop: reaching any of its buttons reaches the group.
    groups = _radio_groups(fields)
    need = {str(i) for i, f in enumerate(fields) if f["type"] != "radio"}
    need |= {f"radio:{g}" for g in groups}
    reached: set[str] = set()
    invisible: list[int] = []
    shown: set[int] = set()
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(250):
        page.keyboard.press("Tab")
        got = page.evaluate(_FOCUSED)
        if got is None or got["kbd"] is None:
            if reached and need <= reached:
                break
            continue
        i = int(got["kbd"])
        key = f"radio:{fields[i]['name']}" if fields[i]["type"] == "radio" else str(i)
        reached.add(key)
        # A date input's calendar button is a Tab stop inside the browser's own shadow DOM,
        # with the browser's own focus ring: the field counts when one of its stops shows ours.
        if got["visible"]:
            shown.add(i)
        else:
            invisible.append(i)
        if need <= reached:
            break
    missing = [fields[int(k)] if k.isdigit() else k for k in need - reached]
    assert not missing, f"{name}: Tab never reaches {missing}"
    never = sorted({f"{fields[i]['tag']} {fields[i]['name']}" for i in invisible if i not in shown})
    assert not never, f"{name}: no visible focus on {never}"


def _horizontal_overflow(page: Any, settle: float = 3.0) -> str | None:
    """None when the page does not scroll sideways, else what sticks out. Charts redraw
    for a new width a moment after the resize (ResizeObserver), so an overflow must last
    ``settle`` seconds to count."""
    deadline = time.monotonic() + settle
    while True:
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll <= client:
            return None
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    wide = page.evaluate(
        """(w) => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > w + 1
            && !e.parentElement.closest('.table-wrap, .table-scroll, .scroll'))
          .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""",
        client,
    )
    return f"scrollWidth {scroll} > {client}: {wide}"


# (label, viewport, check for horizontal scrolling, save a screenshot)
LAYOUTS: list[tuple[str, tuple[int, int], bool, bool]] = [
    ("desktop", (1280, 800), False, True),
    ("200pct-zoom-of-1280x800", (640, 400), True, False),
    ("phone", (375, 740), True, True),
    ("320px-wide", (320, 640), True, False),
]


@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=[p[0] for p in MAIN_PAGES])
def test_main_page_layouts(browsers, world, main_page):  # type: ignore[no-untyped-def]
    """Each main page, loaded once and resized: no horizontal scrolling of the page on a
    320 px screen, at 375 px and at 200 % zoom of a 1280x800 window (a 640x400 CSS
    viewport; a wide data table may scroll inside its own region), and screenshots at
    desktop and phone widths."""
    name, role, build = main_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browsers.page(role, "nb")
    visit(page, build(world), "nb")
    failures = []
    try:
        for label, (width, height), check, shoot in LAYOUTS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_function(f"() => document.documentElement.clientWidth <= {width}")
            if check and (problem := _horizontal_overflow(page)):
                failures.append(f"{name} at {label}: {problem}")
            if shoot:
                path = SHOTS / f"{name}-{label}.png"
                page.screenshot(path=str(path), full_page=True)
                assert path.stat().st_size > 0
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
    assert not failures, "\n".join(failures)


def test_wide_table_scrolls_in_a_named_region_on_a_phone(browsers, world):  # type: ignore[no-untyped-def]
    """The team's competence table keeps whole words in its cells on a phone and scrolls
    sideways inside a focusable, named region; the page itself does not scroll."""
    page = browsers.page("leader", "nb")
    visit(page, f"/competence/team/{world['leader_unit']}", "nb")
    try:
        page.set_viewport_size({"width": 320, "height": 640})
        region = page.locator("#matrix-heading ~ .table-wrap")
        page.wait_for_function(
            "() => document.querySelector('#matrix-heading ~ .table-wrap')"
            ".getAttribute('role') === 'region'"
        )
        assert _horizontal_overflow(page) is None
        assert region.get_attribute("tabindex") == "0"
        name = page.evaluate(
            "(id) => document.getElementById(id).textContent.trim()",
            region.get_attribute("aria-labelledby"),
        )
        assert name, "the scrolling region has no accessible name"
        # Whole words: the header "Person" stays on one line (it was cut into letters).
        header = region.locator("thead th").first
        line = float(header.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        box = header.bounding_box()
        assert box is not None and box["height"] < 2 * line + 16, box
        # By keyboard: focus the region and scroll it with the arrow keys.
        region.focus()
        assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
        outline = region.evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline != "none", "no visible focus on the scrolling region"
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "() => document.querySelector('#matrix-heading ~ .table-wrap').scrollLeft > 0"
        )
        # At desktop width the table fits: no region, no extra Tab stop.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_function(
            "() => !document.querySelector('#matrix-heading ~ .table-wrap').hasAttribute('tabindex')"
        )
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


_ACTIVE = """
() => {
  const e = document.activeElement || document.body;
  const s = getComputedStyle(e);
  const li = e.closest('article.message, li.message');
  return {
    tag: e.tagName, name: e.getAttribute('name') || '', cls: String(e.className || ''),
    text: (e.textContent || '').trim().slice(0, 40),
    message: li ? li.dataset.id || null : null, inComposer: !!e.closest('#composer'),
    visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
      || (!!s.boxShadow && s.boxShadow !== 'none'),
    focusVisible: e.matches(':focus-visible'),
  };
}
"""


def _press_until(page: Any, key: str, wanted: Any, limit: int = 250) -> dict[str, Any]:
    """Press ``key`` until the focused element matches ``wanted``; every stop on the way
    must show a visible focus indicator."""
    for _ in range(limit):
        page.keyboard.press(key)
        got = page.evaluate(_ACTIVE)
        if got["tag"] != "BODY":
            assert got["focusVisible"] and got["visible"], f"no visible focus on {got}"
        if wanted(got):
            return dict(got)
    raise AssertionError(f"{key} never reached the element on {page.url}")


def _joined(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('thread').dataset.joined === 'true'")


def test_chat_by_keyboard_alone(browsers, world, world_app):  # type: ignore[no-untyped-def]
    """Skip link, Tab to the composer, type and send with Enter, reply and react by
    keyboard; focus stays where the person works and is always visible."""
    from tests.browser.conftest import query

    page = browsers.page("employee", "en")
    me = world["ids"]["employee"]
    visit(page, f"/threads/{world['thread']}", "en")
    _joined(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    assert "skip-link" in page.evaluate(_ACTIVE)["cls"]
    page.keyboard.press("Enter")
    _press_until(page, "Tab", lambda a: a["tag"] == "TEXTAREA" and a["inComposer"])

    # Type and send with Enter: the message is stored, focus stays in the empty composer.
    text = "Sendt med tastaturet: sjekklista ligger i teams-kanalen."
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    sent = page.locator(".message.mine[data-seq]", has_text=text)
    sent.wait_for()
    after = page.evaluate(_ACTIVE)
    assert after["tag"] == "TEXTAREA" and after["inComposer"], after
    assert page.locator("#composer textarea").input_value() == ""
    assert query(
        world_app, "SELECT id FROM messages WHERE author_id = :p AND body = :b", p=me, b=text
    )

    # Reply: back to a message's "Reply" button; it sends the focus to the composer.
    button = _press_until(
        page, "Shift+Tab", lambda a: a["tag"] == "BUTTON" and a["text"] == "Reply" and a["message"]
    )
    target = int(button["message"])
    page.keyboard.press("Enter")
    after = page.evaluate(_ACTIVE)
    assert after["tag"] == "TEXTAREA" and after["inComposer"], after
    reply = "Svar med tastaturet: enig, vi prøver det neste uke."
    page.keyboard.type(reply)
    page.keyboard.press("Enter")
    live = page.locator(".message.mine[data-seq]", has_text=reply)
    live.wait_for()
    rows = query(
        world_app,
        "SELECT reply_to_id FROM messages WHERE author_id = :p AND body = :b",
        p=me,
        b=reply,
    )
    assert rows and rows[0][0] == target, rows
    # Shown live as a reply, as the page renders one: a quote of the author, linked.
    answered = page.locator(f".message[data-id='{target}']")
    link = live.locator(".reply-quote a")
    link.wait_for()
    assert link.get_attribute("href") == f"#m{answered.get_attribute('data-seq')}"
    assert link.locator("strong").inner_text() == answered.locator(".meta .author").inner_text()

    # React: a message's "React" opens the picker with the focus in its search; Enter on a
    # result reacts and gives the focus back to "React".
    visit(page, f"/threads/{world['thread']}", "en")
    _joined(page)
    page.locator("#composer textarea").focus()
    button = _press_until(
        page, "Shift+Tab", lambda a: a["tag"] == "BUTTON" and a["text"] == "React" and a["message"]
    )
    target = int(button["message"])
    before = {
        r[0]
        for r in query(
            world_app,
            "SELECT emoji FROM reactions WHERE message_id = :m AND person_id = :p",
            m=target,
            p=me,
        )
    }
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.tagName === 'EMOJI-PICKER'")
    page.keyboard.type("rocket")
    page.locator("#reaction-picker #search-results [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#reaction-picker").wait_for(state="hidden")
    back = page.evaluate(_ACTIVE)
    assert back["text"] == "React" and back["message"] == str(target), back
    page.locator(
        f".message[data-id='{target}'] button.reaction[aria-pressed=true]"
    ).first.wait_for()
    after = {
        r[0]
        for r in query(
            world_app,
            "SELECT emoji FROM reactions WHERE message_id = :m AND person_id = :p",
            m=target,
            p=me,
        )
    }
    assert len(after ^ before) == 1, (before, after)  # one reaction more (or taken back)
    # Shift+Tab from "React" reaches the message's pressed reaction button.
    pressed = _press_until(page, "Shift+Tab", lambda a: a["cls"] == "reaction", 8)
    assert pressed["message"] == str(target), pressed


def test_new_messages_from_others_are_announced(chromium, world_server, browsers, world, world_app):  # type: ignore[no-untyped-def]
    """A message another person sends from their own browser appears live and its words
    are read out through the page's polite live region."""
    from tests.browser.conftest import query, sign_in

    page = browsers.page("employee", "en")
    visit(page, f"/threads/{world['thread']}", "en")
    _joined(page)
    region = page.locator("#live-region")
    assert region.get_attribute("aria-live") == "polite"
    other = query(
        world_app,
        "SELECT p.email FROM network_members m JOIN people p ON p.id = m.person_id"
        " WHERE m.network_id = :n AND m.state = 'active' AND NOT m.guest AND p.active"
        " AND p.id <> :me ORDER BY p.id",
        n=world["network"],
        me=world["ids"]["employee"],
    )
    assert other, "the employee's network has no other member"
    context = chromium.new_context(base_url=world_server.url, locale="nb-NO")
    try:
        colleague = context.new_page()
        colleague.set_default_timeout(15_000)
        sign_in(colleague, other[0][0], world["password"])
        colleague.goto(f"/threads/{world['thread']}")
        _joined(colleague)
        text = "Husk fagdagen på torsdag, vi starter klokka ni."
        colleague.locator("#composer textarea").fill(text)
        colleague.locator("#composer textarea").press("Enter")
        page.locator(".message[data-seq]", has_text=text).wait_for()
        page.wait_for_function(
            "(t) => document.getElementById('live-region').textContent.includes(t)", arg=text
        )
        assert region.evaluate("e => e.closest('[aria-hidden=true]') === null")
    finally:
        context.close()
