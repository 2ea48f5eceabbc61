"""The new-thread composer keeps every word typed: an experience in four parts stored on
the thread and in its first message, parts sent with another kind folded into the
message, an empty thread refused beside its field (page and API)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.networks.models import Message, Thread
from kollega.networks.threads import open_thread
from tests.conftest import login
from tests.networks.test_api import bearer

PARTS = {
    "situation": "Foreldre ville ikke ha bilder på nett",
    "what_we_did": "Vi spurte hver familie",
    "what_we_learned": "Spør tidlig i året",
    "next_time": "Skjema i august",
}


def _first(thread: Thread) -> Message:
    return db.session.scalar(
        sa.select(Message).where(Message.thread_id == thread.id, Message.seq == 1)
    )


def test_experience_parts_are_fields_and_the_first_message(org, nets):
    thread, first = open_thread(
        org.employee, nets.request.id, "Samtykke", "experience", "Og litt mer.", None, None, PARTS
    )
    assert (thread.situation, thread.what_we_did) == (PARTS["situation"], PARTS["what_we_did"])
    assert (thread.what_we_learned, thread.next_time) == (
        PARTS["what_we_learned"],
        PARTS["next_time"],
    )
    # free text plus the parts: both kept, parts first
    assert first is not None and first.body.endswith("Og litt mer.")
    for text in PARTS.values():
        assert text in first.body
    assert first.body_html.count("<h3>") == 4


def test_free_text_plus_one_part_keeps_both(org, nets):
    thread, first = open_thread(
        org.employee,
        nets.request.id,
        "Kort",
        "experience",
        "Fri tekst",
        parts={"what_we_learned": "En lærdom"},
    )
    assert thread.what_we_learned == "En lærdom" and thread.situation is None
    assert "Fri tekst" in first.body and "En lærdom" in first.body
    assert first.body_html.count("<h3>") == 1


def test_parts_sent_with_another_kind_are_folded_into_the_message(org, nets):
    thread, first = open_thread(
        org.employee, nets.request.id, "Diskusjon", "discussion", "", parts=PARTS
    )
    assert thread.kind == "discussion" and thread.situation is None
    for text in PARTS.values():
        assert text in first.body
    assert first.body_html.count("<h3>") == 4


@pytest.mark.parametrize("kind, field", [("discussion", "body"), ("experience", "situation")])
def test_an_empty_thread_is_refused(org, nets, kind, field):
    with pytest.raises(ValidationError) as refused:
        open_thread(org.employee, nets.request.id, "Tom", kind, "  ", parts={"situation": " "})
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(Thread).where(Thread.title == "Tom")) is None


def test_the_composer_page(client, org, nets):
    login(client, org.employee)
    html = client.get(f"/networks/{nets.request.id}/threads/new?kind=experience").get_data(
        as_text=True
    )
    assert re.search(r'<input checked[^>]*value="experience"', html)
    for label in ("Situasjon", "Hva vi gjorde", "Hva vi lærte", "Neste gang"):
        assert label in html
    assert "thread_form.js" in html
    # someone who may not post there: refused on the server
    client.post("/logout")
    login(client, org.other_employee)
    assert client.get(f"/networks/{nets.request.id}/threads/new").status_code == 403
    assert client.get(f"/networks/{nets.invite.id}/threads/new").status_code == 404


def test_an_empty_post_shows_the_form_again_with_the_text_kept(client, org, nets):
    login(client, org.employee)
    before = db.session.scalar(sa.select(sa.func.count(Thread.id)))
    r = client.post(
        f"/networks/{nets.request.id}/threads",
        data={"title": "Bare tittel", "kind": "discussion", "body": "", "client_id": "e-1"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Skriv den første meldingen." in html and 'value="Bare tittel"' in html
    assert 'aria-invalid="true"' in html
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Thread.id))) == before


def test_a_discussion_with_parts_from_the_page_keeps_them_and_says_so(client, org, nets):
    login(client, org.employee)
    r = client.post(
        f"/networks/{nets.request.id}/threads",
        data={"title": "Byttet type", "kind": "discussion", "client_id": "e-2", **PARTS},
        follow_redirects=True,
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for text in PARTS.values():
        assert text in html
    assert "<h3>Neste gang</h3>" in html
    assert "er tatt vare på" in html


def test_the_api_takes_the_parts_and_refuses_an_empty_thread(client, org, nets):
    h = bearer(org.employee)
    url = f"/api/v1/networks/{nets.request.id}/threads"
    r = client.post(url, json={"title": "API", "kind": "experience", **PARTS}, headers=h)
    assert r.status_code == 201
    assert r.get_json()["parts"] == PARTS
    got = client.get(f"/api/v1/threads/{r.get_json()['id']}", headers=h).get_json()
    assert got["parts"] == PARTS
    r = client.post(url, json={"title": "API 2", "kind": "experience", "parts": {}}, headers=h)
    assert r.status_code == 422 and "situation" in r.get_json()["error"]["fields"]
    r = client.post(url, json={"title": "API 3", "kind": "question"}, headers=h)
    assert r.status_code == 422 and "body" in r.get_json()["error"]["fields"]
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/networks/{network_id}/threads"]["post"]["requestBody"]
    props = body["content"]["application/json"]["schema"]["properties"]
    assert {"situation", "what_we_did", "what_we_learned", "next_time", "parts"} <= set(props)


def test_erasure_and_retention_clear_the_stored_parts(org, nets):
    """The parts are personal text like the message they opened: erasing the opener,
    or retention deleting the opening message, clears them too."""
    import datetime as dt

    from kollega.db import now_utc
    from kollega.privacy import retention, services
    from kollega.privacy.models import RetentionSettings

    mine, _ = open_thread(org.employee, nets.request.id, "Min", "experience", parts=PARTS)
    other, _ = open_thread(org.leader, nets.request.id, "Hans", "experience", parts=PARTS)
    db.session.commit()
    services.erase_person(org.admin, org.employee)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Thread, mine.id).situation is None
    assert db.session.get(Thread, other.id).situation == PARTS["situation"]
    old = now_utc() - dt.timedelta(days=800)
    db.session.execute(sa.update(Thread).where(Thread.id == other.id).values(created_at=old))
    db.session.execute(
        sa.update(Message).where(Message.thread_id == other.id).values(created_at=old)
    )
    db.session.commit()
    settings = RetentionSettings(id=1, message_scope="all", message_months=12)
    retention.delete_old_messages(settings, now_utc())
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Thread, other.id)
    assert kept.situation is None and kept.next_time is None and kept.title == "Hans"
