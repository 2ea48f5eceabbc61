"""Single sign-on with OpenID Connect against a real, local provider.

The provider is a small werkzeug app in a thread on a free port: discovery, JWKS, an
``/authorize`` that sends the browser straight back with a code (the person "signed in" at
the provider is whatever the test put in ``provider.claims``), and ``/token`` that checks the
PKCE verifier and client secret and answers with an RS256 id_token signed by a key made here.
kollega talks to it over real HTTP (Authlib + requests); the test follows the redirects.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
import requests
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from kollega.org.models import Person
from tests.conftest import free_port

CLIENT_ID = "kollega-test"
CLIENT_SECRET = "provider-secret-for-tests"


class Provider:
    """A minimal OpenID Connect provider (authorization code flow with PKCE)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.claims: dict[str, Any] = {}
        self.nonce_override: str | None = None
        self.sign_with_other_key = False
        self.codes: dict[str, dict[str, Any]] = {}
        self.server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reset(self) -> None:
        self.claims = {}
        self.nonce_override = None
        self.sign_with_other_key = False

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
        }.get(request.path)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    def discovery(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    def jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: Request) -> Response:
        args = request.args
        assert args["client_id"] == CLIENT_ID
        assert args["response_type"] == "code"
        assert "openid" in args["scope"].split()
        assert args["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": args["nonce"],
            "challenge": args["code_challenge"],
            "redirect_uri": args["redirect_uri"],
        }
        query = urlencode({"code": code, "state": args["state"]})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, 401)
        grant = self.codes.pop(request.form.get("code", ""), None)
        if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant"}, 400)
        verifier = request.form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant["challenge"]:
            return _json({"error": "invalid_grant"}, 400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "subject-1",
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or grant["nonce"],
            **self.claims,
        }
        key = self.other_key if self.sign_with_other_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
        return _json(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )


def _json(data: dict[str, Any], status: int = 200) -> Response:
    import json

    return Response(json.dumps(data), status, content_type="application/json")


@pytest.fixture(scope="module")
def _provider() -> Iterator[Provider]:
    provider = Provider()
    provider.thread.start()
    yield provider
    provider.server.shutdown()


@pytest.fixture
def provider(_provider: Provider) -> Iterator[Provider]:
    _provider.reset()
    yield _provider
    _provider.reset()


@pytest.fixture
def app_settings(_provider: Provider) -> dict[str, Any]:
    return {
        "OIDC_ISSUER": _provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_NAME": "Drammen kommune",
        "OIDC_EMPLOYEE_NUMBER_CLAIM": "employee_number",
    }


def sign_in_via_provider(client: Any) -> Any:
    """GET /login/oidc, let the provider answer (real HTTP), and return the callback's response."""
    start = client.get("/login/oidc")
    assert start.status_code == 302
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/oidc/callback"
    return client.get(f"{back.path}?{back.query}")


def signed_in_id(client: Any) -> int | None:
    with client.session_transaction() as session:
        user = session.get("_user_id")
    return int(user.split(":")[0]) if user else None


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_login_page_offers_the_provider(client, org, provider):
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert b'href="/login/oidc"' in page.data
    assert "Logg inn med Drammen kommune" in page.get_data(as_text=True)


def test_redirect_carries_state_nonce_and_pkce(client, org, provider):
    start = client.get("/login/oidc")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(f"{provider.issuer}/authorize?")
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://localhost/login/oidc/callback"]


