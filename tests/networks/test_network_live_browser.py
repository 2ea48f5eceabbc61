"""A network renamed or archived on its settings page updates open chat screens live
(``network:updated``, assets/chat/sidebar.js): the side list, the thread page's header and
the tab's title, and the composer of an archived network (issue #20). Two browser
contexts: the facilitator's and a member's."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.extensions import db
from kollega.networks.threads import open_thread as start_thread
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as as sign_in
from tests.networks.test_live_browser import open_thread, second_page  # noqa: F401

pytestmark = pytest.mark.browser


def test_rename_and_archive_reach_an_open_thread_page(
    page: Any,
    second_page: Any,  # noqa: F811
    org: Any,
    nets: Any,
) -> None:
    leader, employee = page, second_page
    nid, tid = nets.request.id, nets.closed_thread.id
    sign_in(leader, org.leader)
    sign_in(employee, org.employee)
    # The member has the thread open; the network's other page too, in the leader's tab.
    open_thread(employee, tid)
    leader.goto(f"/networks/{nid}")
    expect(leader.locator("#chat-sidebar[data-ready=true]")).to_have_count(1)
    net_link = employee.locator(f'#chat-sidebar li[data-network-id="{nid}"] .chat-net-head a')
    expect(net_link).to_have_text("Personvern i skolen")
    crumb = employee.locator(f'.chat-head .crumbs a[href$="/networks/{nid}"]')
    expect(crumb).to_have_text("Personvern i skolen")
    assert employee.title() == "Samtykke · Personvern i skolen · kollega"

    # The facilitator renames it on the settings page (another tab of theirs).
    settings = leader.context.new_page()
    settings.goto(f"/networks/{nid}/settings")
    settings.get_by_label("Navn", exact=True).fill("Personvern og samtykke")
    settings.get_by_role("button", name="Lagre innstillingene").click()
    expect(settings.locator(".flash, [role=status]").first).to_be_visible()

    # Without a reload: the member's side list, header and title; the leader's open
    # network page (its heading and its side list).
    expect(net_link).to_have_text("Personvern og samtykke")
    expect(crumb).to_have_text("Personvern og samtykke")
    expect(employee).to_have_title("Samtykke · Personvern og samtykke · kollega")
    threads = employee.locator(f"#net-threads-{nid}")
    expect(threads).to_have_attribute("aria-label", "Tråder i Personvern og samtykke")
    expect(leader.locator(".chat-head h1")).to_have_text("Personvern og samtykke")
    expect(leader).to_have_title("Personvern og samtykke · kollega")
    expect(
        leader.locator(f'#chat-sidebar li[data-network-id="{nid}"] .chat-net-head a')
    ).to_have_text("Personvern og samtykke")

    # Archived: the member's composer gives way to the read-only note, the header says so.
    settings.get_by_role("button", name="Arkiver nettverket").click()
    expect(employee.locator("section.chat-composer")).to_be_hidden()
    expect(employee.locator("p[data-archived-note]")).to_have_text(
        "Nettverket er arkivert og kan bare leses."
    )
    expect(employee.locator(".chat-meta [data-archived-badge]")).to_be_visible()
    first = employee.locator("#messages .message").first
    expect(first.get_by_role("button", name="Svar", exact=True)).to_be_hidden()
    expect(first.get_by_role("button", name="Kopier lenke", exact=True)).to_be_visible()
    assert_no_axe_violations(employee)
    # Back again: the composer returns.
    settings.get_by_role("button", name="Hent fram nettverket igjen").click()
    expect(employee.locator("section.chat-composer")).to_be_visible()
    expect(employee.locator("p[data-archived-note]")).to_have_count(0)
    expect(employee.locator(".chat-meta [data-archived-badge]")).to_have_count(0)
    expect(first.get_by_role("button", name="Svar", exact=True)).to_be_visible()
    # What a reload shows agrees.
    employee.reload()
    expect(crumb).to_have_text("Personvern og samtykke")


def test_another_networks_rename_changes_only_its_own_entry(page: Any, org: Any, nets: Any) -> None:
    other, _ = start_thread(org.leader, nets.open.id, "Verktøy", body="Hei")
    db.session.commit()
    sign_in(page, org.leader)
    open_thread(page, nets.closed_thread.id)
    from kollega.networks.networks import update_network

    update_network(org.leader, nets.open.id, name="Digital hverdag 2")
    db.session.commit()
    sidebar = page.locator("#chat-sidebar")
    expect(sidebar.locator(f'li[data-network-id="{nets.open.id}"] .chat-net-head a')).to_have_text(
        "Digital hverdag 2"
    )
    # This thread's network keeps its name in the header and title.
    expect(page.locator(".chat-head .crumbs a").nth(1)).to_have_text("Personvern i skolen")
    assert page.title().endswith("Samtykke · Personvern i skolen · kollega")
    assert other.id
