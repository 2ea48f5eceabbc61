"""Input edges of the Socket.IO events: ids out of range and arbitrary JSON.

Every event the server has a handler for (read from the server itself, so a new event is
covered the day it is registered) answers with an ack ``{ok: true|false}``, never raises
and never answers ``server_error``. Ids of 2**63 and more, negative ids and ids that are
not whole numbers are ``{ok: false, error: {code: "invalid"}}`` on every event that takes
an id, as the API answers 400 to the same values. Hypothesis, derandomized, a modest
number of examples per event.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kollega.auth.services import create_token
from kollega.extensions import db
from tests.networks.test_socket import Client
from tests.security.matrix import socket_events
from tests.security.world import build_world

EXAMPLES = 10
ID_NAMES = ("thread_id", "message_id", "network_id")
# The events that take an id (issue #23: each raised OverflowError for 2**63).
ID_EVENTS = {
    "thread:join": "thread_id",
    "thread:leave": "thread_id",
    "message:send": "thread_id",
    "message:edit": "message_id",
    "message:delete": "message_id",
    "reaction:toggle": "message_id",
    "thread:follow": "thread_id",
    "typing": "thread_id",
    "read": "thread_id",
    "network:join": "network_id",
    "network:leave": "network_id",
}
BAD_IDS = [2**63, 2**64, 2**80, -(2**63) - 1, -1, 0, "9" * 40, "-5", "abc", "1.5", 1.5, True]

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=6,
)
FIELD_NAMES = st.sampled_from(
    [*ID_NAMES, "after_seq", "seq", "reply_to", "client_id", "body", "emoji", "on", "following"]
)


def _events() -> list[str]:
    from kollega.extensions import socketio

    return [name.split()[1] for name in socket_events(socketio)]


def _well_formed(event: str, payload: Any, ack: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, payload, ack)
    if not ack["ok"]:
        assert ack["error"]["code"] != "server_error", (event, repr(payload)[:200], ack)


def _client(live_server: Any, org: Any) -> tuple[Client, Any]:
    world = build_world(org)
    token = create_token(org.employee, "socket-edges")
    db.session.commit()
    return Client(live_server.url, token=token), world


def test_every_event_refuses_out_of_range_and_non_integer_ids(live_server, org):
    client, world = _client(live_server, org)
    events = _events()
    assert set(ID_EVENTS) <= set(events)
    try:
        for event in events:
            for bad in BAD_IDS:
                payload = {name: bad for name in ID_NAMES}
                payload.update(body="hei", client_id="edge", emoji="👍", following=True)
                ack = client.call(event, payload)
                _well_formed(event, payload, ack)
                if event in ID_EVENTS:
                    assert ack["ok"] is False, (event, bad, ack)
                    assert ack["error"]["code"] == "invalid", (event, bad, ack)
                    assert ID_EVENTS[event] in ack["error"]["fields"], (event, bad, ack)
        # Huge sequence numbers and replies with a real thread: refused (``read`` takes
        # a seq past the end as "all read"), never a 5xx.
        thread_id = world.own["thread_id"]
        for event, payload, refused in [
            ("thread:join", {"thread_id": thread_id, "after_seq": 2**80}, True),
            ("read", {"thread_id": thread_id, "seq": 2**80}, False),
            (
                "message:send",
                {"thread_id": thread_id, "client_id": "r", "body": "x", "reply_to": 2**80},
                True,
            ),
        ]:
            ack = client.call(event, payload)
            _well_formed(event, payload, ack)
            if refused:
                assert ack["ok"] is False and ack["error"]["code"] == "invalid", (event, ack)
        assert client.sio.connected
        assert client.call("thread:join", {"thread_id": thread_id})["ok"]
    finally:
        client.close()


def test_every_event_answers_arbitrary_json_with_an_ack(live_server, org):
    client, world = _client(live_server, org)
    real = st.sampled_from(
        [world.own["thread_id"], world.own["network_id"], world.own["message_id"], 2**63]
    )
    payloads = st.one_of(JSON, st.dictionaries(FIELD_NAMES, st.one_of(real, JSON), max_size=5))
    try:
        for event in _events():
            if event == "message:delete":
                continue  # below, last: it would delete the world's message
            _fuzz(client, event, payloads)
        _fuzz(client, "message:delete", payloads)
        assert client.sio.connected
    finally:
        client.close()


def test_a_payload_nested_too_deeply_is_acked_as_a_bad_request(live_server, org):
    """``[[[[…`` deeper than the JSON parser goes, sent as a raw Socket.IO packet (the
    client's own encoder would not go that deep): every event acks ``bad_request`` and
    the connection stays."""
    import threading

    client, world = _client(live_server, org)
    deep = "[" * 20_000 + "]" * 20_000
    try:
        for event in _events():
            got: list[Any] = []
            done = threading.Event()

            def callback(*args: Any, got: list[Any] = got, done: Any = done) -> None:
                got.extend(args)
                done.set()

            ack_id = client.sio._generate_ack_id("/", callback)
            client.sio.eio.send(f'2{ack_id}["{event}",{deep}]')
            assert done.wait(10), event
            assert got[0]["ok"] is False and got[0]["error"]["code"] == "bad_request", got
        assert client.call("thread:join", {"thread_id": world.own["thread_id"]})["ok"]
    finally:
        client.close()


def _fuzz(client: Client, event: str, payloads: Any) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=payloads)
    def run(payload: Any) -> None:
        ack = client.call(event, payload)
        _well_formed(event, payload, ack)
        assert client.sio.connected, (event, payload)

    run()
