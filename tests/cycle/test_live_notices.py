"""In-app notices of the annual cycle over Socket.IO: the scheduler's reminder and
stop-opening events reach the invited people's sockets and nobody else's, and every
page carries the live region and translated strings the browser script shows them with."""

from __future__ import annotations

import queue
import time
from typing import Any

import pytest

from kollega.cycle import jobs
from tests.conftest import login
from tests.cycle.helpers import make_event, utc
from tests.networks.test_socket import Client, clients  # noqa: F401  (fixture)

STOP = {
    "unit": "A1",
    "kind": "learning_stop",
    "title": "Læringsstopp i A1",
    "starts_at": "2027-03-02T09:00",  # 08:00 UTC
    "ends_at": "2027-03-02T10:00",
    "reminders": [60],
}


def cycle_events(client: Client, wait: float = 0.5) -> list[tuple[str, Any]]:
    """Every cycle:* event the client has received (waiting briefly for stragglers)."""
    out = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            name, data = client.events.get(timeout=0.05)
        except queue.Empty:
            continue
        if name.startswith("cycle:"):
            out.append((name, data))
    return out


def test_reminder_and_opening_reach_only_the_invited(app, org, clients):  # noqa: F811
    event = make_event(org.leader, **STOP)
    invited = clients(org.employee)  # A1a, below A1: invited
    outsider = clients(org.other_employee)  # B1
    with app.app_context():
        assert jobs.run_due(utc(2027, 3, 2, 7, 1)) == 1  # the reminder
    got = invited.wait_for("cycle:reminder", lambda d: d["event_id"] == event.id)
    assert got["title"] == "Læringsstopp i A1" and got["what"] == "reminder"
    assert got["occurrence"] == "20270302T080000Z"
    assert got["starts_at"].startswith("2027-03-02T08:00")
    with app.app_context():
        assert jobs.run_due(utc(2027, 3, 2, 8, 1)) == 1  # the stop opens
    opened = invited.wait_for("cycle:stop_opened", lambda d: d["event_id"] == event.id)
    assert opened["what"] == "opened"
    assert cycle_events(outsider) == []
    # Done is done: running again sends nothing more to anyone.
    with app.app_context():
        assert jobs.run_due(utc(2027, 3, 2, 8, 2)) == 0
    assert cycle_events(invited) == [] and cycle_events(outsider) == []


@pytest.mark.parametrize(
    ("lang", "text"),
    [("nb", "Påminnelse: {title} starter {when}."), ("en", "Reminder: {title} starts {when}.")],
)
def test_pages_carry_the_live_region_and_strings(client, org, lang, text):
    login(client, org.employee)
    client.post("/language", data={"lang": lang, "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert 'id="cycle-live" class="cycle-live" role="status" aria-live="polite"' in html
    assert f'data-reminder="{text}"' in html
    assert "/static/cycle_live.js" in html and "/static/vendor/socket.io.min.js" in html


def test_signed_out_pages_have_no_socket(client):
    html = client.get("/login").get_data(as_text=True)
    assert "cycle_live.js" not in html and 'id="cycle-live"' not in html


def test_a_stops_summary_reaches_the_networks_room_once(app, org, clients):  # noqa: F811
    """The summary a stop posts when it closes is heard like a member's message: in the
    network's room (the chat's sidebar counts it), with its network_id, and once by a
    socket in both the thread's and the network's room."""
    import sqlalchemy as sa

    from kollega.extensions import db
    from kollega.networks.members import join_network
    from kollega.networks.models import Thread
    from kollega.networks.networks import create_network

    network = create_network(org.leader, "Lesing", "", visibility="open")
    join_network(org.colleague, network.id)
    db.session.commit()
    make_event(
        org.leader,
        network=network.id,
        kind="evaluation_stop",
        title="Evalueringsstopp",
        starts_at="2027-02-02T13:00",
        ends_at="2027-02-02T14:00",
        created_at=utc(2027, 1, 1),
    )
    with app.app_context():
        assert jobs.run_due(utc(2027, 2, 2, 12)) == 1  # the stop opens its thread
    thread = db.session.scalar(sa.select(Thread).where(Thread.network_id == network.id))
    sidebar = clients(org.colleague)
    assert sidebar.call("network:join", {"network_id": network.id})["ok"]
    reader = clients(org.leader)
    assert reader.call("network:join", {"network_id": network.id})["ok"]
    assert reader.call("thread:join", {"thread_id": thread.id})["ok"]
    with app.app_context():
        assert jobs.run_due(utc(2027, 2, 2, 13)) == 1  # it closes: the summary is posted
    got = sidebar.wait_for("message:new", lambda d: d["thread_id"] == thread.id)
    assert (got["network_id"], got["seq"]) == (network.id, 2)
    reader.wait_for("message:new", lambda d: d["seq"] == 2)
    time.sleep(0.3)  # a second copy would have arrived by now
    copies = []
    while not reader.events.empty():
        name, data = reader.events.get()
        if name == "message:new":
            copies.append(data)
    assert copies == []
