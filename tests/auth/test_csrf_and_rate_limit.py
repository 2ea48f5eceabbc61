"""CSRF on forms and on cookie-authenticated script requests; rate limit on sign-in."""

from __future__ import annotations

import re

import pytest

from kollega.auth.services import create_token
from kollega.extensions import db
from tests import factories


@pytest.fixture
def app_settings() -> dict[str, object]:
    # In-memory limiter storage (no REDIS_URL): counts start at zero for every test's app.
    return {
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "REDIS_URL": None,
    }


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def sign_in(client, person) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"email": person.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_form_post_without_token_is_400(client, org):
    response = client.post(
        "/login", data={"email": org.employee.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)  # the 400 error page
    assert client.get("/").status_code == 302  # not signed in


def test_form_post_with_token_works(client, org):
    sign_in(client, org.employee)
    assert client.get("/").status_code == 200


def test_signed_in_form_post_without_token_is_400(client, org):
    sign_in(client, org.employee)
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_api_post_needs_csrf_header_with_cookie_but_not_with_bearer(app, client, org):
    """Any state-changing API route: a session without X-CSRFToken is refused with the
    CSRF error; with the header, or with a bearer token, the CSRF check passes."""
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and ({"POST", "PUT", "DELETE"} & (r.methods or set()))
    ]
    if not rules:
        pytest.skip("no state-changing API route exists yet")
    rule = rules[0]
    method = sorted({"POST", "PUT", "DELETE"} & (rule.methods or set()))[0]
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(rf"<[^>]*{arg}>", "1", path)

    sign_in(client, org.employee)
    refused = client.open(path, method=method, json={})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf"

    header = {"X-CSRFToken": csrf_token(client, "/")}
    accepted = client.open(path, method=method, json={}, headers=header)
    assert (accepted.get_json() or {}).get("error", {}).get("code") != "csrf"

    token = create_token(org.other_employee, "test")
    db.session.commit()
    bearer = app.test_client().open(
        path, method=method, json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (bearer.get_json() or {}).get("error", {}).get("code") != "csrf"


def test_bearer_get_needs_no_csrf(app, org):
    token = create_token(org.employee, "test")
    db.session.commit()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_sign_in_is_rate_limited(client, org):
    token = csrf_token(client)
    data = {"email": org.employee.email, "password": "wrong password!", "csrf_token": token}
    statuses = [client.post("/login", data=data).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    limited = client.post(
        "/login",
        data={"email": org.employee.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert limited.status_code == 429
    assert client.get("/").status_code == 302  # even the right password was not accepted
    assert client.get("/login").status_code == 200  # showing the form is not limited
