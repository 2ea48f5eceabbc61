"""Single sign-on with OpenID Connect (Authlib) against the municipality's identity provider.

On when ``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` are set; otherwise the routes are 404 and
the login page shows no button. The provider is found by discovery
(``<issuer>/.well-known/openid-configuration``); Authlib keeps state, nonce and the PKCE
verifier in the session and checks the id_token (signature by the provider's JWKS, issuer,
audience, expiry, nonce) in ``authorize_access_token``.

Accounts are never created here: they come from the HR import. A sign-in is matched to an
existing person by the employee number claim (``OIDC_EMPLOYEE_NUMBER_CLAIM``, when set) or
by the ``email`` claim, case-insensitively; an e-mail the provider marks as unverified
(``email_verified: false``) is not used.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from kollega.auth.services import normalise_email
from kollega.extensions import db
from kollega.org.models import Person

_EXTENSION = "kollega_oidc"
_NAME = "oidc"


class NoMatch(Exception):
    """The provider's claims match no account, or an inactive one (``reason`` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def enabled(app: Flask | None = None) -> bool:
    """Whether single sign-on is configured."""
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def client() -> Any:
    """This app's Authlib client for the provider (made on first use, one per app)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    registered = app.extensions.get(_EXTENSION)
    if registered is None:
        from authlib.integrations.flask_client import OAuth

        # Authlib logs the PKCE verifier at debug level: no secrets in any log, even in debug.
        logging.getLogger("authlib").setLevel(max(logging.INFO, logging.getLogger().level))
        config = app.config
        oauth = OAuth(app)
        registered = oauth.register(
            _NAME,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config.get("OIDC_CLIENT_SECRET") or None,
            server_metadata_url=(
                str(config["OIDC_ISSUER"]).rstrip("/") + "/.well-known/openid-configuration"
            ),
            client_kwargs={
                "scope": config.get("OIDC_SCOPE") or "openid email profile",
                "code_challenge_method": "S256",
            },
        )
        app.extensions[_EXTENSION] = registered
    return registered


def match_person(claims: dict[str, Any]) -> Person:
    """The active person the id_token's claims belong to; ``NoMatch`` otherwise.

    The employee number claim and the e-mail must not point at two different people.
    """
    by_number: Person | None = None
    claim = current_app.config.get("OIDC_EMPLOYEE_NUMBER_CLAIM")
    number = claims.get(claim) if claim else None
    if isinstance(number, str | int) and str(number).strip():
        by_number = db.session.scalar(
            sa.select(Person).where(Person.employee_no == str(number).strip())
        )
    by_email: Person | None = None
    email = claims.get("email")
    if isinstance(email, str) and email.strip() and claims.get("email_verified") is not False:
        by_email = db.session.scalar(
            sa.select(Person).where(sa.func.lower(Person.email) == normalise_email(email))
        )
    if by_number is not None and by_email is not None and by_number.id != by_email.id:
        raise NoMatch("ambiguous")
    person = by_number or by_email
    if person is None:
        raise NoMatch("no_account")
    if not person.active:
        raise NoMatch("inactive")
    return person


def _failures() -> tuple[type[BaseException], ...]:
    import requests
    from authlib.integrations.base_client import OAuthError
    from joserfc.errors import JoseError

    return (OAuthError, JoseError, requests.RequestException, ValueError)


# What a broken, forged or replayed answer from the provider (or none at all) raises.
FAILURES = _failures()
# Reasons shown as "no account for you" (403); the others as "single sign-on did not work".
REFUSED = {"no_account", "inactive", "ambiguous"}


def person_from_callback() -> Person:
    """Finish the code flow of this request: the matched active person, or ``NoMatch``.

    Authlib checks the state, exchanges the code (with the PKCE verifier) and validates the
    id_token, nonce included. Only the reason of a failure is kept, never tokens or claims.
    """
    try:
        token = client().authorize_access_token()
    except FAILURES as exc:
        from authlib.integrations.base_client import MismatchingStateError, OAuthError

        if isinstance(exc, MismatchingStateError):
            raise NoMatch("state") from None
        if isinstance(exc, OAuthError) and exc.error and exc.error != "mismatching_state":
            raise NoMatch("provider_error") from None
        raise NoMatch("invalid_token") from None
    claims = token.get("userinfo")
    if not claims:
        raise NoMatch("no_id_token")
    return match_person(dict(claims))
