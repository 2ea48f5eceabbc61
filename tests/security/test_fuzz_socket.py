"""Fuzzing the Socket.IO events: generated payloads from a real python-socketio client
against a live server. Every event must answer with an ack (an error for a bad payload,
never ``server_error``), keep the connection open, and a refused payload changes nothing.

Payloads: arbitrary JSON (not an object, wrong types, huge numbers, odd text) and objects
with the events' field names carrying the fixture world's real ids or junk. Derandomized,
``EXAMPLES`` per event.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from kollega.auth.services import create_token
from kollega.extensions import db
from tests.networks.test_socket import Client
from tests.security.matrix import socket_events
from tests.security.test_fuzz_api import JSON, State, _send_each
from tests.security.world import build_world

EXAMPLES = 12
FUZZ_CASES: dict[str, int] = {}


class _Op:
    """What ``State.check`` reports for an event."""

    def __init__(self, event: str) -> None:
        self.method, self.path = "SOCKET", event


class _Ack:
    def __init__(self, ack: Any) -> None:
        self.ack = ack
        ok = isinstance(ack, dict) and ack.get("ok") is True
        error = ack.get("error") if isinstance(ack, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        self.status_code = 200 if ok else (500 if code in (None, "server_error") else 400)
        self.text = repr(ack)


def payloads(values: dict[str, Any]) -> st.SearchStrategy[Any]:
    real = st.sampled_from(
        [values["thread_id"], values["network_id"], values["message_id"], 0, -1, 2**63, 2**80]
    )
    field = st.one_of(real, JSON, st.text(max_size=20_000).map(lambda s: s * 2))
    names = st.sampled_from(
        ["thread_id", "network_id", "message_id", "client_id", "body", "emoji", "after_seq"]
    )
    return st.one_of(JSON, st.dictionaries(names, field, max_size=5))


def test_socket_events_with_generated_payloads(live_server: Any, org: Any) -> None:
    from kollega.extensions import socketio

    world = build_world(org)
    token = create_token(org.employee, "socket-fuzz")
    db.session.commit()
    client = Client(live_server.url, token=token)
    events = [name.split()[1] for name in socket_events(socketio)]
    assert "message:send" in events
    state = State()
    try:
        for event in events:
            op = _Op(event)

            def send(payload: Any, event: str = event, op: _Op = op) -> None:
                ack = client.call(event, payload)
                FUZZ_CASES[event] = FUZZ_CASES.get(event, 0) + 1
                assert client.sio.connected, f"{event} {payload!r:.200} closed the connection"
                state.check(op, _Ack(ack), f"payload={payload!r:.200}")

            _send_each(payloads(world.own), send, EXAMPLES)
        # The server still serves the client after all of it.
        ack = client.call("thread:join", {"thread_id": world.own["thread_id"]})
        assert ack["ok"], ack
    finally:
        client.close()
    print(f"socket fuzz: {sum(FUZZ_CASES.values())} payloads over {len(FUZZ_CASES)} events")
