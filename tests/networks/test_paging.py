"""The thread page renders one page however long the thread is, opening at the reader's
first unread message; the API pages older messages by cursor (before_seq, limit); the chat
sidebar shows unread threads first and the latest few."""

from __future__ import annotations

import re

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.messages import PAGE
from kollega.networks.models import Message
from kollega.networks.reads import mark_read, sidebar_threads, unread_counts
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread
from tests.conftest import login
from tests.networks.test_api import bearer


def _fill(person, thread_id: int, n: int) -> None:  # type: ignore[no-untyped-def]
    start = (
        db.session.scalar(sa.select(sa.func.max(Message.seq)).where(Message.thread_id == thread_id))
        or 0
    )
    for i in range(n):
        send_message(person, thread_id, f"fill-{thread_id}-{start + i}", f"Melding {start + i}")
    db.session.commit()


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<article id="m\d+"[^>]*data-seq="(\d+)"', html)]


def test_api_pages_older_messages_by_cursor(client, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 119)  # 120 in all
    h = bearer(org.employee)
    url = f"/api/v1/threads/{tid}/messages"
    first = client.get(url, headers=h).get_json()
    assert [m["seq"] for m in first["messages"]] == list(range(71, 121)) and first["more"]
    page = client.get(f"{url}?before_seq=71&limit=50", headers=h).get_json()
    assert [m["seq"] for m in page["messages"]] == list(range(21, 71)) and page["more"]
    last = client.get(f"{url}?before_seq=21&limit=50", headers=h).get_json()
    assert [m["seq"] for m in last["messages"]] == list(range(1, 21)) and not last["more"]
    small = client.get(f"{url}?before_seq=10&limit=3", headers=h).get_json()
    assert [m["seq"] for m in small["messages"]] == [7, 8, 9] and small["more"]
    # Bad cursors and sizes: a clear 4xx naming the field, never a 500.
    for query, field in (
        ("before_seq=abc", "before_seq"),
        ("limit=x", "limit"),
        ("limit=100000", "limit"),
        ("limit=-1", "limit"),
    ):
        r = client.get(f"{url}?{query}", headers=h)
        assert r.status_code in (400, 422), (query, r.status_code)
        assert field in r.get_data(as_text=True)
    # Someone who may not read the thread gets nothing.
    assert client.get(url, headers=bearer(org.other_employee)).status_code in (403, 404)


def test_api_paging_is_in_the_openapi_document(client, org):
    doc = client.get("/api/v1/openapi.json", headers=bearer(org.employee)).get_json()
    op = doc["paths"]["/threads/{thread_id}/messages"]["get"]
    names = {p["name"] for p in op.get("parameters", [])}
    assert {"before_seq", "limit", "after_seq"} <= names
    text = str(op)
    assert "messages" in text and "more" in text


def test_thread_page_renders_one_page_and_opens_at_the_first_unread(client, org, nets):
    tid = nets.closed_thread.id
    _fill(org.leader, tid, 119)
    # Read up to 100: the latest page holds the first unread (101) and the divider.
    mark_read(org.employee, tid, 100)
    db.session.commit()
    login(client, org.employee)
    html = client.get(f"/threads/{tid}").get_data(as_text=True)
    assert _seqs(html) == list(range(71, 121))
    assert 'data-first-unread="101"' in html
    divider = html.index('id="unread-divider"')
    assert html.index('id="m100"') < divider < html.index('id="m101"')
    assert 'role="log"' in html and 'id="older"' in html

    # Read up to 20 of 120: the page starts at the first unread (with a little context).
    mark_read(org.guest, tid, 20)
    db.session.commit()
    client.post("/logout")
    login(client, org.guest)
    html = client.get(f"/threads/{tid}").get_data(as_text=True)
    assert _seqs(html) == list(range(18, 18 + PAGE))
    assert 'data-first-unread="21"' in html
    assert html.index('id="m20"') < html.index('id="unread-divider"') < html.index('id="m21"')
    assert 'id="older"' in html

    # Everything read: the latest page, no divider.
    client.post("/logout")
    login(client, org.employee)
    html = client.get(f"/threads/{tid}").get_data(as_text=True)
    assert _seqs(html) == list(range(71, 121)) and "unread-divider" not in html


def test_thread_page_is_the_same_size_however_long_the_thread(client, org, nets):
    tid = nets.closed_thread.id
    login(client, org.employee)
    for more in (59, 240):  # 60 messages, then 300
        _fill(org.leader, tid, more)
        mark_read(org.employee, tid)
        db.session.commit()
        html = client.get(f"/threads/{tid}").get_data(as_text=True)
        assert html.count("<article") == PAGE


def test_sidebar_shows_unread_threads_first_and_the_latest_five(client, org, nets):
    nid = nets.request.id
    made = []
    for i in range(8):
        thread, _ = open_thread(org.leader, nid, f"Tråd {i}", body=f"Start {i}")
        made.append(thread.id)
    db.session.commit()
    for tid in made[2:] + [nets.closed_thread.id]:
        mark_read(org.employee, tid)
    db.session.commit()
    unread = unread_counts(org.employee)
    shown, total = sidebar_threads(org.employee, [nid], unread)[nid]
    ids = [tid for tid, _ in shown]
    # The two unread (oldest) first, then the five latest of the others.
    assert ids[:2] == [made[1], made[0]]
    assert ids[2:] == [made[7], made[6], made[5], made[4], made[3]]
    assert total == 9
    login(client, org.employee)
    html = client.get(f"/threads/{made[7]}").get_data(as_text=True)
    sidebar = html[html.index('id="chat-sidebar"') :]
    assert "Vis alle (2 til)" in sidebar
    assert f'data-thread-id="{made[2]}"' not in sidebar
