"""axe-core on the pages issue #20's gaps changed: the no-JS edit page with its history
(who edited, newest first) and a past annual-cycle occurrence shown as held."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kollega.cycle import services
from kollega.extensions import db
from kollega.networks.messages import edit_message
from kollega.networks.send import send_message
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import set_language
from tests.browser.conftest import sign_in_as as sign_in
from tests.cycle.helpers import make_event
from tests.cycle.test_held import STOP

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_edit_page_with_history_passes_axe(page: Any, org: Any, nets: Any, lang: str) -> None:
    sent = send_message(org.employee, nets.closed_thread.id, "gp-1", "Første **utkast**").message
    edit_message(org.employee, sent.id, "Andre utkast")
    db.session.commit()
    sign_in(page, org.employee)
    if lang == "en":
        set_language(page, "en")
    page.goto(f"/messages/{sent.id}/edit")
    who = "Eva Ansatt"
    expect(page.locator(".history-when")).to_contain_text(who)
    page.get_by_text("Slik det ble skrevet" if lang == "nb" else "As written").click()
    assert_no_axe_violations(page)


def test_a_held_occurrence_passes_axe(page: Any, org: Any) -> None:
    stop = make_event(org.leader, **STOP)
    db.session.commit()
    sign_in(page, org.employee)
    page.goto(f"/cycle/events/{stop.id}/{services.occurrence_key(stop.starts_at)}")
    expect(page.get_by_role("heading", name="Gjennomført")).to_be_visible()
    expect(page.get_by_role("button", name="Ja")).to_have_count(0)
    assert_no_axe_violations(page)
