"""``kollega users`` and ``kollega token`` commands, bearer tokens and the token page."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.auth.models import ApiToken
from kollega.auth.services import create_token, find_by_email
from kollega.extensions import db
from kollega.org.models import Person
from tests.conftest import login

NEW_PASSWORD = "a long enough password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_users_create_then_sign_in(runner, client, org):
    result = runner(
        "users",
        "create",
        "--email",
        "Nina.Ny@Test.Kollega.no",
        "--name",
        "Nina Ny",
        "--unit",
        "A1",
        "--role",
        "employee",
        "--role",
        "leader",
        "--password-stdin",
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    person = find_by_email("nina.ny@test.kollega.no")
    assert person is not None and person.roles == ["employee", "leader"]
    assert [u.code for u in person.led_units] == ["A1"]
    response = client.post(
        "/login", data={"email": "nina.ny@test.kollega.no", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_users_create_duplicate_email_fails_with_one_line(runner, org):
    result = runner(
        "users",
        "create",
        "--email",
        org.employee.email,
        "--name",
        "Someone Else",
        "--password-stdin",
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and org.employee.email in lines[0]
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Person).where(Person.email == org.employee.email)
    )
    assert count == 1


def test_users_create_short_password_fails_with_one_line(runner, org):
    result = runner(
        "users",
        "create",
        "--email",
        "x@test.kollega.no",
        "--name",
        "X",
        "--password-stdin",
        input="short\n",
    )
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1
    assert find_by_email("x@test.kollega.no") is None


def test_users_set_password(runner, client, org):
    result = runner(
        "users", "set-password", org.employee.email, "--password-stdin", input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert (
        client.post(
            "/login", data={"email": org.employee.email, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_users_set_password_unknown_email(runner, org):
    result = runner(
        "users",
        "set-password",
        "nobody@test.kollega.no",
        "--password-stdin",
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1


def test_token_create_prints_only_the_token_and_it_works(runner, app, org):
    result = runner("token", "create", org.employee.email)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert token.startswith("kol_") and " " not in token
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored  # only a hash is stored
    response = app.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["email"] == org.employee.email


def test_token_list_and_revoke(runner, app, org):
    token = runner("token", "create", org.employee.email, "--name", "laptop").output.strip()
    listed = runner("token", "list", org.employee.email)
    assert listed.exit_code == 0
    assert token not in listed.output
    (line,) = listed.output.splitlines()
    token_id, _created, state, name = line.split("\t")
    assert state == "active" and name == "laptop"
    revoked = runner("token", "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner("token", "list", org.employee.email).output
    response = app.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_token_commands_reject_bad_input(runner, org):
    for args in (
        ("token", "create", "nobody@test.kollega.no"),
        ("token", "list", "nobody@test.kollega.no"),
        ("token", "revoke", "999999"),
        ("token", "revoke", "not-a-number"),
    ):
        result = runner(*args)
        assert result.exit_code != 0, args
        assert result.output.strip(), args


def test_bad_bearer_tokens_are_401(app, org):
    client = app.test_client()
    for header in ("Bearer nonsense", "Bearer ", "Basic abc", "Bearer " + "x" * 500):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401


def test_token_of_inactive_person_is_401(app, org):
    token = create_token(org.employee)
    org.employee.active = False
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_page_lists_and_revokes_own_tokens(app, client, org):
    token = create_token(org.employee, "my script")
    other = create_token(org.colleague, "colleague's")
    db.session.commit()
    own_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "my script"))
    other_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "colleague's"))
    login(client, org.employee)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "my script" in html and "colleague" not in html and token not in html
    # someone else's token: 404, and it keeps working
    assert client.post(f"/account/tokens/{other_id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer(other)).status_code == 200
    response = client.post(f"/account/tokens/{own_id}/revoke")
    assert response.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert "/revoke" not in client.get("/account/tokens").get_data(as_text=True)


def test_token_page_needs_sign_in(client, org):
    response = client.get("/account/tokens")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/account/tokens/1/revoke").status_code == 302
