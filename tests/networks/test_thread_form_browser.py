"""The new-thread composer in real Chromium (static/thread_form.js): switching kinds
hides fields and never clears them; an experience posted with all four parts shows them
all; the form passes axe-core in both kinds, in bokmål and English; the settings page
too."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.networks.test_live_browser import sign_in

pytestmark = pytest.mark.browser

PARTS = {
    "situation": "Foreldre ville ikke ha bilder på nett",
    "what_we_did": "Vi spurte hver familie",
    "what_we_learned": "Spør tidlig i året",
    "next_time": "Skjema i august",
}


def _kind(page: Any, kind: str) -> None:
    page.locator(f"input[name=kind][value={kind}]").check()


def test_switching_kinds_keeps_the_text_and_an_experience_shows_all_parts(
    page: Any, org: Any, nets: Any
) -> None:
    sign_in(page, org.employee)
    page.goto(f"/networks/{nets.request.id}")
    page.get_by_role("link", name="Start en tråd").first.click()
    page.wait_for_url(f"**/networks/{nets.request.id}/threads/new")
    parts = page.locator("#experience-parts")
    expect(parts).to_be_hidden()
    page.get_by_label("Tittel").fill("Samtykke til bilder")
    page.get_by_label("Første melding").fill("Hvordan gjør dere det?")
    assert_no_axe_violations(page)  # the discussion kind

    _kind(page, "experience")
    expect(parts).to_be_visible()
    expect(page.get_by_label("Fritekst (valgfritt)")).to_have_value("Hvordan gjør dere det?")
    page.get_by_label("Situasjon").fill(PARTS["situation"])
    page.get_by_label("Hva vi gjorde").fill(PARTS["what_we_did"])
    assert_no_axe_violations(page)  # the experience kind

    _kind(page, "discussion")
    expect(parts).to_be_hidden()
    # nothing cleared, and the page says the hidden parts are kept
    expect(page.get_by_label("Første melding")).to_have_value("Hvordan gjør dere det?")
    expect(page.locator("#parts-kept")).to_contain_text("tatt vare på")
    assert page.locator("#situation").input_value() == PARTS["situation"]

    _kind(page, "experience")
    expect(page.get_by_label("Situasjon")).to_have_value(PARTS["situation"])
    expect(page.get_by_label("Hva vi gjorde")).to_have_value(PARTS["what_we_did"])
    page.get_by_label("Hva vi lærte").fill(PARTS["what_we_learned"])
    page.get_by_label("Neste gang").fill(PARTS["next_time"])
    page.get_by_label("Fritekst (valgfritt)").fill("")
    page.get_by_role("button", name="Start tråden").click()
    page.wait_for_url("**/threads/*")
    first = page.locator("#messages li, #messages article, [role=log] li").first
    expect(first).to_be_visible()
    for heading in ("Situasjon", "Hva vi gjorde", "Hva vi lærte", "Neste gang"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_have_count(1)
    for text in PARTS.values():
        expect(page.get_by_text(text)).to_have_count(1)


def test_an_empty_thread_is_refused_beside_its_field(page: Any, org: Any, nets: Any) -> None:
    sign_in(page, org.employee)
    page.goto(f"/networks/{nets.request.id}/threads/new?kind=experience")
    expect(page.locator("#experience-parts")).to_be_visible()
    page.get_by_label("Tittel").fill("Tom")
    page.get_by_role("button", name="Start tråden").click()
    page.wait_for_load_state()
    error = page.locator("#situation-error")
    expect(error).to_contain_text("Skriv minst én av de fire delene")
    expect(page.get_by_label("Situasjon")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Tittel")).to_have_value("Tom")
    assert_no_axe_violations(page)


def test_the_forms_pass_axe_in_english(page: Any, org: Any, nets: Any) -> None:
    sign_in(page, org.leader)
    page.goto(f"/networks/{nets.request.id}/threads/new")
    page.locator("button[name=lang][value=en]").click()
    page.wait_for_load_state()
    page.goto(f"/networks/{nets.request.id}/threads/new")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_no_axe_violations(page)
    _kind(page, "experience")
    expect(page.get_by_label("Next time")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"/networks/{nets.request.id}/settings")
    expect(page.get_by_role("heading", name=f"Settings for {nets.request.name}")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save the settings").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)
