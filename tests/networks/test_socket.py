"""Real Socket.IO clients (python-socketio) against a live server."""

from __future__ import annotations

import contextlib
import queue
import time
from typing import Any

import pytest
import requests
import socketio

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.messages import list_messages
from tests import factories


def session_cookie(url: str, person: Any) -> str:
    http = requests.Session()
    r = http.post(
        f"{url}/login",
        data={"email": person.email, "password": factories.PASSWORD},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:300]
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


class Client:
    """A socket.io client that records every server event in a queue."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
    ) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.sio.on("*", lambda event, data=None: self.events.put((event, data)))
        headers = {}
        if cookie:
            headers["Cookie"] = cookie
        if origin:
            headers["Origin"] = origin
        self.sio.connect(
            url,
            headers=headers,
            auth={"token": token} if token else None,
            transports=["polling"],
            wait_timeout=10,
        )

    def call(self, event: str, data: Any) -> Any:
        return self.sio.call(event, data, timeout=10)

    def wait_for(self, event: str, predicate=lambda d: True, timeout: float = 5.0) -> Any:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                name, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if name == event and predicate(data):
                return data
        raise AssertionError(f"no {event} within {timeout}s")

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def clients(live_server):  # type: ignore[no-untyped-def]
    made: list[Client] = []

    def make(person: Any = None, **kwargs: Any) -> Client:
        if person is not None and "token" not in kwargs and "cookie" not in kwargs:
            kwargs["token"] = create_token(person, "socket-test")
            db.session.commit()
        client = Client(live_server.url, **kwargs)
        made.append(client)
        return client

    yield make
    for c in made:
        with contextlib.suppress(Exception):
            c.close()


def test_join_send_and_receive_in_another_client(live_server, clients, org, nets):
    tid = nets.closed_thread.id
    a = clients(org.employee)
    b = clients(cookie=session_cookie(live_server.url, org.leader))
    joined = a.call("thread:join", {"thread_id": tid, "after_seq": 0})
    assert joined["ok"] and [m["seq"] for m in joined["messages"]] == [1]
    assert b.call("thread:join", {"thread_id": tid})["ok"]
    ack = a.call("message:send", {"thread_id": tid, "client_id": "sock-1", "body": "Hei *B*"})
    assert ack["ok"] and ack["seq"] == 2 and ack["created"] is True
    got = b.wait_for("message:new", lambda d: d["client_id"] == "sock-1")
    # The design's fields and the network: message:new goes to every socket in the thread
    # and the network.
    assert set(got) == {
        "id",
        "seq",
        "thread_id",
        "network_id",
        "client_id",
        "author",
        "body_html",
        "created_at",
        "mentions",  # the ids of the members it mentions
    } | ({"attachments"} if "attachments" in got else set())
    assert got["id"] == ack["id"] and got["seq"] == 2 and got["thread_id"] == tid
    assert got["author"] == {"id": org.employee.id, "name": org.employee.name}
    assert got["body_html"] == "<p>Hei <em>B</em></p>"
    # A retry is acknowledged with the first id and seq and not broadcast again.
    again = a.call("message:send", {"thread_id": tid, "client_id": "sock-1", "body": "Hei *B*"})
    assert (again["id"], again["seq"], again["created"]) == (ack["id"], 2, False)
    # A reply names what it replies to.
    body = {"thread_id": tid, "client_id": "sock-r", "body": "Svar", "reply_to": ack["id"]}
    assert a.call("message:send", body)["ok"]
    reply = b.wait_for("message:new", lambda d: d["client_id"] == "sock-r")
    assert reply["reply_to"] == {
        "id": ack["id"],
        "seq": 2,
        "author": {"id": org.employee.id, "name": org.employee.name},
        "excerpt": "Hei B",  # the start of its text, as the quote shows it
    }
    # Replay after a seq.
    b2 = clients(org.leader)
    replay = b2.call("thread:join", {"thread_id": tid, "after_seq": 1})
    assert [m["client_id"] for m in replay["messages"]] == ["sock-1", "sock-r"]
    # Edits, reactions, typing and read markers reach the room.
    assert a.call("message:edit", {"message_id": ack["id"], "body": "Endret"})["ok"]
    assert b.wait_for("message:edited")["body_html"] == "<p>Endret</p>"
    assert b.call("reaction:toggle", {"message_id": ack["id"], "emoji": "👍"})["ok"]
    assert a.wait_for("reaction:changed")["reactions"][0]["count"] == 1
    assert a.call("typing", {"thread_id": tid})["ok"]
    assert b.wait_for("typing")["person"]["id"] == org.employee.id
    read = b.call("read", {"thread_id": tid})
    assert read == {
        "ok": True,
        "thread_id": tid,
        "last_read_seq": 3,
        "unread": 0,
        "notifications": 0,
    }
    assert b2.wait_for("read")["last_read_seq"] == 3  # the leader's other socket
    assert a.call("message:delete", {"message_id": ack["id"]})["ok"]
    assert b.wait_for("message:deleted")["id"] == ack["id"]
    db.session.expire_all()
    assert [m.seq for m in list_messages(org.leader, tid)[0]] == [1, 2, 3]


@pytest.mark.parametrize("who", ["colleague", "hr", "admin", "other_leader"])
def test_non_member_is_refused(live_server, clients, org, nets, who):
    tid = nets.closed_thread.id
    member = clients(org.employee)
    member.call("thread:join", {"thread_id": tid})
    outsider = clients(getattr(org, who))
    ack = outsider.call("thread:join", {"thread_id": tid, "after_seq": 0})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert "messages" not in ack
    ack = outsider.call("message:send", {"thread_id": tid, "client_id": "x1", "body": "inn?"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert outsider.call("network:join", {"network_id": nets.request.id})["ok"] is False
    # The outsider hears nothing of the thread.
    member.call("message:send", {"thread_id": tid, "client_id": "secret", "body": "hemmelig"})
    with pytest.raises(AssertionError):
        outsider.wait_for("message:new", timeout=0.5)


def test_guest_only_their_network(live_server, clients, org, nets):
    guest = clients(org.guest)
    assert guest.call("thread:join", {"thread_id": nets.closed_thread.id})["ok"]
    ack = guest.call("thread:join", {"thread_id": nets.open_thread.id})
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"


def test_foreign_origin_is_refused(live_server, clients, org):
    with pytest.raises(socketio.exceptions.ConnectionError):
        clients(org.employee, origin="http://evil.example")
    ok = clients(org.employee, origin=live_server.url)
    assert ok.sio.connected


def test_unauthenticated_and_bad_payloads(live_server, clients, org, nets):
    with pytest.raises(socketio.exceptions.ConnectionError):
        clients(token="kol_not-a-token")
    c = clients(org.employee)
    for event, payload in [
        ("thread:join", "nonsense"),
        ("thread:join", {"thread_id": "abc"}),
        ("thread:join", {}),
        ("thread:join", {"thread_id": 999999}),
        ("thread:join", {"thread_id": nets.closed_thread.id, "after_seq": "x"}),
        ("message:send", {"thread_id": nets.closed_thread.id}),
        ("message:send", {"thread_id": nets.closed_thread.id, "client_id": "ok", "body": ["x"]}),
        ("message:send", [1, 2]),
        ("reaction:toggle", {"message_id": 1, "emoji": "<script>"}),
        ("read", {"thread_id": None}),
        ("network:join", {"network_id": {"a": 1}}),
    ]:
        ack = c.call(event, payload)
        assert ack["ok"] is False, (event, payload)
        assert set(ack["error"]) == {"code", "message", "fields"} and ack["error"]["message"]


def test_presence_and_activity_in_threads_not_joined(live_server, clients, org, nets):
    """A socket in a network's room (the chat's sidebar) hears message:new of threads it
    has not joined; one in the thread's room too hears each message once."""
    a = clients(org.employee)
    b = clients(org.leader)
    assert a.call("network:join", {"network_id": nets.request.id})["ok"]
    joined = b.call("network:join", {"network_id": nets.request.id})
    assert {p["id"] for p in joined["online"]} == {org.employee.id, org.leader.id}
    assert b.call("thread:join", {"thread_id": nets.closed_thread.id})["ok"]
    b.call("message:send", {"thread_id": nets.closed_thread.id, "client_id": "act", "body": "ny"})
    activity = a.wait_for("message:new")
    assert (activity["network_id"], activity["thread_id"], activity["seq"]) == (
        nets.request.id,
        nets.closed_thread.id,
        2,
    )
    assert activity["author"]["id"] == org.leader.id
    b.call("message:send", {"thread_id": nets.closed_thread.id, "client_id": "act2", "body": "x"})
    a.wait_for("message:new", lambda d: d["client_id"] == "act2")
    heard: list[str] = []
    deadline = time.monotonic() + 5
    while "act2" not in heard and time.monotonic() < deadline:
        name, data = b.events.get(timeout=5)
        if name == "message:new":
            heard.append(data["client_id"])
    time.sleep(0.3)  # a second copy would have arrived by now
    while not b.events.empty():
        name, data = b.events.get()
        if name == "message:new":
            heard.append(data["client_id"])
    assert heard == ["act", "act2"], "once each, though in the thread's and network's rooms"
    b.close()
    gone = a.wait_for("presence", lambda d: len(d["online"]) == 1)
    assert gone["online"] == [{"id": org.employee.id, "name": org.employee.name}]


