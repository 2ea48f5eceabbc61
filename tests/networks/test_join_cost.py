"""What a socket's connect and ``thread:join`` cost in SQL statements, and that the join's
page (one query of columns, no ORM objects: ``serialise.page_json``) says what
``message_json`` says of the same messages. Every browser connects and joins on every
reconnect (benchmarks/connect_join.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kollega.auth.services import create_token
from kollega.extensions import db, socketio
from kollega.networks.messages import (
    REACTIONS,
    delete_message,
    edit_message,
    list_messages,
    react,
    reactions_for,
)
from kollega.networks.reads import unread_counts
from kollega.networks.send import send_message
from kollega.networks.serialise import message_json
from tests.networks.test_send_cost import statements


@pytest.fixture
def busy_thread(org: Any, nets: Any) -> int:
    """The closed thread with replies (to a message and to a reply), an edit, a deletion
    and reactions of two people."""
    tid = nets.closed_thread.id
    first = send_message(org.employee, tid, "j-1", "Første **svar**").message
    reply = send_message(org.leader, tid, "j-2", "Svar på svar", first.id).message
    send_message(org.guest, tid, "j-3", "Og enda et", reply.id)
    gone = send_message(org.employee, tid, "j-4", "Angrer").message
    edit_message(org.employee, first.id, "Første _svar_, rettet")
    delete_message(org.employee, gone.id)
    react(org.leader, first.id, REACTIONS[0])
    react(org.guest, first.id, REACTIONS[0])
    react(org.guest, reply.id, REACTIONS[1])
    db.session.commit()
    return tid


def expected(person: Any, tid: int, **kwargs: Any) -> tuple[list[dict[str, Any]], bool]:
    messages, more = list_messages(person, tid, **kwargs)
    reactions = reactions_for([m.id for m in messages])
    return [message_json(m, reactions.get(m.id)) for m in messages], more


def test_the_join_answers_what_message_json_says(app, org, busy_thread):
    token = create_token(org.employee, "test")
    db.session.commit()
    client = socketio.test_client(app, auth={"token": token})
    latest = client.emit("thread:join", {"thread_id": busy_thread}, callback=True)
    replay = client.emit("thread:join", {"thread_id": busy_thread, "after_seq": 2}, callback=True)
    client.disconnect()
    assert latest["ok"] and replay["ok"]
    db.session.expire_all()
    messages, more = expected(org.employee, busy_thread)
    assert (latest["messages"], latest["more"]) == (messages, more)
    assert [m["seq"] for m in latest["messages"]] == [1, 2, 3, 4, 5]
    assert any(m["reply_to"] and m["reply_to"]["seq"] == 3 for m in latest["messages"])
    assert any(m["deleted"] and m["body"] == "" for m in latest["messages"])
    assert any(m["edited_at"] and len(m["reactions"]) == 1 for m in latest["messages"])
    replayed, more = expected(org.employee, busy_thread, after_seq=2, limit=1000)
    assert (replay["messages"], replay["more"]) == (replayed, more)
    assert [m["seq"] for m in replay["messages"]] == [3, 4, 5]
    # The reader's own messages and deleted ones are not unread: the leader's opening
    # message and reply, and the guest's message.
    assert latest["thread"]["unread"] == 3
    assert unread_counts(org.employee, [busy_thread]) == {busy_thread: 3}


def test_the_latest_page_says_whether_there_are_more(app, org, nets):
    tid = nets.closed_thread.id
    for n in range(52):
        send_message(org.leader, tid, f"m-{n}", f"Nr {n}")
    db.session.commit()
    token = create_token(org.employee, "test")
    db.session.commit()
    client = socketio.test_client(app, auth={"token": token})
    ack = client.emit("thread:join", {"thread_id": tid}, callback=True)
    client.disconnect()
    assert ack["more"] is True
    assert [m["seq"] for m in ack["messages"]] == list(range(4, 54))
    assert ack["thread"]["unread"] == 53


def test_connect_and_join_cost_six_statements(app, org, busy_thread):
    """Connect: the token with its person (one query). Join: the person again (one process, no
    shared revisions), the thread with its network, the reader's membership and unread
    count (``reads.join_view``), the page, its files (kollega.uploads) and its reactions.
    No permission or person check is left out: tests/networks/test_socket_person.py and
    tests/security."""
    token = create_token(org.employee, "test")
    db.session.commit()
    db.session.expunge_all()  # as in a web process: nothing of the person in memory yet
    with statements() as seen:
        client = socketio.test_client(app, auth={"token": token})
        ack = client.emit("thread:join", {"thread_id": busy_thread}, callback=True)
    client.disconnect()
    assert ack["ok"], ack
    assert len(seen) == 6, "\n".join(s[:150] for s in seen)


def test_a_page_encoded_once_encodes_as_the_plain_list():
    """``realtime.Encoded`` (the kept page's JSON, made once) goes into a packet as the
    same bytes as the list would, next to other values, and is not walked for binary data."""
    from socketio import packet

    from kollega.realtime import Encoded, JsonPacket

    page = [{"id": 1, "body": 'Hei "du" ø \u2028', "reactions": []}, {"id": 2, "files": []}]
    kept = Encoded(page)
    other = {"ok": True, "thread": {"title": "kollega-encoded-"}, "messages": kept, "more": 0}
    plain = {**other, "messages": page}
    for _ in range(2):  # the second time from the text made the first
        assert (
            JsonPacket(packet.ACK, [other], id=7).encode()
            == packet.Packet(packet.ACK, [plain], id=7).encode()
        )
    assert JsonPacket.data_is_binary([other]) is False
    assert JsonPacket(packet.ACK, [{"x": b"1", "messages": kept}], id=1).packet_type == (
        packet.BINARY_ACK
    )
