"""The chat sidebar's one statement (reads.sidebar_rows) gives what the three reads it
replaced gave, and its kept HTML (kollega.networks.sidebar) is never stale: a message, a
read, a deletion, a new or renamed network, a join and a leave show on the next page."""

from __future__ import annotations

import re

from kollega.extensions import db
from kollega.networks.members import join_network, leave_network
from kollega.networks.messages import delete_message
from kollega.networks.reads import (
    mark_read,
    my_networks_unread,
    sidebar_rows,
    sidebar_threads,
    unread_counts,
)
from kollega.networks.send import send_message
from kollega.networks.sidebar import SIDEBAR_FRAGMENTS
from kollega.networks.threads import open_thread
from tests.conftest import login


def _expected(person):  # type: ignore[no-untyped-def]
    """The sidebar as the three reads of before gave it."""
    networks = my_networks_unread(person, limit=50)
    unread = unread_counts(person)
    shown = sidebar_threads(person, [nid for nid, _, _ in networks], unread)
    out = []
    for nid, name, count in networks:
        threads, total = shown.get(nid, ([], 0))
        rows = tuple((tid, title, unread.get(tid, 0)) for tid, title in threads)
        out.append((nid, name, count, rows, total))
    return tuple(out)


def _sidebar(client, thread_id: int) -> str:  # type: ignore[no-untyped-def]
    html = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    return html[
        html.index('id="chat-sidebar"') : html.index("</nav>", html.index('id="chat-sidebar"'))
    ]


def _badge(sidebar: str, attr: str, ident: int) -> int:
    match = re.search(rf'{attr}="{ident}".*?data-unread="(\d+)"', sidebar, re.DOTALL)
    assert match, (attr, ident)
    return int(match.group(1))


def test_one_statement_gives_what_the_three_reads_gave(org, nets):
    lead, emp = org.leader, org.employee
    made = []
    for i in range(12):
        thread, _ = open_thread(lead, nets.request.id, f"Tråd {i}", body=f"Start {i}")
        made.append(thread.id)
    join_network(emp, nets.open.id)
    db.session.commit()
    for tid in made[3:9]:
        mark_read(emp, tid)
    send_message(lead, made[4], "x1", "Ny etter lesing")
    send_message(emp, made[5], "x2", "Min egen")  # one's own is never unread
    db.session.commit()
    for person in (lead, emp, org.colleague, org.guest, org.other_employee):
        assert sidebar_rows(person) == _expected(person), person.name
    assert sidebar_rows(org.other_employee) == ()


def test_kept_sidebar_follows_every_change(client, org, nets):
    lead, emp = org.leader, org.employee
    tid, nid = nets.closed_thread.id, nets.request.id
    other, _ = open_thread(lead, nid, "Vakter", body="Første")
    db.session.commit()
    login(client, emp)
    SIDEBAR_FRAGMENTS.clear()
    first = _sidebar(client, tid)
    # The page read its own thread; the other one is unread.
    assert _badge(first, "data-thread-id", tid) == 0
    assert _badge(first, "data-thread-id", other.id) == 1
    assert _badge(first, "data-network-id", nid) == 1
    hits = SIDEBAR_FRAGMENTS.hits
    assert _sidebar(client, tid) == first and SIDEBAR_FRAGMENTS.hits == hits + 1

    # A colleague's message: a new count at once.
    sent = send_message(lead, other.id, "c1", "En til")
    db.session.commit()
    now = _sidebar(client, tid)
    assert _badge(now, "data-thread-id", other.id) == 2
    assert _badge(now, "data-network-id", nid) == 2
    # Deleted: counted no more.
    delete_message(lead, sent.message.id)
    db.session.commit()
    assert _badge(_sidebar(client, tid), "data-thread-id", other.id) == 1
    # Read elsewhere (another tab, the API): down to none.
    mark_read(emp, other.id)
    db.session.commit()
    now = _sidebar(client, tid)
    assert _badge(now, "data-thread-id", other.id) == 0
    assert _badge(now, "data-network-id", nid) == 0
    # A new thread and a renamed network.
    fresh, _ = open_thread(lead, nid, "Helt ny tråd", body="Hei")
    nets.request.name = "Personvern i barnehagen"
    db.session.commit()
    now = _sidebar(client, tid)
    assert "Helt ny tråd" in now and _badge(now, "data-thread-id", fresh.id) == 1
    assert "Personvern i barnehagen" in now and "Personvern i skolen" not in now
    # Joined: the network shows; left: it goes (and none of its threads with it).
    join_network(emp, nets.open.id)
    db.session.commit()
    now = _sidebar(client, tid)
    assert f'data-network-id="{nets.open.id}"' in now
    leave_network(emp, nets.open.id)
    db.session.commit()
    now = _sidebar(client, tid)
    assert f'data-network-id="{nets.open.id}"' not in now
    assert f'data-thread-id="{nets.open_thread.id}"' not in now


def test_kept_sidebar_is_never_another_persons(client, org, nets):
    """Two people on the same page share an entry only when their rows are the same."""
    SIDEBAR_FRAGMENTS.clear()
    login(client, org.leader)
    leader_sees = _sidebar(client, nets.closed_thread.id)
    assert f'data-network-id="{nets.invite.id}"' in leader_sees
    client.post("/logout")
    login(client, org.employee)
    employee_sees = _sidebar(client, nets.closed_thread.id)
    assert f'data-network-id="{nets.invite.id}"' not in employee_sees
    assert "Budsjett" not in employee_sees