def test_parallel_socket_senders_get_gap_free_seqs_and_everyone_sees_all(
    live_server, clients, org, nets
):
    """Five members send twenty messages each at once (each retried once, as a client
    that lost the ack would); every client ends up with the same 101 messages, in seq
    order, none twice."""
    import threading

    tid = nets.open_thread.id
    senders = [org.employee, org.colleague, org.employee_a1, org.other_employee, org.leader]
    socks = [clients(p) for p in senders]
    for s in socks:
        assert s.call("thread:join", {"thread_id": tid, "after_seq": 0})["ok"]
    acks: dict[str, tuple[int, int]] = {}
    errors: list[object] = []

    def run(n: int, sock: Client) -> None:
        for i in range(20):
            payload = {"thread_id": tid, "client_id": f"p{n}-{i}", "body": f"melding {n}.{i}"}
            first = sock.call("message:send", payload)
            again = sock.call("message:send", payload)
            if not (first["ok"] and again["ok"]) or (first["id"], first["seq"]) != (
                again["id"],
                again["seq"],
            ):
                errors.append((first, again))
            acks[payload["client_id"]] = (first["id"], first["seq"])

    workers = [threading.Thread(target=run, args=(n, s)) for n, s in enumerate(socks)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors[:3]
    assert sorted(seq for _, seq in acks.values()) == list(range(2, 102))
    # Every socket heard every message exactly once.
    for s in socks:
        heard = {}
        deadline = time.monotonic() + 10
        while len(heard) < 100 and time.monotonic() < deadline:
            try:
                name, data = s.events.get(timeout=0.5)
            except queue.Empty:
                continue
            if name == "message:new":
                assert data["seq"] not in heard, "delivered twice"
                heard[data["seq"]] = data["client_id"]
        assert sorted(heard) == list(range(2, 102))
    replay = socks[0].call("thread:join", {"thread_id": tid, "after_seq": 0})
    assert [m["seq"] for m in replay["messages"]] == list(range(1, 102))