def test_match_by_email_signs_in(client, org, provider):
    provider.claims = {"email": "EVA@Test.Kollega.no", "email_verified": True}
    response = sign_in_via_provider(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_id(client) == org.employee.id
    assert client.get("/").status_code == 200
    (event,) = audit("auth.sign_in")
    assert event.actor_id == org.employee.id
    assert event.details["method"] == "oidc"
    assert "EVA" not in str(event.details) and "token" not in str(event.details).lower()


def test_match_by_employee_number_signs_in(client, org, provider):
    provider.claims = {"employee_number": org.colleague.employee_no, "email": "x@elsewhere.no"}
    response = sign_in_via_provider(client)
    assert response.headers["Location"] == "/"
    assert signed_in_id(client) == org.colleague.id
    assert client.get("/").status_code == 200


def test_unknown_person_is_refused_and_nothing_created(client, org, provider):
    people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    provider.claims = {"email": "stranger@test.kollega.no", "employee_number": "E99999"}
    response = sign_in_via_provider(client)
    assert response.status_code == 403
    assert "ingen aktiv konto" in response.get_data(as_text=True)
    assert signed_in_id(client) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == people
    (event,) = audit("auth.sign_in_failed")
    assert event.details == {"method": "oidc", "reason": "no_account"}
    assert client.get("/").status_code == 302  # to /login


def test_inactive_and_unverified_email_are_refused(client, org, provider):
    org.employee.active = False
    db.session.commit()
    provider.claims = {"email": "eva@test.kollega.no"}
    assert sign_in_via_provider(client).status_code == 403
    provider.claims = {"email": "kari@test.kollega.no", "email_verified": False}
    assert sign_in_via_provider(client).status_code == 403
    assert signed_in_id(client) is None
    reasons = [e.details["reason"] for e in audit("auth.sign_in_failed")]
    assert sorted(reasons) == ["inactive", "no_account"]


def test_wrong_nonce_is_refused(client, org, provider):
    provider.claims = {"email": "eva@test.kollega.no"}
    provider.nonce_override = "not-the-nonce-we-sent"
    response = sign_in_via_provider(client)
    assert response.status_code == 401
    assert signed_in_id(client) is None
    assert audit("auth.sign_in_failed")[0].details["reason"] == "invalid_token"


def test_id_token_signed_by_another_key_is_refused(client, org, provider):
    provider.claims = {"email": "eva@test.kollega.no"}
    provider.sign_with_other_key = True
    response = sign_in_via_provider(client)
    assert response.status_code == 401
    assert signed_in_id(client) is None
    assert client.get("/").status_code == 302


def test_callback_without_our_state_is_refused(client, org, provider):
    response = client.get("/login/oidc/callback?code=abc&state=forged")
    assert response.status_code == 401
    assert signed_in_id(client) is None
    assert audit("auth.sign_in_failed")[0].details["reason"] == "state"


@pytest.mark.parametrize(
    "extra",
    [{"TOTP_REQUIRED_ROLES": "hr"}, {"TOTP_REQUIRED_ROLES": "hr", "OIDC_TRUSTED_MFA": True}],
)
def test_second_factor_required_unless_provider_trusted(client, org, provider, app, extra):
    app.config.update(extra)
    provider.claims = {"email": "hanne@test.kollega.no"}
    response = sign_in_via_provider(client)
    assert signed_in_id(client) == org.hr.id
    if extra.get("OIDC_TRUSTED_MFA"):
        assert response.headers["Location"] == "/"
        assert client.get("/").status_code == 200
    else:
        # Not enrolled yet: kollega's TOTP step still applies to an HR account.
        assert response.headers["Location"] == "/account/two-factor"
        assert client.get("/").headers["Location"] == "/account/two-factor"


@pytest.mark.parametrize("app_settings", [{}])
def test_off_when_not_configured(client, org, app_settings):
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    assert b"/login/oidc" not in client.get("/login").data


def test_enrolled_second_factor_is_asked_after_the_provider(client, org, provider):
    from kollega.auth.services import begin_totp, confirm_totp

    cred = begin_totp(org.hr)
    confirm_totp(org.hr, pyotp.TOTP(cred.secret).now())
    db.session.commit()
    provider.claims = {"email": "hanne@test.kollega.no"}
    response = sign_in_via_provider(client)
    assert response.headers["Location"] == "/login/two-factor"
    assert signed_in_id(client) is None
    code = pyotp.TOTP(cred.secret).at(time.time() + 30)  # not the code just used
    done = client.post("/login/two-factor", data={"code": code})
    assert done.headers["Location"] == "/"
    assert signed_in_id(client) == org.hr.id
    (event,) = audit("auth.sign_in")
    assert event.details["method"] == "oidc" and event.details["second_factor"] == "totp"
