"""TOTP second factor: enrolment, sign-in with a code or a recovery code, the requirement
for HR and admin accounts, turning it off, and the audit trail."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.auth.models import RecoveryCode, TotpCredential
from kollega.extensions import db
from tests import factories
from tests.conftest import login


def _enrol(client: Any) -> tuple[str, list[str]]:
    """Set up TOTP through the pages: the secret and the recovery codes shown."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", html).group(1)  # type: ignore[union-attr]
    assert "otpauth://totp/kollega:" in html and "<svg" in html
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    return secret, codes


def _next_code(secret: str) -> str:
    """The code of the next time step (the current one was spent at enrolment)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _actions(person: Any) -> list[tuple[str, dict[str, Any]]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == person.id).order_by(AuditEvent.id)
    )
    return [(r.action, r.details or {}) for r in rows]


def test_enrolment_shows_secret_uri_and_qr_then_ten_hashed_recovery_codes(client, org):
    login(client, org.employee)
    wrong = client.get("/account/two-factor")
    assert wrong.status_code == 200
    refused = client.post("/account/two-factor", data={"code": "000000"})
    assert refused.status_code == 422
    assert "Koden er ikke riktig" in refused.get_data(as_text=True)
    cred = db.session.scalar(
        sa.select(TotpCredential).where(TotpCredential.person_id == org.employee.id)
    )
    assert cred is not None and cred.confirmed_at is None

    secret, codes = _enrol(client)
    assert len(codes) == 10 == len(set(codes))
    db.session.expire_all()
    cred = db.session.scalar(
        sa.select(TotpCredential).where(TotpCredential.person_id == org.employee.id)
    )
    assert cred.secret == secret and cred.confirmed_at is not None
    hashes = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.person_id == org.employee.id)
    ).all()
    assert len(hashes) == 10 and not set(hashes) & set(codes)
    assert "auth.second_factor_enrolled" in [a for a, _ in _actions(org.employee)]
    # The settings page now says how many recovery codes are left.
    assert "10 ubrukte gjenopprettingskoder" in client.get("/account/two-factor").get_data(
        as_text=True
    )


def test_sign_in_asks_for_the_code_and_refuses_a_replay(app, client, org):
    login(client, org.employee)
    secret, _ = _enrol(client)
    client.post("/logout")

    first = client.post(
        "/login", data={"email": org.employee.email, "password": factories.PASSWORD}
    )
    assert first.status_code == 302 and first.headers["Location"] == "/login/two-factor"
    assert client.get("/").status_code == 302  # the password alone does not sign in
    bad = client.post("/login/two-factor", data={"code": "123456"})
    assert bad.status_code == 401
    code = _next_code(secret)
    ok = client.post("/login/two-factor", data={"code": code})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")

    # The same code a second time (someone looking over the shoulder) is refused.
    other = app.test_client()
    login(other, org.employee)
    assert other.post("/login/two-factor", data={"code": code}).status_code == 401
    assert other.get("/").status_code == 302

    actions = _actions(org.employee)
    assert ("auth.sign_in", {"second_factor": "totp"}) in actions
    assert [a for a, _ in actions].count("auth.second_factor_failed") == 2


def test_a_recovery_code_signs_in_once(client, org):
    login(client, org.employee)
    _, codes = _enrol(client)
    client.post("/logout")
    for expected in (302, 401):
        login(client, org.employee)
        response = client.post("/login/two-factor", data={"code": codes[0].upper()})
        assert response.status_code == expected
        client.post("/logout")
    assert ("auth.sign_in", {"second_factor": "recovery"}) in _actions(org.employee)


def test_the_second_step_expires_and_needs_the_password_first(client, org):
    login(client, org.employee)
    secret, _ = _enrol(client)
    client.post("/logout")
    assert client.get("/login/two-factor").status_code == 302  # no password given
    login(client, org.employee)
    with client.session_transaction() as sess:
        pending = dict(sess["_pending_second_factor"])
        pending["at"] -= 301
        sess["_pending_second_factor"] = pending
    response = client.post("/login/two-factor", data={"code": _next_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_sign_in_without_a_second_factor_is_audited_as_such(client, org):
    login(client, org.employee)
    assert ("auth.sign_in", {"second_factor": "none"}) in _actions(org.employee)


def test_turning_it_off_needs_the_password(client, org):
    login(client, org.employee)
    _enrol(client)
    wrong = client.post("/account/two-factor/disable", data={"password": "not my password"})
    assert wrong.status_code == 422
    ok = client.post("/account/two-factor/disable", data={"password": factories.PASSWORD})
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    client.post("/logout")
    login(client, org.employee)
    assert client.get("/").status_code == 200  # no second step any more


def test_new_recovery_codes_replace_the_old(client, org):
    login(client, org.employee)
    _, old = _enrol(client)
    response = client.post("/account/two-factor/recovery-codes")
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    login(client, org.employee)
    assert client.post("/login/two-factor", data={"code": old[0]}).status_code == 401


def test_an_operator_resets_a_lost_second_factor(client, runner, org):
    login(client, org.employee)
    _enrol(client)
    result = runner("users", "reset-second-factor", org.employee.email)
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302  # signed out everywhere
    login(client, org.employee)
    assert client.get("/").status_code == 200  # no second step any more
    again = runner("users", "reset-second-factor", org.employee.email)
    assert again.exit_code != 0 and "has no second factor" in again.output
    assert "auth.second_factor_reset" in {
        e.action for e in db.session.scalars(sa.select(AuditEvent))
    }


def test_an_admin_removes_a_lost_second_factor_on_the_account_page(app, client, org):
    login(client, org.employee)
    _enrol(client)
    admin = app.test_client()
    login(admin, org.admin)
    page = admin.get(f"/admin/users/{org.employee.id}").get_data(as_text=True)
    assert f"/admin/users/{org.employee.id}/second-factor" in page
    done = admin.post(f"/admin/users/{org.employee.id}/second-factor")
    assert done.status_code == 302
    assert client.get("/").status_code == 302  # signed out everywhere
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TotpCredential)) == 0
    assert ("auth.second_factor_reset", {"via": "admin"}) in _actions(org.admin)
    page = admin.get(f"/admin/users/{org.employee.id}").get_data(as_text=True)
    assert f"/admin/users/{org.employee.id}/second-factor" not in page
    # Only admins: HR gets 403 and nothing changes.
    hr = app.test_client()
    login(hr, org.hr)
    assert hr.post(f"/admin/users/{org.employee.id}/second-factor").status_code == 403


class TestRequiredForHrAndAdmin:
    @pytest.fixture
    def app_settings(self) -> dict[str, Any]:
        return {"TOTP_REQUIRED_ROLES": "hr,admin"}

    def test_hr_is_sent_to_enrol_before_anything_else(self, client, org):
        response = client.post(
            "/login", data={"email": org.hr.email, "password": factories.PASSWORD}
        )
        assert response.headers["Location"] == "/account/two-factor"
        for path in ("/", "/admin/users", "/account/password"):
            gated = client.get(path)
            assert gated.status_code == 302 and gated.headers["Location"] == "/account/two-factor"
        api = client.get("/api/v1/me")
        assert api.status_code == 403
        assert api.get_json()["error"]["code"] == "second_factor_required"
        page = client.get("/account/two-factor").get_data(as_text=True)
        assert "må bruke en andre faktor" in page
        _enrol(client)
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/me").status_code == 200
        # Required: it cannot be turned off.
        refused = client.post("/account/two-factor/disable", data={"password": factories.PASSWORD})
        assert refused.status_code == 403
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TotpCredential)) == 1

    def test_an_employee_is_not_asked(self, client, org):
        login(client, org.employee)
        assert client.get("/").status_code == 200

    def test_bearer_tokens_of_hr_still_work(self, client, org):
        from kollega.auth.services import create_token

        token = create_token(org.hr, "integration")
        db.session.commit()
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200

    def test_a_socket_of_a_session_that_owes_the_factor_is_refused(self, app, live_server, org):
        import requests
        import socketio

        http = requests.Session()
        data = {"email": org.hr.email, "password": factories.PASSWORD}
        assert http.post(f"{live_server.url}/login", data=data, allow_redirects=False).ok
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        sio = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio.connect(
                live_server.url, headers={"Cookie": cookie}, transports=["polling"], wait_timeout=5
            )
        employee = requests.Session()
        data = {"email": org.employee.email, "password": factories.PASSWORD}
        assert employee.post(f"{live_server.url}/login", data=data, allow_redirects=False).ok
        cookie = "; ".join(f"{k}={v}" for k, v in employee.cookies.items())
        sio.connect(
            live_server.url, headers={"Cookie": cookie}, transports=["polling"], wait_timeout=5
        )
        assert sio.connected
        sio.disconnect()
