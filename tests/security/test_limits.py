"""Abuse limits with the real limiter: sign-in per account and per IP address, the API and
sending messages per person (API and sockets counted together), size limits for messages,
request bodies and socket packets. A refused request is a translated 429 with
Retry-After (an ack with ``rate_limited`` on a socket), changes nothing, and other people
go on as before."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import sqlalchemy as sa

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.members import add_member
from kollega.networks.models import Message
from kollega.networks.networks import create_network
from kollega.networks.threads import open_thread
from tests import factories
from tests.conftest import free_port
from tests.servers import ServerProcess


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {
        "RATELIMIT_ENABLED": True,
        "REDIS_URL": None,  # memory storage: counts start at zero with each test's app
        "LOGIN_RATE_LIMIT": "100 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute",
        "API_RATE_LIMIT": "6 per minute",
        "MESSAGE_RATE_LIMIT": "2 per minute",
        "SOCKET_EVENT_RATE_LIMIT": "100 per minute",
    }


@pytest.fixture
def thread(org: Any) -> Any:
    network = create_network(org.leader, "Grenser", "", visibility="request")
    add_member(org.leader, network.id, org.employee.id)
    add_member(org.leader, network.id, org.colleague.id)
    thread, _ = open_thread(org.leader, network.id, "Tråd", body="Hei")
    db.session.commit()
    return thread


def _bearer(person: Any) -> dict[str, str]:
    token = create_token(person, "limits")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _messages(thread_id: int) -> int:
    db.session.expire_all()
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Message).where(Message.thread_id == thread_id)
        )
        or 0
    )


def test_sign_in_is_limited_per_account_and_others_still_sign_in(app, org):
    attacker = app.test_client()
    wrong = {"email": org.employee.email, "password": "not the password at all"}
    assert [attacker.post("/login", data=wrong).status_code for _ in range(3)] == [401] * 3
    limited = attacker.post(
        "/login", data={"email": org.employee.email, "password": factories.PASSWORD}
    )
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "For mange forsøk" in limited.get_data(as_text=True)
    # Even from another address the account waits; the colleague is not affected.
    elsewhere = app.test_client()
    right = {"email": org.employee.email, "password": factories.PASSWORD}
    assert (
        elsewhere.post("/login", data=right, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code
        == 429
    )
    colleague = {"email": org.colleague.email, "password": factories.PASSWORD}
    assert attacker.post("/login", data=colleague).status_code == 302


def test_sign_in_is_limited_per_ip_address(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    for person in (org.employee, org.colleague):
        data = {"email": person.email, "password": "not the password at all"}
        assert client.post("/login", data=data).status_code == 401
    data = {"email": org.leader.email, "password": factories.PASSWORD}
    limited = client.post("/login", data=data)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    other_ip = app.test_client()
    assert (
        other_ip.post("/login", data=data, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code
        == 302
    )


def test_api_is_limited_per_person_in_the_error_shape(app, org):
    a, b = _bearer(org.employee), _bearer(org.colleague)
    client = app.test_client()
    assert [client.get("/api/v1/me", headers=a).status_code for _ in range(6)] == [200] * 6
    limited = client.get("/api/v1/me", headers=a)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    error = limited.get_json()["error"]
    assert error["code"] == "rate_limited" and "Vent" in error["message"]
    assert client.get("/api/v1/me", headers=b).status_code == 200


def test_messages_through_the_api_are_limited_and_nothing_is_stored(app, org, thread):
    a, b = _bearer(org.employee), _bearer(org.colleague)
    client = app.test_client()
    url = f"/api/v1/threads/{thread.id}/messages"
    for n in range(2):
        sent = client.post(url, json={"client_id": f"a-{n}", "body": "Hei"}, headers=a)
        assert sent.status_code == 201
    before = _messages(thread.id)
    limited = client.post(url, json={"client_id": "a-2", "body": "Hei"}, headers=a)
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert "for raskt" in limited.get_json()["error"]["message"]
    assert _messages(thread.id) == before
    assert client.post(url, json={"client_id": "b-0", "body": "Hei"}, headers=b).status_code == 201


def _socket(url: str, headers: dict[str, str]) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    token = headers["Authorization"].split(" ", 1)[1]
    sio.connect(url, auth={"token": token}, transports=["polling"], wait_timeout=10)
    return sio


def test_socket_sends_count_with_the_api_and_other_people_still_send(app, live_server, org, thread):
    a, b = _bearer(org.employee), _bearer(org.colleague)
    http = app.test_client()
    url = f"/api/v1/threads/{thread.id}/messages"
    assert http.post(url, json={"client_id": "api-1", "body": "Hei"}, headers=a).status_code == 201
    sock_a, sock_b = _socket(live_server.url, a), _socket(live_server.url, b)
    try:
        send = {"thread_id": thread.id, "body": "Hei"}
        ok = sock_a.call("message:send", {**send, "client_id": "s-1"}, timeout=10)
        assert ok["ok"]
        before = _messages(thread.id)
        refused = sock_a.call("message:send", {**send, "client_id": "s-2"}, timeout=10)
        assert refused["ok"] is False
        assert refused["error"]["code"] == "rate_limited"
        assert "for raskt" in refused["error"]["message"]
        assert _messages(thread.id) == before
        # Still connected, still allowed to read; the colleague sends as usual.
        assert sock_a.call("thread:join", {"thread_id": thread.id}, timeout=10)["ok"]
        other = sock_b.call("message:send", {**send, "client_id": "b-1"}, timeout=10)
        assert other["ok"]
    finally:
        sock_a.disconnect()
        sock_b.disconnect()


def test_every_socket_event_is_limited_per_person(app, live_server, org, thread):
    app.config["SOCKET_EVENT_RATE_LIMIT"] = "3 per minute"
    a, b = _bearer(org.employee), _bearer(org.colleague)
    sock_a, sock_b = _socket(live_server.url, a), _socket(live_server.url, b)
    try:
        join = {"thread_id": thread.id}
        acks = [sock_a.call("thread:join", join, timeout=10) for _ in range(4)]
        assert [ack["ok"] for ack in acks] == [True, True, True, False]
        assert acks[-1]["error"]["code"] == "rate_limited"
        assert sock_b.call("thread:join", join, timeout=10)["ok"]
    finally:
        sock_a.disconnect()
        sock_b.disconnect()


def test_size_limits_for_messages_bodies_and_socket_packets(app, live_server, org, thread):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    a = _bearer(org.employee)
    client = app.test_client()
    url = f"/api/v1/threads/{thread.id}/messages"
    before = _messages(thread.id)
    # A message over 10,000 characters: refused with the field named.
    long = client.post(url, json={"client_id": "long", "body": "x" * 10_001}, headers=a)
    assert long.status_code == 422 and "body" in long.get_json()["error"]["fields"]
    # A request body over MAX_CONTENT_LENGTH: 413 in the error shape.
    huge = client.post(url, json={"client_id": "huge", "body": "x" * 100_000}, headers=a)
    assert huge.status_code == 413
    assert huge.get_json()["error"]["code"] == "too_large"
    # A socket packet over SOCKET_MAX_PAYLOAD (64 KiB) never reaches a handler.
    sock = _socket(live_server.url, a)
    try:
        with pytest.raises(socketio.exceptions.TimeoutError):
            sock.call(
                "message:send",
                {"thread_id": thread.id, "client_id": "packet", "body": "x" * 200_000},
                timeout=5,
            )
        # The server dropped the connection that sent it; the client may take a moment to
        # notice (its next poll or ping).
        deadline = time.monotonic() + 15
        while sock.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sock.connected
    finally:
        if sock.connected:
            sock.disconnect()
    assert _messages(thread.id) == before
    # Others are unaffected by that client's oversized packet.
    b = _socket(live_server.url, _bearer(org.colleague))
    try:
        assert b.call("message:send", {"thread_id": thread.id, "client_id": "ok", "body": "Hei"})[
            "ok"
        ]
    finally:
        b.disconnect()


@pytest.mark.redis
@pytest.mark.slow
def test_limits_are_shared_by_processes_through_redis(
    app: Any, org: Any, redis_url: str, tmp_path: Path
) -> None:
    """Two ``kollega run`` processes with the limiter on Redis: a person's API requests
    count together, wherever they land."""
    a, b = _bearer(org.employee), _bearer(org.colleague)
    env = {
        "KOLLEGA_REDIS_URL": redis_url,
        "KOLLEGA_RATELIMIT_ENABLED": "1",
        "KOLLEGA_API_RATE_LIMIT": "4 per minute",
        "KOLLEGA_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    url = str(app.config["DATABASE_URL"])
    one = ServerProcess(free_port(), url, tmp_path / "one", env)
    two = ServerProcess(free_port(), url, tmp_path / "two", env)
    try:
        # A generous start-up time: the machine running the suite may be busy.
        one.start(timeout=120)
        two.start(timeout=120)
        statuses = [
            requests.get(f"{server.url}/api/v1/me", headers=a, timeout=10).status_code
            for server in (one, two, one, two, one)
        ]
        assert statuses == [200, 200, 200, 200, 429]
        assert requests.get(f"{two.url}/api/v1/me", headers=b, timeout=10).status_code == 200
    finally:
        one.stop()
        two.stop()
