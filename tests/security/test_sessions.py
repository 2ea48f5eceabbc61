"""Sessions: idle and absolute timeouts on pages, API and socket connects; sign-out,
deactivation and role downgrade end a person's sessions at once and close their open
sockets, also on another server process (Redis message queue); 12-character passwords."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from kollega.auth import sessions
from kollega.auth.services import create_token, set_password
from kollega.errors import ValidationError
from kollega.extensions import db
from tests import factories
from tests.conftest import free_port, login
from tests.networks.test_socket import session_cookie
from tests.servers import ServerProcess

IDLE = 30 * 60
ABSOLUTE = 12 * 60 * 60


def _age(client: Any, *, auth: int = 0, seen: int = 0) -> None:
    """Move the session's sign-in and last-seen stamps ``auth``/``seen`` seconds back."""
    with client.session_transaction() as sess:
        sess[sessions.AUTH_AT] -= auth
        sess[sessions.SEEN_AT] -= seen


def test_the_defaults_are_30_minutes_idle_and_12_hours_in_all(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == IDLE
    assert app.config["SESSION_ABSOLUTE_TIMEOUT"] == ABSOLUTE


def test_idle_session_is_signed_out_with_a_translated_note(client, org):
    login(client, org.employee)
    _age(client, seen=IDLE + 5)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du ble logget ut etter en periode uten aktivitet" in page
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    assert client.get("/").status_code == 302  # still signed out


def test_activity_keeps_the_session_alive(client, org):
    login(client, org.employee)
    _age(client, seen=IDLE - 60)
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        assert time.time() - sess[sessions.SEEN_AT] < 60  # the visit counted as activity
    assert client.get("/").status_code == 200


def test_absolute_timeout_ends_even_an_active_session(client, org):
    login(client, org.employee)
    _age(client, auth=ABSOLUTE + 5)
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_api_with_an_idle_cookie_is_401_in_the_error_shape(client, org):
    login(client, org.employee)
    assert client.get("/api/v1/me").status_code == 200
    _age(client, seen=IDLE + 5)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_session_without_stamps_is_not_accepted(client, org):
    login(client, org.employee)
    with client.session_transaction() as sess:
        del sess[sessions.AUTH_AT]
    assert client.get("/").status_code == 302


def test_bearer_tokens_are_not_sessions(client, org):
    token = create_token(org.employee, "timeouts")
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_timeouts_are_configurable(app, client, org):
    app.config["SESSION_IDLE_TIMEOUT"] = 60
    login(client, org.employee)
    _age(client, seen=61)
    assert client.get("/").status_code == 302


# --- sockets -------------------------------------------------------------------------------


def _cookie_with(app: Any, cookie: str, **back: int) -> str:
    """The same signed-in session cookie with its stamps moved back by ``back`` seconds."""
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    value = dict(part.split("=", 1) for part in cookie.split("; "))[name]
    data = serializer.loads(value)
    data[sessions.AUTH_AT] -= back.get("auth", 0)
    data[sessions.SEEN_AT] -= back.get("seen", 0)
    return f"{name}={serializer.dumps(data)}"


@pytest.fixture
def thread_id(org: Any) -> int:
    """A thread in a network where the employee and the leader are members."""
    from kollega.networks.members import add_member
    from kollega.networks.networks import create_network
    from kollega.networks.threads import open_thread

    network = create_network(org.leader, "Økter", "", visibility="request")
    add_member(org.leader, network.id, org.employee.id)
    thread, _ = open_thread(org.leader, network.id, "Vakter", body="Hei")
    db.session.commit()
    return thread.id


def _connect(url: str, cookie: str | None = None, token: str | None = None) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.connect(
        url,
        headers={"Cookie": cookie} if cookie else {},
        auth={"token": token} if token else None,
        transports=["polling"],
        wait_timeout=10,
    )
    return sio


def _browser(base: str, person: Any) -> tuple[requests.Session, str, str]:
    """Sign in over HTTP as a browser does (CSRF token from the page): the session, its
    cookie header and a CSRF token for later forms."""
    http = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"{base}/login").text)
    data = {"email": person.email, "password": factories.PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    r = http.post(f"{base}/login", data=data, allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    page = http.get(f"{base}/").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    return http, cookie, csrf.group(1) if csrf else ""


def _closed_within(sio: socketio.Client, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not sio.connected:
            return True
        time.sleep(0.02)
    return not sio.connected


def test_socket_connect_obeys_the_session_timeouts(app, live_server, org):
    cookie = session_cookie(live_server.url, org.employee)
    fresh = _connect(live_server.url, cookie)
    assert fresh.connected
    fresh.disconnect()
    for back in ({"seen": IDLE + 5}, {"auth": ABSOLUTE + 5}):
        with pytest.raises(socketio.exceptions.ConnectionError):
            _connect(live_server.url, _cookie_with(app, cookie, **back))


def test_an_idle_socket_is_closed_when_its_session_runs_out(app, live_server, org):
    """A socket that sends nothing would go on hearing broadcasts after its session has
    run out (a page left open on a shared PC): each process closes such sockets."""
    from kollega.auth.services import create_token

    token = create_token(org.leader, "test")
    db.session.commit()
    cookie = session_cookie(live_server.url, org.employee)
    app.config["SOCKET_SWEEP_SECONDS"] = 0.2
    app.config["SESSION_IDLE_TIMEOUT"] = 3
    idle = _connect(live_server.url, cookie)
    by_token = _connect(live_server.url, token=token)
    assert idle.connected and by_token.connected
    assert _closed_within(idle, 8)
    assert by_token.connected  # bearer tokens are not sessions
    by_token.disconnect()


def test_sign_out_closes_the_persons_sockets_and_not_others(live_server, org, thread_id):
    http, cookie, csrf = _browser(live_server.url, org.employee)
    mine = _connect(live_server.url, cookie)
    theirs = _connect(live_server.url, session_cookie(live_server.url, org.leader))
    r = http.post(f"{live_server.url}/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 302
    assert _closed_within(mine, 2.0)
    assert theirs.connected
    ack = theirs.call("thread:join", {"thread_id": thread_id}, timeout=10)
    assert ack["ok"]
    theirs.disconnect()


def test_deactivation_by_an_admin_closes_sockets_and_refuses_new_ones(
    app, live_server, org, thread_id
):
    token = create_token(org.employee, "deactivate")
    db.session.commit()
    sio = _connect(live_server.url, token=token)
    assert sio.call("thread:join", {"thread_id": thread_id}, timeout=10)["ok"]
    admin = app.test_client()
    login(admin, org.admin)
    r = admin.post(
        f"/admin/users/{org.employee.id}",
        data={"roles": sorted(org.employee.stored_roles), "leads": ""},  # active unticked
    )
    assert r.status_code == 302
    assert _closed_within(sio, 2.0)
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server.url, token=token)


def test_a_password_change_closes_the_other_sessions_sockets(app, live_server, org):
    _, cookie, _ = _browser(live_server.url, org.employee)
    other_device = _connect(live_server.url, cookie)
    this = app.test_client()
    login(this, org.employee)
    new = "a brand new passphrase"
    r = this.post(
        "/account/password", data={"current": factories.PASSWORD, "new": new, "repeat": new}
    )
    assert r.status_code == 302
    assert _closed_within(other_device, 2.0)
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server.url, cookie)


# --- across processes -----------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.slow
def test_sign_out_and_role_downgrade_close_sockets_on_another_process(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    """Two ``kollega run`` processes sharing the database and Redis: a person signs out
    (and, separately, an admin takes HR away) through process two; their sockets on
    process one close within 2 seconds, a colleague's stays open."""
    hr_token = create_token(org.hr, "cross-process")
    colleague_token = create_token(org.colleague, "cross-process")
    db.session.commit()
    env = {
        "KOLLEGA_SOCKETIO_MESSAGE_QUEUE": "1",
        "KOLLEGA_REDIS_URL": redis_url,
        "KOLLEGA_SESSION_COOKIE_SECURE": "0",
    }
    url = str(app.config["DATABASE_URL"])
    one = ServerProcess(free_port(), url, tmp_path / "one", env)
    two = ServerProcess(free_port(), url, tmp_path / "two", env)
    opened: list[socketio.Client] = []
    try:
        # A generous start-up time: the machine running the suite may be busy.
        one.start(timeout=120)
        two.start(timeout=120)
        # Sign out through two; the browser's socket is on one.
        http, cookie, csrf = _browser(two.url, org.employee)
        browser_socket = _connect(one.url, cookie)
        colleague = _connect(one.url, token=colleague_token)
        opened += [browser_socket, colleague]
        r = http.post(f"{two.url}/logout", data={"csrf_token": csrf}, allow_redirects=False)
        assert r.status_code == 302
        assert _closed_within(browser_socket, 2.0)

        # An admin takes HR away through two; HR's socket on one closes.
        hr_socket = _connect(one.url, token=hr_token)
        opened.append(hr_socket)
        admin, _, admin_csrf = _browser(two.url, org.admin)
        r = admin.post(
            f"{two.url}/admin/users/{org.hr.id}",
            data={"roles": ["employee"], "leads": "", "active": "y", "csrf_token": admin_csrf},
            allow_redirects=False,
        )
        assert r.status_code == 302, r.text[:500]
        assert _closed_within(hr_socket, 2.0)
        assert colleague.connected
    finally:
        for sio in opened:
            if sio.connected:
                sio.disconnect()
        one.stop()
        two.stop()


# --- passwords ------------------------------------------------------------------------------


def test_passwords_need_at_least_12_characters(app, org):
    assert app.config["PASSWORD_MIN_LENGTH"] == 12
    with pytest.raises(ValidationError):
        set_password(org.employee, "x" * 11)
    db.session.rollback()
    set_password(org.employee, "y" * 12)
    db.session.commit()


def test_an_11_character_password_is_refused_on_the_page(client, org):
    login(client, org.employee)
    response = client.post(
        "/account/password",
        data={"current": factories.PASSWORD, "new": "a" * 11, "repeat": "a" * 11},
    )
    assert response.status_code == 422
    assert "minst 12 tegn" in response.get_data(as_text=True)
