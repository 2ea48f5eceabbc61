"""The upload page in a real Chromium: keyboard-free happy path, and axe-core on every state."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from kollega.extensions import db
from kollega.org.models import Person
from tests.browser.axe import assert_no_axe_violations
from tests.factories import PASSWORD, Org
from tests.org.csvdata import people_csv, people_rows

pytestmark = pytest.mark.browser


def choose_file(page: Any, data: bytes) -> None:
    page.get_by_label("Hva filen inneholder").select_option("people")
    page.locator("input[type=file]").set_input_files(
        {"name": "personer.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Kontroller filen").click()
    page.wait_for_load_state()


def test_upload_preview_and_import_pass_axe(page: Any, org: Org) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(org.hr.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Importer").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Importer enheter, personer og stillingsnavn"
    assert_no_axe_violations(page)

    rows = people_rows(30)
    bad = [list(r) for r in rows]
    bad[4][6] = "1700"
    choose_file(page, people_csv(bad))
    assert "1 rad har feil" in page.locator(".error-summary").inner_text()
    assert page.locator("tr.bad-row th").all_inner_texts() == ["6"]
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Last opp en rettet fil").click()
    page.wait_for_load_state()
    choose_file(page, people_csv(rows))
    assert "30 blir opprettet" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_load_state()
    assert "30 opprettet" in page.locator(".flashes").inner_text()
    assert_no_axe_violations(page)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 9 + 30
