"""Sign-out revokes the browser session on the server; revoking a token closes its sockets.

A signed-out cookie (kept by an attacker, or a copy on a shared PC) is refused on every
page, API call and Socket.IO connect; the session's open sockets close at once, the
person's other devices stay signed in. A revoked token's sockets close at once when it is
revoked on the web page, and within the sweep (``SOCKET_SWEEP_SECONDS``) when it is
revoked elsewhere (the command line, another process); both across processes (Redis).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from kollega.auth import sockets
from kollega.auth.models import ApiToken, RevokedSession
from kollega.auth.services import create_token, revoke_token_by_id
from kollega.extensions import db
from tests.conftest import free_port
from tests.security.test_sessions import _browser, _closed_within, _connect, thread_id
from tests.servers import ServerProcess

__all__ = ["thread_id"]  # the fixture, used below


def _signed_out(base: str, person: Any) -> tuple[requests.Session, str]:
    """Sign in, keep a copy of the cookie, sign out: the session and the old cookie."""
    http, cookie, csrf = _browser(base, person)
    r = http.post(f"{base}/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 302
    return http, cookie


def _with_cookie(cookie: str) -> dict[str, str]:
    return {"Cookie": cookie}


def test_a_signed_out_cookie_is_refused_on_pages_api_and_sockets(live_server, org, thread_id):
    base = live_server.url
    _, cookie = _signed_out(base, org.employee)
    # The API: 401 in the error shape, reads and writes alike.
    r = requests.get(f"{base}/api/v1/me", headers=_with_cookie(cookie))
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = requests.get(f"{base}/api/v1/threads/{thread_id}/messages", headers=_with_cookie(cookie))
    assert r.status_code == 401
    r = requests.post(
        f"{base}/api/v1/threads/{thread_id}/messages",
        json={"body": "etter utlogging", "client_id": "x1"},
        headers=_with_cookie(cookie),
    )
    assert r.status_code == 401
    # Pages: off to the sign-in page.
    for path in ("/", "/networks", "/account/tokens"):
        r = requests.get(f"{base}{path}", headers=_with_cookie(cookie), allow_redirects=False)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    # Socket.IO: refused at connect.
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(base, cookie)
    # Nothing was posted with it.
    from kollega.networks.models import Message

    db.session.expire_all()
    assert db.session.query(Message).filter(Message.body == "etter utlogging").count() == 0


def test_sign_out_ends_only_this_session(live_server, org, thread_id):
    base = live_server.url
    _, phone = _browser(base, org.employee)[:2]
    phone_socket = _connect(base, phone)
    laptop_http, laptop, csrf = _browser(base, org.employee)
    laptop_socket = _connect(base, laptop)
    r = laptop_http.post(f"{base}/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 302
    assert _closed_within(laptop_socket, 2.0)
    # The phone's session and socket go on.
    assert phone_socket.connected
    assert phone_socket.call("thread:join", {"thread_id": thread_id}, timeout=10)["ok"]
    assert requests.get(f"{base}/api/v1/me", headers=_with_cookie(phone)).status_code == 200
    assert requests.get(f"{base}/api/v1/me", headers=_with_cookie(laptop)).status_code == 401
    phone_socket.disconnect()
    db.session.expire_all()
    rows = db.session.query(RevokedSession).filter_by(person_id=org.employee.id).all()
    assert len(rows) == 1 and rows[0].expires_at > rows[0].revoked_at


def test_signing_in_again_gives_a_new_session_that_works(live_server, org):
    base = live_server.url
    _, old = _signed_out(base, org.employee)
    _, new, _ = _browser(base, org.employee)
    assert requests.get(f"{base}/api/v1/me", headers=_with_cookie(new)).status_code == 200
    assert requests.get(f"{base}/api/v1/me", headers=_with_cookie(old)).status_code == 401


def test_revoking_a_token_on_the_page_closes_its_sockets_at_once(live_server, org, thread_id):
    base = live_server.url
    token = create_token(org.employee, "revoked on the page")
    other = create_token(org.employee, "kept")
    db.session.commit()
    row = db.session.query(ApiToken).filter_by(name="revoked on the page").one()
    revoked_socket = _connect(base, token=token)
    kept_socket = _connect(base, token=other)
    http, _, csrf = _browser(base, org.employee)
    r = http.post(
        f"{base}/account/tokens/{row.id}/revoke", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert r.status_code == 302
    assert _closed_within(revoked_socket, 2.0)
    assert kept_socket.connected
    assert kept_socket.call("thread:join", {"thread_id": thread_id}, timeout=10)["ok"]
    kept_socket.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(base, token=token)


def test_a_token_revoked_elsewhere_loses_its_sockets_at_the_sweep(app, live_server, org):
    """Revoked without the web page (the command line's ``kollega token revoke``): the
    process's sweep finds it in the database and closes the socket."""
    base = live_server.url
    token = create_token(org.employee, "cli")
    other = create_token(org.employee, "kept")
    db.session.commit()
    app.config["SOCKET_SWEEP_SECONDS"] = 0.2
    revoked_socket = _connect(base, token=token)
    kept_socket = _connect(base, token=other)
    row = db.session.query(ApiToken).filter_by(name="cli").one()
    revoke_token_by_id(row.id)
    db.session.commit()
    assert _closed_within(revoked_socket, 8.0)
    assert kept_socket.connected
    kept_socket.disconnect()


def test_the_sweep_closes_a_signed_out_sessions_socket_it_was_not_told_of(app, live_server, org):
    """The sweep is also the safety net for sign-out: a revoked session found in the
    database closes its socket even if the immediate close was missed."""
    base = live_server.url
    app.config["SOCKET_SWEEP_SECONDS"] = 3600  # no background pass: the sweep is called
    http, cookie, _ = _browser(base, org.employee)
    sio = _connect(base, cookie)
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    data = serializer.loads(dict(p.split("=", 1) for p in cookie.split("; "))[name])
    from kollega.auth import sessions

    sessions.revoke(org.employee.id, data)  # revoked in the database only
    db.session.commit()
    assert sio.connected
    assert sockets.sweep(app) == 1
    assert _closed_within(sio, 2.0)


# --- across processes -----------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.slow
def test_revocations_close_sockets_on_another_process(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    """Two ``kollega run`` processes sharing the database and Redis, the sweep every
    second: a sign-out and a token revoked on the page through process two close their
    sockets on process one at once; a token revoked on the command line (no process
    told) closes within the sweep; the colleague's socket stays open."""
    page_token = create_token(org.employee, "page")
    cli_token = create_token(org.employee, "cli")
    colleague_token = create_token(org.colleague, "colleague")
    db.session.commit()
    env = {
        "KOLLEGA_SOCKETIO_MESSAGE_QUEUE": "1",
        "KOLLEGA_REDIS_URL": redis_url,
        "KOLLEGA_SESSION_COOKIE_SECURE": "0",
        "KOLLEGA_SOCKET_SWEEP_SECONDS": "1",
    }
    url = str(app.config["DATABASE_URL"])
    one = ServerProcess(free_port(), url, tmp_path / "one", env)
    two = ServerProcess(free_port(), url, tmp_path / "two", env)
    opened: list[socketio.Client] = []
    try:
        one.start(timeout=120)
        two.start(timeout=120)
        http, cookie, csrf = _browser(two.url, org.employee)
        browser_socket = _connect(one.url, cookie)
        page_socket = _connect(one.url, token=page_token)
        cli_socket = _connect(one.url, token=cli_token)
        colleague = _connect(one.url, token=colleague_token)
        opened += [browser_socket, page_socket, cli_socket, colleague]

        r = http.post(f"{two.url}/logout", data={"csrf_token": csrf}, allow_redirects=False)
        assert r.status_code == 302
        assert _closed_within(browser_socket, 2.0)
        assert requests.get(f"{one.url}/api/v1/me", headers=_with_cookie(cookie)).status_code == 401

        _, _, csrf = second = _browser(two.url, org.employee)
        row = db.session.query(ApiToken).filter_by(name="page").one()
        r = second[0].post(
            f"{two.url}/account/tokens/{row.id}/revoke",
            data={"csrf_token": csrf},
            allow_redirects=False,
        )
        assert r.status_code == 302
        assert _closed_within(page_socket, 2.0)

        started = time.monotonic()
        revoke_token_by_id(db.session.query(ApiToken).filter_by(name="cli").one().id)
        db.session.commit()
        assert _closed_within(cli_socket, 10.0), time.monotonic() - started
        assert colleague.connected
    finally:
        for sio in opened:
            if sio.connected:
                sio.disconnect()
        one.stop()
        two.stop()
