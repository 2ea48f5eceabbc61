"""Sign-in, sign-out, session renewal, rehash, password change, inactive people."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from kollega.auth.services import hash_password
from kollega.extensions import db
from kollega.org.models import Person
from tests import factories
from tests.conftest import login

ENGLISH_FAILURE = "Wrong e-mail or password."


def session_cookie(client) -> str | None:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_sign_in_success_redirects_home(client, org):
    response = client.post(
        "/login", data={"email": "EVA@test.kollega.no ", "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_follows_only_local_next(client, org):
    data = {"email": org.employee.email, "password": factories.PASSWORD}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/units", data=data)
    assert response.headers["Location"] == "/units"


def test_wrong_password_is_401_in_norwegian_by_default(client, org):
    response = client.post("/login", data={"email": org.employee.email, "password": "nope" * 4})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert ENGLISH_FAILURE not in html
    assert "Feil e-post eller passord" in html


def test_unknown_email_is_401_in_english_after_language_switch(client, org):
    assert client.post("/language", data={"lang": "en", "next": "/login"}).status_code == 302
    response = client.post(
        "/login", data={"email": "nobody@test.kollega.no", "password": factories.PASSWORD}
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert ENGLISH_FAILURE in html


def test_sign_in_form_errors_are_422(client, org):
    response = client.post("/login", data={"email": "not-an-address", "password": ""})
    assert response.status_code == 422
    assert client.get("/").status_code == 302


def test_inactive_person_cannot_sign_in(client, org):
    org.employee.active = False
    db.session.commit()
    response = client.post(
        "/login", data={"email": org.employee.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_sign_in_renews_the_session(client, org):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "from before sign-in"
    before = session_cookie(client)
    assert before
    login(client, org.employee)
    after = session_cookie(client)
    assert after and after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("_user_id", "").startswith(f"{org.employee.id}:")


def test_sign_in_keeps_the_chosen_language(client, org):
    client.post("/language", data={"lang": "en", "next": "/login"})
    login(client, org.employee)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


@pytest.fixture
def production_argon2(monkeypatch):
    """kollega's own argon2 hasher, with the production parameters (tests/conftest.py
    makes the rest of the suite's hashing cheap)."""
    from kollega.auth import services
    from tests import conftest

    monkeypatch.setattr(services, "_hasher", conftest.PRODUCTION_HASHER)
    return conftest.PRODUCTION_HASHER


def test_rehash_when_argon2_parameters_change(client, org, production_argon2):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    old_hash = weak.hash(factories.PASSWORD)
    org.employee.password_hash = old_hash
    db.session.commit()
    login(client, org.employee)
    person = db.session.get(Person, org.employee.id)
    db.session.refresh(person)
    assert person.password_hash != old_hash
    assert not PasswordHasher().check_needs_rehash(person.password_hash)
    PasswordHasher().verify(person.password_hash, factories.PASSWORD)


def test_no_rehash_when_parameters_are_current(client, org, production_argon2):
    current = hash_password(factories.PASSWORD)
    org.employee.password_hash = current
    db.session.commit()
    login(client, org.employee)
    db.session.refresh(org.employee)
    assert org.employee.password_hash == current


def test_sign_out(client, org):
    login(client, org.employee)
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_out_needs_post(client, org):
    login(client, org.employee)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_session_cookie_flags(client, org):
    response = login(client, org.employee)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_secure_cookies_outside_development():
    from config import Config, DevelopmentConfig, ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert Config.REMEMBER_COOKIE_SECURE is True
    assert DevelopmentConfig.SESSION_COOKIE_SECURE is False


class TestChangePassword:
    NEW = "a brand new long password"

    def post(self, client, current, new, repeat=None):  # type: ignore[no-untyped-def]
        return client.post(
            "/account/password",
            data={"current": current, "new": new, "repeat": new if repeat is None else repeat},
        )

    def test_wrong_current_password_is_422(self, client, org):
        login(client, org.employee)
        before = org.employee.password_hash
        response = self.post(client, "not the password", self.NEW)
        assert response.status_code == 422
        db.session.refresh(org.employee)
        assert org.employee.password_hash == before

    def test_too_short_is_422(self, client, org):
        login(client, org.employee)
        before = org.employee.password_hash
        response = self.post(client, factories.PASSWORD, "short")
        assert response.status_code == 422
        assert "12" in response.get_data(as_text=True)
        db.session.refresh(org.employee)
        assert org.employee.password_hash == before

    def test_repeat_must_match(self, client, org):
        login(client, org.employee)
        assert self.post(client, factories.PASSWORD, self.NEW, "different").status_code == 422

    def test_success_signs_out_other_sessions(self, app, org):
        this, other = app.test_client(), app.test_client()
        login(this, org.employee)
        login(other, org.employee)
        assert other.get("/").status_code == 200
        response = self.post(this, factories.PASSWORD, self.NEW)
        assert response.status_code == 302
        assert this.get("/").status_code == 200  # this session stays signed in
        assert other.get("/").status_code == 302  # the other one is signed out
        this.post("/logout")
        login(this, org.employee, self.NEW)

    def test_needs_sign_in(self, client, org):
        response = client.get("/account/password")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
