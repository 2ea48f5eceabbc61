"""The no-JS edit page shows the edit history as the chat client's "Show edits" does:
each earlier version, newest first, with when it was replaced and by whom (issue #20)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.messages import edit_message
from kollega.networks.models import MessageEdit
from kollega.networks.send import send_message
from tests.conftest import login


def _edited_twice(org, nets):  # type: ignore[no-untyped-def]
    sent = send_message(org.employee, nets.closed_thread.id, "ep-1", "Første *utkast*").message
    edit_message(org.employee, sent.id, "Andre utkast")
    edit_message(org.employee, sent.id, "Tredje utkast")
    db.session.commit()
    return sent


def test_the_edit_page_shows_who_edited_newest_first(client, org, nets):
    sent = _edited_twice(org, nets)
    login(client, org.employee)
    r = client.get(f"/messages/{sent.id}/edit")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Tidligere versjoner" in html
    whens = re.findall(r'<p class="history-when">([^<]*)</p>', html)
    assert len(whens) == 2
    assert all(w.startswith("Før endringen ") and w.endswith(" av Eva Ansatt") for w in whens)
    # Newest first: the second version, then the first (rendered, as the client shows it).
    assert html.index("<p>Andre utkast</p>") < html.index("<p>Første <em>utkast</em></p>")
    assert "Første *utkast*" in html  # and as written


def test_the_edit_page_in_english_and_without_an_editor(client, org, nets):
    sent = _edited_twice(org, nets)
    db.session.execute(
        sa.update(MessageEdit)
        .where(MessageEdit.message_id == sent.id, MessageEdit.previous_body == "Andre utkast")
        .values(edited_by_id=None)
    )
    org.employee.locale = "en"
    db.session.commit()
    login(client, org.employee)
    html = client.get(f"/messages/{sent.id}/edit").get_data(as_text=True)
    whens = re.findall(r'<p class="history-when">([^<]*)</p>', html)
    assert whens[0].startswith("Before the edit of ") and " by " not in whens[0]
    assert whens[1].startswith("Before the edit of ") and whens[1].endswith(" by Eva Ansatt")
    assert "As written" in html
